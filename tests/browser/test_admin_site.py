"""The piccolo-admin site: admins only (axe is not run on the third-party SPA)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.browser.helpers import expect, submit_login

SITE_NAME = "Internkontroll – administration"
PageAs = Callable[[str], Awaitable[Any]]


async def test_admin_opens_piccolo_admin(page_as: PageAs) -> None:
    page = await page_as("admin")
    response = await page.goto("/admin/")
    assert response is not None and response.status == 200
    await expect(page).to_have_title(SITE_NAME)
    await expect(page.get_by_text(SITE_NAME).first).to_be_visible()


async def test_admin_without_trailing_slash_redirects(page_as: PageAs) -> None:
    page = await page_as("admin")
    await page.goto("/admin")
    await expect(page).to_have_url(re.compile(r"/admin/(#.*)?$"))
    await expect(page).to_have_title(SITE_NAME)


async def test_board_secretary_gets_the_swedish_403_page(page_as: PageAs) -> None:
    page = await page_as("bun-sekreterare")
    response = await page.goto("/admin/")
    assert response is not None and response.status == 403
    await expect(page).to_have_title("Åtkomst nekad – Internkontroll")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Åtkomst nekad")
    await expect(page.get_by_role("link", name="Till startsidan")).to_be_visible()


async def test_anonymous_visitor_ends_at_the_login_page_and_returns_after_login(page: Any) -> None:
    await page.goto("/admin/")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2F$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    response = await submit_login(page, "admin")
    assert response.status == 303
    await expect(page).to_have_url(re.compile(r"/admin/(#.*)?$"))
    await expect(page).to_have_title(SITE_NAME)

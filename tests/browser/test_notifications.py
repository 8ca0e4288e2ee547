"""Påminnelser in a real browser: the demo's reminders, the header's unread count, marking one
read with htmx, and turning e-mail off.

The demo runs the reminder days of the last four weeks, so who has reminders depends on the
date: the test takes the first of a few demo users with at least two unread.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.browser.helpers import check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
CANDIDATES = (
    "samordnare",
    "bost-sekreterare",
    "tn-sekreterare",
    "sn-kontrollant",
    "tn-kontrollant",
    "bun-handlaggare",
    "bun-kontrollant",
)


def unread_label(count: int) -> str:
    """The header link's accessible name for a number of unread reminders."""
    if count == 0:
        return "Påminnelser, inga olästa"
    return f"Påminnelser, {count} {'oläst' if count == 1 else 'olästa'}"


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def _unread(page: Any) -> int:
    answer = await page.request.get("/api/notifications?unread=true")
    assert answer.ok, answer.status
    return (await answer.json())["unread_count"]


async def _user_with_reminders(page_as: PageAs) -> tuple[Any, int]:
    for username in CANDIDATES:
        page = await page_as(username)
        count = await _unread(page)
        if count >= 2:
            return page, count
    pytest.fail(f"none of the demo users {CANDIDATES} has two unread reminders", pytrace=False)


async def test_the_list_the_unread_count_and_marking_one_read(page_as: PageAs) -> None:
    page, unread = await _user_with_reminders(page_as)
    await open_page(page, "/")
    header_link = page.get_by_role("link", name=unread_label(unread), exact=True)
    await expect(header_link).to_be_visible()
    await expect(header_link.locator(".badge")).to_have_text(str(unread))

    await header_link.click()
    await page.wait_for_url(re.compile(r"/paminnelser$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Påminnelser")
    items = page.locator("li.notification")
    assert await items.count() >= 2
    first = items.first
    await expect(first.locator(".tag--unread")).to_have_text("Oläst")
    await expect(first).to_contain_text("Varför du får den:")
    await expect(first.get_by_role("heading", level=3).get_by_role("link")).to_be_visible()
    if await page.locator(".overdue-flag").count():
        await expect(page.locator(".overdue-flag").first).to_have_text("Försenad")
    await check_accessibility(page, "Påminnelser with unread reminders")

    item_id = await first.get_attribute("id")
    title = await first.get_by_role("heading", level=3).inner_text()
    await first.get_by_role("button", name=f"Markera som läst: {title}").click()

    item = page.locator(f"#{item_id}")
    await expect(item.locator(".tag")).to_have_text("Läst")
    await expect(item.get_by_role("button")).to_have_count(0)
    await expect(item).to_be_focused()
    await expect(
        page.get_by_role("link", name=unread_label(unread - 1), exact=True)
    ).to_be_visible()
    await expect(page.locator("#notification-status")).to_contain_text(
        f"Markerad som läst: {title}."
    )
    assert page.url.endswith("/paminnelser"), "htmx marked it read in place"
    await check_accessibility(page, "Påminnelser after marking one read")

    # The server agrees after a reload: one fewer unread, the read one last among the unread.
    await page.reload()
    await expect(
        page.get_by_role("link", name=unread_label(unread - 1), exact=True)
    ).to_be_visible()
    await expect(page.locator(f"#{item_id} .tag")).to_have_text("Läst")
    assert await _unread(page) == unread - 1


async def test_the_settings_turn_email_off_and_show_the_calendar_address(page_as: PageAs) -> None:
    page = await page_as("bun-sekreterare")
    await open_page(page, "/paminnelser")
    settings = page.get_by_role("region", name="Inställningar")
    await expect(settings.get_by_role("heading", name="E-post")).to_be_visible()
    await expect(settings).to_contain_text("Ingen e-postserver är inställd för Internkontroll")
    address = page.get_by_label("Din kalenderadress")
    old_url = await address.input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/kalender/\d+-[A-Za-z0-9_-]{43}\.ics", old_url)

    await page.get_by_label("Skicka ingen e-post, visa dem bara här").check()
    await page.get_by_role("button", name="Spara e-postvalet").click()
    await expect(page.get_by_role("status").first).to_have_text(
        "E-post om påminnelser är avstängd. Du ser dem fortfarande här."
    )
    await expect(page.get_by_label("Skicka ingen e-post, visa dem bara här")).to_be_checked()
    await check_accessibility(page, "Påminnelser with e-mail turned off")

    # The feed answers at its address, and no longer once renewed.
    # PUBLIC_URL is not set for the live server: ask its own origin for the same path.
    feed = await page.request.get(_path(old_url))
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    await page.get_by_role("button", name="Förnya adressen").click()
    await expect(page.get_by_role("status").first).to_contain_text(
        "Kalenderflödet har fått en ny adress."
    )
    new_url = await page.get_by_label("Din kalenderadress").input_value()
    assert new_url != old_url
    assert (await page.request.get(_path(old_url))).status == 404
    assert (await page.request.get(_path(new_url))).ok

    # Back on, for any later test of this user.
    await page.get_by_label("Skicka påminnelser till min e-post").check()
    await page.get_by_role("button", name="Spara e-postvalet").click()
    await expect(page.get_by_role("status").first).to_have_text(
        "E-post om påminnelser är påslagen."
    )

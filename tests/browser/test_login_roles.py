"""Every demo role signs in through the real form, lands on its own start page and signs out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.helpers import (
    WRONG_CREDENTIALS,
    expect,
    login_via_form,
    logout_via_button,
    submit_login,
)

BOARDS = {
    "KS": "Kommunstyrelsen",
    "BUN": "Barn- och utbildningsnämnden",
}
BOARD_ROLES = {
    "sekreterare": "Nämndsekreterare",
    "handlaggare": "Handläggare",
    "kontrollant": "Kontrollansvarig",
    "ledamot": "Ledamot (läsbehörighet)",
}
BOARD_MEMBERS = [
    pytest.param(short, suffix, id=f"{short.lower()}-{suffix}")
    for short in BOARDS
    for suffix in BOARD_ROLES
]


async def _logout_and_check(page: Any) -> None:
    await logout_via_button(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    await expect(page.get_by_label("Användarnamn")).to_be_visible()
    await expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    # The session is gone: the start page sends us back to the login form.
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    await expect(page.get_by_role("button", name="Logga in")).to_be_visible()


def _main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Huvudmeny")


async def test_admin_lands_on_the_system_administrator_start_page(page: Any) -> None:
    await login_via_form(page, "admin")
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("systemförvaltare")
    main = page.get_by_role("main")
    await expect(main.get_by_role("link", name="Administrationen")).to_have_attribute(
        "href", "/admin/"
    )
    await expect(_main_nav(page).get_by_role("link", name="Administration")).to_have_attribute(
        "href", "/admin/"
    )
    await expect(_main_nav(page).get_by_role("link", name="Granskningslogg")).to_be_visible()
    await _logout_and_check(page)


async def test_coordinator_lands_on_the_coordinator_start_page(page: Any) -> None:
    await login_via_form(page, "samordnare")
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("internkontrollsamordnare")
    # Reads every board, but neither the audit trail nor the admin site.
    await expect(page.get_by_role("heading", name="Alla nämnder och bolag")).to_be_visible()
    await expect(_main_nav(page).get_by_role("link", name="Granskningslogg")).to_have_count(0)
    await expect(page.locator('a[href="/admin/"]')).to_have_count(0)
    await _logout_and_check(page)


async def test_auditor_lands_on_the_auditor_start_page(page: Any) -> None:
    await login_via_form(page, "revisor")
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("revisor")
    audit_link = _main_nav(page).get_by_role("link", name="Granskningslogg", exact=True)
    await expect(audit_link).to_have_attribute("href", "/granskningslogg")
    await expect(page.locator('a[href="/admin/"]')).to_have_count(0)
    await _logout_and_check(page)


@pytest.mark.parametrize(("short", "suffix"), BOARD_MEMBERS)
async def test_board_member_lands_on_mina_namnder(page: Any, short: str, suffix: str) -> None:
    await login_via_form(page, f"{short.lower()}-{suffix}")
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    section = page.get_by_role("region", name="Mina nämnder")
    await expect(section.get_by_role("heading", name="Mina nämnder")).to_be_visible()
    cards = section.get_by_role("listitem")
    await expect(cards).to_have_count(1)
    await expect(cards.get_by_role("link", name=BOARDS[short], exact=True)).to_be_visible()
    await expect(cards).to_contain_text(BOARD_ROLES[suffix])
    # Members of the kommunstyrelse also see every board; other board members do not.
    all_boards = page.get_by_role("heading", name="Alla nämnder och bolag")
    await expect(all_boards).to_have_count(1 if short == "KS" else 0)
    await expect(_main_nav(page).get_by_role("link", name="Granskningslogg")).to_have_count(0)
    await expect(page.locator('a[href="/admin/"]')).to_have_count(0)
    await _logout_and_check(page)


async def test_wrong_password_shows_the_swedish_error_with_status_401(page: Any) -> None:
    await page.goto("/login")
    response = await submit_login(page, "sn-ledamot", "fel-losenord")
    assert response.status == 401
    await expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    await expect(page.get_by_label("Användarnamn")).to_have_value("sn-ledamot")
    await expect(page.get_by_label("Användarnamn")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Lösenord")).to_have_value("")
    # Still signed out.
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))


async def test_login_returns_to_the_page_first_asked_for(page: Any) -> None:
    await page.goto("/namnder")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fnamnder$"))
    response = await submit_login(page, "bun-handlaggare")
    assert response.status == 303
    await expect(page).to_have_url(re.compile(r"/namnder$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nämnder och bolag")

"""The administrators' delivery page in a real browser, on the demo kommun.

The demo runs the reminder days of the last four weeks without e-mail, so the page lists
those runs as done and counts their notifications as not e-mailed; the live server has no
mail server configured and runs no scheduler of its own (RUN_SCHEDULER=false in the tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.browser.helpers import check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
PAGE = "/drift/paminnelser"


async def test_admin_sees_the_scheduler_runs_and_the_mail_status(page_as: PageAs) -> None:
    page = await page_as("admin")
    await open_page(page, PAGE)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Påminnelser – drift")
    await expect(page).to_have_title("Påminnelser – drift – Internkontroll")
    await expect(page.locator("dl.facts")).to_contain_text(
        "Ingen inställd (SMTP_HOST saknas): påminnelserna finns bara i appen."
    )
    await expect(page.locator("dl.facts")).to_contain_text("RUN_SCHEDULER=false")
    runs = page.get_by_role("region", name="Tabell: Schemaläggarens körningar")
    await expect(runs).to_be_visible()
    rows = runs.locator("tbody tr")
    assert await rows.count() >= 20  # four weeks of days, newest first (at most 30 shown)
    await expect(rows.first).to_contain_text("Klar")
    await expect(runs).to_contain_text("ingen arbetsdag")  # the weekends are run too
    counts = page.get_by_role("table", name="Påminnelser efter e-postens läge")
    await expect(counts).to_contain_text("Skickas inte")
    await expect(page.get_by_text("All e-post har gått fram")).to_be_visible()
    await check_accessibility(page, "delivery status page")


async def test_others_are_refused(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    await open_page(page, PAGE, status=403)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Åtkomst nekad")

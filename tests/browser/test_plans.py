"""The plan in a real browser: the preparer completes next year's draft, the secretary adopts it.

TN's plan for next year is this module's own: no other browser test changes it. The demo
drafts it; if an older demo did not, the preparer creates it through the page first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.browser.helpers import board_id_of, check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
TN = "Tekniska nämnden"
NEXT_YEAR = dt.date.today().year + 1
EDIT_LINK = re.compile(r"^Kontrollmomentet .* saknar")


async def open_draft(page: Any, board_name: str, year: int) -> str:
    """Open the board's plan for the year as its preparer, drafting it first if there is none."""
    board_id = await board_id_of(page, board_name)
    await open_page(page, f"/namnder/{board_id}/plan?ar={year}")
    create = page.get_by_role("button", name=f"Skapa utkast för {year}")
    if await create.count():
        await create.click()
        await expect(page.get_by_role("status")).to_contain_text("Utkastet är skapat")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Internkontrollplan {year} – {board_name}"
    )
    return f"/namnder/{board_id}/plan?ar={year}"


async def _complete_control(page: Any) -> None:
    """Fill in what the open control form lacks, as a preparer would."""
    shared = page.get_by_role("heading", name="Gemensamt kontrollmoment beslutat av KS")
    if not await shared.count():
        for label in ("Kontrollmetod", "Frekvens"):
            select = page.get_by_label(label)
            if not await select.input_value():
                await select.select_option(index=1)
        report_when = page.get_by_label("När resultatet rapporteras")
        if not await report_when.input_value():
            await report_when.fill("Delår och helår")
    await page.get_by_label("Omfattning och urval").fill("Stickprov om tio ärenden per period")
    await page.get_by_label("Kontrollansvarig").select_option(index=1)
    await page.get_by_role("button", name="Spara kontrollmoment").click()
    await expect(page.get_by_role("status")).to_have_text("Kontrollmomentet är sparat.")


async def test_a_plan_from_draft_to_adopted(page_as: PageAs) -> None:
    preparer = await page_as("tn-handlaggare")
    plan_url = await open_draft(preparer, TN, NEXT_YEAR)
    readiness = preparer.get_by_role("region", name="Inför beslut")
    await expect(readiness).to_contain_text("saknar kontrollansvarig")
    await expect(preparer.locator(".tag--shared").first).to_have_text("Gemensamt (KS)")
    await check_accessibility(preparer, "draft plan with what it lacks")

    # Pressing too early names everything still missing.
    await preparer.get_by_role("button", name="Skicka för beslut").click()
    refusal = preparer.get_by_role("alert")
    await expect(refusal).to_contain_text("Planen kan inte skickas för beslut än")
    await expect(refusal).to_contain_text("saknar kontrollansvarig")
    await check_accessibility(preparer, "plan refused for decision")

    # Each problem links to the form that fixes it; work through them until none is left.
    await open_page(preparer, plan_url)
    first = True
    while await readiness.get_by_role("link", name=EDIT_LINK).count():
        await readiness.get_by_role("link", name=EDIT_LINK).first.click()
        await expect(preparer.get_by_role("heading", level=1)).to_have_text("Ändra kontrollmoment")
        if first:
            await check_accessibility(preparer, "control form")
            first = False
        await _complete_control(preparer)
        await open_page(preparer, plan_url)
    await expect(readiness).to_have_text(re.compile("Planen är komplett"))
    await expect(preparer.get_by_role("cell", name="Saknas")).to_have_count(0)

    secretary = await page_as("tn-sekreterare")
    await open_page(secretary, plan_url)
    await expect(secretary.get_by_role("link", name="Lägg till kontrollmoment")).to_have_count(0)
    await secretary.get_by_role("button", name="Skicka för beslut").click()
    await expect(secretary.get_by_role("status")).to_contain_text("Planen är markerad för beslut")
    await expect(secretary.get_by_role("link", name="Skriv ut (PDF)")).to_have_attribute(
        "href", re.compile(r"^/api/plans/\d+/plan\.pdf$")
    )
    await secretary.get_by_role("link", name="Registrera beslut").click()
    await expect(secretary.get_by_role("heading", level=1)).to_have_text(
        "Registrera nämndens beslut"
    )
    await secretary.get_by_role("button", name="Registrera beslut").click()
    await expect(secretary.get_by_role("alert")).to_contain_text("ange datumet")
    await expect(secretary.get_by_label("Sammanträdesdatum")).to_have_attribute(
        "aria-invalid", "true"
    )
    await check_accessibility(secretary, "decision form with errors")
    await secretary.get_by_label("Sammanträdesdatum").fill(dt.date.today().isoformat())
    await secretary.get_by_label("Paragraf (§)").fill("§ 112")
    await secretary.get_by_label("Diarienummer (Dnr)").fill(f"TN {NEXT_YEAR - 1}/318")
    await secretary.get_by_role("button", name="Registrera beslut").click()

    await expect(secretary.get_by_role("status")).to_contain_text("Planen är antagen")
    status = secretary.get_by_role("region", name=re.compile(r"^Version \d+:"))
    await expect(status).to_contain_text("Antagen")
    await expect(status).to_contain_text("Antagen i tid")
    await expect(status).to_contain_text("§ 112, Dnr TN")
    for name in ("Skicka för beslut", "Ta tillbaka till utkast", "Registrera beslut"):
        await expect(secretary.get_by_role("button", name=name)).to_have_count(0)
    await check_accessibility(secretary, "adopted plan")

    await open_page(preparer, plan_url)
    await expect(preparer.get_by_role("link", name=re.compile("^Ändra"))).to_have_count(0)
    await expect(preparer.get_by_role("button", name=re.compile("^Ta bort"))).to_have_count(0)
    await expect(preparer.get_by_role("button", name="Ny version")).to_be_visible()

    coordinator = await page_as("samordnare")
    await open_page(coordinator, f"/planer?ar={NEXT_YEAR}")
    row = coordinator.get_by_role("row", name=re.compile(TN))
    await expect(row).to_contain_text("Antagen i tid")

"""KS's consolidated review in a real browser: the coordinator drafts judgements and findings,
records KS's decision, and the page shows the review frozen.

The review of REVIEW_YEAR is this module's own: the demo reviews last year, not the year before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from tests.browser.helpers import check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
REVIEW_YEAR = dt.date.today().year - 2
PAGE = f"/ks/samlad-bedomning?ar={REVIEW_YEAR}"
DECIDED_ON = dt.date(REVIEW_YEAR + 1, 3, 12)


async def test_coordinator_drafts_the_review_and_records_ks_decision(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    await open_page(page, PAGE)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Samlad bedömning av den interna kontrollen {REVIEW_YEAR}"
    )
    await expect(page.locator(".review-not-reported")).to_contain_text(
        "Nämnder som inte har rapporterat:"
    )
    await expect(page.get_by_role("heading", name="Registrera KS:s beslut")).to_have_count(0)
    await check_accessibility(page, "empty review with its form")

    # The draft: findings, proposals, every board judged, one process judged.
    await page.get_by_label("Iakttagelser", exact=True).fill(
        "Nämnderna följer i stort sina planer."
    )
    await page.get_by_label("Förbättringsförslag", exact=True).fill("Gemensam utbildning i attest.")
    selects = page.locator('select[name^="board-"]')
    count = await selects.count()
    assert count >= 3
    for index in range(count):
        await selects.nth(index).select_option("green")
    first_board = await selects.nth(1).get_attribute("name")
    await selects.nth(1).select_option("yellow")
    short = (await page.locator(f'label[for="f-{first_board}"]').inner_text()).split()[-1]
    await page.get_by_label(f"Kommentar om {short}", exact=True).fill("Rutinen för attest brister.")
    details = page.locator("details.subform").first
    await details.locator("summary").click()
    await details.locator("select").first.select_option("red")
    await page.get_by_role("button", name="Spara utkastet").click()
    await expect(page.get_by_role("status")).to_have_text("Utkastet är sparat.")
    table = page.get_by_role("region", name="Bedömning per nämnd")
    await expect(table).to_contain_text("Gul – brister som nämnden själv rättar")
    await expect(table).to_contain_text("Rutinen för attest brister.")
    await expect(page.get_by_role("region", name="Bedömning per process")).to_contain_text(
        "Röd – inte tillfredsställande – KS bör agera"
    )
    await expect(page.get_by_role("link", name="Ladda ner som PDF")).to_be_visible()

    # KS's decision: first with what is wrong, then as minuted.
    await page.get_by_label("Sammanträdesdatum").fill(f"{REVIEW_YEAR}-12-01")
    await page.get_by_role("button", name="Registrera beslutet").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text(f"kan inte vara före {REVIEW_YEAR + 1}-01-01")
    await expect(summary).to_contain_text("ange paragraf (§)")
    await check_accessibility(page, "review decision form with errors")
    await page.get_by_label("Sammanträdesdatum").fill(DECIDED_ON.isoformat())
    await page.get_by_label("Paragraf (§)").fill("38")
    await page.get_by_label("Diarienummer (Dnr)").fill(f"KS {REVIEW_YEAR + 1}/77")
    await page.get_by_role("button", name="Registrera beslutet").click()

    await expect(page.get_by_role("status")).to_have_text(
        "KS:s beslut är registrerat. Den samlade bedömningen är låst."
    )
    await expect(page.locator(".review-decision")).to_contain_text(
        f"Beslutad av kommunstyrelsen {DECIDED_ON.isoformat()} § 38, Dnr KS {REVIEW_YEAR + 1}/77"
    )
    await expect(
        page.get_by_role("heading", level=2, name="Status: Beslutad av KS")
    ).to_be_visible()
    await expect(page.get_by_role("button", name="Spara utkastet")).to_have_count(0)
    await expect(page.get_by_role("button", name="Registrera beslutet")).to_have_count(0)
    await expect(page.locator(".review-not-reported")).to_contain_text(
        "Nämnder som inte har rapporterat:"
    )
    await check_accessibility(page, "decided review")


async def test_auditor_reads_the_review_without_forms(page_as: PageAs) -> None:
    page = await page_as("revisor")
    await open_page(page, f"/ks/samlad-bedomning?ar={REVIEW_YEAR + 1}")
    await expect(page.locator(".review-not-reported")).to_be_visible()
    await expect(page.locator("form.review-form")).to_have_count(0)
    await check_accessibility(page, "review as read by the auditor")

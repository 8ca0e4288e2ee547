"""Risk pages in a real browser: score a risk, watch the heat map change, drill into a cell."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from tests.browser.helpers import board_id_of, check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
BUN = "Barn- och utbildningsnämnden"
YEAR = dt.date.today().year


async def _cell_count(page: Any, heat_map_caption: str, cell: str) -> int:
    table = page.locator("table.heatmap", has=page.locator("caption", has_text=heat_map_caption))
    return int(await table.locator(f'td[data-cell="{cell}"]').get_attribute("data-count"))


async def test_score_a_risk_see_the_heat_map_change_and_drill_into_the_cell(
    page_as: PageAs,
) -> None:
    page = await page_as("bun-handlaggare")
    board_id = await board_id_of(page, BUN)
    this_year = f"Riskkarta {YEAR} (i år)"
    await open_page(page, f"/namnder/{board_id}/riskkarta?ar={YEAR}")
    before = await _cell_count(page, this_year, "4-4")

    title = f"Obehörig åtkomst till elevregistret {uuid.uuid4().hex[:6]}"
    await open_page(page, f"/namnder/{board_id}/risker?ar={YEAR}")
    await page.get_by_role("link", name="Ny risk", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ny risk")
    await page.get_by_label("Risk (rubrik)").fill(title)
    await page.get_by_label("Process").select_option(index=1)
    await page.get_by_label("Riskkategori").select_option(index=1)
    await page.get_by_label("Vad kan gå fel").fill(
        "Behörigheter tas inte bort när personal slutar."
    )
    await page.get_by_label("Varför det spelar roll").fill("Personuppgifter om barn kan läcka.")
    await page.get_by_label("Ansvarig (person eller funktion)").fill("Systemförvaltare skola")
    await page.get_by_role("button", name="Spara och bedöm").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Bedöm risk för {YEAR}")
    likelihood = page.get_by_role("group", name="Sannolikhet")
    impact = page.get_by_role("group", name="Konsekvens")
    # Each level's definition is on screen while choosing.
    await expect(likelihood).to_contain_text("Inträffar troligen under året")
    await likelihood.get_by_label("4 Sannolik").check()
    await impact.get_by_label("4 Allvarlig").check()
    await expect(page.locator("#risk-value")).to_contain_text("16 Hög")
    await page.get_by_role("group", name="Hantering").get_by_label("Direktåtgärd").check()
    await page.get_by_label("Motivering").fill("Rutin för avslut av behörigheter införs.")
    await check_accessibility(page, "assessment form")
    await page.get_by_role("button", name="Spara bedömning").click()

    await expect(page.get_by_role("status")).to_contain_text(f"Bedömningen av {title}")
    await expect(page.locator(f"tr:has-text('{title}')")).to_contain_text("16")
    await check_accessibility(page, "register after scoring")

    await (
        page.get_by_role("navigation", name="Nämndens sidor")
        .get_by_role("link", name="Riskkarta")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Riskkarta {YEAR}")
    assert await _cell_count(page, this_year, "4-4") == before + 1
    await check_accessibility(page, "heat map")

    cell = page.locator(f'table.heatmap:has(caption:has-text("{this_year}")) td[data-cell="4-4"] a')
    await cell.click()
    listing = page.locator("#cell-list")
    await expect(listing).to_contain_text("sannolikhet 4 × konsekvens 4")
    await expect(listing.get_by_role("link", name=title)).to_be_visible()
    assert "cell=4-4" in page.url
    await check_accessibility(page, "heat map with a chosen cell")

    await listing.get_by_role("link", name=title).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    await expect(page.get_by_role("table")).to_contain_text("Direktåtgärd")
    await check_accessibility(page, "risk page with history")


async def test_form_errors_are_announced_and_accessible(page_as: PageAs) -> None:
    page = await page_as("bun-handlaggare")
    board_id = await board_id_of(page, BUN)
    await open_page(page, f"/namnder/{board_id}/risker/ny?ar={YEAR}")
    await page.get_by_role("button", name="Spara och bedöm").click()
    await expect(page.get_by_role("alert")).to_contain_text("rubriken får inte vara tom")
    await expect(page.get_by_label("Risk (rubrik)")).to_have_attribute("aria-invalid", "true")
    await check_accessibility(page, "risk form with errors")


async def test_import_page_and_a_rejected_file(page_as: PageAs, tmp_path) -> None:
    page = await page_as("bun-handlaggare")
    board_id = await board_id_of(page, BUN)
    await open_page(page, f"/namnder/{board_id}/risker/import?ar={YEAR}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Importera riskanalys från Excel"
    )
    await check_accessibility(page, "import page")
    bad = tmp_path / "risker.xlsx"
    bad.write_text("detta är ingen arbetsbok")
    await page.get_by_label("Excelfil (.xlsx, högst 5 MB)").set_input_files(str(bad))
    await page.get_by_role("button", name="Importera").click()
    await expect(page.get_by_role("alert")).to_contain_text("Excel")
    await check_accessibility(page, "import page with errors")


async def test_overview_and_matrix_pages(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    await open_page(page, f"/riskoversikt?ar={YEAR}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Riskbild {YEAR} – alla nämnder och bolag"
    )
    await expect(
        page.get_by_role("heading", name=f"Accepterade höga risker {YEAR}")
    ).to_be_visible()
    await check_accessibility(page, "risk overview")
    await open_page(page, "/riskmatris")
    await check_accessibility(page, "risk matrix (read only)")
    admin = await page_as("admin")
    await open_page(admin, "/riskmatris")
    await expect(admin.get_by_role("heading", name="Ny version av riskmatrisen")).to_be_visible()
    await check_accessibility(admin, "risk matrix with the admin form")

"""Alla risker in a real browser: from the menu, filter the list, open a risk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from tests.browser.helpers import check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
YEAR = dt.date.today().year


async def _count(page: Any) -> int:
    text = await page.locator("#risk-count").inner_text()
    return int(text.split(" risk")[0].replace("\u00a0", ""))


async def test_filter_the_list_of_every_board_and_open_a_risk(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    await open_page(page, "/")
    await (
        page.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name="Alla risker")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Alla risker {YEAR}")
    everything = await _count(page)
    assert everything > 0
    boards = {await c.inner_text() for c in await page.locator("tbody td:first-child").all()}
    assert len(boards) > 1, "the coordinator's list spans several boards"
    await check_accessibility(page, "all risks")

    # Highest value first.
    values = [int(v.split()[0]) for v in await page.locator("tbody .chip").all_inner_texts()]
    assert values == sorted(values, reverse=True)

    await page.get_by_label("Lägsta riskvärde").fill(str(values[0]))
    await page.get_by_role("button", name="Filtrera").click()
    await expect(page.locator("#risk-count")).to_contain_text("matchar filtret")
    narrowed = await _count(page)
    assert 0 < narrowed <= everything
    assert f"varde={values[0]}" in page.url
    await check_accessibility(page, "all risks, filtered")

    first = page.locator("tbody tr").first.get_by_role("link")
    title = await first.inner_text()
    await first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)

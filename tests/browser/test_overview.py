"""KS's overview in a real browser: a coordinator opens it from the menu, switches period and
follows on to the shared points' report; a KS member reads the trends; each page passes axe."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from internkontroll.timeutil import today
from tests.browser.helpers import check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
YEAR = today().year


async def test_coordinator_switches_period_and_follows_to_the_shared_points(page_as: PageAs):
    page = await page_as("samordnare")
    await open_page(page, "/")
    await page.get_by_role("link", name="KS uppföljning").click()
    await page.wait_for_url(re.compile(r"/ks/oversikt"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Internkontroll {YEAR}")
    table = page.get_by_role("table")
    await expect(table.get_by_role("rowheader").first).to_contain_text("Kommunstyrelsen")
    await expect(table.get_by_role("row").last).to_contain_text("Summa")
    await check_accessibility(page, "KS översikt")

    switcher = page.get_by_role("navigation", name="Välj rapporteringstillfälle")
    await switcher.get_by_role("link", name=f"Helår {YEAR}").click()
    await page.wait_for_url(re.compile(r"period=helar"))
    await expect(switcher.locator('[aria-current="true"]')).to_have_text(f"Helår {YEAR}")
    download = page.get_by_role("link", name="Översikten som PDF")
    await expect(download).to_have_attribute("href", f"/api/overview.pdf?year={YEAR}&period=helar")

    await page.get_by_role("link", name=f"Gemensamma kontrollmoment helår {YEAR}").click()
    await page.wait_for_url(re.compile(r"/ks/gemensamma\?ar=\d+&period=helar"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Gemensamma kontrollmoment – Helår {YEAR}"
    )
    # KS decided two shared points for this year in the demo kommun: one section each.
    await expect(page.get_by_role("heading", level=2)).to_have_count(2)
    await check_accessibility(page, "Gemensamma kontrollmoment")


async def test_ks_member_reads_the_trends(page_as: PageAs):
    page = await page_as("ks-ledamot")
    await open_page(page, "/ks/trender")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Trender – internkontroll över åren"
    )
    await expect(page.get_by_role("heading", name=re.compile("Kommunstyrelsen"))).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Testade av förfallna").first).to_be_visible()
    await check_accessibility(page, "Trender")


async def test_a_board_preparer_is_refused(page_as: PageAs):
    page = await page_as("bun-handlaggare")
    await open_page(page, "/ks/oversikt", status=403)
    await expect(page.get_by_role("link", name="KS uppföljning")).to_have_count(0)

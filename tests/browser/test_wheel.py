"""The årshjul in a real browser on the demo kommun: opened from the menu, the plan deadline's
row with its status in text, a month's per-board figures, each view passing axe."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from internkontroll.timeutil import today
from tests.browser.helpers import check_accessibility, expect, on_login_page, open_page

PageAs = Callable[[str], Awaitable[Any]]
YEAR = today().year


async def test_coordinator_opens_the_wheel_from_the_menu(page_as: PageAs):
    page = await page_as("samordnare")
    await open_page(page, "/")
    await (
        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Årshjul").click()
    )
    await page.wait_for_url(re.compile(r"/arshjul$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Årshjul {YEAR}")
    await expect(page.get_by_text(re.compile(r"^I dag är det \d+ \w+ \d{4}\.$"))).to_be_visible()

    table = page.get_by_role("table", name=re.compile(f"Årshjul {YEAR}: varje hållpunkt"))
    plan = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=f"Internkontrollplan {YEAR} ska antas")
    )
    await expect(plan).to_have_count(1)
    await expect(plan).to_contain_text(f"senast 31 januari {YEAR}")
    # Every plan of the demo kommun is adopted, Kultur- och fritidsnämnden's too late.
    await expect(plan).to_contain_text("Klar")
    await expect(plan).to_contain_text("7 av 7 nämnder har antagit planen, 1 av dem för sent: KFN")
    await expect(page.get_by_role("img", name=re.compile(f"Årshjulet {YEAR}"))).to_be_visible()
    await check_accessibility(page, "Årshjul")

    # The milestone's link leads to its section with a row per board.
    await plan.get_by_role("link").click()
    await page.wait_for_url(re.compile(r"#m-plan$"))
    section = page.locator("#m-plan")
    await expect(section.get_by_role("row")).to_have_count(8)  # header + seven boards
    kfn = section.get_by_role("row").filter(has_text="Kultur- och fritidsnämnden")
    await expect(kfn).to_contain_text("Antagen för sent")

    january = page.locator(f"#manad-{YEAR}-01")
    await january.get_by_text(f"Per nämnd i januari {YEAR}", exact=True).click()
    await expect(january.get_by_role("table").last).to_be_visible()
    await check_accessibility(page, "Årshjul med en månad utfälld")


async def test_a_board_secretary_sees_their_board_only(page_as: PageAs):
    page = await page_as("bun-sekreterare")
    await open_page(page, f"/arshjul?ar={YEAR}")
    await expect(page.get_by_text("Du ser 1 nämnd som du har en roll i.")).to_be_visible()
    rows = page.locator("#m-plan").get_by_role("row")
    await expect(rows).to_have_count(2)
    await expect(rows.last).to_contain_text("Barn- och utbildningsnämnden")
    await expect(page.get_by_text("Socialnämnden")).to_have_count(0)
    await check_accessibility(page, "Årshjul för en nämnd")


async def test_anonymous_visitors_log_in_first(page: Any):
    await page.goto("/arshjul")
    assert on_login_page(page)

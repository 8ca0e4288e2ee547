"""axe-core (WCAG 2.0/2.1 A and AA, best practice) on every page, as the role that sees it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.browser.helpers import (
    SKIP_LINK,
    WRONG_CREDENTIALS,
    board_id_of,
    check_accessibility,
    expect,
    open_page,
    submit_login,
)
from tests.browser.test_plans import open_draft
from tests.browser.test_testing import RichControl, rich_control

PageAs = Callable[[str], Awaitable[Any]]


async def test_login_page(page: Any) -> None:
    await open_page(page, "/login")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    await check_accessibility(page)


async def test_login_page_with_error(page: Any) -> None:
    await open_page(page, "/login")
    response = await submit_login(page, "kfn-ledamot", "fel-losenord")
    assert response.status == 401
    await expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    await check_accessibility(page, "/login after a failed login")


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("admin", "Start – systemförvaltare"),
        ("samordnare", "Start – internkontrollsamordnare"),
        ("revisor", "Start – revisor"),
        ("bun-ledamot", "Start"),
    ],
)
async def test_start_page(page_as: PageAs, username: str, heading: str) -> None:
    page = await page_as(username)
    await open_page(page, "/")
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await check_accessibility(page, f"/ as {username}")


@pytest.mark.parametrize("username", ["samordnare", "bun-ledamot"])
async def test_boards_list(page_as: PageAs, username: str) -> None:
    page = await page_as(username)
    await open_page(page, "/namnder")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nämnder och bolag")
    await check_accessibility(page, f"/namnder as {username}")


async def test_board_page(page_as: PageAs) -> None:
    page = await page_as("bun-ledamot")
    board_id = await board_id_of(page, "Barn- och utbildningsnämnden")
    await open_page(page, f"/namnder/{board_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Barn- och utbildningsnämnden")
    await expect(page.get_by_role("table")).to_contain_text("bun-sekreterare")
    await check_accessibility(page, f"/namnder/{board_id} as bun-ledamot")


async def test_audit_log(page_as: PageAs) -> None:
    page = await page_as("revisor")
    await open_page(page, "/granskningslogg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    # Open the first before/after values so axe sees them too.
    first = page.locator("details").first
    await first.locator("summary").click()
    await expect(first.locator("dl")).to_be_visible()
    await check_accessibility(page, "/granskningslogg as revisor")


async def test_audit_log_filtered(page_as: PageAs) -> None:
    page = await page_as("revisor")
    board_id = await board_id_of(page, "Barn- och utbildningsnämnden")
    await open_page(page, f"/granskningslogg?entity=board&board_id={board_id}")
    await expect(page.get_by_label("Typ av post")).to_have_value("board")
    await expect(page.get_by_label("Nämnd")).to_have_value(board_id)
    rows = page.locator("table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Demodata: Barn- och utbildningsnämnden")
    await check_accessibility(page, "/granskningslogg filtered as revisor")


async def test_audit_log_filter_form(page_as: PageAs) -> None:
    """The form sends its empty fields too (board_id=&date_from=...): they must mean "any"."""
    page = await page_as("revisor")
    await open_page(page, "/granskningslogg")
    await page.get_by_label("Typ av post").select_option("board")
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name="Filtrera").click()
    response = await navigation.value
    assert response is not None
    assert response.status == 200, f"filtering answered {response.status}: {page.url}"
    await expect(page.get_by_label("Typ av post")).to_have_value("board")
    await expect(page.locator("table tbody tr")).to_have_count(7)  # the demo's seven boards
    await check_accessibility(page, "/granskningslogg filtered through the form as revisor")


async def test_audit_log_filter_without_matches(page_as: PageAs) -> None:
    page = await page_as("revisor")
    await open_page(page, "/granskningslogg?actor=ingen-sadan-anvandare")
    await expect(page.locator("table tbody")).to_have_text("Inga händelser matchar filtret.")
    await check_accessibility(page, "/granskningslogg with an empty result as revisor")


async def test_forbidden_page(page_as: PageAs) -> None:
    page = await page_as("bun-ledamot")
    await open_page(page, "/granskningslogg", status=403)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Åtkomst nekad")
    await expect(page.get_by_role("main")).to_contain_text("Du har inte behörighet till detta.")
    await check_accessibility(page, "403 page (/granskningslogg as bun-ledamot)")


async def test_forbidden_board_page(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    ks_id = await board_id_of(page, "Kommunstyrelsen")
    page = await page_as("bun-ledamot")
    await open_page(page, f"/namnder/{ks_id}", status=403)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Åtkomst nekad")


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
async def test_not_found_page(page: Any, page_as: PageAs, signed_in: bool) -> None:
    if signed_in:
        page = await page_as("bun-ledamot")
    await open_page(page, "/finns-inte", status=404)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    await check_accessibility(page, "404 page")


async def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    await open_page(page, "/namnder")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=SKIP_LINK)
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"#main$"))
    await expect(page.get_by_role("main")).to_be_focused()
    # The next Tab continues inside main, not back in the header.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.querySelector('main').contains(document.activeElement)")


# Elements, outside data tables (which WCAG 1.4.10 exempts), that stick out of the viewport.
OVERFLOWING = """() => {
    const limit = document.documentElement.clientWidth;
    return [...document.querySelectorAll("body *")]
        .filter((e) => !e.closest("table") && !e.classList.contains("skip-link"))
        .filter((e) => {
            const box = e.getBoundingClientRect();
            return box.width > 0 && box.right > limit + 1;
        })
        .map((e) => {
            const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + [...e.classList].map((c) => "." + c).join("");
            return `${name} (right edge ${Math.round(e.getBoundingClientRect().right)} px)`;
        });
}"""


@pytest.mark.parametrize(
    ("username", "path"),
    [
        (None, "/login"),
        ("revisor", "/"),
        ("revisor", "/namnder"),
        ("revisor", "board"),
        ("revisor", "/granskningslogg"),
        ("bun-handlaggare", "board/risker"),
        ("bun-handlaggare", "board/riskkarta"),
        ("bun-handlaggare", "assessment"),
        ("samordnare", "/riskoversikt"),
        ("admin", "/riskmatris"),
    ],
)
async def test_reflow_at_320_css_pixels(
    page: Any, page_as: PageAs, username: str | None, path: str
) -> None:
    """WCAG 1.4.10: no content except data tables needs horizontal scrolling at 320 px."""
    if username:
        page = await page_as(username)
    if path.startswith("board") or path == "assessment":
        board = f"/namnder/{await board_id_of(page, 'Barn- och utbildningsnämnden')}"
        if path == "assessment":
            await open_page(page, f"{board}/risker")
            path = await page.get_by_role("link", name=re.compile("^Bedöm")).first.get_attribute(
                "href"
            )
        else:
            path = board + path.removeprefix("board")
    await page.set_viewport_size({"width": 320, "height": 640})
    await open_page(page, path)
    overflowing = await page.evaluate(OVERFLOWING)
    assert not overflowing, f"{path} at 320 px: content wider than the viewport: {overflowing}"


# ------------------------------------------------------------------ the plan pages

THIS_YEAR = dt.date.today().year
NEXT_YEAR = THIS_YEAR + 1
BUN = "Barn- och utbildningsnämnden"
# Far enough ahead that neither the demo nor any test has a plan or a KS decision for it.
UNPLANNED_YEAR = THIS_YEAR + 5


async def _plan_path(page: Any, key: str) -> str:
    """A plan page's path: BUN's draft (next year), adopted plan (this year) or no plan yet."""
    if key == "draft":
        return await open_draft(page, BUN, NEXT_YEAR)
    board = f"/namnder/{await board_id_of(page, BUN)}/plan"
    return f"{board}?ar={THIS_YEAR if key == 'adopted' else UNPLANNED_YEAR}"


async def test_plan_overview(page_as: PageAs) -> None:
    page = await page_as("samordnare")
    await open_page(page, f"/planer?ar={THIS_YEAR}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Internkontrollplaner {THIS_YEAR}"
    )
    await expect(
        page.get_by_role("row", name=re.compile("Kultur- och fritidsnämnden"))
    ).to_contain_text("Antagen för sent")
    await check_accessibility(page, "/planer as samordnare")


@pytest.mark.parametrize(
    ("username", "key", "expected"),
    [
        ("bun-ledamot", "adopted", "Antagen"),
        ("bun-handlaggare", "draft", "Inför beslut"),
        ("bun-handlaggare", "none", f"Skapa utkast för {UNPLANNED_YEAR}"),
    ],
)
async def test_plan_page(page_as: PageAs, username: str, key: str, expected: str) -> None:
    page = await page_as(username)
    path = await _plan_path(page, key)
    await open_page(page, path)
    await expect(page.get_by_role("main")).to_contain_text(expected)
    await check_accessibility(page, f"{key} plan page as {username}")


async def test_control_forms_with_and_without_errors(page_as: PageAs) -> None:
    page = await page_as("bun-handlaggare")
    await open_page(page, await _plan_path(page, "draft"))
    await page.get_by_role("link", name=re.compile("^Ändra kontrollmomentet")).first.click()
    await expect(
        page.get_by_role("heading", name="Gemensamt kontrollmoment beslutat av KS")
    ).to_be_visible()
    await check_accessibility(page, "a shared control's form")

    await open_page(page, await _plan_path(page, "draft"))
    await page.get_by_role("link", name="Lägg till kontrollmoment").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nytt kontrollmoment")
    await check_accessibility(page, "new control form")
    await page.get_by_role("button", name="Lägg till kontrollmoment").click()
    await expect(page.get_by_role("alert")).to_contain_text("beskriv vad som kontrolleras")
    await expect(page.get_by_label("Kontrollmoment – vad som kontrolleras")).to_have_attribute(
        "aria-invalid", "true"
    )
    await check_accessibility(page, "control form with errors")


async def test_shared_points_page_and_decision_form(page_as: PageAs) -> None:
    page = await page_as("bun-ledamot")
    await open_page(page, f"/gemensamma-kontrollmoment?ar={THIS_YEAR}")
    await expect(page.get_by_role("heading", name="Beslut")).to_be_visible()
    await check_accessibility(page, "KS's shared points")

    page = await page_as("samordnare")
    await open_page(page, f"/gemensamma-kontrollmoment?ar={UNPLANNED_YEAR}")
    await check_accessibility(page, "KS's decision form")
    await page.get_by_role("button", name="Registrera beslutet").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Kontrollmoment 1, vad som kontrolleras")
    await expect(page.get_by_label("Vad som kontrolleras").first).to_have_attribute(
        "aria-invalid", "true"
    )
    await check_accessibility(page, "KS's decision form with errors")


@pytest.mark.parametrize(
    ("username", "key"),
    [
        ("samordnare", "/planer"),
        ("bun-handlaggare", "draft"),
        ("bun-ledamot", "adopted"),
        ("bun-handlaggare", "none"),
        ("bun-handlaggare", "control-form"),
        ("bun-ledamot", "/gemensamma-kontrollmoment"),
        ("samordnare", "shared-form"),
    ],
)
async def test_plan_pages_reflow_at_320_css_pixels(
    page_as: PageAs, username: str, key: str
) -> None:
    """WCAG 1.4.10 on the plan pages, as on the others above."""
    page = await page_as(username)
    if key in ("draft", "adopted", "none"):
        path = await _plan_path(page, key)
    elif key == "control-form":
        await open_page(page, await _plan_path(page, "draft"))
        path = await page.get_by_role("link", name="Lägg till kontrollmoment").get_attribute("href")
    elif key == "shared-form":
        path = f"/gemensamma-kontrollmoment?ar={UNPLANNED_YEAR}"
    else:
        path = key
    await page.set_viewport_size({"width": 320, "height": 640})
    await open_page(page, path)
    overflowing = await page.evaluate(OVERFLOWING)
    assert not overflowing, f"{path} at 320 px: content wider than the viewport: {overflowing}"


# ------------------------------------------------------------------ the testing pages


@pytest_asyncio.fixture(loop_scope="session")
async def rich(
    page_as: PageAs,
    request: pytest.FixtureRequest,
    live_server: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> RichControl:
    """A control with a corrected result, a deviation, actions and evidence (built once)."""
    return await rich_control(request.config, page_as, live_server, tmp_path_factory)


def _testing_path(rich: RichControl, key: str) -> str:
    return {
        "mine": "/mina-kontroller",
        "record": f"/kontroller/{rich.control_id}",
        "board": f"/namnder/{rich.board_id}/resultat?ar={THIS_YEAR}",
        "result-form": f"/kontrolltillfallen/{rich.open_occasion}/resultat",
        "correction-form": f"/resultat/{rich.result}/rattelse",
        "deviation": f"/avvikelser/{rich.deviation}",
    }[key]


async def _open_every_subform(page: Any) -> None:
    """Open the details/summary subforms so axe checks the forms inside them too."""
    summaries = page.locator("details.subform > summary")
    for n in range(await summaries.count()):
        await summaries.nth(n).click()
    await expect(page.locator("details.subform:not([open])")).to_have_count(0)


@pytest.mark.parametrize(
    ("who", "key", "heading"),
    [
        ("owner", "mine", "Mina kontroller"),
        ("owner", "record", None),
        ("viewer", "record", None),
        ("preparer", "board", f"Kontrollresultat {THIS_YEAR} – Kultur- och fritidsnämnden"),
        ("owner", "result-form", "Logga resultat"),
        ("owner", "correction-form", "Rätta resultat"),
        ("owner", "deviation", None),
        ("viewer", "deviation", None),
    ],
)
async def test_testing_pages(
    page_as: PageAs, rich: RichControl, who: str, key: str, heading: str | None
) -> None:
    page = await page_as(getattr(rich, who))
    path = _testing_path(rich, key)
    await open_page(page, path)
    if heading:
        await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    main = page.get_by_role("main")
    if key == "mine":
        await expect(main).to_contain_text("Mina åtgärder")
        await expect(main.locator(".due-original")).not_to_have_count(0)
    elif key == "record":
        await expect(page.locator(f"#resultat-{rich.corrected_result}")).to_contain_text("Rättat")
        await expect(main.get_by_role("link", name="protokoll.pdf")).to_be_visible()
        await expect(main.locator(".signal--red").first).to_be_visible()
    elif key == "board":
        await expect(
            main.get_by_role("link", name=re.compile("^Tre beslut saknade"))
        ).to_be_visible()
    elif key == "deviation":
        await expect(page.locator(f"#atgard-{rich.postponed_action} .due-original")).to_be_visible()
        await expect(page.locator(f"#atgard-{rich.closed_action}")).to_contain_text("Verkningsfull")
    await _open_every_subform(page)
    await check_accessibility(page, f"{path} as {who} ({getattr(rich, who)})")


async def test_result_form_with_errors(page_as: PageAs, rich: RichControl) -> None:
    page = await page_as(rich.owner)
    await open_page(page, _testing_path(rich, "result-form"))
    await page.get_by_label("Utförd datum").fill("")
    await page.get_by_role("button", name="Spara resultatet").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("ange när kontrollen utfördes")
    await expect(alert).to_contain_text("välj ett utfall")
    await expect(page.get_by_label("Utförd datum")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Vad som testades")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-outcome")).to_have_attribute("aria-describedby", "err-outcome")
    await check_accessibility(page, "result form with errors")


async def test_correction_form_with_errors(page_as: PageAs, rich: RichControl) -> None:
    page = await page_as(rich.owner)
    await open_page(page, _testing_path(rich, "correction-form"))
    await page.get_by_role("button", name="Spara rättelsen").click()
    await expect(page.get_by_role("alert")).to_contain_text("ange varför resultatet rättas")
    await expect(page.get_by_label("Skäl till rättelsen")).to_have_attribute("aria-invalid", "true")
    await check_accessibility(page, "correction form with errors")


async def test_deviation_page_with_errors(page_as: PageAs, rich: RichControl) -> None:
    page = await page_as(rich.owner)
    await open_page(page, _testing_path(rich, "deviation"))
    action = page.locator(f"#atgard-{rich.postponed_action}")
    await action.locator("summary", has_text="Skjut upp").click()
    await action.get_by_role("button", name="Skjut upp", exact=True).click()
    action = page.locator(f"#atgard-{rich.postponed_action}")
    await expect(action.get_by_role("alert")).to_contain_text("ange varför åtgärden skjuts upp")
    await expect(action.get_by_label("Nytt slutdatum")).to_have_attribute("aria-invalid", "true")
    await check_accessibility(page, "deviation page with a refused postponement")

    await open_page(page, _testing_path(rich, "deviation"))
    await page.get_by_label("Beskrivning", exact=True).fill("")
    await page.get_by_role("button", name="Spara analysen").click()
    await expect(page.get_by_role("alert")).to_contain_text("beskriv avvikelsen")
    await expect(page.get_by_label("Beskrivning", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await check_accessibility(page, "deviation page with a refused analysis")


@pytest.mark.parametrize(
    ("who", "key"),
    [
        ("owner", "mine"),
        ("owner", "record"),
        ("preparer", "board"),
        ("owner", "result-form"),
        ("owner", "correction-form"),
        ("owner", "deviation"),
        ("viewer", "deviation"),
    ],
)
async def test_testing_pages_reflow_at_320_css_pixels(
    page_as: PageAs, rich: RichControl, who: str, key: str
) -> None:
    """WCAG 1.4.10 on the testing pages, with their subforms open."""
    page = await page_as(getattr(rich, who))
    path = _testing_path(rich, key)
    await page.set_viewport_size({"width": 320, "height": 640})
    await open_page(page, path)
    await _open_every_subform(page)
    overflowing = await page.evaluate(OVERFLOWING)
    assert not overflowing, f"{path} at 320 px: content wider than the viewport: {overflowing}"

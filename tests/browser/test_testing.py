"""Control testing in a real browser: a control owner logs a result with a deviation, an action
and evidence, analyses the deviation and postpones the action; a bad result is refused.

The live server runs in another process on its own copy of the database. `live_database`
points this process's Piccolo engine at that copy for a moment, so a test can check what was
stored, or build state through the services, as the server itself would. `rich_control`
builds, once per session, a control with every kind of record for the accessibility checks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
import pytest_asyncio
from piccolo.apps.user.tables import BaseUser
from piccolo.engine.postgres import PostgresEngine

from internkontroll.auth.principal import Principal
from internkontroll.auth.services import load_principal
from internkontroll.controls.deviations import (
    ActionInput,
    AnalysisInput,
    add_action,
    check_action,
    close_action,
    postpone_action,
    update_analysis,
)
from internkontroll.controls.results import (
    ResultInput,
    control_version,
    correct_result,
    log_result,
)
from internkontroll.controls.testing_tables import (
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.db import current_engine
from internkontroll.settings import get_settings
from internkontroll.timeutil import today
from tests.browser.conftest import SERVER_LOG
from tests.browser.helpers import check_accessibility, expect, open_page

PageAs = Callable[[str], Awaitable[Any]]
TODAY = today()  # Swedish time, as the server counts it
YEAR = TODAY.year
ERROR_REASON = "ange varför kontrollen inte genomfördes"


# ------------------------------------------------------------------ the live server's database


async def _live_postgres_name() -> str:
    """The live server's database: the one copy of the template this test process made."""
    import asyncpg

    config = dict(current_engine().config)
    config["database"] = get_settings().database.database  # the one DATABASE_URL names
    conn = await asyncpg.connect(**config)
    try:
        names = [r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")]
    finally:
        await conn.close()
    # tests/conftest.py names the copies it makes for other processes ik_c_<pid>_<n>.
    copies = [n for n in names if re.fullmatch(rf"ik_c_{os.getpid()}_\d+", n)]
    assert len(copies) == 1, f"cannot tell the live server's database among {copies}"
    return copies[0]


def _live_sqlite_path(config: pytest.Config) -> str:
    """The live server's SQLite file, beside its log (tests/conftest.py's copy-<n>.sqlite)."""
    copies = list(config.stash[SERVER_LOG].parent.glob("copy-*.sqlite"))
    assert len(copies) == 1, f"cannot tell the live server's database among {copies}"
    return str(copies[0])


@contextlib.asynccontextmanager
async def live_database(config: pytest.Config) -> AsyncIterator[None]:
    """Point this process's engine at the live server's database, and back afterwards."""
    assert SERVER_LOG in config.stash, "the live server has not started"
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        saved = engine.config["database"]
        engine.config["database"] = await _live_postgres_name()
        try:
            yield
        finally:
            engine.config["database"] = saved
    else:
        saved = engine.path
        engine.path = _live_sqlite_path(config)
        try:
            yield
        finally:
            engine.path = saved


async def username_of(user_id: int) -> str:
    """A user's username (inside `live_database`)."""
    row = await BaseUser.select(BaseUser.username).where(BaseUser.id == user_id).first()
    assert row is not None, f"no user {user_id}"
    return row["username"]


async def principal_named(username: str) -> Principal:
    """A user's principal, roles and all (inside `live_database`)."""
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    principal = await load_principal(row["id"]) if row else None
    assert principal is not None, f"no active user {username}"
    return principal


async def unlogged_occasions(*, overdue: bool) -> list[dict[str, Any]]:
    """This year's scheduled occasions without a result, overdue or not yet due, by due date."""
    due = TestOccasion.due_on < TODAY if overdue else TestOccasion.due_on >= TODAY
    rows = (
        await TestOccasion.select(
            TestOccasion.all_columns(), TestOccasion.board.short_name.as_alias("board_short")
        )
        .where((TestOccasion.year == YEAR) & TestOccasion.scheduled.eq(True) & due)
        .order_by(TestOccasion.due_on)
        .order_by(TestOccasion.id)
    )
    logged = {r["occasion"] for r in await TestResult.select(TestResult.occasion)}
    return [r for r in rows if r["id"] not in logged]


async def owner_of(control_id: int) -> str:
    """The username of the control's owner in its adopted plan."""
    version = await control_version(control_id)
    assert version is not None and version["owner"] is not None, f"control {control_id}"
    return await username_of(version["owner"])


def write_pdf(path: Path) -> bytes:
    """Write a small valid one-page PDF (with a correct xref table) and return its bytes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return bytes(out)


@dataclass(frozen=True)
class RichControl:
    """A control with every kind of record on it, for the accessibility and reflow checks."""

    owner: str
    preparer: str
    viewer: str
    board_id: int
    control_id: int
    open_occasion: int  # still without a result: its form can be opened
    corrected_result: int
    result: int  # the correction, which stands
    deviation: int
    postponed_action: int
    closed_action: int


RICH_BOARD = "KFN"


async def build_rich_control(config: pytest.Config, page_as: PageAs, tmp_path: Path) -> RichControl:
    """On one of KFN's controls: a result and its correction, a significant deviation analysed
    with 5 varför, one postponed and one closed and checked action, and an evidence file.

    Written through the services as the control's owner, on occasions not yet due (the
    end-to-end test below needs an overdue one); the file is attached through the page, so
    the live server stores it.
    """
    short = RICH_BOARD.lower()
    async with live_database(config):
        occasions = [
            o
            for overdue in (False, True)
            for o in await unlogged_occasions(overdue=overdue)
            if o["board_short"] == RICH_BOARD
        ]
        assert len(occasions) >= 2, f"{RICH_BOARD} has too few occasions still to test"
        logged, still_open = occasions[:2]
        control_id = logged["control"]
        owner_name = await owner_of(control_id)
        assert await owner_of(still_open["control"]) == owner_name
        owner = await principal_named(owner_name)
        preparer = await principal_named(f"{short}-handlaggare")

        first = await log_result(
            owner,
            logged["id"],
            ResultInput(
                TODAY,
                owner.display_name,
                "12 av 140 beslut om föreningsbidrag",
                "minor",
                comment="Stickprov ur ärendesystemet.",
                deviation="Tre beslut saknade underskrift av behörig beslutsfattare.",
            ),
        )
        correction = await correct_result(
            owner,
            first,
            ResultInput(
                TODAY,
                owner.display_name,
                "12 av 140 beslut om föreningsbidrag",
                "major",
                comment="Stickprov ur ärendesystemet.",
                correction_reason="Bidragen betalades ut: avvikelsen är väsentlig.",
            ),
        )
        deviation = await Deviation.select(Deviation.id).where(Deviation.found_in == first)
        deviation_id = deviation[0]["id"]
        await update_analysis(
            owner,
            deviation_id,
            AnalysisInput(
                "Tre beslut saknade underskrift av behörig beslutsfattare.",
                ("Besluten fattades under semestern.", "Ingen ersättare var utsedd.", "", "", ""),
                "Delegationsordningen saknar ersättare.",
            ),
        )
        postponed = await add_action(
            owner,
            deviation_id,
            ActionInput(
                "Komplettera delegationsordningen med ersättare.",
                owner.id,
                TODAY + dt.timedelta(days=14),
            ),
        )
        await postpone_action(
            owner, postponed, TODAY + dt.timedelta(days=45), "Nämnden sammanträder i januari."
        )
        closed = await add_action(
            owner,
            deviation_id,
            ActionInput(
                "Påminn handläggarna om delegationsordningen.",
                preparer.id,
                TODAY + dt.timedelta(days=7),
            ),
        )
        await close_action(owner, closed, TODAY, "Genomgång på arbetsplatsträffen.")
        await check_action(owner, closed, TODAY, True, "Inga nya fel i nästa stickprov.")

    page = await page_as(owner_name)
    await open_page(page, f"/kontroller/{control_id}")
    result = page.locator(f"#resultat-{correction}")
    await result.locator("summary", has_text="Bifoga fler filer").click()
    write_pdf(tmp_path / "protokoll.pdf")
    await result.get_by_label("Filer").set_input_files(tmp_path / "protokoll.pdf")
    await result.get_by_role("button", name="Bifoga").click()
    await expect(page.get_by_role("status")).to_have_text("Filerna är bifogade.")
    await expect(
        page.locator(f"#resultat-{correction}").get_by_role("link", name="protokoll.pdf")
    ).to_be_visible()
    return RichControl(
        owner=owner_name,
        preparer=f"{short}-handlaggare",
        viewer=f"{short}-ledamot",
        board_id=logged["board"],
        control_id=control_id,
        open_occasion=still_open["id"],
        corrected_result=first,
        result=correction,
        deviation=deviation_id,
        postponed_action=postponed,
        closed_action=closed,
    )


_RICH: dict[str, RichControl] = {}


async def rich_control(
    config: pytest.Config, page_as: PageAs, live_server: str, tmp: pytest.TempPathFactory
) -> RichControl:
    """`build_rich_control` once per live server, for every module that needs it."""
    if live_server not in _RICH:
        _RICH[live_server] = await build_rich_control(config, page_as, tmp.mktemp("evidence"))
    return _RICH[live_server]


@pytest_asyncio.fixture(loop_scope="session")
async def rich(
    page_as: PageAs,
    request: pytest.FixtureRequest,
    live_server: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> RichControl:
    """A control with a deviation, a postponed and a closed action (built once)."""
    return await rich_control(request.config, page_as, live_server, tmp_path_factory)


async def _counts() -> dict[str, int]:
    tables = (TestResult, Deviation, CorrectiveAction, EvidenceFile, ActionPostponement)
    return {t._meta.tablename: await t.count() for t in tables}


# ------------------------------------------------------------------ the tests


async def test_log_a_result_with_deviation_action_and_evidence_then_analyse_and_postpone(
    page_as: PageAs, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    async with live_database(request.config):
        overdue = await unlogged_occasions(overdue=True)
        assert overdue, "the demo left no overdue occasion to log a result for"
        owner = await owner_of(overdue[0]["control"])

    page = await page_as(owner)
    await open_page(page, "/mina-kontroller")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mina kontroller")
    late = page.get_by_role("region", name=re.compile(r"^Försenade \(\d+\)$"))
    log_link = late.get_by_role("link", name=re.compile("^Logga resultat")).first
    href = await log_link.get_attribute("href")
    match = re.fullmatch(r"/kontrolltillfallen/(\d+)/resultat", href or "")
    assert match, f"unexpected link to the result form: {href!r}"
    occasion_id = int(match.group(1))
    await log_link.click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga resultat")
    await expect(page.get_by_label("Utförd datum")).to_have_value(TODAY.isoformat())
    me = await page.get_by_label("Utförd av").input_value()
    assert me.strip(), "the form should be signed with the user's name"
    first_due = TODAY + dt.timedelta(days=30)
    new_due = TODAY + dt.timedelta(days=75)
    pdf = write_pdf(tmp_path / "bevis.pdf")
    finding = "Två av tjugo fakturor saknade attest av behörig attestant."
    action_text = "Gå igenom attestreglementet med alla attestanter."

    await page.get_by_label("Vad som testades").fill("20 av 312 fakturor")
    await page.get_by_role("radio", name="Mindre avvikelse").check()
    await page.get_by_label("Kommentar").fill("Stickprov ur leverantörsreskontran.")
    await page.get_by_label("Beskrivning av avvikelsen").fill(finding)
    await page.get_by_label("Åtgärd – vad ska göras").fill(action_text)
    await page.get_by_label("Ansvarig", exact=True).select_option(label=me)
    await page.get_by_label("Klart senast").fill(first_due.isoformat())
    await page.get_by_label("Bevisfiler").set_input_files(tmp_path / "bevis.pdf")
    await page.get_by_role("button", name="Spara resultatet").click()

    # The control's page, with the new result on its occasion.
    await expect(page).to_have_url(
        re.compile(rf"/kontroller/(\d+)\?klart=loggat#tillfalle-{occasion_id}$")
    )
    await expect(page.get_by_role("status")).to_have_text("Resultatet är sparat.")
    occasion = page.locator(f"#tillfalle-{occasion_id}")
    light = occasion.locator(".occasion__head .signal")
    await expect(light).to_have_text("Mindre avvikelse")
    await expect(light).to_have_class(re.compile(r"\bsignal--yellow\b"))
    await expect(light).to_have_css("background-color", "rgb(255, 243, 196)")
    result = occasion.get_by_role("article")
    await expect(result).to_have_count(1)
    await expect(result.locator(".signal")).to_have_text("Mindre avvikelse")
    await expect(result).to_contain_text("20 av 312 fakturor")
    evidence = result.get_by_role("link", name="bevis.pdf", exact=True)
    await expect(evidence).to_have_attribute("href", re.compile(r"^/bevis/\d+$"))
    async with page.expect_download() as download_info:
        await evidence.click()
    download = await download_info.value
    assert download.suggested_filename == "bevis.pdf"
    assert await anyio.Path(await download.path()).read_bytes() == pdf

    # The deviation: 5 varför and the root cause.
    await page.get_by_role("link", name=finding).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Avvikelse: "))
    deviation_id = int(re.search(r"/avvikelser/(\d+)", page.url).group(1))
    await expect(page.get_by_label("Beskrivning", exact=True)).to_have_value(finding)
    await page.get_by_label("Varför 1", exact=True).fill("Attestanten var på semester.")
    await page.get_by_label("Varför 2", exact=True).fill("Ersättare var inte utsedd.")
    await page.get_by_label("Grundorsak").fill("Rutin för ersättare vid frånvaro saknas.")
    await page.get_by_role("button", name="Spara analysen").click()
    await expect(page.get_by_role("status")).to_have_text("Analysen är sparad.")
    await expect(page.get_by_label("Varför 2", exact=True)).to_have_value(
        "Ersättare var inte utsedd."
    )

    # Postpone the action: the first due date stays, struck through in red, beside the new one.
    action = page.get_by_role("article", name=action_text)
    await expect(action).to_contain_text(me)
    await expect(action.locator(".due-original")).to_have_count(0)
    await action.locator("summary", has_text="Skjut upp").click()
    await action.get_by_label("Nytt slutdatum").fill(new_due.isoformat())
    await action.get_by_label("Skäl", exact=True).fill("Attestanterna nås först efter bokslutet.")
    await action.get_by_role("button", name="Skjut upp", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(
        "Åtgärden har fått ett nytt slutdatum. Det ursprungliga datumet visas kvar."
    )
    original = action.locator(".due-original")
    await expect(original).to_have_text(first_due.isoformat())
    await expect(original).to_have_css("text-decoration-line", "line-through")
    await expect(original).to_have_css("color", "rgb(163, 22, 26)")
    await expect(action.locator(".due-new")).to_have_text(new_due.isoformat())
    await expect(action).to_contain_text(f"{first_due.isoformat()} → {new_due.isoformat()}")
    await check_accessibility(page, "deviation with a postponed action")

    # The owner is responsible for the action: it is among their actions, with both dates.
    await open_page(page, "/mina-kontroller")
    mine = page.get_by_role("row", name=re.compile(re.escape(action_text)))
    await expect(mine.locator(".due-original")).to_have_text(first_due.isoformat())
    await expect(mine.locator(".due-new")).to_have_text(new_due.isoformat())

    # Everything was stored once, and the first due date was kept.
    async with live_database(request.config):
        results = await TestResult.select().where(TestResult.occasion == occasion_id)
        assert len(results) == 1, results
        [stored] = results
        assert stored["outcome"] == "minor"
        assert stored["sample"] == "20 av 312 fakturor"
        assert stored["performed_on"] == TODAY
        assert stored["performed_by_name"] == me
        assert stored["corrects"] is None
        deviations = await Deviation.select().where(Deviation.found_in == stored["id"])
        assert [d["id"] for d in deviations] == [deviation_id]
        [deviation] = deviations
        assert deviation["severity"] == "minor"
        assert deviation["description"] == finding
        assert deviation["why_1"] == "Attestanten var på semester."
        assert deviation["why_2"] == "Ersättare var inte utsedd."
        assert deviation["why_3"] == ""
        assert deviation["root_cause"] == "Rutin för ersättare vid frånvaro saknas."
        actions = await CorrectiveAction.select().where(CorrectiveAction.deviation == deviation_id)
        assert len(actions) == 1, actions
        [stored_action] = actions
        assert stored_action["description"] == action_text
        assert stored_action["responsible_name"] == me
        assert stored_action["original_due_on"] == first_due
        assert stored_action["due_on"] == new_due
        assert stored_action["closed_on"] is None
        moves = await ActionPostponement.select().where(
            ActionPostponement.action == stored_action["id"]
        )
        assert [(m["from_due_on"], m["to_due_on"]) for m in moves] == [(first_due, new_due)]
        files = await EvidenceFile.select().where(EvidenceFile.result == stored["id"])
        assert len(files) == 1, files
        [stored_file] = files
        assert stored_file["original_name"] == "bevis.pdf"
        assert stored_file["media_type"] == "application/pdf"
        assert stored_file["size"] == len(pdf)
        assert stored_file["sha256"] == hashlib.sha256(pdf).hexdigest()


async def test_not_performed_without_a_reason_is_refused_and_nothing_is_stored(
    page_as: PageAs, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    async with live_database(request.config):
        occasions = await unlogged_occasions(overdue=False) or await unlogged_occasions(
            overdue=True
        )
        assert occasions, "no occasion without a result is left"
        occasion = occasions[0]
        owner = await owner_of(occasion["control"])
        before = await _counts()

    page = await page_as(owner)
    await open_page(page, "/mina-kontroller")
    await page.locator(f'a[href="/kontrolltillfallen/{occasion["id"]}/resultat"]').click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga resultat")
    await page.get_by_label("Vad som testades").fill("Inget urval")
    await page.get_by_role("radio", name="Ej genomförd").check()
    write_pdf(tmp_path / "bevis.pdf")
    await page.get_by_label("Bevisfiler").set_input_files(tmp_path / "bevis.pdf")
    async with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/resultat")
    ) as answer:
        await page.get_by_role("button", name="Spara resultatet").click()
    assert (await answer.value).status == 422

    # The message beside the field, which points at it, and the summary linking to it.
    reason = page.get_by_label("Skäl, om kontrollen inte genomfördes")
    await expect(reason).to_have_attribute("aria-invalid", "true")
    await expect(reason).to_have_attribute("aria-describedby", "err-reason")
    await expect(page.locator("#err-reason")).to_have_text(ERROR_REASON)
    await expect(page.locator("#err-reason + textarea")).to_have_id("f-reason")
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Rätta följande")
    await expect(summary).to_contain_text(
        f"Skäl till att kontrollen inte genomfördes: {ERROR_REASON}"
    )
    await expect(summary).to_have_count(1)
    # What was typed is kept; the file must be chosen again, and the page says so.
    await expect(page.get_by_label("Vad som testades")).to_have_value("Inget urval")
    await expect(page.get_by_role("radio", name="Ej genomförd")).to_be_checked()
    await expect(page.locator("#file-hint")).to_contain_text("Välj filerna igen")
    await summary.get_by_role("link", name="Skäl till att kontrollen inte genomfördes").click()
    await expect(reason).to_be_focused()

    async with live_database(request.config):
        assert await _counts() == before
        assert not await TestResult.exists().where(TestResult.occasion == occasion["id"])


async def test_error_summaries_on_the_deviation_page_lead_to_the_fields_that_failed(
    page_as: PageAs, rich: RichControl
) -> None:
    page = await page_as(rich.owner)
    await open_page(page, f"/avvikelser/{rich.deviation}")
    new_action = page.get_by_role("button", name="Lägg till åtgärden")
    await new_action.click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("beskriv vad som ska göras")
    await summary.get_by_role("link", name="Vad ska göras").click()
    await expect(page.get_by_label("Vad ska göras")).to_be_focused()

    await open_page(page, f"/avvikelser/{rich.deviation}")
    action = page.locator(f"#atgard-{rich.postponed_action}")
    await action.locator("summary", has_text="Skjut upp").click()
    await action.get_by_role("button", name="Skjut upp", exact=True).click()
    action = page.locator(f"#atgard-{rich.postponed_action}")
    summary = action.get_by_role("alert")
    await expect(summary).to_contain_text("ange varför åtgärden skjuts upp")
    await summary.get_by_role("link", name="Skäl").click()
    await expect(action.get_by_label("Skäl", exact=True)).to_be_focused()
    await summary.get_by_role("link", name=re.compile("slutdatum|Klart senast")).click()
    await expect(action.get_by_label("Nytt slutdatum")).to_be_focused()

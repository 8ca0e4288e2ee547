"""The demo kommun's reporting: this year's delår sent by most boards, KS's review of last year."""

import datetime as dt
import json

from internkontroll import demo
from internkontroll.controls.testing_tables import CorrectiveAction, Deviation, TestResult
from internkontroll.demo_plans import demo_principal
from internkontroll.organisation.tables import Board
from internkontroll.reports.counts import period_counts
from internkontroll.reports.followups import follow_up_document
from internkontroll.reports.periods import reporting_periods
from internkontroll.reports.tables import ConsolidatedReview, FollowUp, ReviewJudgement
from internkontroll.timeutil import today

SENT_THIS_YEAR = {"KS", "BUN", "SN", "BMN", "KFN"}


async def _boards() -> dict[str, int]:
    return {b["short_name"]: b["id"] for b in await Board.select(Board.id, Board.short_name)}


async def _statuses(year: int, key: str) -> dict[str, dict]:
    rows = await FollowUp.select(
        FollowUp.all_columns(), FollowUp.board.short_name.as_alias("short")
    ).where((FollowUp.year == year) & (FollowUp.period == key))
    return {r["short"]: r for r in rows}


async def test_this_years_delar_is_sent_by_most_boards_and_missing_for_the_rest(demo_db):
    delar = reporting_periods(today().year)[-2]
    rows = await _statuses(delar.year, delar.key)
    if delar.end > today():
        assert rows == {}  # nothing is reported before the reporting point
        return
    sent = {short for short, r in rows.items() if r["status"] == "sent"}
    assert sent == SENT_THIS_YEAR
    assert rows["TN"]["status"] == "draft" and rows["TN"]["summary"]
    assert "BOST" not in rows  # not started
    for short in sent:
        row = rows[short]
        assert delar.end <= row["decided_on"] <= today(), short
        assert row["paragraph"].startswith("§ ") and row["registry_number"].startswith(short)
        assert row["snapshot"] and row["approved_by_name"] and row["sent_by_name"], short


async def test_last_years_helar_reached_ks_from_all_but_one_board(demo_db):
    year = today().year - 1
    helar = reporting_periods(year)[-1]
    rows = await _statuses(year, helar.key)
    assert {r["status"] for s, r in rows.items() if s != "BOST"} == {"sent"}
    assert rows["BOST"]["status"] == "approved"  # approved by the company's board, never sent
    for row in rows.values():
        # Meetings in the new year, on weekdays, never in the future.
        assert helar.end < row["decided_on"] <= today()
        if row["decided_on"] < today():  # a meeting not yet held is dated today instead
            assert row["decided_on"].weekday() < 5
    delar = await _statuses(year, reporting_periods(year)[-2].key)
    assert {r["status"] for r in delar.values()} == {"sent"} and len(delar) == len(rows)


async def test_ks_review_of_last_year_is_decided_and_names_the_board_that_did_not_report(demo_db):
    year = today().year - 1
    review = await ConsolidatedReview.select().where(ConsolidatedReview.year == year).first()
    assert review["status"] == "decided"
    assert dt.date(year + 1, 1, 1) <= review["decided_on"] <= today()
    assert review["paragraph"] == "§ 58" and review["registry_number"] == f"KS {year + 1}/0123"
    assert review["decided_by_name"] and review["findings"] and review["proposals"]
    snapshot = json.loads(review["snapshot"])
    assert [b["short_name"] for b in snapshot["not_reported"]] == ["BOST"]
    assert "Demo Bostäder AB" in review["findings"]
    judgements = await ReviewJudgement.select().where(ReviewJudgement.review == review["id"])
    boards = await _boards()
    judged = {j["board"]: j["level"] for j in judgements if j["board"] is not None}
    assert set(judged) == set(boards.values())
    levels = list(judged.values())
    assert levels.count("green") > len(levels) / 2 and {"yellow", "red"} <= set(levels)
    assert judged[boards["SN"]] == "red"
    assert sum(j["process"] is not None for j in judgements) >= 3


async def test_review_findings_quote_the_years_figures(demo_db):
    year = today().year - 1
    review = await ConsolidatedReview.select().where(ConsolidatedReview.year == year).first()
    totals = sum_counts(await period_counts(reporting_periods(year)[-1], today()))
    assert f"Av {totals['due']} planerade kontrolltillfällen" in review["findings"]
    assert f"har {totals['tested']} rapporterats" in review["findings"]


def sum_counts(counts) -> dict[str, int]:
    total: dict[str, int] = {}
    for c in counts.values():
        for key, value in c.as_dict().items():
            total[key] = total.get(key, 0) + value
    return total


async def test_a_demo_follow_up_has_figures(demo_db):
    year = today().year - 1
    boards = await _boards()
    secretary = await demo_principal("bun-sekreterare")
    document = await follow_up_document(secretary, boards["BUN"], year, "helar")
    assert document.status == "sent" and document.is_frozen
    figures = document.figures
    assert figures.controls and figures.totals.due > 0
    assert figures.totals.tested == figures.totals.due  # last year was tested in full
    assert figures.totals.passed > 0 and figures.totals.deviations_minor > 0
    assert any(line.results for line in figures.controls)


async def test_delar_figures_include_the_occasions_due_at_the_reporting_point(demo_db):
    delar = reporting_periods(today().year)[-2]
    if delar.end + dt.timedelta(days=10) > today():
        return  # the occasions due at the point are not all tested yet
    totals = sum_counts(await period_counts(delar, today()))
    # Most tests are performed on or before the due date, so few fall outside the period.
    assert totals["due"] > 0 and totals["tested"] >= 0.9 * totals["due"]
    results = await TestResult.select(
        TestResult.performed_on, TestResult.occasion.due_on.as_alias("due_on")
    ).where(TestResult.occasion.year == delar.year)
    on_time = sum(r["performed_on"] <= r["due_on"] for r in results)
    assert on_time > 0.7 * len(results) and on_time < len(results)  # some are late


async def test_last_years_results_are_complete_with_one_major_deviation_closed_this_year(demo_db):
    year = today().year - 1
    outcomes = [
        r["outcome"]
        for r in await TestResult.select(TestResult.outcome).where(TestResult.occasion.year == year)
    ]
    assert outcomes.count("passed") > 0.8 * len(outcomes)
    assert outcomes.count("major") == 1 and outcomes.count("minor") >= 10
    major = (
        await Deviation.select(Deviation.id, Deviation.root_cause, Deviation.board.short_name)
        .where((Deviation.severity == "major") & (Deviation.occasion.year == year))
        .first()
    )
    assert major["board.short_name"] == "SN" and major["root_cause"]
    action = (
        await CorrectiveAction.select().where(CorrectiveAction.deviation == major["id"]).first()
    )
    assert action["closed_on"].year == year + 1 and action["original_due_on"] < action["due_on"]
    still_open = await CorrectiveAction.count().where(
        CorrectiveAction.closed_on.is_null() & (CorrectiveAction.deviation.occasion.year == year)
    )
    assert still_open == 0


async def test_loading_again_reports_nothing_twice_and_prints_the_reporting_line(demo_db):
    tables = (FollowUp, ConsolidatedReview, ReviewJudgement, TestResult, CorrectiveAction)
    before = [await t.count() for t in tables]
    report = await demo.load_demo()
    assert [await t.count() for t in tables] == before
    year = today().year
    line = next(x for x in report.splitlines() if x.startswith("Uppföljning:"))
    assert (
        f"helår {year - 1} godkänd och skickad till KS av 6 av 7 nämnder och bolag (ej BOST)"
        in line
    )
    assert f"KS:s samlade bedömning av {year - 1} beslutad" in line
    if reporting_periods(year)[-2].end <= today():
        assert f"{year} godkänd och skickad till KS av 5 av 7 nämnder och bolag (ej TN, BOST)" in (
            line
        )

"""The shared points' report to KS: figures per board, page, PDF, Excel and the command line."""

from __future__ import annotations

import io
import re

import openpyxl

from internkontroll.reports.overview import build_shared_points_report, worst_outcome
from internkontroll.reports.shared_pdf import build_shared_pdf
from tests.conftest import login
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import DELAR, HELAR, SHARED_A, SHARED_B
from tests.reports.test_overview import pdf_text

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world


async def test_each_point_has_every_board_and_counts_by_the_day_performed(counts_world):
    delar = await build_shared_points_report(2026, DELAR)
    assert [p.title for p in delar] == [SHARED_A, SHARED_B]
    a, b = delar
    assert [r.short_name for r in a.rows] == ["KS", "BUN", "SN"]
    bun_a, bun_b = a.rows[1], b.rows[1]
    assert bun_a.control_id == counts_world.controls[SHARED_A]
    assert (bun_a.counts.due, bun_a.counts.tested, bun_a.worst_outcome) == (1, 1, "passed")
    # B was tested on 3 September: nothing in delår, the passed result in helår.
    assert (bun_b.counts.due, bun_b.counts.tested, bun_b.worst_outcome) == (1, 0, None)
    assert a.rows[0].control_id is None and a.rows[0].worst_outcome is None
    helar = await build_shared_points_report(2026, HELAR)
    assert (helar[1].rows[1].counts.tested, helar[1].rows[1].worst_outcome) == (1, "passed")
    assert await build_shared_points_report(2031, HELAR) == []


def test_the_worst_outcome_wins():
    from internkontroll.reports.counts import Counts

    assert worst_outcome(Counts(passed=3, not_performed=1)) == "not_performed"
    assert worst_outcome(Counts(passed=3, minor=1, not_performed=1)) == "minor"
    assert worst_outcome(Counts(passed=1, minor=1, major=1)) == "major"
    assert worst_outcome(Counts()) is None


async def test_page_pdf_and_excel_agree(counts_world, client):
    await login(client, "ks-ledamot")
    page = await client.get("/ks/gemensamma?ar=2026&period=helar")
    assert page.status_code == 200, page.text
    html = page.text
    assert SHARED_A in html and SHARED_B in html
    # The worst outcome is a traffic light that carries its text.
    assert "Utan anmärkning (grön)" in html
    assert "Kontrollmomentet finns inte i någon plan för 2026" in html
    bun_rows = re.findall(r'<tr data-board="BUN">(.*?)</tr>', html, re.S)
    tested = [re.search(r'data-figure="tested">([^<]*)<', row).group(1) for row in bun_rows]
    assert tested == ["1 av 2 (50 %)", "1 av 2 (50 %)"]

    pdf = await client.get("/api/shared-results.pdf?year=2026&period=helar")
    assert pdf.status_code == 200
    assert "gemensamma-kontrollmoment-2026-helar.pdf" in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    for expected in (
        "Gemensamma kontrollmoment – rapport till kommunstyrelsen",
        "Helår 2026",
        f"1. {SHARED_A}",
        f"2. {SHARED_B}",
        "BUN – Barn- och utbildningsnämnden 1 av 2 (50 %) 1 0 0 0 Utan anmärkning (grön) 0 0 0",
        "SN – Socialnämnden Saknar kontrollmomentet i en plan",
    ):
        assert expected in text, expected
    assert text.count("1 av 2 (50 %)") == 2

    xlsx = await client.get("/api/shared-results.xlsx?year=2026&period=helar")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Gemensamt kontrollmoment")
    bun = [dict(zip(header, r, strict=True)) for r in rows if r[1] == "BUN"]
    assert [(r["Förfallna tillfällen"], r["Testade"], r["Sämsta utfall"]) for r in bun] == [
        (2, 1, "Utan anmärkning (grön)"),
        (2, 1, "Utan anmärkning (grön)"),
    ]


async def test_a_year_without_shared_points_says_so(counts_world, client):
    await login(client, "samordnare")
    page = await client.get("/ks/gemensamma?ar=2031&period=delar")
    assert page.status_code == 200
    assert "KS har inte beslutat om gemensamma kontrollmoment för 2031" in page.text
    assert "/api/shared-results.pdf" not in page.text


async def test_pdf_renders_without_points_too(counts_world):
    content = build_shared_pdf(DELAR, [], "Kommun")
    assert content.startswith(b"%PDF-")

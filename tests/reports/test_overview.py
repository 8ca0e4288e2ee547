"""KS's overview: the service's rows, a fixed number of queries, and page = PDF = Excel."""

from __future__ import annotations

import io
import re

import openpyxl
import pypdf
import pypdfium2

from internkontroll.db import current_engine
from internkontroll.reports.counts import Counts
from internkontroll.reports.overview import build_overview, share_text
from internkontroll.reports.overview_excel import COUNT_COLUMNS, overview_workbook
from internkontroll.reports.overview_pdf import build_overview_pdf
from internkontroll.reports.tables import FollowUp
from tests.conftest import login, make_board
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import AS_OF, BUN_DELAR, BUN_HELAR, DELAR, HELAR

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world

YEAR = 2026


async def test_every_active_board_ks_first_with_the_hand_counted_figures(counts_world):
    world = counts_world.plan
    await FollowUp.insert(
        FollowUp(board=world.board, year=YEAR, period="delar", period_end=DELAR.end, status="sent"),
        FollowUp(board=world.other_board, year=YEAR, period="delar", period_end=DELAR.end),
    )
    view = await build_overview(YEAR, DELAR)
    assert [b.short_name for b in view.boards] == ["KS", "BUN", "SN"]
    bun = view.boards[1]
    assert bun.counts == BUN_DELAR
    assert (bun.timeliness, bun.timeliness_label) == ("on_time", "Antagen i tid")
    assert bun.accepted_high_risks == 1
    assert bun.follow_up_label("delar") == "Skickad till KS"
    assert bun.follow_up_label("helar") == "Ej påbörjad"
    assert view.boards[2].follow_up_label("delar") == "Utkast"
    assert [b.short_name for b in view.not_reported()] == ["KS", "SN"]
    assert view.reported("delar") == 1 and view.reported("helar") == 0
    assert view.totals == BUN_DELAR  # BUN is the only board with figures
    assert view.as_of == AS_OF and view.on_time == 1 and view.accepted_high_risks == 1
    helar = await build_overview(YEAR, HELAR)
    assert helar.boards[1].counts == BUN_HELAR


async def test_the_overview_makes_the_same_number_of_queries_for_any_number_of_boards(
    counts_world, monkeypatch
):
    engine_class = type(current_engine())
    run = engine_class.run_querystring
    queries = 0

    async def counting(self, *args, **kwargs):
        nonlocal queries
        queries += 1
        return await run(self, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    await build_overview(YEAR, DELAR)
    few = queries
    for n in range(15):
        await make_board(f"N{n}")
    queries = 0
    view = await build_overview(YEAR, DELAR)
    assert len(view.boards) == 18
    assert queries == few <= 10, (few, queries)


# ------------------------------------------------------------------ page, PDF and Excel agree


def page_figures(html: str) -> dict[str, list[str]]:
    """Per board (and 'Summa'), the figure cells of the overview table in column order."""
    figures: dict[str, list[str]] = {}
    for board, row in re.findall(r'<tr data-board="([^"]+)">(.*?)</tr>', html, re.S):
        figures[board] = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r'<td data-figure="[^"]+">(.*?)</td>', row, re.S)
        ]
    return figures


def expected(counts: Counts, accepted: int) -> list[str]:
    """The figures in the page's (and the PDF's) column order."""
    return [
        share_text(counts),
        str(counts.passed),
        str(counts.minor),
        str(counts.major),
        str(counts.not_performed),
        str(counts.deviations_minor),
        str(counts.deviations_major),
        str(counts.open_deviations),
        str(counts.overdue_actions),
        str(accepted),
    ]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_rows(text: str, boards: list[str]) -> dict[str, list[int]]:
    """The integers printed between each board's name and the next row (the last to 'Sida')."""
    table = text[text.index("Alla nämnder och bolag –") :]
    marks = [f"{b} –" for b in boards] + ["Summa ("]
    rows = {}
    for index, mark in enumerate(marks):
        start = table.index(mark) + len(mark)
        end = table.index(marks[index + 1]) if index + 1 < len(marks) else table.index("Sida")
        segment = table[start:end]
        if mark == "Summa (":
            segment = segment.split(")", 1)[1]  # the number of boards
        rows[mark.split()[0]] = [int(n) for n in re.findall(r"\d+", segment)]
    return rows


def numbers(cells: list[str]) -> list[int]:
    return [int(n) for cell in cells for n in re.findall(r"\d+", cell)]


async def test_page_pdf_and_excel_show_the_same_figures(counts_world, client):
    world = counts_world.plan
    view = await build_overview(YEAR, DELAR)
    await login(client, "samordnare")
    page = await client.get(f"/ks/oversikt?ar={YEAR}&period=delar")
    assert page.status_code == 200, page.text
    on_page = page_figures(page.text)
    for board in view.boards:
        assert on_page[board.short_name] == expected(board.counts, board.accepted_high_risks)
    assert on_page["Summa"] == expected(view.totals, view.accepted_high_risks)
    assert on_page["BUN"] == ["9 av 15 (60 %)", "4", "2", "2", "1", "2", "2", "3", "1", "1"]

    pdf = await client.get(f"/api/overview.pdf?year={YEAR}&period=delar")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="ks-oversikt-2026-delar.pdf"' in pdf.headers["content-disposition"]
    in_pdf = pdf_rows(pdf_text(pdf.content), [b.short_name for b in view.boards])
    for short, cells in on_page.items():
        # The PDF prints exactly the page's figures, nothing between them but labels.
        if short == "Summa":  # '1 i tid' before the figures, '1 skickade' after
            cells = [str(view.on_time), *cells, *(str(view.reported(p.key)) for p in view.periods)]
        assert in_pdf[short] == numbers(cells), short

    xlsx = await client.get(f"/api/overview.xlsx?year={YEAR}&period=delar")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Kortnamn")
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(values_only=True)}
    for board in [*view.boards, None]:
        counts = board.counts if board else view.totals
        row = rows[board.short_name if board else "Summa"]
        for title, attribute in COUNT_COLUMNS:
            assert row[title] == getattr(counts, attribute), (title, board)
        shown = on_page[board.short_name if board else "Summa"]
        assert share_text(counts) == shown[0]
        accepted = board.accepted_high_risks if board else view.accepted_high_risks
        assert row["Accepterade höga risker"] == accepted == int(shown[-1])
    assert rows["BUN"]["Beslutsfrist"] == "Antagen i tid"
    assert rows["SN"]["Uppföljning delår"] == "Ej påbörjad"
    assert world.board  # the world's BUN is the row checked by hand above


async def test_pdf_reads_in_swedish_and_renders(counts_world):
    view = await build_overview(YEAR, HELAR)
    content = build_overview_pdf(view, "Åsby kommun")
    text = pdf_text(content)
    for expected_text in (
        "Internkontroll 2026 – alla nämnder och bolag",
        "Helår 2026",
        "Åsby kommun",
        "Barn- och utbildningsnämnden",
        "Antagen i tid",
        "Saknas – deadline passerad",
        "Ej påbörjad",
        "Grön = utan anmärkning",
        "Gul",
        "Röd",
        "Grå",
        "Har inte skickat uppföljningen till KS",
        "12 av 24 (50 %)",
        "Sida 1 av",
    ):
        assert expected_text in text, expected_text
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata.author == "Åsby kommun"
    # The table's page is landscape and renders with ink on it.
    table_page = reader.pages[-1]
    assert table_page.mediabox.width > table_page.mediabox.height
    document = pypdfium2.PdfDocument(content)
    image = document[len(document) - 1].render(scale=1).to_pil().convert("L")
    assert image.getextrema()[0] < 100  # dark text was drawn
    document.close()


async def test_workbook_without_boards_still_has_a_totals_row(db, clock):
    view = await build_overview(YEAR, DELAR)
    sheet = openpyxl.load_workbook(io.BytesIO(overview_workbook(view, "Kommun"))).active
    assert any(r[0] == "Summa" for r in sheet.iter_rows(values_only=True))
    content = build_overview_pdf(view, "Kommun")
    assert "Det finns inga aktiva nämnder." in pdf_text(content)


async def test_default_period_is_the_latest_reached(counts_world, client):
    """Today is 15 November 2026 (the clock): delår is the latest point reached."""
    await login(client, "revisor")
    page = await client.get("/ks/oversikt?ar=2026")
    assert page.status_code == 200
    assert 'aria-current="true">Delår per 31 augusti 2026' in page.text
    past = await client.get("/ks/oversikt?ar=2025")
    assert 'aria-current="true">Helår 2025' in past.text

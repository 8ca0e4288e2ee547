"""KS's consolidated review as a PDF: text, traffic lights, draft mark, rendering, CLI, Excel."""

from __future__ import annotations

import concurrent.futures
import io
import re
from html.parser import HTMLParser

import pypdfium2
import pytest
from openpyxl import load_workbook

from internkontroll import cli
from internkontroll.reports.review import decide_review, save_review
from internkontroll.reports.review_document import review_document
from internkontroll.reports.review_excel import (
    BOARD_COLUMNS,
    BOARD_SHEET,
    NOT_REPORTED_SHEET,
    PROCESS_SHEET,
    TEXT_SHEET,
    review_workbook,
)
from internkontroll.reports.review_pdf import build_review_pdf
from tests.controls.test_api import as_user
from tests.reports import test_review as fixtures
from tests.reports.test_plan_pdf import font_resources, pdf_text
from tests.reports.test_review import DECISION, KOMMUN, YEAR, complete, send_follow_up

review_world = fixtures.review_world
GREEN_INK = (0x2E, 0x7D, 0x32)
RED_INK = (0xC6, 0x28, 0x28)


async def _document(world, *, decided: bool = False):
    await send_follow_up(world.sn)
    await save_review(world.coordinator, YEAR, complete(world))
    if decided:
        await decide_review(world.coordinator, YEAR, DECISION)
    return await review_document(world.auditor, YEAR)


async def test_draft_pdf_reads_in_swedish_and_is_marked_utkast(review_world):
    text = pdf_text(build_review_pdf(await _document(review_world)))
    for expected in (
        KOMMUN,
        "Samlad bedömning av den interna kontrollen 2025",
        "UTKAST – inte beslutad av kommunstyrelsen",
        "Bedömning per nämnd",
        "Grön – tillfredsställande",
        "Gul – brister som nämnden själv rättar",
        "Röd – inte tillfredsställande – KS bör agera",
        "Attestrutinen brister.",
        "Nyckeltal per nämnd",
        "1 av 12",  # BUN: tested of due
        "Nej (ej påbörjad)",
        "Nämnder som inte har rapporterat",
        "• Kommunstyrelsen (KS)",
        "• Barn- och utbildningsnämnden (BUN)",
        "Bedömning per process",
        "Skolskjuts",
        "Avtal saknas.",
        "Iakttagelser",
        "Nämnderna har i huvudsak en fungerande intern kontroll.",
        "Förbättringsförslag",
        "Utbilda kontrollansvariga",
        "Sida 1 av",
    ):
        assert expected in text, expected
    assert "• Socialnämnden" not in text
    assert text.count("UTKAST") >= 2  # the watermark too


async def test_decided_pdf_has_the_decision_line_and_no_draft_mark(review_world):
    content = build_review_pdf(await _document(review_world, decided=True))
    text = pdf_text(content)
    assert "Beslutad av kommunstyrelsen 2026-03-10 § 45, Dnr KS 2026/12" in text
    assert "UTKAST" not in text
    for font in font_resources(content):
        assert "DejaVuSans" in str(font["/BaseFont"])


async def test_first_page_renders_with_traffic_lights(review_world):
    content = build_review_pdf(await _document(review_world))
    pdf = pypdfium2.PdfDocument(content)
    try:
        image = pdf[0].render(scale=1).to_pil().convert("RGB")
    finally:
        pdf.close()
    colours = image.getcolors(maxcolors=image.width * image.height)

    def near(target):
        return sum(
            n
            for n, rgb in colours
            if all(abs(a - b) <= 12 for a, b in zip(rgb, target, strict=True))
        )

    assert near(GREEN_INK) > 300 and near(RED_INK) > 300


async def test_user_text_is_printed_as_written(review_world):
    w = review_world
    tricky = 'Brister < 5 % & "attest" <b>fet</b>'
    await save_review(w.coordinator, YEAR, complete(w, findings=tricky + "\nRad två\x07"))
    text = pdf_text(build_review_pdf(await review_document(w.auditor, YEAR)))
    assert tricky in text and "Rad två" in text


# ------------------------------------------------------------------------------- Excel


class _Table(HTMLParser):
    """The cell texts of the page's first table body."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
        if tag == "tbody" and self._tables == 1:
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif self._in_body and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


async def test_workbook_agrees_with_the_page(client, review_world):
    w = review_world
    document = await _document(w)
    wb = load_workbook(io.BytesIO(review_workbook(document)))
    ws = wb[BOARD_SHEET]
    headers = [title for title, _ in BOARD_COLUMNS]
    header_row = next(r[0].row for r in ws.iter_rows(max_col=1) if r[0].value == "Nämnd")
    rows = [
        dict(zip(headers, r, strict=True))
        for r in ws.iter_rows(min_row=header_row + 1, values_only=True)
    ]
    await as_user(client, "revisor")
    page = await client.get(f"/ks/samlad-bedomning?ar={YEAR}")
    parser = _Table()
    parser.feed(page.text)
    assert len(parser.rows) == len(rows) == 3
    for cells, row in zip(parser.rows, rows, strict=True):
        name, verdict, tested, deviations, overdue, accepted, received = cells
        assert name == f"{row['Nämnd']} ({row['Kortnamn']})"
        assert verdict.startswith(row["Bedömning"])
        assert tested == f"{row['Testade']} av {row['Planerade']}"
        minor, major = row["Mindre avvikelser"], row["Väsentliga avvikelser"]
        assert deviations == f"{minor + major} ({minor}/{major})"
        assert overdue == str(row["Försenade åtgärder"])
        assert accepted == str(row["Accepterade höga risker"])
        assert received == row["Uppföljning mottagen"]
    bun = rows[1]
    assert (bun["Testade"], bun["Planerade"], bun["Accepterade höga risker"]) == (1, 12, 1)
    facts = {r[0]: r[2] for r in ws.iter_rows(min_row=2, max_row=header_row - 1, values_only=True)}
    assert facts["Beslut"] == "UTKAST – inte beslutad av kommunstyrelsen"
    assert "Kommunstyrelsen (KS)" in facts["Nämnder som inte har rapporterat"]
    assert [r for r in wb[NOT_REPORTED_SHEET].iter_rows(min_row=2, values_only=True)] == [
        ("Kommunstyrelsen", "KS"),
        ("Barn- och utbildningsnämnden", "BUN"),
    ]
    processes = list(wb[PROCESS_SHEET].iter_rows(min_row=2, values_only=True))
    assert processes == [
        ("BUN", "Skolskjuts", "Gul – brister som nämnden själv rättar", "Avtal saknas.")
    ]
    texts = wb[TEXT_SHEET]
    assert texts["A2"].value == document.findings and texts["A5"].value == document.proposals


async def test_workbook_colours_the_judgement_and_keeps_formulas_out(review_world):
    w = review_world
    await save_review(w.coordinator, YEAR, complete(w, findings="=HYPERLINK(1)"))
    document = await review_document(w.auditor, YEAR)
    wb = load_workbook(io.BytesIO(review_workbook(document)))
    ws = wb[BOARD_SHEET]
    judged = [c for c in ws["C"] if c.value == "Röd – inte tillfredsställande – KS bör agera"]
    assert judged and judged[0].fill.start_color.rgb.endswith("C62828")
    assert wb[TEXT_SHEET]["A2"].data_type == "s"


# ------------------------------------------------------------------------------- the CLI


def _main(argv: list[str]) -> int:
    # cli.main runs its own event loop, which cannot nest inside the test's.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(cli.main, argv).result()


@pytest.mark.no_test_pool
async def test_cli_prints_the_review(review_world, tmp_path, capsys):
    out = tmp_path / "ks.pdf"
    assert _main(["report", "ks", "--year", str(YEAR), "--out", str(out)]) == 2
    assert f"det finns ingen samlad bedömning för {YEAR}" in capsys.readouterr().err
    assert not out.exists()
    await save_review(review_world.coordinator, YEAR, complete(review_world))
    assert _main(["report", "ks", "--year", str(YEAR), "--out", str(out)]) == 0
    assert "utkast" in capsys.readouterr().out
    assert "UTKAST" in pdf_text(out.read_bytes())
    await decide_review(review_world.coordinator, YEAR, DECISION)
    assert _main(["report", "ks", "--year", str(YEAR), "--out", str(out)]) == 0
    text = pdf_text(out.read_bytes())
    assert "UTKAST" not in text and "§ 45" in text
    assert re.search(r"beslutad av KS\), skriven till", capsys.readouterr().out)
    assert _main(["report", "ks", "--year", "1800", "--out", str(out)]) == 2
    assert "--year: året ska vara 2000–2100" in capsys.readouterr().err

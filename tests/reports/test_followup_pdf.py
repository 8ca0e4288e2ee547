"""The follow-up as PDF and Excel: Swedish text, draft mark, decision, a rendered page, and the
page, the PDF and the workbook agreeing on every total."""

from __future__ import annotations

import io
import re

import openpyxl
import pypdf
import pypdfium2

from internkontroll.organisation.tables import Municipality
from internkontroll.reports.followup_excel import follow_up_workbook
from internkontroll.reports.followup_figures import TOTAL_ROWS
from internkontroll.reports.followup_pdf import build_follow_up_pdf
from internkontroll.reports.followups import follow_up_document, save_follow_up
from tests.conftest import login
from tests.controls import conftest as plan_fixtures
from tests.controls.conftest import YEAR
from tests.reports.test_followup_figures import (
    AVTAL,
    DELAR_TOTAL,
    HELAR_TOTAL,
    ORDER,
    SHARED_B,
    build_tested_world,
)
from tests.reports.test_followups import DRAFT, approved
from tests.reports.test_plan_pdf import pdf_text

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these

KOMMUN = "Åsby kommun"
JUDGEMENT_YELLOW = (0xF9, 0xC8, 0x0E)


async def _world(world) -> None:
    await Municipality.insert(Municipality(name=KOMMUN, organisation_number="212000-0000"))
    await build_tested_world(world)


async def test_draft_pdf_reads_in_swedish_and_is_marked_utkast(plan_world):
    await _world(plan_world)
    await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    content = build_follow_up_pdf(document)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for expected in (
        KOMMUN,
        "Barn- och utbildningsnämnden",
        "Uppföljning av internkontrollplan 2026 – Delår per 31 augusti 2026",
        "UTKAST",
        "Gul – Brister som nämnden själv rättar",
        DRAFT.summary,
        "Antagen 2026-01-20 § 7, Dnr BUN 2025/301",
        "Antagen i tid (deadline 2026-01-31)",
        "Gemensamt (KS)",
        "Diarieföring sen i tre ärenden",
        # The overdue action says so in words, not in colour alone.
        "FÖRSENAD Rätta rutinen för diarieföring",
        "klart senast 2026-10-01 (försenad)",
        "Inga resultat i perioden",
        "Sida 1 av",
    ):
        assert expected in text, expected
    for title in ORDER:
        assert title in text, title
    # Shared points first: both come before the board's own controls.
    assert text.index(SHARED_B) < text.index(AVTAL, text.index("Resultat i perioden"))
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata.author == KOMMUN
    assert reader.trailer["/Root"]["/Lang"] == "sv-SE"


async def test_approved_pdf_carries_the_decision_and_no_draft_mark(plan_world):
    await _world(plan_world)
    await approved(plan_world)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    text = pdf_text(build_follow_up_pdf(document))
    assert "Godkänd av nämnden 2026-09-15 § 80, Dnr BUN 2026/90" in text
    assert "UTKAST" not in text


async def test_first_page_renders_with_the_judgements_traffic_light(plan_world):
    await _world(plan_world)
    await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    pdf = pypdfium2.PdfDocument(build_follow_up_pdf(document))
    try:
        image = pdf[0].render(scale=1).to_pil().convert("RGB")
    finally:
        pdf.close()
    colours = image.getcolors(maxcolors=image.width * image.height)
    ink = sum(count for count, rgb in colours if sum(rgb) < 600)
    assert ink > image.width * image.height * 0.02, ink
    yellow = sum(
        count
        for count, rgb in colours
        if all(abs(a - b) <= 12 for a, b in zip(rgb, JUDGEMENT_YELLOW, strict=True))
    )
    assert yellow > 500, yellow


def _page_totals(html: str) -> dict[str, int]:
    return {attr: int(value) for attr, value in re.findall(r'data-total="(\w+)">(\d+)<', html)}


def _pdf_totals(content: bytes) -> dict[str, int]:
    text = pdf_text(content)
    found = {}
    for label, attr in TOTAL_ROWS:
        match = re.search(re.escape(label) + r" (\d+)", text)
        assert match, label
        found[attr] = int(match.group(1))
    return found


def _excel_totals(content: bytes) -> dict[str, int]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    by_label = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    return {attr: by_label[label] for label, attr in TOTAL_ROWS}


async def test_page_pdf_and_excel_agree_on_the_totals(client, plan_world):
    await _world(plan_world)
    await login(client, "ledamot")
    for key, expected in (("delar", DELAR_TOTAL), ("helar", HELAR_TOTAL)):
        want = {attr: getattr(expected, attr) for _, attr in TOTAL_ROWS}
        base = f"/namnder/{plan_world.board}/uppfoljning/{YEAR}/{key}"
        page = await client.get(base)
        assert page.status_code == 200, page.text
        api = f"/api/boards/{plan_world.board}/follow-ups/{YEAR}/{key}"
        pdf = await client.get(f"{api}/follow-up.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert f"uppfoljning-BUN-2026-{key}.pdf" in pdf.headers["content-disposition"]
        xlsx = await client.get(f"{api}/follow-up.xlsx")
        assert xlsx.status_code == 200
        assert _page_totals(page.text) == want, key
        assert _pdf_totals(pdf.content) == want, key
        assert _excel_totals(xlsx.content) == want, key
        assert (await client.get(api)).json()["figures"]["totals"] == expected.as_dict()


async def test_workbook_has_a_row_per_control_and_per_deviation(plan_world):
    await _world(plan_world)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "helar")
    book = openpyxl.load_workbook(io.BytesIO(follow_up_workbook(document)))
    assert book.sheetnames == ["Sammanställning", "Kontrollmoment", "Resultat", "Avvikelser"]
    controls = list(book["Kontrollmoment"].iter_rows(values_only=True))
    assert [r[0] for r in controls[1:]] == ORDER
    assert controls[1][1] == "Gemensamt (KS)" and controls[3][1] == "Nämndens eget"
    header = controls[0]
    avtal = dict(zip(header, controls[3], strict=True))
    assert (avtal["Förfallna"], avtal["Testade"], avtal["Röd"]) == (4, 2, 1)
    results = list(book["Resultat"].iter_rows(values_only=True))
    assert len(results) == 1 + 5  # the corrected result is replaced, not listed twice
    deviations = list(book["Avvikelser"].iter_rows(values_only=True))
    statuses = {r[1]: r[-1] for r in deviations[1:]}
    assert statuses == {
        "Två körningar utan avtal": "Klar",
        "Diarieföring sen i tre ärenden": "Försenad",
    }

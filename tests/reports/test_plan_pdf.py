"""The plan as a PDF: Swedish text, embedded fonts, watermark, flags, rendering, size, and HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import time

import pypdf
import pypdfium2
import pytest

from internkontroll.controls import plans
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.views import plan_document
from internkontroll.errors import Forbidden
from internkontroll.organisation.tables import Municipality
from internkontroll.reports.plan_pdf import build_plan_pdf, render_plan_pdf
from tests.conftest import login
from tests.controls import conftest as plan_fixtures
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these

KOMMUN = "Åsby kommun"
HEAT_MAP_RED = (0xC6, 0x28, 0x28)


async def draft_plan(world) -> int:
    """BUN's complete draft for the year, with KS's two shared points and a kommun name."""
    await Municipality.insert(Municipality(name=KOMMUN, organisation_number="212000-0000"))
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    await complete_controls(world, plan_id)
    return plan_id


async def adopted_plan(world, decision: DecisionInput = ADOPTION) -> int:
    """BUN's plan for the year, adopted by the decision."""
    plan_id = await draft_plan(world)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, decision)
    return plan_id


def pdf_text(content: bytes) -> str:
    """Every page's text with runs of whitespace made single spaces (table cells wrap)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def font_resources(content: bytes) -> list[pypdf.generic.DictionaryObject]:
    """Every font dictionary any page uses."""
    fonts = []
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.append(font.get_object())
    return fonts


async def test_adopted_plan_reads_in_swedish_with_decision_and_every_control(plan_world):
    plan_id = await adopted_plan(plan_world)
    document = await plan_document(plan_world.viewer, plan_id, with_heat_map=True)
    content = build_plan_pdf(document)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for expected in (
        KOMMUN,
        "Barn- och utbildningsnämnden",
        "Internkontrollplan 2026",
        "Kontrollansvarig",
        "Kontrollmoment",
        "Riskvärde",
        "Rapporteras",
        "Antagen 2026-01-20 § 7, Dnr BUN 2025/301",
        "Antagen i tid (deadline 2026-01-31)",
        "Riskkarta 2026",
        "Sida 1 av",
        "Stickprov",
        "Kvartalsvis",
        "16 Hög (röd)",
    ):
        assert expected in text, expected
    for control in document.controls:
        assert control.title in text, control.title
    # Each of KS's two shared points is marked, plus the one mention in the table's intro.
    assert text.count("Gemensamt (KS)") == 3
    assert "UTKAST" not in text
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata.title.startswith("Internkontrollplan 2026 – Barn- och")
    assert reader.metadata.author == KOMMUN
    assert f"Sida {len(reader.pages)} av {len(reader.pages)}" in text
    assert reader.trailer["/Root"]["/Lang"] == "sv-SE"


async def test_draft_is_watermarked_and_not_adopted(plan_world):
    plan_id = await draft_plan(plan_world)
    content = build_plan_pdf(await plan_document(plan_world.preparer, plan_id, with_heat_map=True))
    text = pdf_text(content)
    assert "UTKAST" in text
    assert "Ej antagen" in text
    # The draft's year is 2026 and its deadline long past: flagged as missing.
    assert "Saknas – deadline passerad (deadline 2026-01-31)" in text


async def test_late_adoption_is_flagged(plan_world):
    late = DecisionInput(dt.date(2026, 2, 12), "12", "BUN 2026/40")
    plan_id = await adopted_plan(plan_world, late)
    text = pdf_text(build_plan_pdf(await plan_document(plan_world.viewer, plan_id)))
    assert "Antagen för sent (deadline 2026-01-31)" in text
    assert "Antagen 2026-02-12 § 12, Dnr BUN 2026/40" in text


async def test_fonts_are_embedded_and_no_builtin_font_is_named(plan_world):
    plan_id = await draft_plan(plan_world)
    content = build_plan_pdf(await plan_document(plan_world.preparer, plan_id, with_heat_map=True))
    fonts = font_resources(content)
    assert fonts
    for font in fonts:
        assert "Helvetica" not in str(font["/BaseFont"])
        assert "DejaVuSans" in str(font["/BaseFont"])
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]


async def test_first_page_renders_with_the_heat_map(plan_world):
    plan_id = await adopted_plan(plan_world)
    content = build_plan_pdf(await plan_document(plan_world.viewer, plan_id, with_heat_map=True))
    pdf = pypdfium2.PdfDocument(content)
    try:
        image = pdf[0].render(scale=1).to_pil().convert("RGB")
    finally:
        pdf.close()
    colours = image.getcolors(maxcolors=image.width * image.height)
    total = image.width * image.height
    ink = sum(count for count, rgb in colours if sum(rgb) < 600)
    assert ink > total * 0.02, ink
    red = sum(
        count
        for count, rgb in colours
        if all(abs(a - b) <= 12 for a, b in zip(rgb, HEAT_MAP_RED, strict=True))
    )
    assert red > 500, red


async def test_user_text_is_printed_as_written(plan_world):
    plan_id = await draft_plan(plan_world)
    document = await plan_document(plan_world.preparer, plan_id, with_heat_map=True)
    tricky = 'Avtal < 5 år & "inköp" <b>fet</b> &amp;'
    document.controls[2].title = tricky
    document.controls[2].purpose = "Rad ett\nRad två\x07"
    text = pdf_text(build_plan_pdf(document))
    assert tricky in text
    assert "Rad ett Rad två" in text


async def test_empty_plan_says_so_and_earlier_maps_are_labelled(plan_world):
    plan_id = await draft_plan(plan_world)
    document = await plan_document(plan_world.preparer, plan_id, with_heat_map=True)
    document.heat_map.earlier = [dataclasses.replace(document.heat_map, earlier=[])]
    text = pdf_text(build_plan_pdf(dataclasses.replace(document, controls=[])))
    assert "Planen har inga kontrollmoment." in text
    assert "Bedömt på en tidigare riskmatris (1)" in text
    assert "Process" not in text


async def test_a_plan_of_150_controls_builds(plan_world):
    plan_id = await adopted_plan(plan_world)
    document = await plan_document(plan_world.viewer, plan_id, with_heat_map=True)
    controls = [
        dataclasses.replace(
            document.controls[n % len(document.controls)],
            title=f"Kontroll nummer {n + 1} av leverantörsfakturor",
            purpose="Att rätt belopp betalas till rätt mottagare. " * (1 + n % 4),
        )
        for n in range(150)
    ]
    started = time.perf_counter()
    content = build_plan_pdf(dataclasses.replace(document, controls=controls))
    elapsed = time.perf_counter() - started
    print(f"\n150 kontrollmoment: {elapsed:.2f} s, {len(content) // 1024} kB")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) > 5
    text = pdf_text(content)
    assert "Kontroll nummer 1 av" in text and "Kontroll nummer 150 av" in text


async def test_render_checks_permission_and_names_the_file(plan_world):
    plan_id = await adopted_plan(plan_world)
    name, content = await render_plan_pdf(plan_world.viewer, plan_id)
    assert name == "internkontrollplan-BUN-2026-v1.pdf"
    assert content.startswith(b"%PDF-")
    with pytest.raises(Forbidden):
        await render_plan_pdf(plan_world.outsider, plan_id)


# ------------------------------------------------------------------------------- over HTTP


async def test_board_member_downloads_the_pdf(client, plan_world):
    plan_id = await adopted_plan(plan_world)
    assert (await login(client, "ledamot")).status_code == 303
    response = await client.get(f"/api/plans/{plan_id}/plan.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="internkontrollplan-BUN-2026-v1.pdf"'
    )
    assert response.content.startswith(b"%PDF-")


async def test_other_boards_user_missing_plan_and_anonymous_are_refused(client, plan_world):
    plan_id = await adopted_plan(plan_world)
    assert (await client.get(f"/api/plans/{plan_id}/plan.pdf")).status_code == 401
    assert (await login(client, "annan")).status_code == 303
    refused = await client.get(f"/api/plans/{plan_id}/plan.pdf")
    assert refused.status_code == 403
    assert b"%PDF" not in refused.content
    assert (await client.get(f"/api/plans/{plan_id + 999}/plan.pdf")).status_code == 404
    assert (await client.get("/api/plans/99999999999/plan.pdf")).status_code in (400, 404)

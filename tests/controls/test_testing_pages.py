"""The testing pages: Mina kontroller, logging with evidence, corrections, deviations, actions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from internkontroll.controls import evidence, uploads
from internkontroll.controls.testing_tables import (
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.timeutil import today
from tests.controls.test_pages import adopted, as_user, form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _occasion(world, key: str = "Q1") -> dict:
    return await (
        TestOccasion.select()
        .where((TestOccasion.board == world.board) & (TestOccasion.period_key == key))
        .order_by(TestOccasion.id)
        .first()
    )


def _result_fields(client, **extra) -> dict:
    fields = {
        "performed_on": "2026-03-31",
        "performed_by_name": "Kim Kontrollant",
        "sample": "20 av 312 fakturor",
        "outcome": "passed",
    }
    return form(client, **{**fields, **extra})


async def test_owner_logs_a_result_with_deviation_action_and_evidence(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "kontrollant")
    mine = await client.get("/mina-kontroller")
    assert mine.status_code == 200
    assert (
        "Försenade" in mine.text and f"/kontrolltillfallen/{occasion['id']}/resultat" in mine.text
    )
    page = await client.get(f"/kontrolltillfallen/{occasion['id']}/resultat")
    assert page.status_code == 200 and "Logga resultat" in page.text
    due = (today() + dt.timedelta(days=30)).isoformat()
    response = await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat",
        data=_result_fields(
            client,
            outcome="minor",
            deviation="Två fakturor saknade attest",
            action_description="Påminn attestanterna",
            responsible_id=str(plan_world.owner_id),
            due_on=due,
        ),
        files={"file": ("Stickprov mars.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/kontroller/{occasion['control']}")
    result = await TestResult.select().where(TestResult.occasion == occasion["id"]).first()
    assert result["outcome"] == "minor" and result["sample"] == "20 av 312 fakturor"
    deviation = await Deviation.select().where(Deviation.found_in == result["id"]).first()
    action = (
        await CorrectiveAction.select().where(CorrectiveAction.deviation == deviation["id"]).first()
    )
    assert action["original_due_on"].isoformat() == due
    stored = await EvidenceFile.select().where(EvidenceFile.result == result["id"]).first()
    assert stored["original_name"] == "Stickprov mars.pdf"
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()
    record = await client.get(f"/kontroller/{occasion['control']}")
    assert "Mindre avvikelse" in record.text and "Stickprov mars.pdf" in record.text
    download = await client.get(f"/bevis/{stored['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert "Stickprov%20mars.pdf" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_a_rejected_file_stores_nothing(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "kontrollant")
    response = await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat",
        data=_result_fields(client),
        files={"file": ("rapport.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, "application/pdf")},
    )
    assert response.status_code == 422
    assert "rapport.pdf" in response.text
    assert not await TestResult.exists().where(TestResult.occasion == occasion["id"])


async def test_the_size_limit_answers_413_and_stores_nothing(client, plan_world, monkeypatch):
    small = dataclasses.replace(evidence.get_settings(), evidence_max_bytes=1024)
    monkeypatch.setattr(evidence, "get_settings", lambda: small)
    monkeypatch.setattr(uploads, "get_settings", lambda: small)
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "kontrollant")
    big = PDF + b"0" * 2048
    response = await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat",
        data=_result_fields(client),
        files={"file": ("stor.pdf", big, "application/pdf")},
    )
    assert response.status_code == 413
    assert "1 kB" in response.text or "för stor" in response.text
    assert not await TestResult.exists().where(TestResult.occasion == occasion["id"])


async def test_evidence_is_served_only_to_readers_of_the_control(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "kontrollant")
    await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat",
        data=_result_fields(client),
        files={"file": ("bevis.pdf", PDF, "application/pdf")},
    )
    stored = await EvidenceFile.select().first()
    for username, status in (("ledamot", 200), ("revisor", 200), ("annan", 403)):
        await as_user(client, username)
        assert (await client.get(f"/bevis/{stored['id']}")).status_code == status, username
    await client.post("/logout", data=form(client))
    anonymous = await client.get(f"/bevis/{stored['id']}")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


async def test_a_viewer_cannot_open_the_log_form_or_post_a_result(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "ledamot")
    assert (await client.get(f"/kontrolltillfallen/{occasion['id']}/resultat")).status_code == 403
    response = await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat", data=_result_fields(client)
    )
    assert response.status_code == 403
    assert not await TestResult.exists()


async def test_bad_input_is_shown_beside_the_field(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "kontrollant")
    response = await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat",
        data=_result_fields(client, outcome="major", performed_on="31/3"),
    )
    assert response.status_code == 422
    assert "skriv datumet som ÅÅÅÅ-MM-DD" in response.text
    assert "beskriv avvikelsen" in response.text
    assert not await TestResult.exists()


async def test_correction_keeps_both_and_deviation_page_postpones_with_original_date(
    client, plan_world
):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await as_user(client, "kontrollant")
    await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat",
        data=_result_fields(client, outcome="major", deviation="Avtal saknas"),
    )
    first = await TestResult.select().first()
    again = await client.post(
        f"/kontrolltillfallen/{occasion['id']}/resultat", data=_result_fields(client)
    )
    assert again.status_code == 409
    page = await client.get(f"/resultat/{first['id']}/rattelse")
    assert page.status_code == 200 and "Skäl till rättelsen" in page.text
    corrected = await client.post(
        f"/resultat/{first['id']}/rattelse",
        data=_result_fields(
            client, outcome="minor", correction_reason="Avtalet fanns men var inte signerat"
        ),
    )
    assert corrected.status_code == 303
    record = await client.get(f"/kontroller/{occasion['control']}")
    assert "Rättat – ersatt av" in record.text and "Rättelse" in record.text
    deviation = await Deviation.select().first()
    assert deviation["severity"] == "minor"
    due = today() + dt.timedelta(days=10)
    added = await client.post(
        f"/avvikelser/{deviation['id']}/atgarder",
        data=form(
            client,
            description="Signera avtalet",
            responsible_id=str(plan_world.owner_id),
            due_on=due.isoformat(),
        ),
    )
    assert added.status_code == 303
    action = await CorrectiveAction.select().first()
    later = due + dt.timedelta(days=20)
    moved = await client.post(
        f"/atgarder/{action['id']}/skjut-upp",
        data=form(client, due_on=later.isoformat(), reason="Leverantören är sjuk"),
    )
    assert moved.status_code == 303
    page = await client.get(f"/avvikelser/{deviation['id']}")
    assert f'<span class="due-original" title="Ursprungligt slutdatum">{due}</span>' in page.text
    assert f'<span class="due-new">{later}</span>' in page.text
    assert await ActionPostponement.count() == 1
    analysed = await client.post(
        f"/avvikelser/{deviation['id']}",
        data=form(
            client,
            description="Avtal saknas",
            why_1="Ingen kontrollerade",
            why_2="Rutinen saknades",
            root_cause="Ingen rutin för avtalsuppföljning",
        ),
    )
    assert analysed.status_code == 303
    closed = await client.post(
        f"/atgarder/{action['id']}/avsluta",
        data=form(client, closed_on=today().isoformat(), note="Avtalet signerat"),
    )
    assert closed.status_code == 303
    bad_check = await client.post(
        f"/atgarder/{action['id']}/uppfoljning",
        data=form(client, checked_on=today().isoformat(), note=""),
    )
    assert bad_check.status_code == 422 and "ange om åtgärden var verkningsfull" in bad_check.text
    board = await client.get(f"/namnder/{plan_world.board}/resultat?ar=2026")
    assert board.status_code == 200 and "Kontrollmoment och tillfällen" in board.text


@pytest.mark.parametrize("username", ["ledamot", "sekreterare", "revisor", "samordnare"])
async def test_readers_see_the_board_picture(client, plan_world, username):
    await adopted(plan_world)
    await as_user(client, username)
    response = await client.get(f"/namnder/{plan_world.board}/resultat?ar=2026")
    assert response.status_code == 200
    assert "Försenad, ej testad" in response.text


async def test_outsiders_do_not_see_the_board_picture(client, plan_world):
    await adopted(plan_world)
    await as_user(client, "annan")
    assert (await client.get(f"/namnder/{plan_world.board}/resultat?ar=2026")).status_code == 403

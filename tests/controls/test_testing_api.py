"""The testing API over HTTP: results, corrections, evidence, deviations, actions and reads."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import struct
import zlib
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from internkontroll.controls import deviations, evidence, plans, uploads
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, remove_control, update_control
from internkontroll.controls.testing_tables import (
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.controls.views import plan_document
from internkontroll.timeutil import today
from tests.conftest import csrf_token
from tests.controls.test_api import as_user, fields
from tests.controls.test_pages import adopted

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HUGE = 2**31
RESULT = {
    "performed_on": "2026-03-31",
    "performed_by_name": "Kim Kontrollant",
    "sample": "20 av 312 fakturor",
    "outcome": "passed",
}


def _png() -> bytes:
    """A real one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def _occasions(world, key: str = "Q1") -> list[dict[str, Any]]:
    """BUN's occasions for a period, one per control, in control order."""
    return await (
        TestOccasion.select()
        .where((TestOccasion.board == world.board) & (TestOccasion.period_key == key))
        .order_by(TestOccasion.id)
    )


async def _occasion(world, key: str = "Q1") -> dict[str, Any]:
    return (await _occasions(world, key))[0]


def _occasion_in(record: dict[str, Any], occasion_id: int) -> dict[str, Any]:
    [found] = [o for o in record["occasions"] if o["id"] == occasion_id]
    return found


def _days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


async def _log(client, headers, occasion_id: int, **body) -> httpx.Response:
    return await client.post(
        f"/api/occasions/{occasion_id}/results", json={**RESULT, **body}, headers=headers
    )


async def _logged_deviation(client, world, severity: str = "minor") -> tuple[dict, dict]:
    """Adopt the plan, log a deviation on Q1 as the owner; the record and the deviation."""
    await adopted(world)
    occasion = await _occasion(world)
    headers = await as_user(client, "kontrollant")
    response = await _log(
        client, headers, occasion["id"], outcome=severity, deviation="Två fakturor saknade attest"
    )
    assert response.status_code == 201, response.text
    record = response.json()
    [deviation] = record["deviations"]
    return record, deviation


# ------------------------------------------------------------------------------ results


async def test_the_owner_logs_a_minor_deviation_and_reads_the_record(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, "kontrollant")
    response = await _log(
        client,
        headers,
        occasion["id"],
        outcome="minor",
        deviation="  Två fakturor saknade attest  ",
        comment="Påminnelse skickad",
        reason="ignoreras när kontrollen genomfördes",
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["control_id"], record["board_id"], record["board_short_name"]) == (
        occasion["control"],
        plan_world.board,
        "BUN",
    )
    assert (record["year"], record["owner_id"], record["owner_name"]) == (
        2026,
        plan_world.owner_id,
        "Kontrollant",
    )
    assert record["can_test"] is True
    assert record["frequency"] == "quarterly" and record["frequency_label"]
    assert [o["period_key"] for o in record["occasions"]] == ["Q1", "Q2", "Q3", "Q4"]
    logged = _occasion_in(record, occasion["id"])
    assert (logged["signal"], logged["signal_label"]) == ("yellow", "Mindre avvikelse")
    assert (logged["period_label"], logged["due_on"], logged["scheduled"]) == (
        "Kvartal 1",
        "2026-03-31",
        True,
    )
    [result] = logged["results"]
    assert result["id"] == (await TestResult.select(TestResult.id).first())["id"]
    assert {k: result[k] for k in RESULT} == {**RESULT, "outcome": "minor"}
    assert (result["outcome_label"], result["signal"], result["occasion_id"]) == (
        "Mindre avvikelse",
        "yellow",
        occasion["id"],
    )
    assert (result["comment"], result["reason"]) == ("Påminnelse skickad", "")
    assert (result["corrects"], result["corrected_by"], result["correction_reason"]) == (
        None,
        None,
        "",
    )
    assert result["recorded_by_name"] == "Kontrollant" and result["evidence"] == []
    others = [o["signal"] for o in record["occasions"] if o["id"] != occasion["id"]]
    assert others == ["overdue", "overdue", "upcoming"]  # today is after Q3, before Q4's end
    [deviation] = record["deviations"]
    assert {
        k: deviation[k]
        for k in (
            "occasion_id",
            "found_in",
            "severity",
            "severity_label",
            "description",
            "open",
            "withdrawn",
            "actions",
            "whys",
        )
    } == {
        "occasion_id": occasion["id"],
        "found_in": result["id"],
        "severity": "minor",
        "severity_label": "Mindre",
        "description": "Två fakturor saknade attest",
        "open": True,
        "withdrawn": False,
        "actions": [],
        "whys": ["", "", "", "", ""],
    }
    read = await client.get(f"/api/controls/{occasion['control']}")
    assert read.status_code == 200 and read.json() == record


async def test_a_preparer_logs_and_not_performed_keeps_its_reason(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world, "Q2")
    headers = await as_user(client, "handlaggare")
    response = await _log(
        client,
        headers,
        occasion["id"],
        outcome="not_performed",
        reason="Systemet var nere hela perioden",
        performed_on="2026-06-30",
    )
    assert response.status_code == 201, response.text
    logged = _occasion_in(response.json(), occasion["id"])
    assert (logged["signal"], logged["signal_label"]) == ("grey", "Ej genomförd")
    assert logged["results"][0]["reason"] == "Systemet var nere hela perioden"
    assert logged["results"][0]["recorded_by_name"] == "Handlaggare"
    assert response.json()["deviations"] == []


BAD_RESULTS = [
    pytest.param({"sample": None}, ["sample"], id="sample-missing"),
    pytest.param({"sample": "   "}, ["sample"], id="sample-blank"),
    pytest.param({"performed_by_name": ""}, ["performed_by_name"], id="performer-blank"),
    pytest.param({"performed_by_name": "x" * 101}, ["performed_by_name"], id="performer-long"),
    pytest.param({"sample": "a\x00b"}, ["sample"], id="sample-nul"),
    pytest.param({"outcome": "bra"}, ["outcome"], id="bad-outcome"),
    pytest.param({"outcome": "minor"}, ["deviation"], id="minor-without-deviation"),
    pytest.param({"outcome": "major", "deviation": " "}, ["deviation"], id="major-blank-deviation"),
    pytest.param({"performed_on": "tomorrow"}, ["performed_on"], id="future"),
    pytest.param({"performed_on": "2025-12-31"}, ["performed_on"], id="before-plan-year"),
    pytest.param({"performed_on": None}, ["performed_on"], id="date-null"),
    pytest.param({"outcome": "not_performed"}, ["reason"], id="not-performed-without-reason"),
    pytest.param({"performed_on": "2026-02-30"}, ["performed_on"], id="date-impossible"),
    pytest.param({"performed_on": "31/3"}, ["performed_on"], id="date-malformed"),
    pytest.param({"performed_on": 20260331}, ["performed_on"], id="date-number"),
    pytest.param({"outcome": 1}, ["outcome"], id="outcome-number"),
    pytest.param(
        {"sample": "", "outcome": "bra", "performed_on": None},
        ["performed_on", "sample", "outcome"],
        id="several",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD_RESULTS)
async def test_a_bad_result_is_422_naming_its_fields(client, plan_world, overrides, expected):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, "kontrollant")
    body = {**RESULT, **overrides}
    if body["sample"] is None:
        del body["sample"]
    if body["performed_on"] == "tomorrow":
        body["performed_on"] = _days(1)
    response = await client.post(
        f"/api/occasions/{occasion['id']}/results", json=body, headers=headers
    )
    assert response.status_code == 422, response.text
    assert fields(response) == expected, response.text
    assert not await TestResult.exists()


async def test_a_body_that_is_not_a_result_is_422(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, "kontrollant")
    url = f"/api/occasions/{occasion['id']}/results"
    for content, expected in (
        (b"{", 400),  # not JSON at all
        (b"[]", 422),
        (b"null", 422),
        (b'"text"', 422),
        (b"{}", 422),
    ):
        response = await client.post(
            url, content=content, headers={**headers, "content-type": "application/json"}
        )
        assert response.status_code == expected, (content, response.text)
    assert not await TestResult.exists()


async def test_a_second_result_on_a_scheduled_occasion_is_409(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, "kontrollant")
    assert (await _log(client, headers, occasion["id"])).status_code == 201
    again = await _log(client, headers, occasion["id"], outcome="major", deviation="Fel")
    assert again.status_code == 409
    assert "rättelse" in again.json()["detail"]
    assert await TestResult.count() == 1 and await Deviation.count() == 0


@pytest.mark.parametrize(
    "username", ["ledamot", "sekreterare", "revisor", "admin", "annan", "samordnare", "ks-ledamot"]
)
async def test_only_owner_and_preparers_log_results(client, plan_world, username):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, username)
    response = await _log(client, headers, occasion["id"])
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == "Du har inte behörighet till detta."
    assert not await TestResult.exists()


async def test_missing_and_out_of_range_ids_are_404_or_422_never_500(client, plan_world):
    await adopted(plan_world)
    headers = await as_user(client, "handlaggare")
    body = {**RESULT, "correction_reason": "x"}
    for path_id in ("999999", "0", str(HUGE), str(10**20), "-1", "abc"):
        for method, path, payload in (
            ("POST", f"/api/occasions/{path_id}/results", RESULT),
            ("POST", f"/api/results/{path_id}/corrections", body),
            ("PATCH", f"/api/deviations/{path_id}", {"description": "x"}),
            (
                "POST",
                f"/api/deviations/{path_id}/actions",
                {"description": "x", "responsible_id": 1, "due_on": _days(5)},
            ),
            ("POST", f"/api/actions/{path_id}/postpone", {"due_on": _days(5), "reason": "x"}),
            ("POST", f"/api/actions/{path_id}/close", {"closed_on": _days(0), "note": "x"}),
            (
                "POST",
                f"/api/actions/{path_id}/checks",
                {"checked_on": _days(0), "effective": True, "note": "x"},
            ),
            ("GET", f"/api/controls/{path_id}", None),
            ("GET", f"/api/boards/{path_id}/results", None),
        ):
            response = await client.request(method, path, json=payload, headers=headers)
            expected = (404,) if path_id in ("999999", "0", str(HUGE)) else (404, 422)
            assert response.status_code in expected, (method, path, response.text)
        upload = await client.post(
            f"/api/results/{path_id}/evidence",
            files={"file": ("bevis.pdf", PDF, "application/pdf")},
            headers=headers,
        )
        assert upload.status_code in (404, 422), (path_id, upload.text)
    assert not await TestResult.exists()


async def test_anonymous_callers_get_401_and_forged_writes_403(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    await client.get("/login")  # a CSRF cookie, but no session
    headers = {"x-csrftoken": csrf_token(client)}
    assert headers["x-csrftoken"]
    assert (await _log(client, headers, occasion["id"])).status_code == 401
    for path in (
        "/api/my-controls",
        f"/api/controls/{occasion['control']}",
        f"/api/boards/{plan_world.board}/results?year=2026",
    ):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/json")
    upload = await client.post(
        "/api/results/1/evidence",
        files={"file": ("bevis.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert upload.status_code == 401
    await as_user(client, "kontrollant")
    forged = await client.post(f"/api/occasions/{occasion['id']}/results", json=RESULT)
    assert forged.status_code == 403
    assert not await TestResult.exists()


# -------------------------------------------------------------------------- corrections


async def test_a_correction_keeps_both_results_and_regrades_the_deviation(client, plan_world):
    record, deviation = await _logged_deviation(client, plan_world, "major")
    occasion_id = deviation["occasion_id"]
    first = deviation["found_in"]
    headers = {"x-csrftoken": csrf_token(client)}
    response = await client.post(
        f"/api/results/{first}/corrections",
        json={
            **RESULT,
            "outcome": "minor",
            "correction_reason": "Avtalet fanns men var inte signerat",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    occasion = _occasion_in(response.json(), occasion_id)
    new, old = occasion["results"]  # newest first
    assert (new["corrects"], new["corrected_by"], new["correction_reason"]) == (
        first,
        None,
        "Avtalet fanns men var inte signerat",
    )
    assert (old["id"], old["corrected_by"], old["outcome"]) == (first, new["id"], "major")
    assert occasion["signal"] == "yellow"  # the standing result decides
    [regraded] = response.json()["deviations"]
    assert (regraded["id"], regraded["severity"], regraded["open"]) == (
        deviation["id"],
        "minor",
        True,
    )

    twice = await client.post(
        f"/api/results/{first}/corrections",
        json={**RESULT, "correction_reason": "Igen"},
        headers=headers,
    )
    assert twice.status_code == 409
    assert "redan rättats" in twice.json()["detail"]
    no_reason = await client.post(
        f"/api/results/{new['id']}/corrections", json=RESULT, headers=headers
    )
    assert no_reason.status_code == 422 and fields(no_reason) == ["correction_reason"]
    blank = await client.post(
        f"/api/results/{new['id']}/corrections",
        json={**RESULT, "correction_reason": "   "},
        headers=headers,
    )
    assert blank.status_code == 422 and fields(blank) == ["correction_reason"]
    assert await TestResult.count() == 2

    passed = await client.post(
        f"/api/results/{new['id']}/corrections",
        json={**RESULT, "correction_reason": "Attesten fanns i systemet"},
        headers=headers,
    )
    assert passed.status_code == 201, passed.text
    body = passed.json()
    latest = _occasion_in(body, occasion_id)
    assert [r["corrects"] for r in latest["results"]] == [new["id"], first, None]
    assert latest["signal"] == "green"
    [withdrawn] = body["deviations"]
    assert (withdrawn["open"], withdrawn["withdrawn"]) == (False, True)
    assert withdrawn["withdrawn_reason"] == "Rättelse: Attesten fanns i systemet"


async def test_a_correction_to_a_deviation_must_describe_it(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, "kontrollant")
    logged = await _log(client, headers, occasion["id"])
    first = _occasion_in(logged.json(), occasion["id"])["results"][0]["id"]
    url = f"/api/results/{first}/corrections"
    body = {**RESULT, "outcome": "major", "correction_reason": "Stickprovet var fel läst"}
    undescribed = await client.post(url, json=body, headers=headers)
    assert undescribed.status_code == 422 and fields(undescribed) == ["deviation"]
    described = await client.post(
        url, json={**body, "deviation": "Avtal saknas för två resor"}, headers=headers
    )
    assert described.status_code == 201, described.text
    record = described.json()
    new = _occasion_in(record, occasion["id"])["results"][0]
    [deviation] = record["deviations"]
    assert (deviation["found_in"], deviation["severity"], deviation["open"]) == (
        new["id"],
        "major",
        True,
    )
    assert _occasion_in(record, occasion["id"])["signal"] == "red"


async def test_only_testers_correct_results(client, plan_world):
    _, deviation = await _logged_deviation(client, plan_world)
    body = {**RESULT, "correction_reason": "Fel utfall"}
    for username in ("ledamot", "sekreterare", "revisor", "admin", "annan"):
        headers = await as_user(client, username)
        response = await client.post(
            f"/api/results/{deviation['found_in']}/corrections", json=body, headers=headers
        )
        assert response.status_code == 403, username
    headers = await as_user(client, "handlaggare")
    response = await client.post(
        f"/api/results/{deviation['found_in']}/corrections", json=body, headers=headers
    )
    assert response.status_code == 201
    assert await TestResult.count() == 2


# ----------------------------------------------------------------------------- evidence


async def _passed_result(client, world) -> tuple[int, dict[str, str]]:
    """Adopt, log a passed Q1 result as the owner; its id and the owner's API headers."""
    await adopted(world)
    occasion = await _occasion(world)
    headers = await as_user(client, "kontrollant")
    response = await _log(client, headers, occasion["id"])
    assert response.status_code == 201, response.text
    return _occasion_in(response.json(), occasion["id"])["results"][0]["id"], headers


def _evidence_of(record: dict[str, Any], result_id: int) -> list[dict[str, Any]]:
    for occasion in record["occasions"]:
        for result in occasion["results"]:
            if result["id"] == result_id:
                return result["evidence"]
    raise AssertionError(f"result {result_id} not in the record")


async def test_evidence_is_uploaded_listed_and_downloaded_under_its_name(client, plan_world):
    result_id, headers = await _passed_result(client, plan_world)
    name = "Bevis – åäö.pdf"
    response = await client.post(
        f"/api/results/{result_id}/evidence",
        files=[
            ("file", (name, PDF, "application/pdf")),
            ("file", ("bild.png", _png(), "image/png")),
        ],
        headers=headers,
    )
    assert response.status_code == 201, response.text
    listed = _evidence_of(response.json(), result_id)
    assert [(e["original_name"], e["media_type"]) for e in listed] == [
        (name, "application/pdf"),
        ("bild.png", "image/png"),
    ]
    pdf = listed[0]
    assert (pdf["size"], pdf["uploaded_by_name"]) == (len(PDF), "Kontrollant")
    assert pdf["url"] == f"/bevis/{pdf['id']}"
    stored = await EvidenceFile.select().where(EvidenceFile.id == pdf["id"]).first()
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()

    download = await client.get(pdf["url"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition.lower()
    encoded = disposition.split("filename*=", 1)[1].split(";")[0].strip()
    charset, _, quoted = encoded.split("'", 2)
    assert charset.lower() == "utf-8"
    assert unquote(quoted, encoding="utf-8") == name
    assert download.headers["x-content-type-options"] == "nosniff"

    for username, status in (("ledamot", 200), ("revisor", 200), ("annan", 403)):
        await as_user(client, username)
        got = await client.get(pdf["url"])
        assert got.status_code == status, username
        if status == 403:
            assert PDF not in got.content
    assert (await client.get(f"/bevis/{pdf['id'] + 1000}")).status_code == 404


REJECTED = [
    pytest.param(("skärm.pdf", _png(), "application/pdf"), "skärm.pdf", id="png-as-pdf"),
    pytest.param(
        ("program.exe", b"MZ\x90\x00\x03" + b"\x00" * 64, "application/octet-stream"),
        "program.exe",
        id="exe",
    ),
    pytest.param(
        ("rapport.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, "application/pdf"),
        "rapport.pdf",
        id="exe-as-pdf",
    ),
    pytest.param(("tom.pdf", b"", "application/pdf"), "tom", id="empty"),
    pytest.param(("noter.txt", b"abc\x00def", "text/plain"), "noter.txt", id="binary-as-text"),
]


@pytest.mark.parametrize(("upload", "named"), REJECTED)
async def test_a_forbidden_file_is_422_naming_file(client, plan_world, upload, named):
    result_id, headers = await _passed_result(client, plan_world)
    response = await client.post(
        f"/api/results/{result_id}/evidence", files={"file": upload}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert fields(response) == ["file"]
    assert named in response.json()["errors"][0]["message"]
    assert not await EvidenceFile.exists()


async def test_an_upload_without_a_file_is_422(client, plan_world):
    result_id, headers = await _passed_result(client, plan_world)
    url = f"/api/results/{result_id}/evidence"
    text_only = await client.post(url, files={"comment": (None, "ingen fil")}, headers=headers)
    assert text_only.status_code == 422 and fields(text_only) == ["file"]
    other_field = await client.post(
        url, files={"bilaga": ("bevis.pdf", PDF, "application/pdf")}, headers=headers
    )
    assert other_field.status_code == 422 and fields(other_field) == ["file"]
    as_json = await client.post(url, json={"file": "bevis.pdf"}, headers=headers)
    assert as_json.status_code in (415, 422), as_json.text
    assert not await EvidenceFile.exists()


async def test_oversized_evidence_is_413(client, plan_world, settings, monkeypatch):
    small = dataclasses.replace(settings, evidence_max_bytes=1024)
    monkeypatch.setattr(evidence, "get_settings", lambda: small)
    monkeypatch.setattr(uploads, "get_settings", lambda: small)
    result_id, headers = await _passed_result(client, plan_world)
    url = f"/api/results/{result_id}/evidence"
    exact = PDF + b"0" * (1024 - len(PDF))
    fits = await client.post(
        url, files={"file": ("precis.pdf", exact, "application/pdf")}, headers=headers
    )
    assert fits.status_code == 201, fits.text
    over = await client.post(
        url, files={"file": ("stor.pdf", exact + b"0", "application/pdf")}, headers=headers
    )
    assert over.status_code == 413, over.text
    assert fields(over) == ["file"] and "1 kB" in over.json()["errors"][0]["message"]
    whole = await client.post(
        url,
        files={"file": ("enorm.pdf", PDF + b"0" * (2 * 1024 * 1024), "application/pdf")},
        headers=headers,
    )
    assert whole.status_code == 413 and fields(whole) == ["file"]
    six = [("file", (f"b{n}.pdf", PDF, "application/pdf")) for n in range(6)]
    too_many = await client.post(url, files=six, headers=headers)
    assert too_many.status_code == 413 and fields(too_many) == ["file"]
    assert [e["original_name"] for e in await EvidenceFile.select()] == ["precis.pdf"]


async def test_an_upload_without_content_length_is_411(client, plan_world):
    result_id, headers = await _passed_result(client, plan_world)
    url = f"/api/results/{result_id}/evidence"
    request = client.build_request(
        "POST", url, files={"file": ("bevis.pdf", PDF, "application/pdf")}, headers=headers
    )
    del request.headers["content-length"]
    response = await client.send(request)
    assert response.status_code == 411, response.text
    assert response.json()["detail"] == "Uppladdningen saknar storlek (Content-Length)."

    async def body():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        yield PDF + b"\r\n--x--\r\n"

    streamed = await client.post(
        url,
        content=body(),
        headers={**headers, "content-type": "multipart/form-data; boundary=x"},
    )
    assert streamed.status_code == 411, streamed.text
    assert not await EvidenceFile.exists()


@pytest.mark.parametrize("username", ["ledamot", "sekreterare", "revisor", "annan"])
async def test_only_testers_attach_evidence(client, plan_world, username):
    result_id, _ = await _passed_result(client, plan_world)
    headers = await as_user(client, username)
    response = await client.post(
        f"/api/results/{result_id}/evidence",
        files={"file": ("bevis.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert response.status_code == 403, response.text
    assert not await EvidenceFile.exists()


# --------------------------------------------------------------------------- deviations


async def test_the_analysis_stores_whys_and_root_cause(client, plan_world):
    _, deviation = await _logged_deviation(client, plan_world)
    headers = {"x-csrftoken": csrf_token(client)}
    url = f"/api/deviations/{deviation['id']}"
    response = await client.patch(
        url,
        json={
            "description": "Attest saknas på två fakturor",
            "whys": [" Ingen kontrollerade ", "Rutinen saknades"],
            "root_cause": "Ingen rutin för attestkontroll",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    [analysed] = response.json()["deviations"]
    assert analysed["description"] == "Attest saknas på två fakturor"
    assert analysed["whys"] == ["Ingen kontrollerade", "Rutinen saknades", "", "", ""]
    assert analysed["root_cause"] == "Ingen rutin för attestkontroll"
    five = [f"Varför {n}" for n in range(1, 6)]
    full = await client.patch(url, json={"description": "x", "whys": five}, headers=headers)
    assert full.status_code == 200 and full.json()["deviations"][0]["whys"] == five
    assert full.json()["deviations"][0]["root_cause"] == ""  # left out means emptied

    for body, field in (
        ({"description": "x", "whys": [*five, "Varför 6"]}, "whys"),
        ({"description": "  "}, "description"),
        ({"description": ""}, "description"),
        ({"whys": ["a"]}, "description"),
        ({"description": "x", "whys": "inte en lista"}, "whys"),
        ({"description": "x", "whys": [1, 2]}, "whys"),
        ({"description": "x", "root_cause": "a" * 4001}, "root_cause"),
        ({"description": "x", "whys": ["a\x00"]}, "why_1"),
    ):
        bad = await client.patch(url, json=body, headers=headers)
        assert bad.status_code == 422, (body, bad.text)
        assert any(f.startswith(field) for f in fields(bad)), (body, bad.text)
    stored = await Deviation.select().where(Deviation.id == deviation["id"]).first()
    assert [stored[f"why_{n}"] for n in range(1, 6)] == five

    headers = await as_user(client, "ledamot")
    assert (await client.patch(url, json={"description": "x"}, headers=headers)).status_code == 403


async def test_a_withdrawn_deviation_cannot_be_analysed_or_given_actions(client, plan_world):
    _, deviation = await _logged_deviation(client, plan_world)
    headers = {"x-csrftoken": csrf_token(client)}
    corrected = await client.post(
        f"/api/results/{deviation['found_in']}/corrections",
        json={**RESULT, "correction_reason": "Ingen avvikelse trots allt"},
        headers=headers,
    )
    assert corrected.status_code == 201
    analysed = await client.patch(
        f"/api/deviations/{deviation['id']}", json={"description": "x"}, headers=headers
    )
    assert analysed.status_code == 409
    action = await client.post(
        f"/api/deviations/{deviation['id']}/actions",
        json={"description": "x", "responsible_id": plan_world.owner_id, "due_on": _days(5)},
        headers=headers,
    )
    assert action.status_code == 409
    assert await CorrectiveAction.count() == 0


# ------------------------------------------------------------------------------ actions


async def test_the_responsible_secretary_postpones_closes_and_checks(client, plan_world):
    _, deviation = await _logged_deviation(client, plan_world)
    headers = {"x-csrftoken": csrf_token(client)}
    secretary_id = plan_world.secretary.id
    due = _days(10)
    added = await client.post(
        f"/api/deviations/{deviation['id']}/actions",
        json={
            "description": " Påminn attestanterna ",
            "responsible_id": secretary_id,
            "due_on": due,
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    [action] = added.json()["deviations"][0]["actions"]
    assert {
        k: action[k]
        for k in (
            "description",
            "responsible_id",
            "responsible_name",
            "original_due_on",
            "due_on",
            "postponed",
            "overdue",
            "closed_on",
            "postponements",
            "checks",
        )
    } == {
        "description": "Påminn attestanterna",
        "responsible_id": secretary_id,
        "responsible_name": "Sekreterare",
        "original_due_on": due,
        "due_on": due,
        "postponed": False,
        "overdue": False,
        "closed_on": None,
        "postponements": [],
        "checks": [],
    }
    assert added.json()["deviations"][0]["open"] is True
    action_url = f"/api/actions/{action['id']}"

    headers = await as_user(client, "sekreterare")
    occasion_id = deviation["occasion_id"]
    refused = await client.post(
        f"/api/occasions/{occasion_id + 1}/results", json=RESULT, headers=headers
    )
    assert refused.status_code == 403  # the secretary does not test
    early = await client.post(
        f"{action_url}/checks",
        json={"checked_on": _days(0), "effective": True, "note": "Ser bra ut"},
        headers=headers,
    )
    assert early.status_code == 409, early.text

    later = _days(40)
    moved = await client.post(
        f"{action_url}/postpone",
        json={"due_on": later, "reason": " Leverantören är sjuk "},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    [action] = moved.json()["deviations"][0]["actions"]
    assert (action["original_due_on"], action["due_on"], action["postponed"]) == (
        due,
        later,
        True,
    )
    [move] = action["postponements"]
    assert (move["from_due_on"], move["to_due_on"], move["reason"], move["by_name"]) == (
        due,
        later,
        "Leverantören är sjuk",
        "Sekreterare",
    )
    for body, field in (
        ({"due_on": later, "reason": "Igen"}, "due_on"),  # not later than the current date
        ({"due_on": _days(-1), "reason": "Igen"}, "due_on"),
        ({"due_on": _days(50), "reason": ""}, "reason"),
        ({"due_on": None, "reason": "x"}, "due_on"),
        ({"due_on": "snart", "reason": "x"}, "due_on"),
        ({"reason": "x"}, "due_on"),
    ):
        bad = await client.post(f"{action_url}/postpone", json=body, headers=headers)
        assert bad.status_code == 422 and fields(bad) == [field], (body, bad.text)

    for body, field in (
        ({"closed_on": _days(1), "note": "Klart"}, "closed_on"),
        ({"closed_on": _days(0), "note": " "}, "note"),
        ({"closed_on": None, "note": "Klart"}, "closed_on"),
    ):
        bad = await client.post(f"{action_url}/close", json=body, headers=headers)
        assert bad.status_code == 422 and fields(bad) == [field], (body, bad.text)
    closed = await client.post(
        f"{action_url}/close",
        json={"closed_on": _days(0), "note": "Påminnelse skickad"},
        headers=headers,
    )
    assert closed.status_code == 200, closed.text
    [done] = closed.json()["deviations"]
    assert (done["actions"][0]["closed_on"], done["actions"][0]["closing_note"]) == (
        _days(0),
        "Påminnelse skickad",
    )
    assert done["open"] is False  # every action closed
    again = await client.post(
        f"{action_url}/close", json={"closed_on": _days(0), "note": "x"}, headers=headers
    )
    assert again.status_code == 409
    late = await client.post(
        f"{action_url}/postpone", json={"due_on": _days(60), "reason": "x"}, headers=headers
    )
    assert late.status_code == 409

    for body, field in (
        ({"checked_on": _days(-1), "effective": True, "note": "x"}, "checked_on"),
        ({"checked_on": _days(1), "effective": True, "note": "x"}, "checked_on"),
        ({"checked_on": _days(0), "effective": True, "note": ""}, "note"),
        ({"checked_on": _days(0), "note": "x"}, "effective"),
        ({"checked_on": _days(0), "effective": "kanske", "note": "x"}, "effective"),
    ):
        bad = await client.post(f"{action_url}/checks", json=body, headers=headers)
        assert bad.status_code == 422 and fields(bad) == [field], (body, bad.text)
    checked = await client.post(
        f"{action_url}/checks",
        json={"checked_on": _days(0), "effective": False, "note": "Fortfarande fel"},
        headers=headers,
    )
    assert checked.status_code == 201, checked.text
    [check] = checked.json()["deviations"][0]["actions"][0]["checks"]
    assert check == {
        "checked_on": _days(0),
        "effective": False,
        "note": "Fortfarande fel",
        "by_name": "Sekreterare",
    }


async def test_action_input_and_who_may_move_an_action(client, plan_world):
    _, deviation = await _logged_deviation(client, plan_world)
    headers = {"x-csrftoken": csrf_token(client)}
    url = f"/api/deviations/{deviation['id']}/actions"
    good = {"description": "Gör om", "responsible_id": plan_world.owner_id, "due_on": _days(7)}
    outsider_id = plan_world.outsider.id
    for body, field in (
        ({**good, "description": " "}, "description"),
        ({**good, "due_on": _days(-1)}, "due_on"),
        ({**good, "due_on": None}, "due_on"),
        ({**good, "due_on": "2026-13-01"}, "due_on"),
        ({**good, "responsible_id": outsider_id}, "responsible_id"),  # no role on BUN
        ({**good, "responsible_id": None}, "responsible_id"),
        ({**good, "responsible_id": 0}, "responsible_id"),
        ({**good, "responsible_id": HUGE}, "responsible_id"),
        ({**good, "responsible_id": "kontrollant"}, "responsible_id"),
    ):
        bad = await client.post(url, json=body, headers=headers)
        assert bad.status_code == 422, (body, bad.text)
        assert fields(bad) == [field], (body, bad.text)
    added = await client.post(url, json=good, headers=headers)
    assert added.status_code == 201
    action_id = added.json()["deviations"][0]["actions"][0]["id"]
    for username in ("ledamot", "sekreterare", "revisor", "annan", "admin"):
        headers = await as_user(client, username)
        for path, body in (
            (url, good),
            (f"/api/actions/{action_id}/postpone", {"due_on": _days(30), "reason": "x"}),
            (f"/api/actions/{action_id}/close", {"closed_on": _days(0), "note": "x"}),
        ):
            response = await client.post(path, json=body, headers=headers)
            assert response.status_code == 403, (username, path, response.text)
    stored = await CorrectiveAction.select().first()
    assert stored["due_on"] == stored["original_due_on"] and stored["closed_on"] is None
    assert await CorrectiveAction.count() == 1


# ------------------------------------------------------------------------- my controls


async def test_my_controls_for_the_owner_and_for_someone_owning_nothing(
    client, plan_world, monkeypatch
):
    _, deviation = await _logged_deviation(client, plan_world)
    headers = {"x-csrftoken": csrf_token(client)}
    mine = await client.get("/api/my-controls")
    assert mine.status_code == 200
    body = mine.json()
    assert body["control_count"] == 5
    # Q1–Q3 of three quarterly controls and H1 of KS's two half-yearly points are overdue.
    assert len(body["overdue"]) == 10 and len(body["upcoming"]) == 5
    [done] = body["done"]
    assert (done["occasion_id"], done["signal"], done["signal_label"]) == (
        deviation["occasion_id"],
        "yellow",
        "Mindre avvikelse",
    )
    assert (done["board_short_name"], done["period_label"], done["due_on"]) == (
        "BUN",
        "Kvartal 1 2026",
        "2026-03-31",
    )
    assert {o["signal"] for o in body["overdue"]} == {"overdue"}
    assert {o["signal"] for o in body["upcoming"]} == {"upcoming"}
    assert {o["due_on"] for o in body["upcoming"]} == {"2026-12-31"}
    assert {o["period_label"] for o in body["upcoming"]} == {"Kvartal 4 2026", "Halvår 2 2026"}
    assert body["actions"] == []

    # An action that fell due in the past: added while "today" was in the summer.
    monkeypatch.setattr(deviations, "today", lambda: dt.date(2026, 6, 1))
    past = await client.post(
        f"/api/deviations/{deviation['id']}/actions",
        json={
            "description": "Påminn",
            "responsible_id": plan_world.owner_id,
            "due_on": "2026-07-01",
        },
        headers=headers,
    )
    assert past.status_code == 201, past.text
    monkeypatch.undo()
    future = await client.post(
        f"/api/deviations/{deviation['id']}/actions",
        json={
            "description": "Utbilda",
            "responsible_id": plan_world.secretary.id,
            "due_on": _days(20),
        },
        headers=headers,
    )
    assert future.status_code == 201
    actions = (await client.get("/api/my-controls")).json()["actions"]
    assert [(a["description"], a["due_on"], a["overdue"]) for a in actions] == [
        ("Påminn", "2026-07-01", True)
    ]
    assert (actions[0]["deviation_id"], actions[0]["board_short_name"]) == (
        deviation["id"],
        "BUN",
    )

    await as_user(client, "ledamot")
    nothing = (await client.get("/api/my-controls")).json()
    assert nothing == {
        "control_count": 0,
        "overdue": [],
        "upcoming": [],
        "done": [],
        "actions": [],
    }
    await as_user(client, "sekreterare")
    answerable = (await client.get("/api/my-controls")).json()
    assert answerable["control_count"] == 0 and answerable["overdue"] == []
    assert [a["description"] for a in answerable["actions"]] == ["Utbilda"]


# ------------------------------------------------------------------------ board results


async def test_the_boards_results_count_and_light_every_occasion(client, plan_world, monkeypatch):
    await adopted(plan_world)
    first, second, *_ = await _occasions(plan_world)
    headers = await as_user(client, "kontrollant")
    assert (
        await _log(client, headers, first["id"], outcome="minor", deviation="Lite fel")
    ).is_success
    major = await _log(client, headers, second["id"], outcome="major", deviation="Mycket fel")
    assert major.status_code == 201
    major_deviation = major.json()["deviations"][0]["id"]
    monkeypatch.setattr(deviations, "today", lambda: dt.date(2026, 6, 1))
    overdue = await client.post(
        f"/api/deviations/{major_deviation}/actions",
        json={
            "description": "Rätta",
            "responsible_id": plan_world.owner_id,
            "due_on": "2026-07-01",
        },
        headers=headers,
    )
    assert overdue.status_code == 201
    monkeypatch.undo()

    await as_user(client, "ledamot")
    response = await client.get(f"/api/boards/{plan_world.board}/results?year=2026")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["board_id"], body["year"]) == (plan_world.board, 2026)
    assert body["plan_id"] is not None
    counts = body["counts"]
    assert {
        k: counts[k]
        for k in ("occasions", "tested", "due", "open_minor", "open_major", "overdue_actions")
    } == {
        "occasions": 16,  # three quarterly controls and KS's two half-yearly points
        "tested": 2,
        "due": 11,  # Q1–Q3 and H1 are past due; Q4 and H2 are not
        "open_minor": 1,
        "open_major": 1,
        "overdue_actions": 1,
    }
    assert (counts["yellow"], counts["red"], counts["overdue"], counts["upcoming"]) == (1, 1, 9, 5)
    assert len(body["controls"]) == 5
    assert [len(row["occasions"]) for row in body["controls"]] == [2, 2, 4, 4, 4]
    assert all(row["in_plan"] for row in body["controls"])
    by_control = {row["control_id"]: row for row in body["controls"]}
    row = by_control[first["control"]]
    assert row["open_deviations"] == 1 and row["owner_name"] == "Kontrollant"
    assert [(o["period_label"], o["signal"]) for o in row["occasions"]] == [
        ("Kvartal 1 2026", "yellow"),
        ("Kvartal 2 2026", "overdue"),
        ("Kvartal 3 2026", "overdue"),
        ("Kvartal 4 2026", "upcoming"),
    ]
    assert by_control[second["control"]]["occasions"][0]["signal"] == "red"
    assert [d["severity"] for d in body["open_deviations"]] == ["major", "minor"]
    assert body["open_deviations"][0]["actions"][0]["overdue"] is True

    default = await client.get(f"/api/boards/{plan_world.board}/results")
    assert default.status_code == 200 and default.json()["year"] == today().year
    empty = (await client.get(f"/api/boards/{plan_world.board}/results?year=2025")).json()
    assert (empty["plan_id"], empty["controls"], empty["counts"]["occasions"]) == (None, [], 0)
    for year in ("99999", "1800", str(HUGE), str(10**20), "-1", "tjugo", ""):
        bad = await client.get(f"/api/boards/{plan_world.board}/results?year={year}")
        assert bad.status_code == 422, (year, bad.text)
    await as_user(client, "annan")
    denied = await client.get(f"/api/boards/{plan_world.board}/results?year=2026")
    assert denied.status_code == 403 and "Mycket fel" not in denied.text
    assert (await client.get("/api/boards/999999/results?year=2026")).status_code == 404


# ------------------------------------------------------------------------- control read


async def test_who_reads_a_controls_record(client, plan_world):
    _, deviation = await _logged_deviation(client, plan_world)
    control_id = deviation["control_id"]
    url = f"/api/controls/{control_id}"
    for username, can_test in (
        ("kontrollant", True),
        ("handlaggare", True),
        ("ledamot", False),
        ("sekreterare", False),
        ("revisor", False),
        ("samordnare", False),
        ("ks-ledamot", False),
        ("admin", False),
    ):
        await as_user(client, username)
        response = await client.get(url)
        assert response.status_code == 200, (username, response.text)
        assert response.json()["can_test"] is can_test, username
        assert response.json()["deviations"][0]["description"] == "Två fakturor saknade attest"
    await as_user(client, "annan")
    denied = await client.get(url)
    assert denied.status_code == 403 and "Två fakturor" not in denied.text
    for missing in (999999, 0, HUGE):
        assert (await client.get(f"/api/controls/{missing}")).status_code == 404, missing


async def test_openapi_documents_the_testing_api(client, plan_world):
    await as_user(client, "kontrollant")
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path, method in (
        ("/api/my-controls", "get"),
        ("/api/controls/{control_id}", "get"),
        ("/api/boards/{board_id}/results", "get"),
        ("/api/occasions/{occasion_id}/results", "post"),
        ("/api/results/{result_id}/corrections", "post"),
        ("/api/results/{result_id}/evidence", "post"),
        ("/api/deviations/{deviation_id}", "patch"),
        ("/api/deviations/{deviation_id}/actions", "post"),
        ("/api/actions/{action_id}/postpone", "post"),
        ("/api/actions/{action_id}/close", "post"),
        ("/api/actions/{action_id}/checks", "post"),
    ):
        assert method in paths.get(path, {}), path


# --------------------------------------------------------------- revisions and races


async def _revise(world, plan_id: int, removed: int, continuous: int) -> int:
    """Adopt a second version without one control and with another tested continuously."""
    draft = await plans.new_version(world.preparer, plan_id)
    for control in (await plan_document(world.preparer, draft)).controls:
        if control.control_id == removed:
            await remove_control(world.preparer, control.id)
        elif control.control_id == continuous:
            await update_control(
                world.preparer,
                control.id,
                ControlInput(
                    title=control.title,
                    purpose=control.purpose,
                    method=control.method,
                    scope=control.scope,
                    frequency="continuous",
                    report_when=control.report_when,
                    reported_to=control.reported_to,
                    owner_id=world.owner_id,
                    process_id=control.process_id,
                    risk_ids=tuple(r.risk_id for r in control.risks),
                ),
            )
    await plans.send_for_decision(world.preparer, draft)
    await plans.adopt(world.secretary, draft, DecisionInput(dt.date(2026, 9, 1), "§ 50", "BUN 9"))
    return draft


async def test_a_revision_retires_occasions_and_open_ended_ones_take_many_results(
    client, plan_world
):
    w = plan_world
    plan_id = await adopted(w)
    controls = (await plan_document(w.preparer, plan_id)).controls
    removed, continuous = controls[4].control_id, controls[3].control_id
    headers = await as_user(client, "kontrollant")
    q1 = (await _occasions(w))[2]
    assert q1["control"] == removed
    assert (await _log(client, headers, q1["id"])).status_code == 201
    await _revise(w, plan_id, removed, continuous)

    retired = await _log(client, headers, q1["id"], performed_on="2026-04-02")
    assert retired.status_code == 409 and "antagna plan" in retired.json()["detail"]
    record = (await client.get(f"/api/controls/{removed}")).json()
    assert record["can_test"] is False  # only a superseded version holds it
    assert [(o["period_key"], o["scheduled"]) for o in record["occasions"]] == [("Q1", False)]

    yearly = await (
        TestOccasion.select()
        .where((TestOccasion.control == continuous) & TestOccasion.open_ended.eq(True))
        .first()
    )
    for outcome, extra in (("passed", {}), ("minor", {"deviation": "Ett fel"}), ("passed", {})):
        logged = await _log(client, headers, yearly["id"], outcome=outcome, **extra)
        assert logged.status_code == 201, logged.text
    occasion = _occasion_in(logged.json(), yearly["id"])
    assert (occasion["open_ended"], len(occasion["results"]), occasion["signal"]) == (
        True,
        3,
        "yellow",  # the most serious standing result shows
    )

    await as_user(client, "ledamot")
    board = (await client.get(f"/api/boards/{w.board}/results?year=2026")).json()
    rows = {r["control_id"]: r for r in board["controls"]}
    assert rows[removed]["in_plan"] is False and rows[continuous]["in_plan"] is True
    assert board["controls"][-1]["control_id"] == removed  # dropped controls come last


async def test_two_results_at_once_on_one_occasion_store_one(client, plan_world):
    await adopted(plan_world)
    occasion = await _occasion(plan_world)
    headers = await as_user(client, "kontrollant")
    answers = await asyncio.gather(
        *(_log(client, headers, occasion["id"], sample=f"Stickprov {n}") for n in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.text for a in answers]
    assert await TestResult.count() == 1


async def test_a_control_only_in_a_draft_has_no_record(client, plan_world):
    await adopted(plan_world)
    sn_plan = await plans.create_plan(plan_world.outsider, plan_world.other_board, 2026)
    sn_control = (await plan_document(plan_world.outsider, sn_plan)).controls[0].control_id
    await as_user(client, "annan")
    missing = await client.get(f"/api/controls/{sn_control}")
    assert missing.status_code == 404, missing.text
    await as_user(client, "ledamot")
    assert (await client.get(f"/api/controls/{sn_control}")).status_code == 403


async def test_evidence_per_result_is_capped_and_equal_files_are_stored_once(client, plan_world):
    result_id, headers = await _passed_result(client, plan_world)
    url = f"/api/results/{result_id}/evidence"
    for batch in range(4):
        five = [("file", (f"b{batch}-{n}.pdf", PDF, "application/pdf")) for n in range(5)]
        response = await client.post(url, files=five, headers=headers)
        assert response.status_code == 201, response.text
    listed = _evidence_of(response.json(), result_id)
    assert len(listed) == 20 and len({e["id"] for e in listed}) == 20
    one_more = await client.post(
        url, files={"file": ("b.pdf", PDF, "application/pdf")}, headers=headers
    )
    assert one_more.status_code == 409
    stored = await EvidenceFile.select(EvidenceFile.sha256)
    assert len(stored) == 20 and {r["sha256"] for r in stored} == {hashlib.sha256(PDF).hexdigest()}
    first, last = listed[0], listed[-1]
    for item in (first, last):
        download = await client.get(item["url"])
        assert download.status_code == 200 and download.content == PDF
        assert item["original_name"] in download.headers["content-disposition"]
    for bad in (0, HUGE, last["id"] + 1):
        assert (await client.get(f"/bevis/{bad}")).status_code == 404, bad


# ------------------------------------------------------------------ upload order and schema


async def test_the_upload_refuses_non_testers_and_missing_results_before_reading(
    client, plan_world
):
    result_id, _ = await _passed_result(client, plan_world)
    url = f"/api/results/{result_id}/evidence"
    no_file = {"comment": (None, "ingen fil")}
    answers = {}
    headers = await as_user(client, "ledamot")
    answers["viewer, no file"] = (
        await client.post(url, files=no_file, headers=headers)
    ).status_code
    request = client.build_request(
        "POST", url, files={"file": ("bevis.pdf", PDF, "application/pdf")}, headers=headers
    )
    del request.headers["content-length"]
    answers["viewer, no length"] = (await client.send(request)).status_code
    headers = await as_user(client, "annan")
    answers["outsider, no file"] = (
        await client.post(url, files=no_file, headers=headers)
    ).status_code
    headers = await as_user(client, "kontrollant")
    answers["missing result"] = (
        await client.post("/api/results/999999/evidence", files=no_file, headers=headers)
    ).status_code
    assert answers == {
        "viewer, no file": 403,
        "viewer, no length": 403,
        "outsider, no file": 403,
        "missing result": 404,
    }


async def test_openapi_documents_the_evidence_upload_body(client, plan_world):
    await as_user(client, "kontrollant")
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    upload = paths["/api/results/{result_id}/evidence"]["post"]
    assert "multipart/form-data" in (upload.get("requestBody") or {}).get("content", {})

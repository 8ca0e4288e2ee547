"""KS's consolidated review over HTTP: the JSON API and the page with its two forms."""

from __future__ import annotations

import pytest

from internkontroll.reports.review import save_review
from internkontroll.reports.tables import ConsolidatedReview
from tests.conftest import csrf_token
from tests.controls.test_api import as_user, fields
from tests.reports import test_review as fixtures
from tests.reports.test_review import YEAR, complete, send_follow_up

review_world = fixtures.review_world

PAGE = f"/ks/samlad-bedomning?ar={YEAR}"
DECISION_FORM = {"decided_on": "2026-03-10", "paragraph": "45", "registry_number": "KS 2026/12"}


def body(w) -> dict:
    """A complete draft as JSON."""
    return {
        "findings": "Iakttagelser om året.",
        "proposals": "Förslag till förbättring.",
        "judgements": [
            {"level": "green", "board_id": w.ks},
            {"level": "yellow", "comment": "Attest brister.", "board_id": w.bun},
            {"level": "red", "board_id": w.sn},
            {"level": "green", "process_id": w.forsorjning},
        ],
    }


# ------------------------------------------------------------------------------- the JSON API


async def test_api_draft_decision_and_freeze(client, review_world):
    w = review_world
    await send_follow_up(w.sn)
    headers = await as_user(client, "samordnare")
    empty = await client.get(f"/api/reviews/{YEAR}")
    assert empty.status_code == 200
    assert empty.json()["status"] == "none"
    assert empty.json()["missing_judgements"] == ["KS", "BUN", "SN"]

    saved = await client.put(f"/api/reviews/{YEAR}", json=body(w), headers=headers)
    assert saved.status_code == 200, saved.text
    data = saved.json()
    assert data["status"] == "draft" and data["decision"] is None
    assert [b["short_name"] for b in data["not_reported"]] == ["KS", "BUN"]
    bun = next(b for b in data["boards"] if b["short_name"] == "BUN")
    assert bun["judgement"] == {
        "level": "yellow",
        "level_text": "Gul – brister som nämnden själv rättar",
        "comment": "Attest brister.",
    }
    assert (bun["counts"]["tested"], bun["counts"]["due"], bun["accepted_high_risks"]) == (1, 12, 1)
    assert data["process_judgements"][0]["process_name"] == "Försörjningsstöd"

    headers = await as_user(client, "ks-sekreterare")
    decided = await client.post(
        f"/api/reviews/{YEAR}/decision", json=DECISION_FORM, headers=headers
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "decided"
    assert decided.json()["decision"]["paragraph"] == "§ 45"

    again = await client.post(f"/api/reviews/{YEAR}/decision", json=DECISION_FORM, headers=headers)
    assert again.status_code == 409
    headers = await as_user(client, "samordnare")
    changed = await client.put(f"/api/reviews/{YEAR}", json=body(w), headers=headers)
    assert changed.status_code == 409
    assert "kan inte ändras" in changed.json()["detail"]


async def test_api_names_bad_fields(client, review_world):
    w = review_world
    headers = await as_user(client, "samordnare")
    bad = body(w)
    bad["judgements"][1]["level"] = "lila"
    bad["judgements"][2]["board_id"] = w.ks
    response = await client.put(f"/api/reviews/{YEAR}", json=bad, headers=headers)
    assert response.status_code == 422
    assert fields(response) == ["judgements[1].level", "judgements[2].board_id"]
    assert await ConsolidatedReview.count() == 0


async def test_api_decision_lists_boards_without_judgement(client, review_world):
    w = review_world
    headers = await as_user(client, "samordnare")
    partial = body(w)
    partial["judgements"] = partial["judgements"][1:2]
    assert (await client.put(f"/api/reviews/{YEAR}", json=partial, headers=headers)).is_success
    response = await client.post(
        f"/api/reviews/{YEAR}/decision", json=DECISION_FORM, headers=headers
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {"judgements": "bedömning saknas för KS, SN"}


async def test_api_permissions(client, review_world):
    w = review_world
    headers = await as_user(client, "handlaggare")
    assert (await client.get(f"/api/reviews/{YEAR}")).status_code == 403
    assert (
        await client.put(f"/api/reviews/{YEAR}", json=body(w), headers=headers)
    ).status_code == 403
    headers = await as_user(client, "ks-sekreterare")
    assert (await client.get(f"/api/reviews/{YEAR}")).status_code == 200
    assert (
        await client.put(f"/api/reviews/{YEAR}", json=body(w), headers=headers)
    ).status_code == 403
    response = await client.post(
        f"/api/reviews/{YEAR}/decision", json=DECISION_FORM, headers=headers
    )
    assert response.status_code == 404  # may decide, but there is nothing to decide on
    headers = await as_user(client, "revisor")
    response = await client.post(
        f"/api/reviews/{YEAR}/decision", json=DECISION_FORM, headers=headers
    )
    assert response.status_code == 403


async def test_api_refuses_a_write_without_the_csrf_header(client, review_world):
    await as_user(client, "samordnare")
    response = await client.put(f"/api/reviews/{YEAR}", json=body(review_world))
    assert response.status_code == 403
    assert await ConsolidatedReview.count() == 0


async def test_downloads_need_a_review(client, review_world):
    await as_user(client, "revisor")
    for suffix in ("review.pdf", "review.xlsx"):
        response = await client.get(f"/api/reviews/{YEAR}/{suffix}")
        assert response.status_code == 404
        assert response.json()["detail"] == f"Det finns ingen samlad bedömning för {YEAR}."
    await save_review(review_world.coordinator, YEAR, complete(review_world))
    pdf = await client.get(f"/api/reviews/{YEAR}/review.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert 'filename="samlad-bedomning-2025.pdf"' in pdf.headers["content-disposition"]
    xlsx = await client.get(f"/api/reviews/{YEAR}/review.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    await as_user(client, "sekreterare")
    assert (await client.get(f"/api/reviews/{YEAR}/review.pdf")).status_code == 403


# ------------------------------------------------------------------------------- the page


def form_for(w, **extra) -> dict[str, str]:
    data = {
        "year": str(YEAR),
        "findings": "Iakttagelser från sidan.",
        "proposals": "Förslag från sidan.",
        f"board-{w.ks}-level": "green",
        f"board-{w.bun}-level": "yellow",
        f"board-{w.bun}-comment": "Rätta attesten.",
        f"board-{w.sn}-level": "red",
        f"process-{w.skolskjuts}-level": "green",
        f"process-{w.elevpeng}-level": "",
    }
    return {**data, **extra}


async def test_page_draft_then_decision_then_frozen(client, review_world):
    w = review_world
    await as_user(client, "samordnare")
    page = await client.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "Samlad bedömning av den interna kontrollen 2025" in text
    assert "Nämnder som inte har rapporterat:" in text
    assert 'action="/ks/samlad-bedomning"' in text
    assert "Registrera KS:s beslut" not in text  # nothing to decide on yet
    assert "review.pdf" not in text

    saved = await client.post(
        "/ks/samlad-bedomning", data={**form_for(w), "_csrf_token": csrf_token(client)}
    )
    assert saved.status_code == 303
    assert saved.headers["location"].startswith(f"/ks/samlad-bedomning?ar={YEAR}&klart=sparat")
    page = await client.get(PAGE)
    assert "Utkastet är sparat." not in page.text  # only after the redirect's query
    assert "Rätta attesten." in page.text and "Registrera KS:s beslut" in page.text
    assert f"/api/reviews/{YEAR}/review.pdf" in page.text
    assert '<option value="yellow" selected>' in page.text

    decided = await client.post(
        "/ks/samlad-bedomning/beslut",
        data={"year": str(YEAR), **DECISION_FORM, "_csrf_token": csrf_token(client)},
    )
    assert decided.status_code == 303
    page = await client.get(decided.headers["location"])
    assert "KS:s beslut är registrerat." in page.text
    assert "Beslutad av kommunstyrelsen 2026-03-10 § 45, Dnr KS 2026/12" in page.text
    assert '<form method="post" action="/ks/samlad-bedomning' not in page.text
    again = await client.post(
        "/ks/samlad-bedomning", data={**form_for(w), "_csrf_token": csrf_token(client)}
    )
    assert again.status_code == 409


async def test_page_form_errors_name_the_field_beside_it(client, review_world):
    w = review_world
    await as_user(client, "samordnare")
    form = form_for(w, **{f"board-{w.bun}-level": "", f"process-{w.elevpeng}-comment": "Bara text"})
    form[f"board-{w.bun}-comment"] = "x" * 4001
    response = await client.post(
        "/ks/samlad-bedomning", data={**form, "_csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    text = response.text
    assert f'href="#f-board-{w.bun}-level"' in text and "välj grön, gul eller röd" in text
    assert f'href="#f-board-{w.bun}-comment"' in text and "högst 4000 tecken" in text
    assert f'href="#f-process-{w.elevpeng}-level"' in text
    assert "Bedömning av Elevpeng (BUN)" in text
    assert "Bara text" in text  # what was typed is kept
    assert await ConsolidatedReview.count() == 0


async def test_page_decision_errors(client, review_world):
    w = review_world
    draft = complete(w, judgements=complete(w).judgements[:1])
    await save_review(w.coordinator, YEAR, draft)
    await as_user(client, "ks-sekreterare")
    page = await client.get(PAGE)
    assert "Registrera KS:s beslut" in page.text
    assert 'action="/ks/samlad-bedomning"' not in page.text  # may decide but not write
    assert "Bedömning saknas för: BUN, SN." in page.text
    form = {"year": str(YEAR), "decided_on": "2025-06-01", "paragraph": "", "registry_number": "X"}
    response = await client.post(
        "/ks/samlad-bedomning/beslut", data={**form, "_csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    for expected in (
        "kan inte vara före 2026-01-01",
        "ange paragraf",
        "bedömning saknas för BUN, SN",
    ):
        assert expected in response.text
    assert (await ConsolidatedReview.select().first())["status"] == "draft"


@pytest.mark.parametrize(
    ("username", "status"),
    [("ks-ledamot", 200), ("revisor", 200), ("handlaggare", 403), ("sekreterare", 403)],
)
async def test_page_readers(client, review_world, username, status):
    await as_user(client, username)
    response = await client.get(PAGE)
    assert response.status_code == status
    if status == 200:
        assert 'action="/ks/samlad-bedomning' not in response.text


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("ks-sekreterare", "/ks/samlad-bedomning"),
        ("revisor", "/ks/samlad-bedomning"),
        ("revisor", "/ks/samlad-bedomning/beslut"),
        ("handlaggare", "/ks/samlad-bedomning/beslut"),
    ],
)
async def test_page_posts_refuse_those_not_allowed(client, review_world, username, path):
    await as_user(client, username)
    data = {**form_for(review_world), **DECISION_FORM, "_csrf_token": csrf_token(client)}
    response = await client.post(path, data=data)
    assert response.status_code == 403
    assert await ConsolidatedReview.count() == 0


async def test_page_year_is_checked(client, review_world):
    await as_user(client, "samordnare")
    assert (await client.get("/ks/samlad-bedomning?ar=abc")).status_code == 422
    assert (await client.get("/ks/samlad-bedomning?ar=1800")).status_code == 422
    default = await client.get("/ks/samlad-bedomning")
    assert default.status_code == 200
    response = await client.post(
        "/ks/samlad-bedomning", data={"year": "x", "_csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422

"""Route-matrix rows for KS's consolidated review and KS's decision on it.

The world has a complete draft of KS's review of REVIEW_YEAR (every board judged, OWN's process
too), written by the coordinator. Readers are those who read every board (admin, coordinator,
auditor, KS's member); writers are the coordinator and the admin. The rows save the draft
through the API and the page, then KS's decision through the API; afterwards every change
answers 409. Forged rows come first and carry FORGED_MARK, which `forged_traces` looks for in
the review, its judgements and the audit trail.
"""

from __future__ import annotations

import httpx
from piccolo.apps.user.tables import BaseUser

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.services import load_principal
from internkontroll.reports.review import JudgementInput, ReviewInput, save_review
from internkontroll.reports.tables import ConsolidatedReview, ReviewJudgement
from tests.route_probes import BOARD_NAMES, CSRF_EXPIRED, FORGED, Probe, row

REVIEW_YEAR = 2025
FORGED_MARK = "Förfalskad"
TITLE = f"Samlad bedömning av den interna kontrollen {REVIEW_YEAR}"
PAGE = "/ks/samlad-bedomning"
API = "/api/reviews/{year:int}"
FROZEN = f"KS har beslutat om den samlade bedömningen för {REVIEW_YEAR}; den kan inte ändras."

# ROLES order: anon adm coo aud sec pre ctl vie ksv none
READ_PAGE = "303  200 200 200 403 403 403 403 200 403"
READ_API = "401  200 200 200 403 403 403 403 200 403"
WRITE_API = "401  {ok} {ok} 403 403 403 403 403 403 403"
WRITE_PAGE = "303  {ok} {ok} 403 403 403 403 403 403 403"


# The matrix fills "@key" values of a dict but not inside lists, nor a form's keys, which here
# are named after board ids: add_world writes the world's ids into these bodies in place.
BODIES: list[tuple[dict, str]] = []
FORMS: list[dict[str, str]] = []


def _body(mark: str = "") -> dict:
    body = {"findings": f"{mark}Iakttagelser via API", "proposals": "Förslag", "judgements": []}
    BODIES.append((body, mark))
    return body


def _form(mark: str = "") -> dict[str, str]:
    form = {"year": str(REVIEW_YEAR), "findings": f"{mark}Iakttagelser via sidan"}
    FORMS.append(form)
    return form


def _fill_bodies(ids: dict[str, int]) -> None:
    for body, mark in BODIES:
        body["judgements"] = [
            {"level": "green", "board_id": ids["ks"]},
            {"level": "yellow", "comment": f"{mark}Kommentar", "board_id": ids["own"]},
            {"level": "red", "board_id": ids["other"]},
            {"level": "green", "process_id": ids["process_own"]},
        ]
    for form in FORMS:
        for key in [k for k in form if k.startswith(("board-", "process-"))]:
            del form[key]
        levels = {"ks": "green", "own": "yellow", "other": "red"}
        form.update({f"board-{ids[key]}-level": level for key, level in levels.items()})
        form[f"process-{ids['process_own']}-level"] = "green"


DECISION = {"decided_on": "2026-03-10", "paragraph": "5", "registry_number": "KS 2026/5"}
FORGED_DECISION = {**DECISION, "registry_number": f"{FORGED_MARK} 1"}
SAVED = f"{PAGE}?ar={REVIEW_YEAR}&klart=sparat#status-heading"

# The admin's walk creates board NYADM through /admin before these rows, and nobody judges it:
# for the admin KS's decision is refused (422 naming NYADM) and the review stays a draft, so
# its later writes succeed; for the coordinator the decision is recorded and freezes it.
# fmt: off
PROBES: list[Probe] = [
    #    anon adm coo aud sec pre ctl vie ksv none
    row(READ_PAGE, "GET", PAGE, suffix=f"?ar={REVIEW_YEAR}", check="review_page"),
    row(READ_API, "GET", API, check="review_json"),
    row(READ_API, "GET", f"{API}/review.pdf"),
    row(READ_API, "GET", f"{API}/review.xlsx"),
    # The draft, through the page and through the API.
    row(FORGED, "POST", PAGE, form=_form(FORGED_MARK), messages={403: CSRF_EXPIRED}),
    row(WRITE_PAGE.format(ok=303), "POST", PAGE, form=_form(), csrf="form",
        locations={303: SAVED}),
    row(FORGED, "PUT", API, json=_body(FORGED_MARK), messages={403: CSRF_EXPIRED}),
    row(WRITE_API.format(ok=200), "PUT", API, json=_body(), csrf="header"),
    # KS's decision: forged first, then through the API; the review is frozen afterwards.
    row(FORGED, "POST", f"{API}/decision", json=FORGED_DECISION, messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", f"{PAGE}/beslut", form={"year": str(REVIEW_YEAR), **FORGED_DECISION},
        messages={403: CSRF_EXPIRED}),
    row("401  422 200 403 403 403 403 403 403 403", "POST", f"{API}/decision", json=DECISION,
        csrf="header", check="review_decided", messages={422: None}),
    row("303  422 409 403 403 403 403 403 403 403", "POST", f"{PAGE}/beslut",
        form={"year": str(REVIEW_YEAR), **DECISION}, csrf="form",
        messages={409: FROZEN, 422: "bedömning saknas för NYADM"}),
    row("401  422 409 403 403 403 403 403 403 403", "POST", f"{API}/decision", json=DECISION,
        csrf="header", messages={409: FROZEN, 422: None}),
    row("401  200 409 403 403 403 403 403 403 403", "PUT", API, json=_body(), csrf="header",
        messages={409: FROZEN}),
    row("303  303 409 403 403 403 403 403 403 403", "POST", PAGE, form=_form(), csrf="form",
        locations={303: SAVED}, messages={409: FROZEN}),
]
# fmt: on


async def add_world(ids: dict[str, int]) -> None:
    """A complete draft of KS's review of REVIEW_YEAR, written by the coordinator."""
    ids.setdefault("year", REVIEW_YEAR)
    assert ids["year"] == REVIEW_YEAR, "the report rows share one year"
    _fill_bodies(ids)
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == "coordinator").first()
    coordinator = await load_principal(user["id"])
    await save_review(
        coordinator,
        REVIEW_YEAR,
        ReviewInput(
            findings="Iakttagelser i världen",
            proposals="",
            judgements=(
                JudgementInput("green", board_id=ids["ks"]),
                JudgementInput("yellow", board_id=ids["own"]),
                JudgementInput("green", board_id=ids["other"]),
                JudgementInput("green", process_id=ids["process_own"]),
            ),
        ),
    )


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    if probe.check == "review_page":
        return [] if TITLE in response.text else [f"{where}: page lacks {TITLE!r}"]
    if probe.check == "review_json":
        body = response.json()
        boards = {b["short_name"] for b in body["boards"]}
        want = {short for short, _ in BOARD_NAMES.values()}
        # The admin's walk has created NYADM through /admin by now.
        ok = body["year"] == REVIEW_YEAR and body["status"] == "draft" and want <= boards
        return [] if ok else [f"{where}: review {body['year']} {body['status']} {boards}"]
    if probe.check == "review_decided":
        body = response.json()
        ok = body["status"] == "decided" and body["decision"]["registry_number"] == "KS 2026/5"
        return [] if ok else [f"{where}: decision {body['status']} {body['decision']}"]
    return None


async def forged_traces() -> list[str]:
    """Tables where a forged request's text was stored (empty when none was)."""
    like = f"%{FORGED_MARK}%"
    found = []
    for column in (
        ConsolidatedReview.findings,
        ConsolidatedReview.registry_number,
        ReviewJudgement.comment,
    ):
        table = column._meta.table
        if await table.exists().where(column.like(like)):
            found.append(f"{table._meta.tablename}.{column._meta.name}")
    # A forged draft would since have been replaced by the allowed one: the trail keeps it.
    audited = await AuditEvent.raw(
        "SELECT id FROM audit_event WHERE entity = 'consolidated_review' "
        "AND CAST(after AS TEXT) LIKE {}",
        like,
    )
    if audited:
        found.append("audit_event.after (consolidated_review)")
    return found

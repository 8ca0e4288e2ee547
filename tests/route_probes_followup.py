"""Route-matrix rows for follow-ups: the draft, the nämnd's decision, sending it to KS.

The world has adopted plans for 2025 on OWN and OTHER (route_probes_testing) and, from
add_world, a written draft of each board's follow-up for FOLLOW_UP_YEAR/PERIOD; KS has no plan.
Writers of the draft are OWN's preparer and the admin; the decision and sending are OWN's
secretary's and the admin's. Within one role's walk the rows save the draft (API, then page),
record the decision through the API, then the page's decision answers 409 (frozen); sending
goes through the API, then the page's send answers 409 (already sent). Forged rows come first
and carry FORGED_MARK, which `forged_traces` looks for in the follow-ups.

The paths carry {year:int} and {period:str}: the matrix fills them from ids["year"] and
ids["period"], which add_world sets.
"""

from __future__ import annotations

import httpx
from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.services import load_principal
from internkontroll.reports.followups import FollowUpInput, save_follow_up
from internkontroll.reports.tables import FollowUp
from tests.route_probes import (
    CSRF_EXPIRED,
    FORGED,
    PAGE_MISSING,
    PAGE_OTHER,
    PAGE_OWN,
    Probe,
    api,
    on_boards,
    row,
)

FOLLOW_UP_YEAR = 2025
PERIOD = "helar"
FORGED_MARK = "Förfalskad"

PAGE = "/namnder/{board_id:int}/uppfoljning/{year:int}/{period:str}"
API = "/api/boards/{board_id:int}/follow-ups/{year:int}/{period:str}"
SAVED = "/namnder/{board_id}/uppfoljning/{year}/{period}?klart=sparad"

BODY = {"judgement": "yellow", "summary": "Brister som nämnden rättar."}
FORGED_BODY = {"judgement": "red", "summary": f"{FORGED_MARK} sammanfattning"}
DECISION = {"decided_on": "2026-01-15", "paragraph": "4", "registry_number": "ALFA 2026/4"}
FORGED_DECISION = {**DECISION, "registry_number": f"{FORGED_MARK} 1"}

# ROLES order: anon adm coo aud sec pre ctl vie ksv none
WRITE_OWN = "{anon}  {ok} 403 403 403 {ok} 403 403 403 403"
DECIDE_OWN = "{anon}  {ok} 403 403 {ok} 403 403 403 403 403"
ADMIN_ONLY = "{anon}  {ok} 403 403 403 403 403 403 403 403"


def codes(pattern: str, anon: str, ok: str) -> str:
    """A row's codes from a pattern: who is anonymous, what the allowed roles get."""
    return pattern.format(anon=anon, ok=ok)


def writes(method: str, route: str, who: str, ok: str, anon: str, **options) -> list[Probe]:
    """Rows of a write on OWN (ok for `who`), OTHER (ok for the admin), KS and a missing board.

    KS has no plan and no follow-up: the admin gets 409 there, everyone else 403."""
    missing = PAGE_MISSING if anon == "303" else api(PAGE_MISSING)
    return [
        row(codes(who, anon, ok), method, route, board="own", **options),
        row(codes(ADMIN_ONLY, anon, ok), method, route, board="other", **options),
        row(codes(ADMIN_ONLY, anon, "409"), method, route, board="ks", **options),
        row(missing, method, route, board="missing", **options),
    ]


# fmt: off
PROBES: list[Probe] = [
    # Reading: the year's list, the report, its JSON, PDF and workbook
    *on_boards("GET", "/namnder/{board_id:int}/uppfoljning", PAGE_OWN, PAGE_OTHER,
               PAGE_MISSING),
    *on_boards("GET", PAGE, PAGE_OWN, PAGE_OTHER, PAGE_MISSING),
    *on_boards("GET", API, api(PAGE_OWN), api(PAGE_OTHER), api(PAGE_MISSING)),
    *on_boards("GET", f"{API}/follow-up.pdf", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING)),
    *on_boards("GET", f"{API}/follow-up.xlsx", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING)),
    # The draft: through the API, then the page
    row(FORGED, "PUT", API, board="own", json=FORGED_BODY, messages={403: CSRF_EXPIRED}),
    *writes("PUT", API, WRITE_OWN, "200", "401", json=BODY, csrf="header"),
    row(FORGED, "POST", PAGE, board="own", form=FORGED_BODY, messages={403: CSRF_EXPIRED}),
    *writes("POST", PAGE, WRITE_OWN, "303", "303", form=BODY, csrf="form",
            locations={303: SAVED}),
    # The nämnd's decision: the API records it, the page then finds it frozen
    row(FORGED, "POST", f"{API}/decision", board="own", json=FORGED_DECISION,
        messages={403: CSRF_EXPIRED}),
    *writes("POST", f"{API}/decision", DECIDE_OWN, "200", "401", json=DECISION,
            csrf="header"),
    row(FORGED, "POST", f"{PAGE}/beslut", board="own", form=FORGED_DECISION,
        messages={403: CSRF_EXPIRED}),
    *writes("POST", f"{PAGE}/beslut", DECIDE_OWN, "409", "303", form=DECISION, csrf="form"),
    # Sending to KS: the API sends it, the page then finds it sent
    row(FORGED, "POST", f"{API}/send", board="own", json={}, messages={403: CSRF_EXPIRED}),
    *writes("POST", f"{API}/send", DECIDE_OWN, "200", "401", csrf="header"),
    row(FORGED, "POST", f"{PAGE}/skicka", board="own", form={},
        messages={403: CSRF_EXPIRED}),
    *writes("POST", f"{PAGE}/skicka", DECIDE_OWN, "409", "303", form={}, csrf="form"),
]
# fmt: on


async def add_world(ids: dict[str, int]) -> None:
    """A written draft of OWN's and OTHER's follow-up for FOLLOW_UP_YEAR/PERIOD."""
    ids.setdefault("year", FOLLOW_UP_YEAR)
    assert ids["year"] == FOLLOW_UP_YEAR, "the report rows share one year"
    ids["period"] = PERIOD  # type: ignore[assignment] - a path segment, not an id
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == "admin").first()
    admin = await load_principal(user["id"])
    for key in ("own", "other"):
        await save_follow_up(
            admin,
            ids[key],
            FOLLOW_UP_YEAR,
            PERIOD,
            FollowUpInput("green", "Utkast i världen"),
        )


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    return None


async def forged_traces() -> list[str]:
    """Tables where a forged request's text was stored (empty when none was)."""
    like = f"%{FORGED_MARK}%"
    found = []
    for column in (FollowUp.summary, FollowUp.registry_number):
        if await FollowUp.exists().where(column.like(like)):
            found.append(f"follow_up.{column._meta.name}")
    return found

"""Route-matrix rows for the internkontrollplan: plan pages, controls, decisions, the API.

The world has a draft plan for 2026 on OWN and on OTHER, each with one control plus two
spares that the delete rows remove; KS has none, so creating one there succeeds.
"""

from __future__ import annotations

from typing import Any

from tests.route_probes import (
    CSRF_EXPIRED,
    EDIT_OTHER,
    EDIT_OWN,
    FORGED,
    PAGE_MISSING,
    PAGE_OTHER,
    PAGE_OWN,
    Probe,
    api,
    on_boards,
    row,
)

NO_PLAN = "Planen finns inte."
NO_CONTROL = "Kontrollmomentet finns inte."
ALL_SIGNED_IN = "303  200 200 200 200 200 200 200 200 200"

# Who may do what to a draft (ROLES order: anon adm coo aud sec pre ctl vie ksv none).
PREPARER_OWN = "{anon}  {ok} 403 403 403 {ok} 403 403 403 403"
SENDER_OWN = "{anon}  {ok} 403 403 {ok} {ok} 403 403 403 403"
SECRETARY_OWN = "{anon}  {ok} 403 403 {ok} 403 403 403 403 403"
ADMIN_ONLY = "{anon}  {ok} 403 403 403 403 403 403 403 403"


def codes(pattern: str, ok: int, anon: int = 303) -> str:
    """A row's codes from a who-may pattern, the allowed answer and the anonymous one."""
    return pattern.format(ok=ok, anon=anon)


def on_plans(
    method: str, route: str, own: str, other: str, missing: str, **options: Any
) -> list[Probe]:
    """Rows for OWN's plan, OTHER's plan and a missing plan."""
    messages = {404: NO_PLAN, **options.pop("messages", {})}
    return [
        row(code, method, route, plan=key, messages=messages, **options)
        for key, code in (("own", own), ("other", other), ("missing", missing))
    ]


def on_controls(
    method: str, route: str, own: str, other: str, missing: str, *, spare: str = "", **options
) -> list[Probe]:
    """Rows for a control of OWN, of OTHER and a missing one (spare: a control to use up)."""
    messages = {404: NO_CONTROL, **options.pop("messages", {})}
    return [
        row(
            code,
            method,
            route,
            control=key + (spare if key != "missing" else ""),
            messages=messages,
            **options,
        )
        for key, code in (("own", own), ("other", other), ("missing", missing))
    ]


def writes(
    method: str, route: str, pattern: str, ok: int, *, api_route: bool = False, **options: Any
) -> list[Probe]:
    """A forged row and the rows for OWN, OTHER and a missing plan of one plan write."""
    anon = 401 if api_route else 303
    csrf = "header" if api_route else "form"
    forged_body = {"json": options.get("json", {})} if api_route else {"form": {}}
    missing = api(PAGE_MISSING) if api_route else PAGE_MISSING
    return [
        row(FORGED, method, route, plan="own", messages={403: CSRF_EXPIRED}, **forged_body),
        *on_plans(
            method,
            route,
            codes(pattern, ok, anon),
            codes(ADMIN_ONLY, ok, anon),
            missing,
            csrf=csrf,
            **options,
        ),
    ]


DECISION = {"decided_on": "2026-01-20", "paragraph": "§ 7", "registry_number": "ALFA 2025/1"}
SHARED = {
    "year": 2026,
    "decided_on": "2025-11-20",
    "paragraph": "§ 201",
    "registry_number": "KSZ 2025/9",
    "points": [
        {"title": "Attest av fakturor", "method": "sample", "report_when": "Delår och helår"},
        {"title": "Diarieföring", "method": "review", "report_when": "Delår och helår"},
    ],
}
CONTROL = {"title": "Ny kontroll i Alfa"}
ANY_409 = {409: None}

# fmt: off
PLAN_PROBES: list[Probe] = [
    # Everyone signed in: the deadline overview and KS's shared points.
    row(ALL_SIGNED_IN, "GET", "/planer", check="plan_overview", public_board_names=True),
    row(ALL_SIGNED_IN, "GET", "/gemensamma-kontrollmoment"),
    row(FORGED, "POST", "/gemensamma-kontrollmoment", form={}, messages={403: CSRF_EXPIRED}),
    row("303  422 422 403 403 403 403 403 403 403", "POST", "/gemensamma-kontrollmoment",
        form={}, csrf="form", messages={422: None}),
    # A board's plan page, and drafting one (OWN and OTHER have theirs; KS gets one here).
    *on_boards("GET", "/namnder/{board_id:int}/plan", PAGE_OWN, PAGE_OTHER, PAGE_MISSING),
    row(FORGED, "POST", "/namnder/{board_id:int}/plan", board="own", form={"ar": "2026"},
        messages={403: CSRF_EXPIRED}),
    row(codes(PREPARER_OWN, 409), "POST", "/namnder/{board_id:int}/plan", board="own",
        form={"ar": "2026"}, csrf="form", messages=ANY_409),
    row(codes(ADMIN_ONLY, 409), "POST", "/namnder/{board_id:int}/plan", board="other",
        form={"ar": "2026"}, csrf="form", messages=ANY_409),
    row(codes(ADMIN_ONLY, 303), "POST", "/namnder/{board_id:int}/plan", board="ks",
        form={"ar": "2026"}, csrf="form", locations={303: r"re:/planer/\d+\?klart=skapad"}),
    row(PAGE_MISSING, "POST", "/namnder/{board_id:int}/plan", board="missing",
        form={"ar": "2026"}, csrf="form"),
    # One plan version and its forms.
    *on_plans("GET", "/planer/{plan_id:int}", PAGE_OWN, PAGE_OTHER, PAGE_MISSING),
    *on_plans("GET", "/planer/{plan_id:int}/kontrollmoment/ny", EDIT_OWN, EDIT_OTHER,
              PAGE_MISSING),
    *writes("POST", "/planer/{plan_id:int}/kontrollmoment", PREPARER_OWN, 422, form={},
            messages={422: None}),
    *on_plans("GET", "/planer/{plan_id:int}/beslut", codes(SECRETARY_OWN, 409),
              codes(ADMIN_ONLY, 409), PAGE_MISSING, messages=ANY_409),
    *writes("POST", "/planer/{plan_id:int}/beslut", SECRETARY_OWN, 409, form={},
            messages=ANY_409),
    *writes("POST", "/planer/{plan_id:int}/for-beslut", SENDER_OWN, 409, form={},
            messages=ANY_409),
    *writes("POST", "/planer/{plan_id:int}/utkast", SENDER_OWN, 409, form={},
            messages=ANY_409),
    *writes("POST", "/planer/{plan_id:int}/ny-version", PREPARER_OWN, 409, form={},
            messages=ANY_409),
    *writes("POST", "/planer/{plan_id:int}/gemensamma", PREPARER_OWN, 303, form={},
            locations={303: r"re:/planer/\d+\?klart=gemensamma(-fanns)?"}),
    # A control's form, saving it, and removing a spare.
    *on_controls("GET", "/kontrollmoment/{plan_control_id:int}/andra", EDIT_OWN, EDIT_OTHER,
                 PAGE_MISSING),
    row(FORGED, "POST", "/kontrollmoment/{plan_control_id:int}", control="own", form={},
        messages={403: CSRF_EXPIRED}),
    *on_controls("POST", "/kontrollmoment/{plan_control_id:int}", codes(PREPARER_OWN, 422),
                 codes(ADMIN_ONLY, 422), PAGE_MISSING, form={}, csrf="form",
                 messages={422: None}),
    row(FORGED, "POST", "/kontrollmoment/{plan_control_id:int}/ta-bort", control="own_spare",
        form={}, messages={403: CSRF_EXPIRED}),
    *on_controls("POST", "/kontrollmoment/{plan_control_id:int}/ta-bort",
                 codes(PREPARER_OWN, 303), codes(ADMIN_ONLY, 303), PAGE_MISSING, spare="_spare",
                 form={}, csrf="form", locations={303: r"re:/planer/\d+\?klart=borttaget"}),
    # The API.
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/plan-status",
        check="plan_status", public_board_names=True),
    row("401  404 404 404 404 404 404 404 404 404", "GET", "/api/shared-controls",
        messages={404: None}),
    row(FORGED, "POST", "/api/shared-controls", json=SHARED, messages={403: CSRF_EXPIRED}),
    row("401  201 201 403 403 403 403 403 403 403", "POST", "/api/shared-controls",
        json=SHARED, csrf="header"),
    *on_boards("GET", "/api/boards/{board_id:int}/plans", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING)),
    *on_boards("GET", "/api/control-owners/{board_id:int}", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING)),
    row(FORGED, "POST", "/api/boards/{board_id:int}/plans", board="own", json={"year": 2026},
        messages={403: CSRF_EXPIRED}),
    *on_boards("POST", "/api/boards/{board_id:int}/plans", codes(PREPARER_OWN, 409, 401),
               codes(ADMIN_ONLY, 409, 401), api(PAGE_MISSING), json={"year": 2026},
               csrf="header", messages=ANY_409),
    *on_plans("GET", "/api/plans/{plan_id:int}", api(PAGE_OWN), api(PAGE_OTHER),
              api(PAGE_MISSING)),
    *on_plans("GET", "/api/plans/{plan_id:int}/readiness", api(PAGE_OWN), api(PAGE_OTHER),
              api(PAGE_MISSING)),
    *on_plans("GET", "/api/plans/{plan_id:int}/plan.pdf", api(PAGE_OWN), api(PAGE_OTHER),
              api(PAGE_MISSING)),
    *on_plans("GET", "/api/plans/{plan_id:int}/plan.xlsx", api(PAGE_OWN), api(PAGE_OTHER),
              api(PAGE_MISSING)),
    *writes("POST", "/api/plans/{plan_id:int}/controls", PREPARER_OWN, 201, api_route=True,
            json=CONTROL),
    *writes("POST", "/api/plans/{plan_id:int}/send-for-decision", SENDER_OWN, 409,
            api_route=True, json={}, messages=ANY_409),
    *writes("POST", "/api/plans/{plan_id:int}/return-to-draft", SENDER_OWN, 409,
            api_route=True, json={}, messages=ANY_409),
    *writes("POST", "/api/plans/{plan_id:int}/adopt", SECRETARY_OWN, 409, api_route=True,
            json=DECISION, messages=ANY_409),
    *writes("POST", "/api/plans/{plan_id:int}/new-version", PREPARER_OWN, 409,
            api_route=True, json={}, messages=ANY_409),
    *writes("POST", "/api/plans/{plan_id:int}/add-shared-points", PREPARER_OWN, 200,
            api_route=True, json={}),
    row(FORGED, "PUT", "/api/plan-controls/{plan_control_id:int}", control="own", json=CONTROL,
        messages={403: CSRF_EXPIRED}),
    *on_controls("PUT", "/api/plan-controls/{plan_control_id:int}",
                 codes(PREPARER_OWN, 200, 401), codes(ADMIN_ONLY, 200, 401),
                 api(PAGE_MISSING), json=CONTROL, csrf="header"),
    row(FORGED, "DELETE", "/api/plan-controls/{plan_control_id:int}", control="own_spare2",
        messages={403: CSRF_EXPIRED}),
    *on_controls("DELETE", "/api/plan-controls/{plan_control_id:int}",
                 codes(PREPARER_OWN, 204, 401), codes(ADMIN_ONLY, 204, 401),
                 api(PAGE_MISSING), spare="_spare2", csrf="header"),
]
# fmt: on

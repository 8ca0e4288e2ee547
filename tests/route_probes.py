"""The route matrix's expectation table: roles, the world's boards, rows for every route.

One row per request, one column per role (see tests/test_route_matrix.py, which walks them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from internkontroll.risks.scale import default_scale, scale_to_dict

# ------------------------------------------------------------------ the world of each test

BOARD_NAMES = {
    "ks": ("KSZ", "Kommunstyrelsen i Zetaby"),
    "own": ("ALFA", "Egna nämnden Alfa"),
    "other": ("OMEGA", "Hemliga nämnden Omega"),
}

ROLES = (
    "anonymous",
    "admin",
    "coordinator",
    "auditor",
    "secretary",
    "preparer",
    "control_owner",
    "viewer",
    "ks_viewer",
    "no_role",
)

# (admin, global roles, board roles as (board key, role))
USERS: dict[str, tuple[bool, tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "admin": (True, (), ()),
    "coordinator": (False, ("coordinator",), ()),
    "auditor": (False, ("auditor",), ()),
    "secretary": (False, (), (("own", "secretary"),)),
    "preparer": (False, (), (("own", "preparer"),)),
    "control_owner": (False, (), (("own", "control_owner"),)),
    "viewer": (False, (), (("own", "viewer"),)),
    "ks_viewer": (False, (), (("ks", "viewer"),)),
    "no_role": (False, (), ()),
}

# Someone who sits only on OTHER: their name must not reach those who cannot read OTHER.
BYSTANDER = ("omega-handlaggare", "OMEGA", "preparer")

# What gives each board away: its name, and for OTHER also its member.
BOARD_SECRETS = {
    "ks": (BOARD_NAMES["ks"][1],),
    "own": (BOARD_NAMES["own"][1],),
    "other": (BOARD_NAMES["other"][1], BYSTANDER[0], "Hemlig risk i Omega", "Hemlig kontroll"),
}
RISK_TITLES = {"own": "Egen risk i Alfa", "other": "Hemlig risk i Omega"}

# Boards each role may read (asserted on /api/boards; the others' names never appear).
READABLE: dict[str, set[str]] = {
    "anonymous": set(),
    "admin": {"ks", "own", "other"},
    "coordinator": {"ks", "own", "other"},
    "auditor": {"ks", "own", "other"},
    "secretary": {"own"},
    "preparer": {"own"},
    "control_owner": {"own"},
    "viewer": {"own"},
    "ks_viewer": {"ks", "own", "other"},
    "no_role": set(),
}

# ------------------------------------------------------------------ the expectation table

CSRF_EXPIRED = "Formuläret har gått ut. Ladda om sidan och försök igen."
NOT_SIGNED_IN = "Du behöver logga in."
DENIED = "Du har inte behörighet till detta."
NO_BOARD = "Nämnden finns inte."
WRONG_CREDENTIALS = "Fel användarnamn eller lösenord."
PICCOLO_CSRF_TOKEN = "matris-csrf-token"
ADMIN_BOARD = {"name": "Ny nämnd via admin", "short_name": "NYADM", "kind": "board", "active": True}

DEFAULT_MESSAGES = {401: NOT_SIGNED_IN, 403: DENIED, 404: NO_BOARD}
DEFAULT_SCALE = {k: v for k, v in scale_to_dict(default_scale()).items() if k != "cell_colours"}


@dataclass(frozen=True)
class Probe:
    """One request and the status every role must get (in ROLES order)."""

    method: str  # HTTP method sent
    route: str  # the route's path exactly as in app.routes
    expect: tuple[int, ...]
    board: str | None = None  # fills {board_id:int}: own, other, ks or missing
    risk: str | None = None  # fills {risk_id:int}: own, other or missing
    plan: str | None = None  # fills {plan_id:int}: own, other or missing
    control: str | None = None  # fills {plan_control_id:int}: own, other, missing, *_spare…
    item: str | None = None  # fills a testing id ({occasion_id:int}, …): own, other, missing…
    public_board_names: bool = False  # a page that names every board (public decisions)
    suffix: str = ""  # appended to the route path (requests into the /admin mount)
    csrf: str | None = None  # "form"/"header": the app's token; "piccolo": admin's header
    upload: bool = False  # send the form as multipart with a file that is not a workbook
    file: tuple[str, bytes, str] | None = None  # send the form as multipart with this file
    form: dict[str, str] | None = None
    json: Any = None
    locations: dict[int, str] = field(default_factory=dict)  # 3xx that are not "log in first"
    messages: dict[int, str | None] = field(default_factory=dict)  # overrides DEFAULT_MESSAGES
    check: str | None = None  # extra body check on 200/201
    key_method: str | None = None  # the method in the route table when it differs (ASGI: "*")

    @property
    def key(self) -> tuple[str, str]:
        return (self.key_method or self.method, self.route)

    def label(self) -> str:
        target = self.board or self.risk or self.plan or self.control or self.item
        extra = f" [{target}]" if target else ""
        extra += f" csrf={self.csrf}" if self.csrf else ""
        return f"{self.method} {self.route}{self.suffix}{extra}"


ASGI_MOUNTS = {"/admin"}


def row(codes: str, method: str, route: str, **options: Any) -> Probe:
    """A row of the table: the status for each role in ROLES order, then the request."""
    expect = tuple(int(c) for c in codes.split())
    assert len(expect) == len(ROLES), codes
    key_method = "*" if route in ASGI_MOUNTS else None
    return Probe(method, route, expect, key_method=key_method, **options)


# Status strings reused by the risk rows (ROLES order).
PAGE_OWN = "303  200 200 200 200 200 200 200 200 403"
PAGE_OTHER = "303  200 200 200 403 403 403 403 200 403"
PAGE_MISSING = "303  404 404 404 404 404 404 404 404 404"
EDIT_OWN = "303  200 403 403 403 200 403 403 403 403"
EDIT_OTHER = "303  200 403 403 403 403 403 403 403 403"
FORGED = "403  403 403 403 403 403 403 403 403 403"
NO_RISK = "Risken finns inte."


def api(codes: str) -> str:
    """The same row for an API route: anonymous callers get 401, not a redirect."""
    return "401" + codes[3:]


def on_boards(
    method: str, route: str, own: str, other: str, missing: str, **options: Any
) -> list[Probe]:
    """Rows for OWN, OTHER, the KS (expected as OTHER) and a missing board."""
    return [
        row(own, method, route, board="own", **options),
        row(other, method, route, board="other", **options),
        row(other, method, route, board="ks", **options),
        row(missing, method, route, board="missing", **options),
    ]


def on_risks(
    method: str, route: str, own: str, other: str, missing: str, **options: Any
) -> list[Probe]:
    """Rows for a risk of OWN, a risk of OTHER and a missing risk."""
    messages = {404: NO_RISK, **options.pop("messages", {})}
    per_risk = options.pop("per_risk", {})
    return [
        row(codes, method, route, risk=key, messages=messages, **options | per_risk.get(key, {}))
        for key, codes in (("own", own), ("other", other), ("missing", missing))
    ]


# Writes score 2027 and keep the titles, so 2026's accepted high risks stay for the checks.
ASSESSMENT = {"year": 2027, "likelihood": 1, "impact": 2, "treatment": "monitor"}
RISK_OWN = {"process_id": "@process_own", "category_id": "@category", "title": "Egen risk i Alfa"}
RISK_OTHER = {**RISK_OWN, "process_id": "@process_other", "title": "Hemlig risk i Omega"}

# fmt: off
RISK_PROBES: list[Probe] = [
    # Pages of a board's register and heat map
    *on_boards("GET", "/namnder/{board_id:int}/risker", PAGE_OWN, PAGE_OTHER, PAGE_MISSING),
    *on_boards("GET", "/namnder/{board_id:int}/riskkarta", PAGE_OWN, PAGE_OTHER, PAGE_MISSING),
    *on_boards("GET", "/namnder/{board_id:int}/risker/ny", EDIT_OWN, EDIT_OTHER, PAGE_MISSING),
    *on_boards("GET", "/namnder/{board_id:int}/risker/import", EDIT_OWN, EDIT_OTHER,
               PAGE_MISSING),
    row(FORGED, "POST", "/namnder/{board_id:int}/risker", board="own", form={},
        messages={403: CSRF_EXPIRED}),
    *on_boards("POST", "/namnder/{board_id:int}/risker",
               "303  303 403 403 403 303 403 403 403 403",
               "303  422 403 403 403 403 403 403 403 403", PAGE_MISSING,
               csrf="form", form={"year": "2026", "title": "Via formuläret",
                                  "process_id": "@process_own", "category_id": "@category"},
               locations={303: r"re:/risker/\d+/bedomning\?ar=2026"}, messages={422: None}),
    row(FORGED, "POST", "/namnder/{board_id:int}/risker/nytt-ar", board="own",
        form={"from_year": "2026"}, messages={403: CSRF_EXPIRED}),
    *on_boards("POST", "/namnder/{board_id:int}/risker/nytt-ar",
               "303  303 403 403 403 303 403 403 403 403",
               "303  303 403 403 403 403 403 403 403 403", PAGE_MISSING,
               csrf="form", form={"from_year": "2026"},
               locations={303: "/namnder/{board_id}/risker?ar=2027"}),
    row(FORGED, "POST", "/namnder/{board_id:int}/risker/import", board="own", upload=True,
        form={"year": "2026"}, messages={403: CSRF_EXPIRED}),
    *on_boards("POST", "/namnder/{board_id:int}/risker/import",
               "303  422 403 403 403 422 403 403 403 403",
               "303  422 403 403 403 403 403 403 403 403", PAGE_MISSING,
               csrf="form", upload=True, form={"year": "2026"}, messages={422: None}),
    # A risk's pages
    *on_risks("GET", "/risker/{risk_id:int}", PAGE_OWN, PAGE_OTHER, PAGE_MISSING),
    *on_risks("GET", "/risker/{risk_id:int}/andra", EDIT_OWN, EDIT_OTHER, PAGE_MISSING),
    *on_risks("GET", "/risker/{risk_id:int}/bedomning", EDIT_OWN, EDIT_OTHER, PAGE_MISSING),
    row(FORGED, "POST", "/risker/{risk_id:int}", risk="own", form={},
        messages={403: CSRF_EXPIRED}),
    *on_risks("POST", "/risker/{risk_id:int}",
              "303  422 403 403 403 422 403 403 403 403",
              "303  422 403 403 403 403 403 403 403 403", PAGE_MISSING,
              csrf="form", form={}, messages={422: None}),
    row(FORGED, "POST", "/risker/{risk_id:int}/bedomning", risk="own", form={},
        messages={403: CSRF_EXPIRED}),
    *on_risks("POST", "/risker/{risk_id:int}/bedomning",
              "303  303 403 403 403 303 403 403 403 403",
              "303  303 403 403 403 403 403 403 403 403", PAGE_MISSING,
              csrf="form", form={"year": "2027", "likelihood": "1", "impact": "1",
                                 "treatment": "monitor"},
              locations={303: r"re:/namnder/\d+/risker\?ar=2027&sparad=\d+#risk-\d+"}),
    # All boards, and the matrix
    row(PAGE_OTHER, "GET", "/riskoversikt", check="overview"),
    row("303  200 200 200 200 200 200 200 200 200", "GET", "/riskmatris"),
    row(FORGED, "POST", "/riskmatris", form={}, messages={403: CSRF_EXPIRED}),
    row("303  422 403 403 403 403 403 403 403 403", "POST", "/riskmatris", form={},
        csrf="form", messages={422: None}),
    # The API
    *on_boards("GET", "/api/boards/{board_id:int}/risks", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING)),
    *on_boards("GET", "/api/boards/{board_id:int}/heatmap", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING)),
    *on_boards("GET", "/api/boards/{board_id:int}/risks/export.xlsx", api(PAGE_OWN),
               api(PAGE_OTHER), api(PAGE_MISSING)),
    row(FORGED, "POST", "/api/boards/{board_id:int}/risks", board="own", json=RISK_OWN,
        messages={403: CSRF_EXPIRED}),
    row("401  201 403 403 403 201 403 403 403 403", "POST", "/api/boards/{board_id:int}/risks",
        board="own", json=RISK_OWN, csrf="header"),
    row("401  201 403 403 403 403 403 403 403 403", "POST", "/api/boards/{board_id:int}/risks",
        board="other", json=RISK_OTHER, csrf="header"),
    row("401  422 403 403 403 403 403 403 403 403", "POST", "/api/boards/{board_id:int}/risks",
        board="ks", json=RISK_OWN, csrf="header", messages={422: None}),
    row(api(PAGE_MISSING), "POST", "/api/boards/{board_id:int}/risks", board="missing",
        json=RISK_OWN, csrf="header"),
    row(FORGED, "POST", "/api/boards/{board_id:int}/risks/start-year", board="own",
        json={"from_year": 2026}, messages={403: CSRF_EXPIRED}),
    *on_boards("POST", "/api/boards/{board_id:int}/risks/start-year",
               "401  201 403 403 403 201 403 403 403 403",
               "401  201 403 403 403 403 403 403 403 403", api(PAGE_MISSING),
               json={"from_year": 2026}, csrf="header"),
    row(FORGED, "POST", "/api/boards/{board_id:int}/risks/import", board="own", upload=True,
        form={}, messages={403: CSRF_EXPIRED}),
    *on_boards("POST", "/api/boards/{board_id:int}/risks/import",
               "401  422 403 403 403 422 403 403 403 403",
               "401  422 403 403 403 403 403 403 403 403", api(PAGE_MISSING),
               upload=True, form={}, csrf="header", messages={422: None}),
    *on_risks("GET", "/api/risks/{risk_id:int}", api(PAGE_OWN), api(PAGE_OTHER),
              api(PAGE_MISSING)),
    *on_risks("GET", "/api/risks/{risk_id:int}/assessments", api(PAGE_OWN), api(PAGE_OTHER),
              api(PAGE_MISSING)),
    row(FORGED, "PUT", "/api/risks/{risk_id:int}", risk="own", json=RISK_OWN,
        messages={403: CSRF_EXPIRED}),
    *on_risks("PUT", "/api/risks/{risk_id:int}",
              "401  200 403 403 403 200 403 403 403 403",
              "401  200 403 403 403 403 403 403 403 403", api(PAGE_MISSING),
              csrf="header", json=RISK_OWN, per_risk={"other": {"json": RISK_OTHER}}),
    row(FORGED, "POST", "/api/risks/{risk_id:int}/assessments", risk="own", json=ASSESSMENT,
        messages={403: CSRF_EXPIRED}),
    *on_risks("POST", "/api/risks/{risk_id:int}/assessments",
              "401  201 403 403 403 201 403 403 403 403",
              "401  201 403 403 403 403 403 403 403 403", api(PAGE_MISSING),
              csrf="header", json=ASSESSMENT),
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/heatmap"),
    row(api(PAGE_OTHER), "GET", "/api/risk-overview"),
    row(api(PAGE_OTHER), "GET", "/api/accepted-high-risks", check="accepted"),
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/risk-scale"),
    row(FORGED, "PUT", "/api/risk-scale", json=DEFAULT_SCALE, messages={403: CSRF_EXPIRED}),
    row("401  200 403 403 403 403 403 403 403 403", "PUT", "/api/risk-scale",
        json=DEFAULT_SCALE, csrf="header"),
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/risks/template.xlsx"),
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/risks/export.xlsx"),
]
# fmt: on

"""Every route, every role, own board and other board, over HTTP.

The expectation table below is explicit: one row per request, one column per role.
`test_every_route_has_expectations` walks the app's own route list, so a new route
without a row here fails the suite. Each role then walks every row in one test on a
fresh database (boards KS, OWN, OTHER; one user per role, and a member of OTHER whose
name must never reach anyone who cannot read OTHER).
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from litestar.routes import ASGIRoute, HTTPRoute
from piccolo.apps.user.tables import BaseUser

from internkontroll import db as database
from internkontroll.app import create_app
from internkontroll.auth.services import load_principal
from internkontroll.organisation.tables import Board, Process, RiskCategory
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from internkontroll.risks.scale import default_scale, scale_to_dict
from tests.conftest import csrf_token, login, make_board, make_user

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
    "other": (BOARD_NAMES["other"][1], BYSTANDER[0], "Hemlig risk i Omega"),
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
    suffix: str = ""  # appended to the route path (requests into the /admin mount)
    csrf: str | None = None  # "form"/"header": the app's token; "piccolo": admin's header
    upload: bool = False  # send the form as multipart with a file that is not a workbook
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
        extra = f" [{self.board or self.risk}]" if self.board or self.risk else ""
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

# fmt: off
PROBES: list[Probe] = [
    # Forged logout first: it must not end the session, which every later row relies on.
    #    anon adm coo aud sec pre ctl vie ksv none
    row("403  403 403 403 403 403 403 403 403 403", "POST", "/logout",
        messages={403: CSRF_EXPIRED}),
    row("403  403 403 403 403 403 403 403 403 403", "POST", "/login",
        form={"username": "", "password": ""}, messages={403: CSRF_EXPIRED}),
    row("200  200 200 200 200 200 200 200 200 200", "GET", "/healthz"),
    row("200  303 303 303 303 303 303 303 303 303", "GET", "/login", locations={303: "/"}),
    row("303  200 200 200 200 200 200 200 200 200", "GET", "/"),
    row("303  200 200 200 200 200 200 200 200 200", "GET", "/namnder"),
    #    anon adm coo aud sec pre ctl vie ksv none
    row("303  200 200 200 200 200 200 200 200 403", "GET", "/namnder/{board_id:int}",
        board="own", check="board_page"),
    row("303  200 200 200 403 403 403 403 200 403", "GET", "/namnder/{board_id:int}",
        board="other", check="board_page"),
    row("303  200 200 200 403 403 403 403 200 403", "GET", "/namnder/{board_id:int}",
        board="ks", check="board_page"),
    row("303  404 404 404 404 404 404 404 404 404", "GET", "/namnder/{board_id:int}",
        board="missing"),
    #    anon adm coo aud sec pre ctl vie ksv none
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/boards", check="board_list"),
    row("401  200 200 200 200 200 200 200 200 403", "GET", "/api/boards/{board_id:int}",
        board="own", check="board_json"),
    row("401  200 200 200 403 403 403 403 200 403", "GET", "/api/boards/{board_id:int}",
        board="other", check="board_json"),
    row("401  200 200 200 403 403 403 403 200 403", "GET", "/api/boards/{board_id:int}",
        board="ks", check="board_json"),
    row("401  404 404 404 404 404 404 404 404 404", "GET", "/api/boards/{board_id:int}",
        board="missing"),
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/me", check="me"),
    #    anon adm coo aud sec pre ctl vie ksv none
    row("401  200 403 200 403 403 403 403 403 403", "GET", "/api/audit"),
    row("303  200 403 200 403 403 403 403 403 403", "GET", "/granskningslogg"),
    # The piccolo-admin mount: one ASGI route ("*"), several requests into it.
    row("303  200 403 403 403 403 403 403 403 403", "GET", "/admin", suffix="/"),
    row("303  308 403 403 403 403 403 403 403 403", "GET", "/admin",
        locations={308: "/admin/"}),
    row("401  200 403 403 403 403 403 403 403 403", "GET", "/admin", suffix="/api/tables/"),
    # Admin writes need piccolo-admin's own CSRF header (the app's CSRF excludes /admin).
    row("401  403 403 403 403 403 403 403 403 403", "POST", "/admin",
        suffix="/api/tables/board/", json=ADMIN_BOARD, messages={403: None}),
    row("401  201 403 403 403 403 403 403 403 403", "POST", "/admin",
        suffix="/api/tables/board/", json=ADMIN_BOARD, csrf="piccolo"),
    *RISK_PROBES,
    # Unsafe routes with a valid token (/api/login needs none).
    #    anon adm coo aud sec pre ctl vie ksv none
    row("401  401 401 401 401 401 401 401 401 401", "POST", "/login",
        form={"username": "", "password": ""}, csrf="form", messages={401: WRONG_CREDENTIALS}),
    row("401  401 401 401 401 401 401 401 401 401", "POST", "/api/login",
        json={"username": "", "password": ""}, messages={401: WRONG_CREDENTIALS}),
    row("303  303 303 303 303 303 303 303 303 303", "POST", "/logout",
        form={}, csrf="form", locations={303: "/login"}),
    # After a real logout the session is gone.
    row("401  401 401 401 401 401 401 401 401 401", "GET", "/api/me"),
]
# fmt: on

# Unsafe routes the app's CSRF check deliberately skips (JSON login; /admin has its own).
CSRF_EXEMPT = {("POST", "/api/login"), ("*", "/admin")}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
SKIPPED_PREFIXES = ("/static", "/schema")


@functools.cache
def app_route_keys() -> frozenset[tuple[str, str]]:
    """(method, path) of every route the app serves; ASGI mounts answer any method ("*")."""
    app = create_app(use_pool=False)
    keys: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(route, ASGIRoute):
            keys.add(("*", route.path))
        elif isinstance(route, HTTPRoute):
            keys |= {(m, route.path) for m in route.methods if m not in SKIPPED_METHODS}
        else:  # a websocket or anything else new needs its own expectations
            keys.add((type(route).__name__, route.path))
    return frozenset(keys)


def test_every_route_has_expectations():
    """A route added to the app without a row in PROBES fails here; so does a stale row."""
    keys = app_route_keys()
    covered = {p.key for p in PROBES}
    assert keys - covered == set(), "routes without expectations in PROBES"
    assert covered - keys == set(), "rows in PROBES for routes the app does not serve"


def test_every_risk_route_is_tried_on_own_other_and_missing_risks():
    """Routes taking a risk id have rows for a risk of OWN, of OTHER and a missing one."""
    for route in {p.route for p in PROBES if "{risk_id" in p.route}:
        for method in {p.method for p in PROBES if p.route == route}:
            risks = {p.risk for p in PROBES if p.route == route and p.method == method}
            assert risks == {"own", "other", "missing"}, (method, route)


def test_every_board_route_is_tried_on_every_kind_of_board():
    """Routes taking a board id have rows for OWN, OTHER, the KS and a missing board."""
    for route in {p.route for p in PROBES if "{board_id" in p.route}:
        for method in {p.method for p in PROBES if p.route == route}:
            boards = {p.board for p in PROBES if p.route == route and p.method == method}
            assert boards == {"own", "other", "ks", "missing"}, (method, route)


def test_every_unsafe_route_is_forged_in_the_table():
    """Each unsafe, non-exempt route has a row sending it without any CSRF token."""
    unsafe = {k for k in app_route_keys() if k[0] not in {"GET", "*"}} - CSRF_EXEMPT
    forged = {p.key for p in PROBES if p.csrf is None and all(c == 403 for c in p.expect[1:])}
    assert unsafe - forged == set()


# ------------------------------------------------------------------ walking the table


async def build_world() -> dict[str, int]:
    """Boards KS, OWN and OTHER and one user per role; return board ids by key."""
    ids = {
        key: await make_board(short, kind="executive" if key == "ks" else "board", name=name)
        for key, (short, name) in BOARD_NAMES.items()
    }
    ids["missing"] = max(ids.values()) + 1000
    for role, (admin, global_roles, board_roles) in USERS.items():
        await make_user(
            role.replace("_", "-"),
            admin=admin,
            global_roles=global_roles,
            board_roles=tuple((BOARD_NAMES[b][0], r) for b, r in board_roles),
        )
    username, short_name, role = BYSTANDER
    await make_user(username, board_roles=((short_name, role),))
    await _add_risks(ids)
    return ids


async def _add_risks(ids: dict[str, int]) -> None:
    """A process per board, a category, and an accepted high risk on OWN and on OTHER."""
    admin = await load_principal(
        (await BaseUser.select(BaseUser.id).where(BaseUser.username == "admin").first())["id"]
    )
    for key in ("own", "other"):
        rows = await Process.insert(Process(board=ids[key], name=f"Process {key}")).returning(
            Process.id
        )
        ids[f"process_{key}"] = rows[0]["id"]
    rows = await RiskCategory.insert(RiskCategory(name="Legal risk")).returning(RiskCategory.id)
    ids["category"] = rows[0]["id"]
    for key, title in RISK_TITLES.items():
        risk_id = await create_risk(
            admin, ids[key], 2026, RiskInput(ids[f"process_{key}"], ids["category"], title)
        )
        await assess(admin, risk_id, 2026, AssessmentInput(4, 4, "accept", "Motiverad."))
        ids[f"risk_{key}"] = risk_id
    ids["risk_missing"] = ids["risk_other"] + 1000


def concrete_path(probe: Probe, ids: dict[str, int]) -> str:
    params = re.findall(r"\{([^}:]+)(?::[^}]*)?\}", probe.route)
    path = probe.route
    for param in params:
        assert param in ("board_id", "risk_id"), f"unknown path parameter in {probe.route}"
        key = probe.board if param == "board_id" else f"risk_{probe.risk}"
        assert key in ids, f"{probe.label()} needs a {param}"
        path = re.sub(r"\{" + param + r"(?::[^}]*)?\}", str(ids[key]), path)
    return path + probe.suffix


def filled(value: Any, ids: dict[str, int]) -> Any:
    """Replace "@key" strings with the world's ids (ints in JSON, text in forms)."""
    if isinstance(value, dict):
        return {k: filled(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    return value


def login_redirect(path: str) -> str:
    return f"/login?next={quote(path, safe='')}"


def expected_me(role: str, ids: dict[str, int]) -> dict[str, Any]:
    admin, global_roles, board_roles = USERS[role]
    by_board: dict[str, list[str]] = {}
    for board, r in board_roles:
        by_board.setdefault(str(ids[board]), []).append(r)
    username = role.replace("_", "-")
    return {
        "username": username,
        "name": username.capitalize(),
        "admin": admin,
        "global_roles": sorted(global_roles),
        "board_roles": {b: sorted(r) for b, r in by_board.items()},
    }


async def send(
    http: httpx.AsyncClient, probe: Probe, path: str, ids: dict[str, int]
) -> httpx.Response:
    headers: dict[str, str] = {}
    data = None
    if probe.form is not None:
        data = {k: str(v) for k, v in filled(probe.form, ids).items()}
    if probe.csrf == "form":
        data = {**(data or {}), "_csrf_token": csrf_token(http)}
    elif probe.csrf == "header":
        headers["x-csrftoken"] = csrf_token(http)
    elif probe.csrf == "piccolo":
        headers["x-csrftoken"] = PICCOLO_CSRF_TOKEN
    files = {"file": ("risker.xlsx", b"inte en arbetsbok", "text/plain")} if probe.upload else None
    json_body = filled(probe.json, ids) if probe.json is not None else None
    return await http.request(
        probe.method,
        path,
        data=data,
        files=files,
        json=json_body,
        headers=headers,
        follow_redirects=False,
    )


def check_response(
    role: str, probe: Probe, path: str, response: httpx.Response, ids: dict[str, int]
) -> list[str]:
    """Every way this response breaks its row; empty if it matches."""
    want = probe.expect[ROLES.index(role)]
    got = response.status_code
    where = f"{role}: {probe.label()} ({path})"
    if got != want:
        return [f"{where}: status {got}, expected {want}; body {response.text[:160]!r}"]
    problems: list[str] = []
    body = response.text
    is_json = response.headers.get("content-type", "").startswith("application/json")

    if 300 <= got < 400:
        target = probe.locations.get(got, login_redirect(path)).format(
            board_id=ids.get(probe.board or "", "")
        )
        location = response.headers.get("location") or ""
        if target.startswith("re:"):
            matches = re.fullmatch(target[3:], location) is not None
        else:
            matches = location == target
        # Anonymous callers are sent to log in first, whatever the route does afterwards.
        if role == "anonymous" and location == login_redirect(path):
            matches = True
        if not matches:
            problems.append(
                f"{where}: redirects to {response.headers.get('location')!r}, expected {target!r}"
            )
    if got >= 400:
        message = {**DEFAULT_MESSAGES, **probe.messages}.get(got)
        if message is not None:
            if is_json:
                if response.json() != {"status_code": got, "detail": message}:
                    problems.append(f"{where}: JSON error {body[:200]!r}, expected {message!r}")
            elif message not in body:
                problems.append(f"{where}: error page lacks {message!r}: {body[:200]!r}")
        if path.startswith("/api/") and not is_json:
            problems.append(f"{where}: API error is not JSON")

    # Nothing about a board the role may not read, in any answer, allowed or denied;
    # and no denial says anything about any board.
    lowered = body.lower()
    for key, secrets in BOARD_SECRETS.items():
        for secret in secrets:
            if secret.lower() not in lowered:
                continue
            if key not in READABLE[role]:
                problems.append(f"{where}: answer reveals {secret!r} of unreadable board {key}")
            elif got in (401, 403, 404):
                problems.append(f"{where}: a denial reveals {secret!r}")

    if got in (200, 201) and probe.check:
        problems += check_body(role, probe, response, ids, where)
    return problems


def check_body(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str]:
    if probe.check == "me":
        body = response.json()
        body.pop("id", None)
        want = expected_me(role, ids)
        return [] if body == want else [f"{where}: /api/me {body}, expected {want}"]
    if probe.check == "board_list":
        got = {b["id"] for b in response.json()}
        want = {ids[k] for k in READABLE[role]}
        return [] if got == want else [f"{where}: lists boards {got}, expected {want}"]
    if probe.check == "board_json":
        body = response.json()
        assert probe.board is not None
        name = BOARD_NAMES[probe.board][1]
        ok = body["id"] == ids[probe.board] and body["name"] == name
        return [] if ok else [f"{where}: board body {body}"]
    if probe.check == "board_page":
        assert probe.board is not None
        name = BOARD_NAMES[probe.board][1]
        return [] if name in response.text else [f"{where}: page lacks the board name"]
    if probe.check == "overview":
        want = [RISK_TITLES[k] for k in ("own", "other")]
        missing = [t for t in want if t not in response.text]
        return [f"{where}: overview lacks accepted risks {missing}"] if missing else []
    if probe.check == "accepted":
        got = {a["title"] for a in response.json()}
        want = {RISK_TITLES[k] for k in ("own", "other")}
        return [] if got == want else [f"{where}: accepted high risks {got}, expected {want}"]
    raise AssertionError(f"unknown check {probe.check}")


@pytest.fixture
async def pooled(db) -> AsyncIterator[None]:
    """A PostgreSQL pool on the test's own loop (a no-op on SQLite), closed before the drop.

    Without it every query opens a new connection, which makes the walk several times slower.
    """
    await database.start_pool(4)
    try:
        yield
    finally:
        await database.close_pool()


@pytest.mark.parametrize("role", ROLES)
async def test_route_matrix(pooled, client: httpx.AsyncClient, role: str):
    ids = await build_world()
    if role == "anonymous":
        await client.get("/login")  # a browser gets the CSRF cookie from the login page
    else:
        signed_in = await login(client, role.replace("_", "-"))
        assert signed_in.status_code == 303, signed_in.text
    client.cookies.set("csrftoken", PICCOLO_CSRF_TOKEN, domain="testserver.local", path="/")

    problems: list[str] = []
    for probe in PROBES:
        path = concrete_path(probe, ids)
        response = await send(client, probe, path, ids)
        problems += check_response(role, probe, path, response, ids)

    created = await Board.exists().where(Board.short_name == ADMIN_BOARD["short_name"])
    if created != (role == "admin"):
        problems.append(f"{role}: board created through /admin: {created}")
    assert not problems, "\n" + "\n".join(problems)


# ------------------------------------------------------------------ the JSON login


async def test_json_login_refuses_a_body_a_cross_site_form_can_send(client: httpx.AsyncClient):
    """/api/login skips the CSRF check, so it must only take real JSON.

    A cross-site HTML form (enctype text/plain or urlencoded) can post a JSON-looking
    body without a CORS preflight; if the app parses it, another site can sign the
    visitor in as the attacker (login CSRF).
    """
    await make_user("angripare")
    body = b'{"username": "angripare", "password": "losen-ord"}'
    accepted = []
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        client.cookies.clear()
        response = await client.post(
            "/api/login", content=body, headers={"content-type": content_type}
        )
        if response.status_code < 400 or "id=" in response.headers.get("set-cookie", ""):
            accepted.append((content_type, response.status_code))
    assert accepted == [], "a cross-site form can open a session"
    client.cookies.clear()
    good = await client.post("/api/login", json={"username": "angripare", "password": "losen-ord"})
    assert good.status_code == 204

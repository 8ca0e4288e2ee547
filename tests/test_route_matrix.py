"""Every route, every role, own board and other board, over HTTP.

The expectation table (tests/route_probes.py, plus the rows below) is explicit: one row per
request, one column per role.
`test_every_route_has_expectations` walks the app's own route list, so a new route
without a row here fails the suite. Each role then walks every row in one test on a
fresh database (boards KS, OWN, OTHER; one user per role, and a member of OTHER whose
name must never reach anyone who cannot read OTHER).
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from litestar.routes import ASGIRoute, HTTPRoute
from piccolo.apps.user.tables import BaseUser

from internkontroll.app import create_app
from internkontroll.auth.services import load_principal
from internkontroll.controls.plan_controls import ControlInput, add_control
from internkontroll.controls.plans import create_plan
from internkontroll.organisation.tables import Board, Process, RiskCategory
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from tests import (
    route_probes_delivery,
    route_probes_followup,
    route_probes_notifications,
    route_probes_overview,
    route_probes_review,
    route_probes_wheel,
)
from tests.conftest import csrf_token, login, make_board, make_user
from tests.route_probes import (
    ADMIN_BOARD,
    BOARD_NAMES,
    BOARD_SECRETS,
    BYSTANDER,
    CSRF_EXPIRED,
    DEFAULT_MESSAGES,
    PICCOLO_CSRF_TOKEN,
    READABLE,
    RISK_PROBES,
    RISK_TITLES,
    ROLES,
    USERS,
    WRONG_CREDENTIALS,
    Probe,
    row,
)
from tests.route_probes_plans import PLAN_PROBES
from tests.route_probes_testing import (
    TESTING_PROBES,
    add_testing,
    check_testing,
    forged_traces,
)

REPORT_PROBE_MODULES = (
    route_probes_followup,
    route_probes_overview,
    route_probes_review,
    route_probes_notifications,
    route_probes_wheel,
    route_probes_delivery,
)

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
    # Alla risker: every role lists the risks of the boards it reads (none for no_role).
    row("303  200 200 200 200 200 200 200 200 200", "GET", "/risker", suffix="?ar=2026",
        check="risk_list"),
    row("303  422 422 422 422 422 422 422 422 422", "GET", "/risker", suffix="?hantering=x",
        messages={422: "hantering"}),
    row("401  200 200 200 200 200 200 200 200 200", "GET", "/api/risks", suffix="?year=2026",
        check="risk_list"),
    *PLAN_PROBES,
    *TESTING_PROBES,
    *route_probes_followup.PROBES,
    *route_probes_overview.PROBES,
    *route_probes_review.PROBES,
    *route_probes_notifications.PROBES,
    *route_probes_wheel.PROBES,
    *route_probes_delivery.PROBES,
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


def test_every_plan_route_is_tried_on_own_other_and_missing_plans():
    """Routes taking a plan or a control id have rows for OWN, OTHER and a missing one."""
    for param, attr in (("{plan_id", "plan"), ("{plan_control_id", "control")):
        for route in {p.route for p in PROBES if param in p.route}:
            for method in {p.method for p in PROBES if p.route == route}:
                keys = {
                    getattr(p, attr).split("_")[0]
                    for p in PROBES
                    if p.route == route and p.method == method
                }
                assert keys == {"own", "other", "missing"}, (method, route)


TESTING_PARAMS = (
    "{control_id",
    "{occasion_id",
    "{result_id",
    "{evidence_id",
    "{deviation_id",
    "{action_id",
)


def test_every_testing_route_is_tried_on_own_other_and_missing_items():
    """Routes taking a control, occasion, result, file, deviation or action id have rows for
    one of OWN, one of OTHER and a missing one."""
    for route in {p.route for p in PROBES if any(param in p.route for param in TESTING_PARAMS)}:
        for method in {p.method for p in PROBES if p.route == route}:
            keys = {
                (p.item or "").split("_")[0]
                for p in PROBES
                if p.route == route and p.method == method
            }
            assert keys == {"own", "other", "missing"}, (method, route)


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
    # The bystander also owns OTHER's tested control (route_probes_testing).
    username, short_name, role = BYSTANDER
    await make_user(username, board_roles=((short_name, role), (short_name, "control_owner")))
    await _add_risks(ids)
    await _add_plans(ids)
    await add_testing(ids)
    for module in REPORT_PROBE_MODULES:
        await module.add_world(ids)
    return ids


async def _add_plans(ids: dict[str, int]) -> None:
    """A draft plan for 2026 on OWN and OTHER, each with a control and two spares to delete."""
    admin = await load_principal(
        (await BaseUser.select(BaseUser.id).where(BaseUser.username == "admin").first())["id"]
    )
    for key, title in (("own", "Egen kontroll i Alfa"), ("other", "Hemlig kontroll i Omega")):
        plan_id = await create_plan(admin, ids[key], 2026)
        ids[f"plan_{key}"] = plan_id
        for suffix in ("", "_spare", "_spare2"):
            ids[f"control_{key}{suffix}"] = await add_control(
                admin, plan_id, ControlInput(title=f"{title}{suffix}")
            )
    ids["plan_missing"] = ids["plan_other"] + 1000
    ids["control_missing"] = ids["control_other_spare2"] + 1000


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
        key = {
            "board_id": probe.board,
            "risk_id": f"risk_{probe.risk}",
            "plan_id": f"plan_{probe.plan}",
            "plan_control_id": f"control_{probe.control}",
            "control_id": f"tested_{probe.item}",
            "occasion_id": f"occasion_{probe.item}",
            "result_id": f"result_{probe.item}",
            "evidence_id": f"evidence_{probe.item}",
            "deviation_id": f"deviation_{probe.item}",
            "action_id": f"action_{probe.item}",
            # Notifications and calendar feeds (route_probes_notifications): own, other, missing.
            "notification_id": f"notification_{probe.item}",
            "feed": f"feed_{probe.item}",
            # The reporting rows' world sets one year and reporting point for every row.
            "year": "year",
            "period": "period",
        }.get(param)
        assert key is not None, f"unknown path parameter in {probe.route}"
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
    if probe.file is not None:
        files = {"file": probe.file}
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
            **ids, board_id=ids.get(probe.board or "", "")
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
            if probe.public_board_names and secret == BOARD_NAMES[key][1] and got == 200:
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
    testing = check_testing(role, probe, response, ids, where)
    if testing is not None:
        return testing
    for module in REPORT_PROBE_MODULES:
        owned = module.check(role, probe, response, ids, where)
        if owned is not None:
            return owned
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
    if probe.check == "risk_list":
        want = {RISK_TITLES[k] for k in ("own", "other") if k in READABLE[role]}
        if probe.route.startswith("/api/"):
            got = {r["title"] for r in response.json()}
        else:
            got = {t for t in RISK_TITLES.values() if t in response.text}
        return [] if got == want else [f"{where}: lists risks {got}, expected {want}"]
    if probe.check == "accepted":
        got = {a["title"] for a in response.json()}
        want = {RISK_TITLES[k] for k in ("own", "other")}
        return [] if got == want else [f"{where}: accepted high risks {got}, expected {want}"]
    if probe.check == "plan_overview":
        missing = [name for _, name in BOARD_NAMES.values() if name not in response.text]
        return [f"{where}: deadline overview lacks {missing}"] if missing else []
    if probe.check == "plan_status":
        got = {b["short_name"] for b in response.json()["boards"]}
        want = {short for short, _ in BOARD_NAMES.values()}
        return [] if want <= got else [f"{where}: plan status lists {got}, expected {want}"]
    raise AssertionError(f"unknown check {probe.check}")


@pytest.mark.parametrize("role", ROLES)
async def test_route_matrix(client: httpx.AsyncClient, role: str):
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
    traces = await forged_traces()
    for module in REPORT_PROBE_MODULES:
        traces += await module.forged_traces()
    problems += [f"{role}: a forged request was stored in {t}" for t in traces]
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

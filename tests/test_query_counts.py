"""Every page and API read runs a bounded number of SQL statements that does not grow with the data.

One test generates a small kommun (bench.generate) and requests every GET route of the app,
counting the statements each request runs (internkontroll.querycount); then it does the same on
a kommun four times larger: twice the boards and twice the risks and controls per board, so
both the board lists and each board's lists grow. Each route must run exactly as many
statements on both (what may vary is fixed by settings, e.g. the reporting points, not by the
data), and no more than its bound. The routes come from the app itself: a new GET route
without a row in ROUTES or NOT_MEASURED fails `test_every_get_route_is_measured`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from litestar.routes import ASGIRoute, HTTPRoute
from piccolo.apps.user.tables import BaseUser

from bench.generate import Scale, World, generate
from internkontroll.app import create_app
from internkontroll.auth.services import load_principal
from internkontroll.auth.tables import Membership
from internkontroll.controls import evidence
from internkontroll.controls.plans import create_plan, new_version, send_for_decision
from internkontroll.controls.tables import ControlPlan, PlanControl
from internkontroll.controls.testing_tables import Deviation, TestOccasion, TestResult
from internkontroll.querycount import counting_queries
from internkontroll.reminders.calendar_feed import feed_url
from internkontroll.reminders.delivery import run_day
from internkontroll.reports.tables import ConsolidatedReview
from internkontroll.risks.assessments import start_year
from internkontroll.risks.tables import Risk
from internkontroll.settings import get_settings
from internkontroll.timeutil import today
from tests.conftest import DatabaseFactory, csrf_token, is_postgres
from tests.route_probes_testing import Upload

# Two years back at least, so that KS has decided a review whatever the date (in April).
SMALL = Scale(boards=3, risks_per_board=6, controls_per_board=4, history_years=2)
LARGE = Scale(boards=6, risks_per_board=12, controls_per_board=8, history_years=3)
# The most statements any request may run: session, user and roles take a few, a page a
# dozen or two more. A route needing more says so in BOUNDS, with the reason.
DEFAULT_BOUND = 25
BOUNDS: dict[str, int] = {}

# GET routes not measured, each with the reason.
NOT_MEASURED = {
    "/static/{file_path:path}": "static files from the package, no database",
    "/admin": "piccolo-admin's own mount: its queries are piccolo-admin's, not the app's",
    "/schema": "OpenAPI documents (this and below): built from the code, no database",
    "/schema/elements": "OpenAPI",
    "/schema/oauth2-redirect.html": "OpenAPI",
    "/schema/openapi.json": "OpenAPI",
    "/schema/openapi.yaml": "OpenAPI",
    "/schema/openapi.yml": "OpenAPI",
    "/schema/rapidoc": "OpenAPI",
    "/schema/redoc": "OpenAPI",
    "/schema/swagger": "OpenAPI",
    "/schema/{path:str}": "OpenAPI",
}


@dataclass(frozen=True)
class Route:
    """Who asks, and the concrete address from the world's ids."""

    role: str
    path: Callable[[dict], str]


def _fixed(path: str, role: str = "coordinator") -> Route:
    return Route(role, lambda ids: path.format(**ids))


# Roles are the World's (bench.generate.World.users) plus "anonymous". Coordinators read
# everything; a board's own pages for writing are asked by who writes them.
ROUTES: dict[str, Route] = {
    "/": _fixed("/"),
    "/healthz": _fixed("/healthz", "anonymous"),
    "/login": _fixed("/login", "anonymous"),
    "/namnder": _fixed("/namnder"),
    "/namnder/{board_id:int}": _fixed("/namnder/{board}"),
    "/namnder/{board_id:int}/plan": _fixed("/namnder/{board}/plan"),
    "/namnder/{board_id:int}/resultat": _fixed("/namnder/{board}/resultat"),
    "/namnder/{board_id:int}/risker": _fixed("/namnder/{board}/risker"),
    "/namnder/{board_id:int}/risker/import": _fixed("/namnder/{board}/risker/import", "preparer"),
    "/namnder/{board_id:int}/risker/ny": _fixed("/namnder/{board}/risker/ny", "preparer"),
    "/namnder/{board_id:int}/riskkarta": _fixed("/namnder/{board}/riskkarta"),
    "/namnder/{board_id:int}/uppfoljning": _fixed("/namnder/{board}/uppfoljning"),
    "/namnder/{board_id:int}/uppfoljning/{year:int}/{period:str}": _fixed(
        "/namnder/{board}/uppfoljning/{year}/delar"
    ),
    "/risker/{risk_id:int}": _fixed("/risker/{risk}"),
    "/risker/{risk_id:int}/andra": _fixed("/risker/{risk}/andra", "preparer"),
    "/risker/{risk_id:int}/bedomning": _fixed("/risker/{risk}/bedomning", "preparer"),
    "/riskmatris": _fixed("/riskmatris"),
    "/riskoversikt": _fixed("/riskoversikt"),
    "/risker": _fixed("/risker"),
    "/planer": _fixed("/planer"),
    "/planer/{plan_id:int}": _fixed("/planer/{plan}"),
    "/planer/{plan_id:int}/beslut": _fixed("/planer/{for_decision}/beslut", "ks_secretary"),
    "/planer/{plan_id:int}/kontrollmoment/ny": _fixed(
        "/planer/{draft}/kontrollmoment/ny", "preparer"
    ),
    "/kontrollmoment/{plan_control_id:int}/andra": _fixed(
        "/kontrollmoment/{draft_control}/andra", "preparer"
    ),
    "/gemensamma-kontrollmoment": _fixed("/gemensamma-kontrollmoment"),
    "/kontroller/{control_id:int}": _fixed("/kontroller/{control}"),
    "/kontrolltillfallen/{occasion_id:int}/resultat": _fixed(
        "/kontrolltillfallen/{occasion}/resultat", "busiest_owner"
    ),
    "/resultat/{result_id:int}/rattelse": _fixed("/resultat/{result}/rattelse", "preparer"),
    "/avvikelser/{deviation_id:int}": _fixed("/avvikelser/{deviation}"),
    "/bevis/{evidence_id:int}": _fixed("/bevis/{evidence}"),
    "/mina-kontroller": _fixed("/mina-kontroller", "busiest_owner"),
    "/ks/oversikt": _fixed("/ks/oversikt"),
    "/ks/gemensamma": _fixed("/ks/gemensamma"),
    "/ks/trender": _fixed("/ks/trender"),
    "/ks/samlad-bedomning": _fixed("/ks/samlad-bedomning?ar={reviewed}"),
    "/arshjul": _fixed("/arshjul"),
    "/paminnelser": _fixed("/paminnelser", "busiest_owner"),
    "/drift/paminnelser": _fixed("/drift/paminnelser", "admin"),
    "/granskningslogg": _fixed("/granskningslogg", "auditor"),
    "/kalender/{feed:str}": _fixed("{feed}", "anonymous"),
    "/api/me": _fixed("/api/me"),
    "/api/boards": _fixed("/api/boards"),
    "/api/boards/{board_id:int}": _fixed("/api/boards/{board}"),
    "/api/boards/{board_id:int}/heatmap": _fixed("/api/boards/{board}/heatmap"),
    "/api/boards/{board_id:int}/plans": _fixed("/api/boards/{board}/plans"),
    "/api/boards/{board_id:int}/results": _fixed("/api/boards/{board}/results"),
    "/api/boards/{board_id:int}/risks": _fixed("/api/boards/{board}/risks"),
    "/api/boards/{board_id:int}/risks/export.xlsx": _fixed("/api/boards/{board}/risks/export.xlsx"),
    "/api/boards/{board_id:int}/follow-ups/{year:int}/{period:str}": _fixed(
        "/api/boards/{board}/follow-ups/{year}/delar"
    ),
    "/api/boards/{board_id:int}/follow-ups/{year:int}/{period:str}/follow-up.pdf": _fixed(
        "/api/boards/{board}/follow-ups/{year}/delar/follow-up.pdf"
    ),
    "/api/boards/{board_id:int}/follow-ups/{year:int}/{period:str}/follow-up.xlsx": _fixed(
        "/api/boards/{board}/follow-ups/{year}/delar/follow-up.xlsx"
    ),
    "/api/control-owners/{board_id:int}": _fixed("/api/control-owners/{board}", "preparer"),
    "/api/controls/{control_id:int}": _fixed("/api/controls/{control}"),
    "/api/heatmap": _fixed("/api/heatmap"),
    "/api/my-controls": _fixed("/api/my-controls", "busiest_owner"),
    "/api/notifications": _fixed("/api/notifications", "busiest_owner"),
    "/api/notifications/preferences": _fixed("/api/notifications/preferences", "busiest_owner"),
    "/api/overview": _fixed("/api/overview"),
    "/api/overview.pdf": _fixed("/api/overview.pdf"),
    "/api/overview.xlsx": _fixed("/api/overview.xlsx"),
    "/api/plan-status": _fixed("/api/plan-status"),
    "/api/plans/{plan_id:int}": _fixed("/api/plans/{plan}"),
    "/api/plans/{plan_id:int}/plan.pdf": _fixed("/api/plans/{plan}/plan.pdf"),
    "/api/plans/{plan_id:int}/plan.xlsx": _fixed("/api/plans/{plan}/plan.xlsx"),
    "/api/plans/{plan_id:int}/readiness": _fixed("/api/plans/{draft}/readiness"),
    "/api/reviews/{year:int}": _fixed("/api/reviews/{reviewed}"),
    "/api/reviews/{year:int}/review.pdf": _fixed("/api/reviews/{reviewed}/review.pdf"),
    "/api/reviews/{year:int}/review.xlsx": _fixed("/api/reviews/{reviewed}/review.xlsx"),
    "/api/risk-overview": _fixed("/api/risk-overview"),
    "/api/risk-scale": _fixed("/api/risk-scale"),
    "/api/risks": _fixed("/api/risks"),
    "/api/risks/export.xlsx": _fixed("/api/risks/export.xlsx"),
    "/api/risks/template.xlsx": _fixed("/api/risks/template.xlsx"),
    "/api/risks/{risk_id:int}": _fixed("/api/risks/{risk}"),
    "/api/risks/{risk_id:int}/assessments": _fixed("/api/risks/{risk}/assessments"),
    "/api/accepted-high-risks": _fixed("/api/accepted-high-risks"),
    "/api/audit": _fixed("/api/audit", "auditor"),
    "/api/shared-controls": _fixed("/api/shared-controls"),
    "/api/shared-results": _fixed("/api/shared-results"),
    "/api/shared-results.pdf": _fixed("/api/shared-results.pdf"),
    "/api/shared-results.xlsx": _fixed("/api/shared-results.xlsx"),
    "/api/trends": _fixed("/api/trends"),
    "/api/wheel": _fixed("/api/wheel"),
}


def app_get_routes() -> set[str]:
    """Every GET route and mount of the app."""
    app = create_app(use_pool=False)
    found = set()
    for route in app.routes:
        if isinstance(route, ASGIRoute) or (
            isinstance(route, HTTPRoute) and "GET" in route.methods
        ):
            found.add(route.path)
    return found


def test_every_get_route_is_measured():
    """A GET route added to the app without a row in ROUTES or NOT_MEASURED fails here."""
    routes = app_get_routes()
    listed = set(ROUTES) | set(NOT_MEASURED)
    assert routes - listed == set(), "GET routes neither measured nor excluded with a reason"
    assert listed - routes == set(), "rows for routes the app does not serve"
    assert not set(ROUTES) & set(NOT_MEASURED)


# ------------------------------------------------------------------ the worlds


async def _user_id(username: str) -> int:
    return (await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first())["id"]


async def _ids(world: World) -> dict:
    """The concrete ids the routes need, the richest of each kind on the sample board."""
    board = world.sample_board_id
    preparer = await load_principal(await _user_id(world.users["preparer"]))
    assert preparer is not None
    draft = world.draft_plan_id
    if draft is None:  # before October nobody has begun next year: begin it here
        await start_year(preparer, board, world.year)
        draft = await create_plan(preparer, board, world.year + 1)
    control = (
        await TestResult.select(TestResult.control)
        .where(TestResult.board == board)
        .order_by(TestResult.id, ascending=False)
        .first()
    )["control"]
    result = (
        await TestResult.select(TestResult.id)
        .where((TestResult.control == control) & TestResult.corrects.is_null())
        .first()
    )["id"]
    (evidence_id,) = await evidence.add_evidence(preparer, result, [Upload("Stickprov.pdf")])
    owner = await _user_id(world.users["busiest_owner"])
    # A revision of KS's plan awaiting KS's decision, for the secretary's decision form.
    ks_preparer = await load_principal(
        (
            await Membership.select(Membership.user)
            .where((Membership.board == world.ks_board_id) & (Membership.role == "preparer"))
            .first()
        )["user"]
    )
    assert ks_preparer is not None
    ks_plan = await ControlPlan.select(ControlPlan.id).where(
        (ControlPlan.board == world.ks_board_id)
        & (ControlPlan.year == world.year)
        & (ControlPlan.status == "adopted")
    )
    for_decision = await new_version(ks_preparer, ks_plan[0]["id"])
    await send_for_decision(ks_preparer, for_decision)
    # Reminders as the scheduler writes them, so the notification pages have rows to show.
    await run_day(world.today, email=False, skip_reason="Mätning")
    plan = await ControlPlan.select(ControlPlan.year).where(ControlPlan.id == world.plan_id).first()
    assert plan["year"] == world.year
    owned = await PlanControl.select(PlanControl.control).where(
        (PlanControl.owner == owner) & (PlanControl.plan.status == "adopted")
    )
    assert owned, "the busiest control owner owns controls"
    return {
        "board": board,
        "year": world.year,
        "reviewed": (
            await ConsolidatedReview.select(ConsolidatedReview.year)
            .where(ConsolidatedReview.status == "decided")
            .order_by(ConsolidatedReview.year, ascending=False)
            .first()
        )["year"],
        "risk": (await Risk.select(Risk.id).where(Risk.board == board).first())["id"],
        "plan": world.plan_id,
        "draft": draft,
        "for_decision": for_decision,
        "draft_control": (
            await PlanControl.select(PlanControl.id).where(PlanControl.plan == draft).first()
        )["id"],
        "control": control,
        "occasion": await _open_occasion_of(world, owner),
        "result": result,
        "deviation": (await Deviation.select(Deviation.id).where(Deviation.board == board).first())[
            "id"
        ],
        "evidence": evidence_id,
        "feed": (await feed_url(owner)).removeprefix(get_settings().public_url),
    }


async def _open_occasion_of(world: World, owner: int) -> int:
    """An occasion without a result that the busiest owner may log a result on."""
    for occasion_id in world.open_occasion_ids + world.open_ended_occasion_ids:
        row = await PlanControl.select(PlanControl.owner).where(
            (PlanControl.control == (await _control_of(occasion_id)))
            & (PlanControl.plan == world.plan_id)
        )
        if row and row[0]["owner"] == owner:
            return occasion_id
    raise AssertionError("the busiest owner has no open occasion on the sample board")


async def _control_of(occasion_id: int) -> int:
    row = await TestOccasion.select(TestOccasion.control).where(TestOccasion.id == occasion_id)
    return row[0]["control"]


async def _measure(world: World) -> dict[str, tuple[int, int]]:
    """(status, statements) of every route, each asked by its role."""
    ids = await _ids(world)
    app = create_app(get_settings(), use_pool=False)
    transport = httpx.ASGITransport(app=app)
    clients: dict[str, httpx.AsyncClient] = {}
    measured = {}
    try:
        for route, spec in sorted(ROUTES.items()):
            if spec.role not in clients:
                clients[spec.role] = await _signed_in(transport, world, spec.role)
            http = clients[spec.role]
            path = spec.path(ids)
            with counting_queries() as statements:
                response = await http.get(path, follow_redirects=False)
            measured[route] = (response.status_code, len(statements))
    finally:
        for http in clients.values():
            await http.aclose()
    return measured


async def _signed_in(transport, world: World, role: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    if role == "anonymous":
        return http
    await http.get("/login")
    response = await http.post(
        "/login",
        data={
            "username": world.users[role],
            "password": world.password,
            "_csrf_token": csrf_token(http),
        },
    )
    assert response.status_code == 303, response.text
    return http


async def test_query_counts_do_not_grow_with_the_data(db: str, database_factory: DatabaseFactory):
    """Each route: 200, the same statement count on a kommun four times larger, within bound."""
    on = today()
    small = await _measure(await generate(SMALL, year=on.year, today=on))
    empty = database_factory.template if is_postgres() else str(database_factory.template_path)
    await database_factory.restore(db, empty)
    large = await _measure(await generate(LARGE, year=on.year, today=on))
    problems = []
    for route in sorted(ROUTES):
        (status_s, count_s), (status_l, count_l) = small[route], large[route]
        bound = BOUNDS.get(route, DEFAULT_BOUND)
        if status_s != 200 or status_l != 200:
            problems.append(f"{route}: status {status_s} / {status_l}, expected 200")
        if count_l != count_s:
            problems.append(f"{route}: {count_s} statements on the small kommun, {count_l} on 4×")
        if max(count_s, count_l) > bound:
            problems.append(f"{route}: {max(count_s, count_l)} statements, bound {bound}")
    table = "\n".join(f"  {r}: {small[r][1]} / {large[r][1]}" for r in sorted(ROUTES))
    assert not problems, "\n".join(problems) + "\n\nall counts (small / 4×):\n" + table

"""Pages and API for boards and the start page."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from internkontroll.api_schemas import READ, errors
from internkontroll.auth.permissions import Action, can
from internkontroll.auth.routes import role_summary
from internkontroll.organisation import services
from internkontroll.timeutil import today
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page


class BoardSummary(msgspec.Struct):
    """A board as listed."""

    id: int
    name: str
    short_name: str
    kind: str
    active: bool
    my_roles: list[str]


class NamedItem(msgspec.Struct):
    """An id and a name."""

    id: int
    name: str


class ProcessOut(msgspec.Struct):
    """A process of a board."""

    id: int
    name: str
    description: str
    active: bool


class MemberOut(msgspec.Struct):
    """A board member and their roles on it."""

    id: int
    username: str
    name: str
    roles: list[str]


class BoardOut(msgspec.Struct):
    """A board with its departments, processes and members."""

    id: int
    name: str
    short_name: str
    kind: str
    active: bool
    departments: list[NamedItem]
    processes: list[ProcessOut]
    members: list[MemberOut]


def _start_template(principal) -> str:
    if principal.is_admin:
        return "start/admin.html"
    if principal.has_global_role("coordinator"):
        return "start/coordinator.html"
    if principal.has_global_role("auditor"):
        return "start/auditor.html"
    return "start/member.html"


class OrganisationPages(Controller):
    """Start page and board pages."""

    guards = [login_required]
    include_in_schema = False

    @get("/")
    async def start(self, request: Request) -> Template:
        """The start page for the user's role."""
        principal = principal_of(request)
        boards = await services.visible_boards(principal)
        return page(
            _start_template(principal),
            boards=boards,
            my_boards=[b for b in boards if b["my_roles"]],
            role_labels=role_summary(principal),
            municipality=await services.municipality(),
        )

    @get("/namnder")
    async def boards_page(self, request: Request) -> Template:
        """Boards the user may read."""
        principal = principal_of(request)
        return page(
            "boards/list.html",
            boards=await services.visible_boards(principal, include_inactive=True),
            sees_all=can(principal, Action.VIEW_ALL_BOARDS),
        )

    @get("/namnder/{board_id:int}")
    async def board_page(self, request: Request, board_id: FromPath[int]) -> Template:
        """One board: departments, processes and members."""
        detail = await services.board_detail(principal_of(request), board_id)
        return page("boards/detail.html", detail=detail, current_year=today().year)


class OrganisationApi(Controller):
    """Boards as JSON."""

    path = "/api/boards"
    guards = [login_required]
    tags = ["Organisation"]

    @get("/", summary="Nämnder jag får läsa", responses=errors(401))
    async def list_boards(self, request: Request) -> list[BoardSummary]:
        """Boards the signed-in user may read, KS first."""
        boards = await services.visible_boards(principal_of(request), include_inactive=True)
        return [msgspec.convert(b, BoardSummary, from_attributes=False) for b in boards]

    @get(
        "/{board_id:int}",
        summary="En nämnd med förvaltningar, processer och medlemmar",
        responses=errors(*READ),
    )
    async def get_board(self, request: Request, board_id: FromPath[int]) -> BoardOut:
        """One board; 404 if unknown, 403 if the user has no role on it."""
        detail = await services.board_detail(principal_of(request), board_id)
        b = detail.board
        return BoardOut(
            id=b["id"],
            name=b["name"],
            short_name=b["short_name"],
            kind=b["kind"],
            active=b["active"],
            departments=[NamedItem(id=d["id"], name=d["name"]) for d in detail.departments],
            processes=[msgspec.convert(p, ProcessOut) for p in detail.processes],
            members=[msgspec.convert(m, MemberOut) for m in detail.members],
        )

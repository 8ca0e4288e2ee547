"""piccolo-admin inside Litestar: admins only, Swedish, every write audited atomically."""

from __future__ import annotations

import contextvars
import json
from typing import Any

from litestar import asgi
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Receive, Scope, Send
from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.session_auth.tables import SessionsBase

from admin.plan_freeze import FREEZE_VALIDATORS
from admin.translations import SWEDISH
from internkontroll.audit import services as audit
from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import SYSTEM, Actor
from internkontroll.auth.tables import GlobalRole, Membership
from internkontroll.controls.tables import (
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlDecision,
    SharedControlPoint,
)
from internkontroll.db import write_transaction
from internkontroll.organisation.tables import (
    Board,
    Department,
    DepartmentBoard,
    Municipality,
    Process,
    RiskCategory,
)
from internkontroll.reminders.admin_readonly import READ_ONLY_TABLES, read_only_validators
from internkontroll.settings import Settings
from internkontroll.web.guards import login_required

SITE_NAME = "Internkontroll – administration"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("admin_actor", default=SYSTEM)
_created_events: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "admin_created_events", default=None
)


def _entity(table: type[Table]) -> str:
    return table._meta.tablename


def _board_of(table: type[Table], values: dict[str, Any]) -> int | None:
    if table is Board:
        return values.get("id")
    board = values.get("board")
    return board if isinstance(board, int) else None


def audit_hooks(table: type[Table]) -> list[Hook]:
    """Hooks that record every admin-site change of this table in the audit trail."""

    async def on_save(row: Table) -> Table:
        after = audit.snapshot(row)
        after.pop("id", None)
        event_id = await audit.record(
            _actor.get(),
            "create",
            _entity(table),
            "",
            board_id=_board_of(table, after),
            after=after,
            source="admin",
            summary="Skapad i administrationen",
        )
        pending = _created_events.get()
        if pending is not None:
            pending.append(event_id)
        return row

    async def on_patch(row_id: Any, values: dict[str, Any]) -> dict[str, Any]:
        before = await table.select().where(table._meta.primary_key == row_id).first()
        after = {**(before or {}), **values}
        await audit.record(
            _actor.get(),
            "update",
            _entity(table),
            row_id,
            board_id=_board_of(table, after),
            before=before,
            after=after,
            source="admin",
        )
        return values

    async def on_delete(row_id: Any) -> None:
        before = await table.select().where(table._meta.primary_key == row_id).first()
        await audit.record(
            _actor.get(),
            "delete",
            _entity(table),
            row_id,
            board_id=_board_of(table, before or {}),
            before=before,
            source="admin",
        )

    return [
        Hook(HookType.pre_save, on_save),
        Hook(HookType.pre_patch, on_patch),
        Hook(HookType.pre_delete, on_delete),
    ]


ADMIN_TABLES: list[type[Table]] = [
    Municipality,
    Board,
    Department,
    DepartmentBoard,
    Process,
    RiskCategory,
    BaseUser,
    GlobalRole,
    Membership,
    SharedControlDecision,
    SharedControlPoint,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    *READ_ONLY_TABLES,
]


def build_admin_app(settings: Settings):
    """The piccolo-admin ASGI app with Swedish texts and audited tables."""
    configs = [
        TableConfig(
            table,
            hooks=audit_hooks(table),
            exclude_visible_columns=[BaseUser.password] if table is BaseUser else [],
            validators=(
                read_only_validators()
                if table in READ_ONLY_TABLES
                else FREEZE_VALIDATORS.get(table)
            ),
        )
        for table in ADMIN_TABLES
    ]
    return create_admin(
        configs,
        auth_table=BaseUser,
        session_table=SessionsBase,
        site_name=SITE_NAME,
        production=settings.production,
        allowed_hosts=list(settings.allowed_hosts) if settings.production else [],
        default_language_code="sv",
        translations=[SWEDISH],
        auto_include_related=False,
    )


def admin_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Anonymous users go to the login page; signed-in non-admins get 403."""
    login_required(connection, handler)
    require(connection.scope["user"], Action.ADMINISTER)


async def _buffered_write(app, scope: Scope, receive: Receive, send: Send) -> None:
    """Run one admin write in a transaction with its audit events, answering only after commit."""
    messages: list[dict[str, Any]] = []

    async def capture(message):
        messages.append(message)

    created: list[int] = []
    token = _created_events.set(created)
    try:
        async with write_transaction() as transaction:
            await app(scope, receive, capture)
            status = next(
                (m["status"] for m in messages if m["type"] == "http.response.start"), 500
            )
            if status >= 400:
                await transaction.rollback()
            elif created:
                body = b"".join(
                    m.get("body", b"") for m in messages if m["type"] == "http.response.body"
                )
                await _attach_created_ids(created, body)
    finally:
        _created_events.reset(token)
    for message in messages:
        await send(message)


async def _attach_created_ids(event_ids: list[int], body: bytes) -> None:
    try:
        rows = json.loads(body or b"[]")
    except ValueError:
        return
    ids = [str(r.get("id")) for r in rows if isinstance(r, dict) and "id" in r]
    for event_id, row_id in zip(event_ids, ids, strict=False):
        await AuditEvent.update({AuditEvent.entity_id: row_id}).where(AuditEvent.id == event_id)


def admin_route(settings: Settings):
    """The /admin mount, guarded for admins."""
    app = build_admin_app(settings)

    @asgi("/admin", is_mount=True, copy_scope=True, guards=[admin_only], include_in_schema=False)
    async def admin_site(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path") in ("", "/") and not scope.get("raw_path", b"").endswith(b"/"):
            await _redirect(send, "/admin/")
            return
        token = _actor.set(Actor.of(scope.get("user")))
        try:
            if scope.get("method") in WRITE_METHODS:
                await _buffered_write(app, scope, receive, send)
            else:
                await app(scope, receive, send)
        finally:
            _actor.reset(token)

    return admin_site


async def _redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 308,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})

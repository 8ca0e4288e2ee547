"""The audit trail as a page and through the API, for auditors and admins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from internkontroll.api_schemas import MAX_INT, OptionalInt, errors
from internkontroll.audit.services import AuditFilter, distinct_values, list_events
from internkontroll.auth.permissions import Action
from internkontroll.errors import FieldError, ValidationFailed
from internkontroll.organisation.tables import Board
from internkontroll.web.guards import allowed

PAGE_SIZE = 50


class AuditEventOut(msgspec.Struct):
    """One audit event."""

    id: int
    at: dt.datetime
    actor_username: str
    action: str
    entity: str
    entity_id: str
    board_id: int | None
    board_short_name: str | None
    summary: str
    source: str
    before: Any
    after: Any


class AuditPage(msgspec.Struct):
    """A page of audit events."""

    total: int
    limit: int
    offset: int
    events: list[AuditEventOut]


def _as_out(row: dict[str, Any]) -> AuditEventOut:
    return AuditEventOut(
        id=row["id"],
        at=row["at"],
        actor_username=row["actor_username"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        board_id=row["board"],
        board_short_name=row.get("board_short_name"),
        summary=row["summary"],
        source=row["source"],
        before=_decoded(row["before"]),
        after=_decoded(row["after"]),
    )


def _decoded(value: Any) -> Any:
    # Piccolo returns JSON columns as text.
    if isinstance(value, str):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            return value
    return value


def _filter(
    entity: str | None,
    action: str | None,
    actor: str | None,
    board_id: int | None,
    entity_id: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> AuditFilter:
    texts = {"entity": entity, "action": action, "actor": actor, "entity_id": entity_id}
    # PostgreSQL refuses a NUL in text: a filter holding one is bad input, not a server error.
    bad = [
        FieldError(name, "innehåller ett otillåtet tecken")
        for name, v in texts.items()
        if v and "\x00" in v
    ]
    if bad:
        raise ValidationFailed(bad)
    return AuditFilter(
        entity=entity or None,
        action=action or None,
        actor=actor or None,
        board_id=board_id,
        entity_id=entity_id or None,
        date_from=date_from,
        date_to=date_to,
    )


class AuditController(Controller):
    """Read and filter the audit trail."""

    guards = [allowed(Action.VIEW_AUDIT)]
    tags = ["Granskningslogg"]

    @get("/api/audit", summary="Granskningsloggen, filtrerad", responses=errors(401, 403, 422))
    async def api_events(
        self,
        entity: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        actor: FromQuery[str | None] = None,
        board_id: OptionalInt = None,
        entity_id: FromQuery[str | None] = None,
        date_from: FromQuery[dt.date | None] = None,
        date_to: FromQuery[dt.date | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = PAGE_SIZE,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_INT)] = 0,
    ) -> AuditPage:
        """Events newest first; filters combine with AND."""
        rows, total = await list_events(
            _filter(entity, action, actor, board_id, entity_id, date_from, date_to),
            limit=limit,
            offset=offset,
        )
        return AuditPage(total=total, limit=limit, offset=offset, events=[_as_out(r) for r in rows])

    @get("/granskningslogg", include_in_schema=False)
    async def page(
        self,
        request: Request,
        entity: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        actor: FromQuery[str | None] = None,
        board_id: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_INT)] = 0,
    ) -> Template:
        """The audit trail page with filters and paging; the form's empty fields mean 'any'."""
        filters = _filter(
            entity,
            action,
            actor,
            _optional(board_id, _board_id, "Nämnd"),
            None,
            _optional(date_from, dt.date.fromisoformat, "Från och med"),
            _optional(date_to, dt.date.fromisoformat, "Till och med"),
        )
        rows, total = await list_events(filters, limit=PAGE_SIZE, offset=offset)
        boards = await Board.select(Board.id, Board.short_name, Board.name).order_by(Board.name)
        return Template(
            template_name="audit/list.html",
            context={
                "events": [_as_out(r) for r in rows],
                "total": total,
                "offset": offset,
                "page_size": PAGE_SIZE,
                "filters": filters,
                "choices": await distinct_values(),
                "boards": boards,
                "query_without_offset": _query_without_offset(request),
            },
        )


def _optional(raw: str | None, parse, field: str):
    """Parse a form filter: empty means no filter, anything unreadable is a 422 naming the field."""
    if raw is None or not raw.strip():
        return None
    try:
        return parse(raw.strip())
    except ValueError:
        raise ValidationFailed.one(field, "har fel format") from None


def _board_id(raw: str) -> int:
    """A board id from the filter form; beyond any id is as unreadable as text."""
    value = int(raw)
    if not 0 <= value <= MAX_INT:
        raise ValueError(raw)
    return value


def _query_without_offset(request: Request) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "offset" and v]
    return urlencode(pairs)

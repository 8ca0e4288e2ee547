"""Recording and reading the audit trail."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.principal import Actor
from internkontroll.timeutil import start_of_day

HIDDEN_FIELDS = frozenset({"password", "token"})
MAX_PAGE_SIZE = 200


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return _json_safe(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


def snapshot(row: Table | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's values, without secrets."""
    if row is None:
        return None
    values = row.to_dict() if isinstance(row, Table) else dict(row)
    return {k: _json_safe(v) for k, v in values.items() if k not in HIDDEN_FIELDS}


async def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = "",
    *,
    board_id: int | None = None,
    before: Table | Mapping[str, Any] | None = None,
    after: Table | Mapping[str, Any] | None = None,
    summary: str = "",
    source: str = "app",
) -> int:
    """Store one audit event inside the caller's transaction; return its id."""
    rows = await AuditEvent.insert(
        AuditEvent(
            actor=actor.id,
            actor_username=actor.username,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            board=board_id,
            summary=summary[:300],
            source=source,
            before=snapshot(before),
            after=snapshot(after),
        )
    ).returning(AuditEvent.id)
    return rows[0]["id"]


@dataclass(frozen=True)
class AuditFilter:
    """What to narrow the audit trail by; None means any."""

    entity: str | None = None
    action: str | None = None
    actor: str | None = None
    board_id: int | None = None
    entity_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _where(query, filters: AuditFilter):
    if filters.entity:
        query = query.where(AuditEvent.entity == filters.entity)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(AuditEvent.actor_username == filters.actor)
    if filters.board_id is not None:
        query = query.where(AuditEvent.board == filters.board_id)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.date_from:
        query = query.where(AuditEvent.at >= start_of_day(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < start_of_day(filters.date_to + dt.timedelta(days=1)))
    return query


async def list_events(
    filters: AuditFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of events, newest first, and the total count matching the filter."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = (
        await _where(
            AuditEvent.select(
                AuditEvent.all_columns(),
                AuditEvent.board.short_name.as_alias("board_short_name"),
            ),
            filters,
        )
        .order_by(AuditEvent.id, ascending=False)
        .limit(limit)
        .offset(max(0, offset))
    )
    total = await _where(AuditEvent.count(), filters)
    return rows, total


async def distinct_values() -> dict[str, list[str]]:
    """Entity and action names present, for the filter drop-downs."""
    entities = await AuditEvent.select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)
    actions = await AuditEvent.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return {
        "entities": [r["entity"] for r in entities],
        "actions": [r["action"] for r in actions],
    }

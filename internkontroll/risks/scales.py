"""Stored scale versions: the current matrix, and changing it without rewriting the past."""

from __future__ import annotations

from typing import Any

import msgspec

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.db import write_transaction
from internkontroll.risks.scale import Scale, default_scale, scale_from_dict, scale_to_dict
from internkontroll.risks.tables import RiskScaleVersion


def _decode(definition: Any) -> dict[str, Any]:
    return msgspec.json.decode(definition) if isinstance(definition, str | bytes) else definition


async def current_scale() -> tuple[int | None, Scale]:
    """The newest scale version, or the unsaved default if none is stored yet."""
    row = await RiskScaleVersion.select().order_by(RiskScaleVersion.id, ascending=False).first()
    if row is None:
        return None, default_scale()
    return row["id"], scale_from_dict(_decode(row["definition"]))


async def scales_by_id(ids: set[int]) -> dict[int, Scale]:
    """The scale versions with these ids, in one query."""
    if not ids:
        return {}
    rows = await RiskScaleVersion.select().where(RiskScaleVersion.id.is_in(sorted(ids)))
    return {r["id"]: scale_from_dict(_decode(r["definition"])) for r in rows}


async def _store_version(actor: Actor, scale: Scale, note: str, before: Scale | None) -> int:
    rows = await RiskScaleVersion.insert(
        RiskScaleVersion(
            definition=scale_to_dict(scale), created_by=actor.username, note=note[:300]
        )
    ).returning(RiskScaleVersion.id)
    version_id = rows[0]["id"]
    await audit.record(
        actor,
        "create",
        "risk_scale",
        version_id,
        before=scale_to_dict(before) if before else None,
        after=scale_to_dict(scale),
        summary=note or "Ny version av riskmatrisen",
    )
    return version_id


async def ensure_scale_version(actor: Actor) -> tuple[int, Scale]:
    """The current version's id, storing the default first if none exists (inside a write)."""
    version_id, scale = await current_scale()
    if version_id is None:
        version_id = await _store_version(actor, scale, "Standardskala 4 × 4", None)
    return version_id, scale


async def change_scale(principal: Principal, data: dict[str, Any], note: str = "") -> int:
    """Store a new scale version (admins only); earlier assessments keep theirs."""
    require(principal, Action.ADMINISTER)
    scale = scale_from_dict(data)
    async with write_transaction():
        before_id, before = await current_scale()
        return await _store_version(
            Actor.of(principal),
            scale,
            note or "Ny version av riskmatrisen",
            before if before_id else None,
        )

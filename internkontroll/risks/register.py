"""The risk register: creating and editing a board's risks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.db import write_transaction
from internkontroll.errors import FieldError, NotFound, ValidationFailed
from internkontroll.organisation.tables import Board, Process, RiskCategory
from internkontroll.risks.tables import Risk

MAX_ID = 2**31 - 1  # PostgreSQL's integer; a larger id can only be a typo or a probe
MIN_YEAR = 2000
MAX_YEAR = 2100
LIMITS = {"title": 200, "description": 4000, "consequence": 4000, "responsible": 200}


@dataclass(frozen=True)
class RiskInput:
    """What a preparer enters for a risk."""

    process_id: int
    category_id: int
    title: str
    description: str = ""
    consequence: str = ""
    responsible: str = ""


def check_year(year: int, field: str = "year") -> None:
    """Refuse years outside the supported range."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed.one(field, f"året ska vara {MIN_YEAR}–{MAX_YEAR}")


def text_errors(data: RiskInput) -> list[FieldError]:
    """What is wrong with a risk's texts: an empty title, text over the limits."""
    errors = []
    if not data.title.strip():
        errors.append(FieldError("title", "rubriken får inte vara tom"))
    for field, limit in LIMITS.items():
        if len(getattr(data, field)) > limit:
            errors.append(FieldError(field, f"högst {limit} tecken"))
        elif "\x00" in getattr(data, field):
            errors.append(FieldError(field, "innehåller ett otillåtet tecken"))
    return errors


async def _validate(board_id: int, data: RiskInput) -> list[FieldError]:
    errors = text_errors(data)
    if not 0 < data.process_id <= MAX_ID or not await Process.exists().where(
        (Process.id == data.process_id)
        & (Process.board == board_id)
        & (Process.active == True)  # noqa: E712
    ):
        errors.append(FieldError("process_id", "processen finns inte i nämnden"))
    if not 0 < data.category_id <= MAX_ID or not await RiskCategory.exists().where(
        (RiskCategory.id == data.category_id) & (RiskCategory.active == True)  # noqa: E712
    ):
        errors.append(FieldError("category_id", "riskkategorin finns inte"))
    return errors


async def board_or_404(board_id: int) -> dict[str, Any]:
    """The board, or 404."""
    if not 0 < board_id <= MAX_ID:
        raise NotFound("Nämnden finns inte.")
    board = await Board.select().where(Board.id == board_id).first()
    if board is None:
        raise NotFound("Nämnden finns inte.")
    return board


async def get_risk(principal: Principal, risk_id: int) -> dict[str, Any]:
    """One risk with its process and category names; 404 or 403 as appropriate."""
    if not 0 < risk_id <= MAX_ID:
        raise NotFound("Risken finns inte.")
    row = (
        await Risk.select(
            Risk.all_columns(),
            Risk.process.name.as_alias("process_name"),
            Risk.category.name.as_alias("category_name"),
            Risk.board.short_name.as_alias("board_short_name"),
            Risk.board.name.as_alias("board_name"),
        )
        .where(Risk.id == risk_id)
        .first()
    )
    if row is None:
        raise NotFound("Risken finns inte.")
    require(principal, Action.VIEW_BOARD, row["board"])
    return row


async def create_risk(principal: Principal, board_id: int, year: int, data: RiskInput) -> int:
    """Add a risk to a board's register (the board's preparers and admins)."""
    await board_or_404(board_id)
    require(principal, Action.EDIT_RISKS, board_id)
    check_year(year)
    errors = await _validate(board_id, data)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        rows = await Risk.insert(
            Risk(
                board=board_id,
                process=data.process_id,
                category=data.category_id,
                title=data.title.strip(),
                description=data.description.strip(),
                consequence=data.consequence.strip(),
                responsible=data.responsible.strip(),
                first_year=year,
            )
        ).returning(Risk.id)
        risk_id = rows[0]["id"]
        after = await Risk.select().where(Risk.id == risk_id).first()
        await audit.record(
            Actor.of(principal),
            "create",
            "risk",
            risk_id,
            board_id=board_id,
            after=after,
            summary=f"Risk tillagd: {data.title.strip()[:200]}",
        )
    return risk_id


async def update_risk(
    principal: Principal, risk_id: int, data: RiskInput, active: bool | None = None
) -> None:
    """Edit a risk's text, process or category, or retire it (active=None keeps it as is)."""
    before = await get_risk(principal, risk_id)
    board_id = before["board"]
    require(principal, Action.EDIT_RISKS, board_id)
    errors = await _validate(board_id, data)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        old = await Risk.select().where(Risk.id == risk_id).first()
        await Risk.update(
            {
                Risk.process: data.process_id,
                Risk.category: data.category_id,
                Risk.title: data.title.strip(),
                Risk.description: data.description.strip(),
                Risk.consequence: data.consequence.strip(),
                Risk.responsible: data.responsible.strip(),
                Risk.active: before["active"] if active is None else active,
            }
        ).where(Risk.id == risk_id)
        new = await Risk.select().where(Risk.id == risk_id).first()
        await audit.record(
            Actor.of(principal),
            "update",
            "risk",
            risk_id,
            board_id=board_id,
            before=old,
            after=new,
            summary=f"Risk ändrad: {new['title'][:200]}",
        )

"""Deviations and their actions: root-cause analysis, postponement keeping the first date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.principal import Actor, Principal
from internkontroll.auth.tables import Membership
from internkontroll.controls.evidence_store import StoredEvidence
from internkontroll.controls.results import (
    OccasionContext,
    ResultInput,
    log_result,
    occasion_context,
    require_tester,
)
from internkontroll.controls.testing_tables import (
    DEVIATION_OUTCOMES,
    ActionCheck,
    ActionPostponement,
    CorrectiveAction,
    Deviation,
)
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, FieldError, NotFound, ValidationFailed
from internkontroll.risks.register import MAX_ID
from internkontroll.timeutil import now, today

TEXT_LIMIT = 4000
WHY_FIELDS = ("why_1", "why_2", "why_3", "why_4", "why_5")


@dataclass(frozen=True)
class AnalysisInput:
    """A deviation's description and its 5 varför leading to the root cause."""

    description: str
    whys: tuple[str, ...] = ("", "", "", "", "")
    root_cause: str = ""


@dataclass(frozen=True)
class ActionInput:
    """What is to be done, by whom, and by when."""

    description: str
    responsible_id: int | None
    due_on: dt.date | None


def _text_errors(values: dict[str, str]) -> list[FieldError]:
    errors = []
    for name, value in values.items():
        if len(value) > TEXT_LIMIT:
            errors.append(FieldError(name, f"högst {TEXT_LIMIT} tecken"))
        elif "\x00" in value:
            errors.append(FieldError(name, "innehåller ett otillåtet tecken"))
    return errors


async def get_deviation(
    principal: Principal, deviation_id: int
) -> tuple[dict[str, Any], OccasionContext]:
    """A deviation the principal may read, with its occasion; 404 or 403."""
    if not 0 < deviation_id <= MAX_ID:
        raise NotFound("Avvikelsen finns inte.")
    row = await Deviation.select().where(Deviation.id == deviation_id).first()
    if row is None:
        raise NotFound("Avvikelsen finns inte.")
    return row, await occasion_context(principal, row["occasion"])


def _require_open(deviation: dict[str, Any]) -> None:
    if deviation["withdrawn_at"] is not None:
        raise Conflict("Avvikelsen är återkallad genom en rättelse och kan inte ändras.")


async def update_analysis(principal: Principal, deviation_id: int, data: AnalysisInput) -> None:
    """Rewrite a deviation's description and root-cause analysis."""
    deviation, context = await get_deviation(principal, deviation_id)
    require_tester(principal, context)
    whys = (tuple(data.whys) + ("",) * 5)[:5]
    values = {"description": data.description, "root_cause": data.root_cause}
    values.update(zip(WHY_FIELDS, whys, strict=True))
    errors = _text_errors(values)
    if len(data.whys) > 5:
        errors.append(FieldError("whys", "högst fem varför"))
    if not data.description.strip():
        errors.append(FieldError("description", "beskriv avvikelsen"))
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        _require_open(deviation)
        await Deviation.update(
            {
                **{getattr(Deviation, k): v.strip() for k, v in values.items()},
                Deviation.updated_at: now(),
            }
        ).where(Deviation.id == deviation_id)
        after = await Deviation.select().where(Deviation.id == deviation_id).first()
        await audit.record(
            Actor.of(principal),
            "update",
            "deviation",
            deviation_id,
            board_id=context.board_id,
            before=deviation,
            after=after,
            summary=f"Avvikelse i ”{context.title}”: analys uppdaterad",
        )


async def responsible_choices(board_id: int) -> list[dict[str, Any]]:
    """Active users with any role on the board, by name: who may be made responsible."""
    rows = await Membership.select(
        Membership.user.id.as_alias("id"),
        Membership.user.username.as_alias("username"),
        Membership.user.first_name.as_alias("first_name"),
        Membership.user.last_name.as_alias("last_name"),
    ).where((Membership.board == board_id) & Membership.user.active.eq(True))
    people = {}
    for row in rows:
        row["name"] = f"{row['first_name']} {row['last_name']}".strip() or row["username"]
        people[row["id"]] = row
    return sorted(people.values(), key=lambda r: r["name"].lower())


async def add_action(principal: Principal, deviation_id: int, data: ActionInput) -> int:
    """Add an action to a deviation; its due date is also kept as the original one."""
    deviation, context = await get_deviation(principal, deviation_id)
    require_tester(principal, context)
    errors = _text_errors({"description": data.description})
    if not data.description.strip():
        errors.append(FieldError("description", "beskriv vad som ska göras"))
    if data.due_on is None:
        errors.append(FieldError("due_on", "ange ett slutdatum"))
    elif data.due_on < today():
        errors.append(FieldError("due_on", "slutdatumet får inte ligga i det förflutna"))
    people = {p["id"]: p for p in await responsible_choices(context.board_id)}
    if data.responsible_id not in people:
        errors.append(FieldError("responsible_id", "välj en aktiv användare med roll i nämnden"))
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        _require_open(deviation)
        action_id = (
            await CorrectiveAction.insert(
                CorrectiveAction(
                    deviation=deviation_id,
                    board=context.board_id,
                    description=data.description.strip(),
                    responsible=data.responsible_id,
                    responsible_name=people[data.responsible_id]["name"],
                    original_due_on=data.due_on,
                    due_on=data.due_on,
                    created_by_name=principal.display_name,
                )
            ).returning(CorrectiveAction.id)
        )[0]["id"]
        after = await CorrectiveAction.select().where(CorrectiveAction.id == action_id).first()
        await audit.record(
            Actor.of(principal),
            "create",
            "corrective_action",
            action_id,
            board_id=context.board_id,
            after=after,
            summary=f"Åtgärd för ”{context.title}”, klar senast {data.due_on.isoformat()}",
        )
    return action_id


async def get_action(
    principal: Principal, action_id: int
) -> tuple[dict[str, Any], OccasionContext]:
    """An action the principal may read, with its occasion; 404 or 403."""
    if not 0 < action_id <= MAX_ID:
        raise NotFound("Åtgärden finns inte.")
    row = (
        await CorrectiveAction.select(
            CorrectiveAction.all_columns(),
            CorrectiveAction.deviation.occasion.as_alias("occasion"),
        )
        .where(CorrectiveAction.id == action_id)
        .first()
    )
    if row is None:
        raise NotFound("Åtgärden finns inte.")
    return row, await occasion_context(principal, row["occasion"])


def _require_action_writer(principal: Principal, action: dict, context: OccasionContext) -> None:
    """The control's testers, and the person responsible for the action, may move it on."""
    if action["responsible"] == principal.id and context.board_id in principal.memberships:
        return
    require_tester(principal, context)


async def _reread_action(action_id: int) -> dict[str, Any]:
    return await CorrectiveAction.select().where(CorrectiveAction.id == action_id).first()


async def postpone_action(
    principal: Principal, action_id: int, new_due_on: dt.date | None, reason: str
) -> None:
    """Move an open action's due date; the original date and every move stay on record."""
    action, context = await get_action(principal, action_id)
    _require_action_writer(principal, action, context)
    errors = _text_errors({"reason": reason})
    if not reason.strip():
        errors.append(FieldError("reason", "ange varför åtgärden skjuts upp"))
    if new_due_on is None:
        errors.append(FieldError("due_on", "ange det nya slutdatumet"))
    elif new_due_on < today():
        errors.append(FieldError("due_on", "det nya slutdatumet får inte ligga i det förflutna"))
    elif new_due_on <= action["due_on"]:
        errors.append(FieldError("due_on", "det nya slutdatumet ska vara senare än det nuvarande"))
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        current = await _reread_action(action_id)
        if current["closed_on"] is not None:
            raise Conflict("Åtgärden är avslutad och kan inte skjutas upp.")
        if current["due_on"] != action["due_on"]:
            raise Conflict("Åtgärden har just fått ett nytt slutdatum; ladda om sidan.")
        await ActionPostponement.insert(
            ActionPostponement(
                action=action_id,
                from_due_on=current["due_on"],
                to_due_on=new_due_on,
                reason=reason.strip(),
                by_name=principal.display_name,
            )
        )
        await CorrectiveAction.update({CorrectiveAction.due_on: new_due_on}).where(
            CorrectiveAction.id == action_id
        )
        await audit.record(
            Actor.of(principal),
            "postpone",
            "corrective_action",
            action_id,
            board_id=context.board_id,
            before=current,
            after=await _reread_action(action_id),
            summary=(
                f"Åtgärd för ”{context.title}” uppskjuten från {current['due_on'].isoformat()} "
                f"till {new_due_on.isoformat()} (ursprungligen {current['original_due_on']})"
            ),
        )


async def close_action(
    principal: Principal, action_id: int, closed_on: dt.date | None, note: str
) -> None:
    """Close an action with a note on what was done."""
    action, context = await get_action(principal, action_id)
    _require_action_writer(principal, action, context)
    errors = _text_errors({"note": note})
    if not note.strip():
        errors.append(FieldError("note", "beskriv vad som gjordes"))
    if closed_on is None:
        errors.append(FieldError("closed_on", "ange när åtgärden slutfördes"))
    elif closed_on > today():
        errors.append(FieldError("closed_on", "datumet får inte ligga i framtiden"))
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        current = await _reread_action(action_id)
        if current["closed_on"] is not None:
            raise Conflict("Åtgärden är redan avslutad.")
        await CorrectiveAction.update(
            {
                CorrectiveAction.closed_on: closed_on,
                CorrectiveAction.closing_note: note.strip(),
                CorrectiveAction.closed_by_name: principal.display_name,
            }
        ).where(CorrectiveAction.id == action_id)
        await audit.record(
            Actor.of(principal),
            "close",
            "corrective_action",
            action_id,
            board_id=context.board_id,
            before=current,
            after=await _reread_action(action_id),
            summary=f"Åtgärd för ”{context.title}” avslutad {closed_on.isoformat()}",
        )


async def check_action(
    principal: Principal, action_id: int, checked_on: dt.date | None, effective: bool, note: str
) -> int:
    """Record a later check of a closed action: whether it worked."""
    action, context = await get_action(principal, action_id)
    _require_action_writer(principal, action, context)
    errors = _text_errors({"note": note})
    if not note.strip():
        errors.append(FieldError("note", "beskriv vad uppföljningen visade"))
    if checked_on is None:
        errors.append(FieldError("checked_on", "ange när uppföljningen gjordes"))
    elif checked_on > today():
        errors.append(FieldError("checked_on", "datumet får inte ligga i framtiden"))
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        current = await _reread_action(action_id)
        if current["closed_on"] is None:
            raise Conflict("Åtgärden följs upp först när den är avslutad.")
        if checked_on < current["closed_on"]:
            raise ValidationFailed.one("checked_on", "uppföljningen kan inte ligga före avslutet")
        check_id = (
            await ActionCheck.insert(
                ActionCheck(
                    action=action_id,
                    checked_on=checked_on,
                    effective=effective,
                    note=note.strip(),
                    by_name=principal.display_name,
                )
            ).returning(ActionCheck.id)
        )[0]["id"]
        await audit.record(
            Actor.of(principal),
            "check",
            "corrective_action",
            action_id,
            board_id=context.board_id,
            after={"checked_on": checked_on, "effective": effective, "note": note.strip()},
            summary=(
                f"Åtgärd för ”{context.title}” följd upp {checked_on.isoformat()}: "
                + ("verkningsfull" if effective else "inte verkningsfull")
            ),
        )
    return check_id


async def log_result_with_action(
    principal: Principal,
    occasion_id: int,
    data: ResultInput,
    evidence: Sequence[StoredEvidence] = (),
    action: ActionInput | None = None,
) -> int:
    """Log a result and, for its deviation, a first action: all stored or nothing."""
    async with write_transaction():
        result_id = await log_result(principal, occasion_id, data, evidence)
        if action is not None:
            if data.outcome not in DEVIATION_OUTCOMES:
                raise ValidationFailed.one(
                    "action_description",
                    "en åtgärd hör till en avvikelse; välj ett utfall med avvikelse",
                )
            deviation = (
                await Deviation.select(Deviation.id).where(Deviation.found_in == result_id).first()
            )
            try:
                await add_action(principal, deviation["id"], action)
            except ValidationFailed as exc:
                # The form names the action's description field differently.
                raise ValidationFailed(
                    [
                        FieldError("action_description", e.message)
                        if e.field == "description"
                        else e
                        for e in exc.errors
                    ]
                ) from exc
    return result_id

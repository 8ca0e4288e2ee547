"""Logging test results: append-only, corrections point back, deviations follow the outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import DENIED_MESSAGE, Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.controls.evidence_store import StoredEvidence
from internkontroll.controls.schedule import period_label
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import (
    DEVIATION_OUTCOMES,
    OUTCOME_LABELS,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.db import is_unique_violation, write_transaction
from internkontroll.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from internkontroll.risks.register import MAX_ID
from internkontroll.timeutil import now, today

LIMITS = {"performed_by_name": 100, "sample": 300, "reason": 4000, "comment": 4000}
TEXT_LIMIT = 4000
ALREADY_LOGGED = (
    "Tillfället har redan ett resultat. Ett resultat ändras aldrig: registrera en rättelse."
)


@dataclass(frozen=True)
class ResultInput:
    """What a control owner writes for one test; `deviation` describes a finding."""

    performed_on: dt.date | None
    performed_by_name: str
    sample: str
    outcome: str
    reason: str = ""
    comment: str = ""
    deviation: str = ""
    correction_reason: str = ""


@dataclass(frozen=True)
class OccasionContext:
    """An occasion with the control version that decides who may test it."""

    occasion: dict[str, Any]
    title: str
    owner_id: int | None
    owner_name: str
    in_adopted_plan: bool

    @property
    def board_id(self) -> int:
        """The board whose control this is."""
        return self.occasion["board"]


def may_test(principal: Principal | None, board_id: int, owner_id: int | None) -> bool:
    """Only the control's owner (still holding the role) or the board's preparers test it."""
    if principal is None:
        return False
    roles = principal.roles_on(board_id)
    if "preparer" in roles:
        return True
    return owner_id is not None and owner_id == principal.id and "control_owner" in roles


def require_tester(principal: Principal, context: OccasionContext) -> None:
    """403 unless the principal may log results for the occasion's control."""
    if not may_test(principal, context.board_id, context.owner_id):
        raise Forbidden(detail=DENIED_MESSAGE)


async def control_version(control_id: int) -> dict[str, Any] | None:
    """The control as written in its board's latest decided plan version."""
    return await (
        PlanControl.select(
            PlanControl.title,
            PlanControl.owner,
            PlanControl.owner_name,
            PlanControl.frequency,
            PlanControl.plan.status.as_alias("plan_status"),
        )
        .where(
            (PlanControl.control == control_id)
            & PlanControl.plan.status.is_in(["adopted", "superseded"])
        )
        .order_by(PlanControl.plan.version, ascending=False)
        .first()
    )


async def occasion_context(principal: Principal, occasion_id: int) -> OccasionContext:
    """An occasion the principal may read, with its control's owner; 404 or 403."""
    if not 0 < occasion_id <= MAX_ID:
        raise NotFound("Kontrolltillfället finns inte.")
    occasion = (
        await TestOccasion.select(
            TestOccasion.all_columns(),
            TestOccasion.board.short_name.as_alias("board_short_name"),
        )
        .where(TestOccasion.id == occasion_id)
        .first()
    )
    if occasion is None:
        raise NotFound("Kontrolltillfället finns inte.")
    require(principal, Action.VIEW_BOARD, occasion["board"])
    version = await control_version(occasion["control"]) or {}
    return OccasionContext(
        occasion=occasion,
        title=version.get("title", ""),
        owner_id=version.get("owner"),
        owner_name=version.get("owner_name", ""),
        in_adopted_plan=version.get("plan_status") == "adopted" and occasion["scheduled"],
    )


async def get_result(
    principal: Principal, result_id: int
) -> tuple[dict[str, Any], OccasionContext]:
    """A result the principal may read, with its occasion; 404 or 403."""
    if not 0 < result_id <= MAX_ID:
        raise NotFound("Resultatet finns inte.")
    row = await TestResult.select().where(TestResult.id == result_id).first()
    if row is None:
        raise NotFound("Resultatet finns inte.")
    return row, await occasion_context(principal, row["occasion"])


def result_errors(data: ResultInput, year: int, correcting: bool) -> list[FieldError]:
    """Every problem with a result as written; empty when it may be stored."""
    errors = []
    if data.performed_on is None:
        errors.append(FieldError("performed_on", "ange när kontrollen utfördes"))
    elif data.performed_on > today():
        errors.append(FieldError("performed_on", "datumet får inte ligga i framtiden"))
    elif data.performed_on.year < year:
        errors.append(FieldError("performed_on", f"ange ett datum från {year}"))
    if not data.performed_by_name.strip():
        errors.append(FieldError("performed_by_name", "ange vem som utförde kontrollen"))
    if not data.sample.strip():
        errors.append(FieldError("sample", "ange vad som testades, t.ex. ”20 av 312 fakturor”"))
    if data.outcome not in OUTCOME_LABELS:
        errors.append(FieldError("outcome", "välj ett utfall"))
    elif data.outcome == "not_performed" and not data.reason.strip():
        errors.append(FieldError("reason", "ange varför kontrollen inte genomfördes"))
    fields = dict(LIMITS, deviation=TEXT_LIMIT, correction_reason=TEXT_LIMIT)
    for name, limit in fields.items():
        value = getattr(data, name)
        if len(value) > limit:
            errors.append(FieldError(name, f"högst {limit} tecken"))
        elif "\x00" in value:
            errors.append(FieldError(name, "innehåller ett otillåtet tecken"))
    if correcting and not data.correction_reason.strip():
        errors.append(FieldError("correction_reason", "ange varför resultatet rättas"))
    # A correction may lean on the deviations already recorded; log_result may not.
    if not correcting and data.outcome in DEVIATION_OUTCOMES and not data.deviation.strip():
        errors.append(FieldError("deviation", "beskriv avvikelsen"))
    return errors


async def _lock_occasion(occasion_id: int) -> dict[str, Any]:
    """Serialise results on one occasion; both engines queue on this row until commit."""
    await TestOccasion.update({TestOccasion.scheduled: TestOccasion.scheduled}).where(
        TestOccasion.id == occasion_id
    )
    return await TestOccasion.select().where(TestOccasion.id == occasion_id).first()


def _row(data: ResultInput, occasion: dict[str, Any], principal: Principal, **extra) -> TestResult:
    return TestResult(
        occasion=occasion["id"],
        control=occasion["control"],
        board=occasion["board"],
        performed_on=data.performed_on,
        performed_by_name=data.performed_by_name.strip(),
        sample=data.sample.strip(),
        outcome=data.outcome,
        reason=data.reason.strip() if data.outcome == "not_performed" else "",
        comment=data.comment.strip(),
        recorded_by=principal.id,
        recorded_by_name=principal.display_name,
        **extra,
    )


async def _insert(row: TestResult) -> int:
    try:
        return (await TestResult.insert(row).returning(TestResult.id))[0]["id"]
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict("Resultatet har redan rättats; rätta den senaste versionen.") from exc
        raise


async def _add_deviation(
    principal: Principal, occasion: dict[str, Any], result_id: int, data: ResultInput
) -> int:
    return (
        await Deviation.insert(
            Deviation(
                occasion=occasion["id"],
                found_in=result_id,
                control=occasion["control"],
                board=occasion["board"],
                severity=data.outcome,
                description=data.deviation.strip(),
                created_by_name=principal.display_name,
            )
        ).returning(Deviation.id)
    )[0]["id"]


async def insert_evidence(
    principal: Principal, result: dict[str, Any], files: Sequence[StoredEvidence], title: str
) -> list[int]:
    """Attach stored files to a result, inside the caller's transaction."""
    ids = []
    for stored in files:
        evidence_id = (
            await EvidenceFile.insert(
                EvidenceFile(
                    result=result["id"],
                    board=result["board"],
                    original_name=stored.original_name,
                    media_type=stored.media_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    uploaded_by=principal.id,
                    uploaded_by_name=principal.display_name,
                )
            ).returning(EvidenceFile.id)
        )[0]["id"]
        await audit.record(
            Actor.of(principal),
            "upload",
            "evidence_file",
            evidence_id,
            board_id=result["board"],
            after={"result": result["id"], **stored.__dict__},
            summary=f"Bevis ”{stored.original_name}” till resultat för ”{title}”",
        )
        ids.append(evidence_id)
    return ids


def _summary(context: OccasionContext, data: ResultInput, verb: str) -> str:
    occasion = context.occasion
    return (
        f"{verb} för ”{context.title}”, {period_label(occasion['period_key'])} "
        f"{occasion['year']}: {OUTCOME_LABELS[data.outcome]}"
    )


async def log_result(
    principal: Principal,
    occasion_id: int,
    data: ResultInput,
    evidence: Sequence[StoredEvidence] = (),
) -> int:
    """Store a new result (with its evidence) for an occasion of an adopted plan; return its id."""
    context = await occasion_context(principal, occasion_id)
    require_tester(principal, context)
    errors = result_errors(data, context.occasion["year"], correcting=False)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        occasion = await _lock_occasion(occasion_id)
        current = await occasion_context(principal, occasion_id)
        if not current.in_adopted_plan:
            raise Conflict("Tillfället ingår inte i nämndens antagna plan.")
        if not occasion["open_ended"] and await TestResult.exists().where(
            TestResult.occasion == occasion_id
        ):
            raise Conflict(ALREADY_LOGGED)
        result_id = await _insert(_row(data, occasion, principal))
        if data.outcome in DEVIATION_OUTCOMES:
            await _add_deviation(principal, occasion, result_id, data)
        stored = await TestResult.select().where(TestResult.id == result_id).first()
        await audit.record(
            Actor.of(principal),
            "log_result",
            "test_result",
            result_id,
            board_id=occasion["board"],
            after=stored,
            summary=_summary(context, data, "Resultat"),
        )
        await insert_evidence(principal, stored, evidence, context.title)
    return result_id


async def _chain(occasion_id: int, result_id: int) -> list[int]:
    """The ids of a result and every result it corrects, newest first."""
    rows = await TestResult.select(TestResult.id, TestResult.corrects).where(
        TestResult.occasion == occasion_id
    )
    corrects = {row["id"]: row["corrects"] for row in rows}
    chain, current = [], result_id
    while current is not None:
        chain.append(current)
        current = corrects.get(current)
    return chain


async def correct_result(
    principal: Principal,
    result_id: int,
    data: ResultInput,
    evidence: Sequence[StoredEvidence] = (),
) -> int:
    """Log a correction of a result as a new entry pointing back to it; return its id."""
    original, context = await get_result(principal, result_id)
    require_tester(principal, context)
    errors = result_errors(data, context.occasion["year"], correcting=True)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        occasion = await _lock_occasion(original["occasion"])
        if await TestResult.exists().where(TestResult.corrects == result_id):
            raise Conflict("Resultatet har redan rättats; rätta den senaste versionen.")
        chain = await _chain(occasion["id"], result_id)
        carried = await Deviation.select(Deviation.id).where(
            Deviation.found_in.is_in(chain) & Deviation.withdrawn_at.is_null()
        )
        if data.outcome in DEVIATION_OUTCOMES and not carried and not data.deviation.strip():
            raise ValidationFailed.one("deviation", "beskriv avvikelsen")
        new_id = await _insert(
            _row(
                data,
                occasion,
                principal,
                corrects=result_id,
                correction_reason=data.correction_reason.strip(),
            )
        )
        await _carry_deviations(principal, occasion, new_id, data, [r["id"] for r in carried])
        stored = await TestResult.select().where(TestResult.id == new_id).first()
        await audit.record(
            Actor.of(principal),
            "correct_result",
            "test_result",
            new_id,
            board_id=occasion["board"],
            before=original,
            after=stored,
            summary=_summary(context, data, "Rättelse av resultat"),
        )
        await insert_evidence(principal, stored, evidence, context.title)
    return new_id


async def _carry_deviations(
    principal: Principal,
    occasion: dict[str, Any],
    new_id: int,
    data: ResultInput,
    carried: list[int],
) -> None:
    """A corrected outcome re-grades the chain's deviations, or withdraws them if none remain."""
    if data.outcome in DEVIATION_OUTCOMES:
        if carried:
            await Deviation.update(
                {Deviation.severity: data.outcome, Deviation.updated_at: now()}
            ).where(Deviation.id.is_in(carried))
        if data.deviation.strip():
            await _add_deviation(principal, occasion, new_id, data)
    elif carried:
        await Deviation.update(
            {
                Deviation.withdrawn_at: now(),
                Deviation.withdrawn_reason: f"Rättelse: {data.correction_reason.strip()}",
                Deviation.updated_at: now(),
            }
        ).where(Deviation.id.is_in(carried))

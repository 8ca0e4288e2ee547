"""The admin site may read plans and KS's decisions but never change a decided one."""

from __future__ import annotations

from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import Request

from internkontroll.controls.tables import (
    FROZEN_STATUSES,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlDecision,
    SharedControlPoint,
)
from internkontroll.controls.testing_tables import CorrectiveAction, EvidenceFile, TestResult

FROZEN_PLAN = (
    "Planen är inte ett utkast: en plan för beslut eller en antagen plan kan inte ändras här. "
    "Antagna planer ändras genom en ny version i appen."
)
STATUS_IN_APP = "Status ändras bara i appen: skicka för beslut och registrera nämndens beslut där."
CREATE_IN_APP = "Planer skapas i appen, där de härleds från riskbedömningen."
BULK_DELETE = "Planer och kontrollmoment kan inte tas bort i klump."
KS_DECISION = "KS:s beslut om gemensamma kontrollmoment kan inte ändras i efterhand."
USERS_ONE_BY_ONE = "Användare tas bort en i taget."
USER_IN_DECISIONS = (
    "Användaren står i antagna planer, KS:s beslut, kontrollresultat eller åtgärder och kan "
    "inte tas bort. "
    "Avaktivera användaren i stället."
)


def _refuse(message: str) -> None:
    raise HTTPException(status_code=409, detail=message)


def _row_id(request: Request) -> Any:
    raw = request.path_params.get("row_id")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _plan_status(plan_id: Any) -> str | None:
    if not isinstance(plan_id, int):
        return None
    row = await ControlPlan.select(ControlPlan.status).where(ControlPlan.id == plan_id).first()
    return row["status"] if row else None


async def _plan_of_control(plan_control_id: Any) -> Any:
    if not isinstance(plan_control_id, int):
        return None
    row = (
        await PlanControl.select(PlanControl.plan).where(PlanControl.id == plan_control_id).first()
    )
    return row["plan"] if row else None


async def _require_draft(plan_id: Any) -> None:
    status = await _plan_status(plan_id)
    if status is not None and status != "draft":
        _refuse(FROZEN_PLAN)


def _always(message: str):
    async def refuse(piccolo_crud, request: Request) -> None:
        _refuse(message)

    return refuse


async def _plan_write(piccolo_crud, request: Request) -> None:
    await _require_draft(_row_id(request))
    status = (await _body(request)).get("status")
    if status is not None and status != "draft":
        _refuse(STATUS_IN_APP)


async def _plan_control_write(piccolo_crud, request: Request) -> None:
    row_id = _row_id(request)
    if row_id is not None:
        await _require_draft(await _plan_of_control(row_id))
    target = (await _body(request)).get("plan")
    if target is not None:
        await _require_draft(target)


async def _plan_control_risk_write(piccolo_crud, request: Request) -> None:
    row_id = _row_id(request)
    if row_id is not None:
        row = (
            await PlanControlRisk.select(PlanControlRisk.plan_control)
            .where(PlanControlRisk.id == row_id)
            .first()
        )
        if row:
            await _require_draft(await _plan_of_control(row["plan_control"]))
    target = (await _body(request)).get("plan_control")
    if target is not None:
        await _require_draft(await _plan_of_control(target))


async def _user_delete(piccolo_crud, request: Request) -> None:
    """A decided plan names who owns its controls and who recorded it; it never loses them."""
    user_id = _row_id(request)
    if user_id is None:
        return
    frozen = ControlPlan.status.is_in(sorted(FROZEN_STATUSES))
    if (
        await ControlPlan.exists().where(frozen & (ControlPlan.adopted_by == user_id))
        or await PlanControl.exists().where(
            (PlanControl.owner == user_id) & PlanControl.plan.status.is_in(sorted(FROZEN_STATUSES))
        )
        or await SharedControlDecision.exists().where(SharedControlDecision.recorded_by == user_id)
        # Results and evidence are append-only and actions keep who answers for them.
        or await TestResult.exists().where(TestResult.recorded_by == user_id)
        or await EvidenceFile.exists().where(EvidenceFile.uploaded_by == user_id)
        or await CorrectiveAction.exists().where(CorrectiveAction.responsible == user_id)
    ):
        _refuse(USER_IN_DECISIONS)


def _writes(check, *, post=None) -> Validators:
    return Validators(
        post_single=[post or check],
        put_single=[check],
        patch_single=[check],
        delete_single=[check],
        delete_all=[_always(BULK_DELETE)],
    )


FREEZE_VALIDATORS: dict[type[Table], Validators] = {
    ControlPlan: _writes(_plan_write, post=_always(CREATE_IN_APP)),
    PlanControl: _writes(_plan_control_write),
    PlanControlRisk: _writes(_plan_control_risk_write),
    SharedControlDecision: _writes(_always(KS_DECISION)),
    SharedControlPoint: _writes(_always(KS_DECISION)),
    BaseUser: Validators(delete_single=[_user_delete], delete_all=[_always(USERS_ONE_BY_ONE)]),
}

"""A board with a plan built through the real services, for the load and fault tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from internkontroll.auth.principal import Principal
from internkontroll.auth.services import load_principal
from internkontroll.controls import plans
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, update_control
from internkontroll.controls.views import plan_document
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from internkontroll.timeutil import today


@dataclass
class PlanSetup:
    """A board's plan for this year and the people who work on it."""

    board_id: int
    plan_id: int
    year: int
    preparer: Principal
    secretary: Principal
    # owner user name -> its user id; controls are dealt out to the owners in turn
    owners: dict[str, int] = field(default_factory=dict)


def decision() -> DecisionInput:
    """The nämnd's adoption decision, dated today so it is never in the future."""
    return DecisionInput(today(), "§ 7", "RES 2026/17")


async def _principal(username: str, board: str, role: str) -> Principal:
    from tests.conftest import make_user

    principal = await load_principal(await make_user(username, board_roles=((board, role),)))
    assert principal is not None
    return principal


async def plan_for_decision(
    short_name: str, *, controls: int, frequency: str, owners: int = 1
) -> PlanSetup:
    """A board whose plan for this year has `controls` complete controls and is 'för beslut'."""
    # Imported here: the adoption child process imports this module, and tests.conftest
    # would make a session directory there that nobody removes.
    from tests.conftest import make_board, make_user

    year = today().year
    board_id = await make_board(short_name)
    process = (await Process.insert(Process(board=board_id, name="Inköp")).returning(Process.id))[
        0
    ]["id"]
    category = (
        await RiskCategory.insert(RiskCategory(name="Ekonomisk risk")).returning(RiskCategory.id)
    )[0]["id"]
    prefix = short_name.lower()
    preparer = await _principal(f"{prefix}-handlaggare", short_name, "preparer")
    secretary = await _principal(f"{prefix}-sekreterare", short_name, "secretary")
    setup = PlanSetup(board_id, 0, year, preparer, secretary)
    for n in range(owners):
        username = f"{prefix}-kontrollant-{n + 1}"
        setup.owners[username] = await make_user(
            username, board_roles=((short_name, "control_owner"),)
        )
    for n in range(controls):
        risk_id = await create_risk(
            preparer,
            board_id,
            year,
            RiskInput(process_id=process, category_id=category, title=f"Risk {n + 1:03d}"),
        )
        await assess(preparer, risk_id, year, AssessmentInput(2, 2, "control"))
    setup.plan_id = await plans.create_plan(preparer, board_id, year)
    owner_ids = list(setup.owners.values())
    document = await plan_document(preparer, setup.plan_id)
    for n, control in enumerate(document.controls):
        await update_control(
            preparer,
            control.id,
            ControlInput(
                title=control.title,
                purpose="Förebygga fel",
                method="sample",
                scope="10 av 120 fakturor",
                frequency=frequency,
                report_when="Delår och helår",
                reported_to="Nämnden",
                owner_id=owner_ids[n % len(owner_ids)],
                process_id=control.process_id,
                risk_ids=tuple(r.risk_id for r in control.risks),
            ),
        )
    await plans.send_for_decision(preparer, setup.plan_id)
    return setup


async def adopted_plan(
    short_name: str, *, controls: int, frequency: str, owners: int = 1
) -> PlanSetup:
    """As plan_for_decision, then adopted by the nämnd: its test occasions exist."""
    setup = await plan_for_decision(
        short_name, controls=controls, frequency=frequency, owners=owners
    )
    await plans.adopt(setup.secretary, setup.plan_id, decision())
    return setup

"""The demo kommun's test results so far this year: mostly green, some yellow, one red."""

# Logged through the testing services as each board's demo control owner, so results,
# deviations and the audit trail are the real ones. Only the one red deviation's action is
# written directly: it must already be overdue, and the services refuse a due date in the past.

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from internkontroll.audit import services as audit
from internkontroll.auth.principal import Actor, Principal
from internkontroll.controls.deviations import (
    ActionInput,
    AnalysisInput,
    add_action,
    close_action,
    update_analysis,
)
from internkontroll.controls.results import ResultInput, log_result
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import (
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    TestOccasion,
    TestResult,
)
from internkontroll.db import write_transaction
from internkontroll.demo_plans import demo_principal
from internkontroll.timeutil import today

SAMPLES = ("10 av 240 ärenden", "15 av 312 fakturor", "Samtliga 48 poster", "5 av 60 beslut")
MINOR_FINDINGS = (
    "Två ärenden saknade dokumenterad kontroll av underlaget.",
    "En faktura var attesterad av fel attestant.",
    "Ett beslut anmäldes till nämnden först efter tre månader.",
)
# Boards whose most recent occasions are left untested, so the demo shows overdue ones.
LEFT_OVERDUE = ("SN", "TN")
RED_FINDING = "Tre av tio resor saknade giltigt avtal med transportören."
RED_WHYS = (
    "Resorna beställdes direkt av skolorna.",
    "Skolorna kände inte till ramavtalet.",
    "Ramavtalet kommunicerades bara till förvaltningens kansli.",
    "Det finns ingen rutin för att informera nya beställare.",
    "",
)
RED_ROOT_CAUSE = "Rutin saknas för att informera beställare om gällande ramavtal."


async def _due_occasions(board_id: int, year: int) -> list[dict]:
    """The board's occasions due before today with no result yet, by due date."""
    rows = (
        await TestOccasion.select(
            TestOccasion.all_columns(),
        )
        .where(
            (TestOccasion.board == board_id)
            & (TestOccasion.year == year)
            & TestOccasion.scheduled.eq(True)
            & (TestOccasion.due_on < today())
        )
        .order_by(TestOccasion.due_on)
        .order_by(TestOccasion.id)
    )
    logged = {
        r["occasion"]
        for r in await TestResult.select(TestResult.occasion).where(TestResult.board == board_id)
    }
    return [r for r in rows if r["id"] not in logged]


def _performed_on(occasion: dict) -> dt.date:
    return min(occasion["due_on"] + dt.timedelta(days=4), today())


async def _red(owner: Principal, preparer: Principal, occasion: dict) -> None:
    """The one significant deviation: analysed to its root cause, its action postponed, overdue."""
    result_id = await log_result(
        owner,
        occasion["id"],
        ResultInput(
            _performed_on(occasion),
            owner.display_name,
            "10 av 86 skolskjutsresor",
            "major",
            comment="Stickprov på resor under perioden.",
            deviation=RED_FINDING,
        ),
    )
    deviation = await Deviation.select().where(Deviation.found_in == result_id).first()
    await update_analysis(
        preparer, deviation["id"], AnalysisInput(RED_FINDING, RED_WHYS, RED_ROOT_CAUSE)
    )
    first_due = today() - dt.timedelta(days=20)
    new_due = today() - dt.timedelta(days=6)
    async with write_transaction():
        action_id = (
            await CorrectiveAction.insert(
                CorrectiveAction(
                    deviation=deviation["id"],
                    board=occasion["board"],
                    description="Ta fram en rutin för beställning av skolskjuts.",
                    responsible=preparer.id,
                    responsible_name=preparer.display_name,
                    original_due_on=first_due,
                    due_on=new_due,
                    created_by_name=preparer.display_name,
                )
            ).returning(CorrectiveAction.id)
        )[0]["id"]
        await ActionPostponement.insert(
            ActionPostponement(
                action=action_id,
                from_due_on=first_due,
                to_due_on=new_due,
                reason="Rektorsmötet flyttades.",
                by_name=preparer.display_name,
            )
        )
        await audit.record(
            Actor.of(preparer),
            "create",
            "corrective_action",
            action_id,
            board_id=occasion["board"],
            summary=f"Åtgärd för väsentlig avvikelse, klar senast {first_due.isoformat()}, "
            f"uppskjuten till {new_due.isoformat()} (demodata)",
        )


async def _minor(owner: Principal, preparer: Principal, occasion: dict, n: int) -> None:
    """A minor deviation with an action; every other one already closed."""
    result_id = await log_result(
        owner,
        occasion["id"],
        ResultInput(
            _performed_on(occasion),
            owner.display_name,
            SAMPLES[n % len(SAMPLES)],
            "minor",
            deviation=MINOR_FINDINGS[n % len(MINOR_FINDINGS)],
        ),
    )
    deviation = await Deviation.select().where(Deviation.found_in == result_id).first()
    action_id = await add_action(
        preparer,
        deviation["id"],
        ActionInput(
            "Påminn handläggarna om rutinen och följ upp vid nästa tillfälle.",
            owner.id,
            today() + dt.timedelta(days=21 + 7 * (n % 4)),
        ),
    )
    if (n // 8) % 2 == 0:
        await close_action(owner, action_id, today(), "Rutinen gicks igenom på arbetsplatsträffen.")


async def load_results(board_ids: Mapping[str, int]) -> int:
    """Results for every occasion due so far this year; returns how many were logged."""
    year = today().year
    logged = 0
    counter = 0
    red_done = await Deviation.exists().where(Deviation.severity == "major")
    for short, board_id in board_ids.items():
        owner = await demo_principal(f"{short.lower()}-kontrollant")
        preparer = await demo_principal(f"{short.lower()}-handlaggare")
        if owner is None or preparer is None:
            continue
        occasions = await _due_occasions(board_id, year)
        red_control = None
        if short == "BUN" and not red_done:
            # The first control derived from a risk (not a shared point) gets the red finding.
            derived = (
                await PlanControl.select(PlanControl.control)
                .where(
                    (PlanControl.plan.board == board_id)
                    & (PlanControl.plan.status == "adopted")
                    & PlanControl.control.shared_point.is_null()
                )
                .order_by(PlanControl.position)
                .first()
            )
            red_control = derived["control"] if derived else None
        for occasion in occasions:
            counter += 1
            if red_control is not None and occasion["control"] == red_control and not red_done:
                await _red(owner, preparer, occasion)
                red_done = True
            elif short in LEFT_OVERDUE and occasion["due_on"] >= today() - dt.timedelta(days=25):
                continue  # a few occasions are left overdue, as in real life
            elif counter % 8 == 3:
                await _minor(owner, preparer, occasion, counter)
            elif counter % 29 == 11:
                await log_result(
                    owner,
                    occasion["id"],
                    ResultInput(
                        _performed_on(occasion),
                        owner.display_name,
                        "Inget urval",
                        "not_performed",
                        reason="Kontrollanten var tjänstledig under perioden.",
                    ),
                )
            else:
                await log_result(
                    owner,
                    occasion["id"],
                    ResultInput(
                        _performed_on(occasion),
                        owner.display_name,
                        SAMPLES[counter % len(SAMPLES)],
                        "passed",
                    ),
                )
            logged += 1
    return logged


def report_line(year: int) -> str:
    """One line for the demo's printed report on the results."""
    return (
        f"Kontrollresultat {year} hittills: de flesta utan anmärkning, några mindre avvikelser "
        "med åtgärder, en väsentlig avvikelse hos BUN med rotorsaksanalys och en försenad "
        "åtgärd; några tillfällen är försenade."
    )

"""The demo kommun's test results: last year complete, this year so far; mostly green."""

# Logged through the testing services as each board's demo control owner, so results,
# deviations and the audit trail are the real ones. Only actions whose dates already lie in
# the past (this year's overdue one, last year's closed ones) are written directly: the
# services refuse a due date in the past.

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


# Days from the due date to the test, cycled: mostly on or a few days before, some late.
PERFORMED_OFFSETS = (0, -2, -4, 0, -1, 5, -3, 0, -2, 9)


def _performed_on(occasion: dict, n: int = 0) -> dt.date:
    """When the occasion was tested: within its year (so it counts there), never after today."""
    day = occasion["due_on"] + dt.timedelta(days=PERFORMED_OFFSETS[n % len(PERFORMED_OFFSETS)])
    year = occasion["year"]
    return min(max(day, dt.date(year, 1, 1)), dt.date(year, 12, 31), today())


async def first_derived_control(board_id: int, year: int, process: str | None = None) -> int | None:
    """The board's first adopted control of the year derived from a risk (in the process)."""
    where = (
        (PlanControl.plan.board == board_id)
        & (PlanControl.plan.year == year)
        & (PlanControl.plan.status == "adopted")
        & PlanControl.control.shared_point.is_null()
    )
    if process is not None:
        where &= PlanControl.process.name == process
    row = (
        await PlanControl.select(PlanControl.control)
        .where(where)
        .order_by(PlanControl.position)
        .first()
    )
    return row["control"] if row else None


async def _past_action(
    preparer: Principal,
    deviation: dict,
    description: str,
    due: tuple[dt.date, dt.date],
    *,
    postponed: str = "",
    closed: tuple[dt.date, str] | None = None,
) -> None:
    """An action whose dates lie in the past, written directly (the services refuse them)."""
    original_due, due_on = due
    closed_on, note = closed or (None, "")
    async with write_transaction():
        action_id = (
            await CorrectiveAction.insert(
                CorrectiveAction(
                    deviation=deviation["id"],
                    board=deviation["board"],
                    description=description,
                    responsible=preparer.id,
                    responsible_name=preparer.display_name,
                    original_due_on=original_due,
                    due_on=due_on,
                    closed_on=closed_on,
                    closing_note=note,
                    closed_by_name=preparer.display_name if closed else "",
                    created_by_name=preparer.display_name,
                )
            ).returning(CorrectiveAction.id)
        )[0]["id"]
        if postponed:
            await ActionPostponement.insert(
                ActionPostponement(
                    action=action_id,
                    from_due_on=original_due,
                    to_due_on=due_on,
                    reason=postponed,
                    by_name=preparer.display_name,
                )
            )
        done = f", avslutad {closed_on.isoformat()}" if closed_on else ""
        await audit.record(
            Actor.of(preparer),
            "create",
            "corrective_action",
            action_id,
            board_id=deviation["board"],
            summary=f"Åtgärd klar senast {original_due.isoformat()}"
            + (f", uppskjuten till {due_on.isoformat()}" if postponed else "")
            + f"{done} (demodata)",
        )


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
    await _past_action(
        preparer,
        deviation,
        "Ta fram en rutin för beställning av skolskjuts.",
        (today() - dt.timedelta(days=20), today() - dt.timedelta(days=6)),
        postponed="Rektorsmötet flyttades.",
    )


async def _minor(owner: Principal, preparer: Principal, occasion: dict, n: int) -> None:
    """A minor deviation with an action; every other one already closed."""
    result_id = await log_result(
        owner,
        occasion["id"],
        ResultInput(
            _performed_on(occasion, n),
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
    red_done = await Deviation.exists().where(
        (Deviation.severity == "major") & (Deviation.occasion.year == year)
    )
    for short, board_id in board_ids.items():
        owner = await demo_principal(f"{short.lower()}-kontrollant")
        preparer = await demo_principal(f"{short.lower()}-handlaggare")
        if owner is None or preparer is None:
            continue
        occasions = await _due_occasions(board_id, year)
        red_control = None
        if short == "BUN" and not red_done:
            # The first control derived from a risk (not a shared point) gets the red finding.
            red_control = await first_derived_control(board_id, year)
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
                        _performed_on(occasion, counter),
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
                        _performed_on(occasion, counter),
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
        f"Kontrollresultat {year - 1}: alla tillfällen rapporterade, mindre avvikelser åtgärdade, "
        f"en väsentlig avvikelse hos SN åtgärdad i februari {year}. "
        f"Kontrollresultat {year} hittills: de flesta utan anmärkning, några mindre avvikelser "
        "med åtgärder, en väsentlig avvikelse hos BUN med rotorsaksanalys och en försenad "
        "åtgärd; några tillfällen är försenade."
    )


# ------------------------------------------------------------------------------ last year

LAST_YEAR_MINOR = (
    "Ett av stickproven saknade underskrift av behörig beslutsfattare.",
    "Två poster kunde inte stämmas av mot underlaget vid kontrolltillfället.",
    "Rutinbeskrivningen var inte uppdaterad efter organisationsförändringen.",
)
LAST_YEAR_CLOSING = "Rutinen är uppdaterad och genomgången med berörda medarbetare."
# Last year's significant deviation: SN, försörjningsstöd, its action closed early this year.
MAJOR_BOARD, MAJOR_PROCESS = "SN", "Försörjningsstöd"
MAJOR_FINDING = (
    "Fyra av tjugo utbetalningar saknade ett beslut som motsvarade utbetalt belopp, och i två "
    "ärenden hade inkomsterna inte stämts av före utbetalning."
)
MAJOR_WHYS = (
    "Utbetalningar gjordes på handläggarens underlag innan beslutet var registrerat.",
    "Verksamhetssystemet stoppar inte en utbetalning som saknar beslut.",
    "Spärren stängdes av vid systembytet för att korta handläggningstiden.",
    "Ingen riskbedömning gjordes av vad det innebar att stänga av spärren.",
    "",
)
MAJOR_CLOSING = "Spärren är återinförd och 40 utbetalningar har följts upp utan anmärkning."
MAJOR_ROOT_CAUSE = "Kontrollen i verksamhetssystemet togs bort vid systembytet utan riskbedömning."
# Board: (every n-th occasion a minor deviation, every n-th in the autumn not performed);
# TN had a weaker year.
LAST_YEAR_PATTERN = {"TN": (5, 4), "SN": (9, 0), "BOST": (10, 0)}
DEFAULT_PATTERN = (14, 0)


async def _last_year_deviation(
    owner: Principal, preparer: Principal, occasion: dict, n: int, major: bool
) -> None:
    performed = _performed_on(occasion, n)
    result_id = await log_result(
        owner,
        occasion["id"],
        ResultInput(
            performed,
            owner.display_name,
            "20 av 164 utbetalningar" if major else SAMPLES[n % len(SAMPLES)],
            "major" if major else "minor",
            deviation=MAJOR_FINDING if major else LAST_YEAR_MINOR[n % len(LAST_YEAR_MINOR)],
        ),
    )
    deviation = await Deviation.select().where(Deviation.found_in == result_id).first()
    if major:
        await update_analysis(
            preparer, deviation["id"], AnalysisInput(MAJOR_FINDING, MAJOR_WHYS, MAJOR_ROOT_CAUSE)
        )
        year = occasion["year"]
        await _past_action(
            preparer,
            deviation,
            "Återinför spärren mot utbetalning utan registrerat beslut och följ upp alla "
            "utbetalningar under hösten.",
            (dt.date(year, 11, 30), dt.date(year + 1, 2, 27)),
            postponed="Leverantören av verksamhetssystemet behövde längre tid.",
            closed=(min(dt.date(year + 1, 2, 24), today()), MAJOR_CLOSING),
        )
        return
    await _past_action(
        preparer,
        deviation,
        "Uppdatera rutinen och gå igenom den med berörda medarbetare.",
        (performed + dt.timedelta(days=45),) * 2,
        closed=(min(performed + dt.timedelta(days=24 + n % 14), today()), LAST_YEAR_CLOSING),
    )


async def load_last_year_results(board_ids: Mapping[str, int]) -> int:
    """Last year complete: mostly green, minor deviations closed, one major in SN; returns count."""
    year = today().year - 1
    logged = 0
    counter = 0
    major_done = await Deviation.exists().where(
        (Deviation.severity == "major") & (Deviation.occasion.year == year)
    )
    for short, board_id in board_ids.items():
        owner = await demo_principal(f"{short.lower()}-kontrollant")
        preparer = await demo_principal(f"{short.lower()}-handlaggare")
        if owner is None or preparer is None:
            continue
        major_control = None
        if short == MAJOR_BOARD and not major_done:
            major_control = await first_derived_control(board_id, year, MAJOR_PROCESS)
        minor_every, skipped_every = LAST_YEAR_PATTERN.get(short, DEFAULT_PATTERN)
        for occasion in await _due_occasions(board_id, year):
            counter += 1
            if (
                major_control == occasion["control"]
                and not major_done
                and occasion["due_on"].month >= 5
            ):
                await _last_year_deviation(owner, preparer, occasion, counter, major=True)
                major_done = True
            elif counter % minor_every == 3:
                await _last_year_deviation(owner, preparer, occasion, counter, major=False)
            elif skipped_every and occasion["due_on"].month >= 9 and counter % skipped_every == 0:
                await log_result(
                    owner,
                    occasion["id"],
                    ResultInput(
                        _performed_on(occasion, counter),
                        owner.display_name,
                        "Inget urval",
                        "not_performed",
                        reason="Kontrollen hanns inte med under vakansen på enheten.",
                    ),
                )
            else:
                await log_result(
                    owner,
                    occasion["id"],
                    ResultInput(
                        _performed_on(occasion, counter),
                        owner.display_name,
                        SAMPLES[counter % len(SAMPLES)],
                        "passed",
                    ),
                )
            logged += 1
    return logged

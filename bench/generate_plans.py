"""KS's shared points and every board's adopted plans with their scheduled test occasions.

The rows are those plans.create_plan, plan_controls.update_control, plans.adopt (with its
pinned assessments) and occasions.sync_occasions write; the schedule itself comes from
controls.schedule.occasion_slots.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bench.generate_org import BoardInfo, insert_rows
from bench.generate_risks import Register
from internkontroll.controls.decisions import paragraph_text
from internkontroll.controls.schedule import occasion_slots
from internkontroll.controls.tables import (
    Control,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlDecision,
    SharedControlPoint,
)
from internkontroll.controls.testing_tables import TestOccasion
from internkontroll.demo_plans import METHODS, SCOPES, SHARED_POINTS
from internkontroll.settings import get_settings
from internkontroll.timeutil import start_of_day

SHARED_POOL = [point for points in SHARED_POINTS.values() for point in points]
FREQUENCIES = (
    "quarterly",
    "half_yearly",
    "monthly",
    "yearly",
    "four_monthly",
    "continuous",
    "quarterly",
    "monthly",
)
REVISED_EVERY = 10  # one board in ten revised its current plan in May
LATE_EVERY = 12  # one board in twelve adopted after the deadline


@dataclass(frozen=True)
class Occasion:
    """A scheduled occasion with what the results step needs of it."""

    id: int
    control: int
    board: int
    year: int
    due_on: dt.date
    open_ended: bool


@dataclass
class Plans:
    """What later steps need: adopted plans, control owners, occasions."""

    adopted: dict[tuple[int, int], int] = field(default_factory=dict)  # (board, year) -> plan id
    owner_of: dict[int, int] = field(default_factory=dict)  # control -> owner's user id
    occasions: list[Occasion] = field(default_factory=list)


def decision_day(year: int, board: BoardInfo, today: dt.date) -> dt.date:
    """The nämnd's meeting adopting the year's plan: late January, some in February."""
    if board.index % LATE_EVERY == LATE_EVERY - 1:
        day = dt.date(year, 2, 10 + board.index % 15)
    else:
        day = dt.date(year, 1, 12 + board.index % 17)
    return min(day, today)


async def insert_shared_decisions(
    years: list[int], coordinator: int, name: str
) -> dict[int, list[dict]]:
    """KS's decision on each year's shared points, in November the year before."""
    per_year = get_settings().shared_points_per_year
    decisions = await insert_rows(
        SharedControlDecision,
        [
            dict(
                year=year,
                decided_on=dt.date(year - 1, 11, 18),
                paragraph=paragraph_text("187"),
                registry_number=f"KS {year - 1}/{year % 100 + 400}",
                recorded_by=coordinator,
                recorded_by_name=name,
                recorded_at=start_of_day(dt.date(year - 1, 11, 19)),
            )
            for year in years
        ],
    )
    rows, points = [], {year: [] for year in years}
    for n, (year, decision) in enumerate(zip(years, decisions, strict=True)):
        for position in range(1, per_year + 1):
            source = SHARED_POOL[(n * per_year + position - 1) % len(SHARED_POOL)]
            point = {
                "decision": decision,
                "year": year,
                "position": position,
                "title": source.title,
                "purpose": source.purpose,
                "method": source.method,
                "frequency": "half_yearly",
                "report_when": source.report_when,
            }
            rows.append(dict(**point))
            points[year].append(point)
    for row, point_id in zip(
        [p for year in years for p in points[year]],
        await insert_rows(SharedControlPoint, rows),
        strict=True,
    ):
        row["id"] = point_id
    return points


def _owner(board: BoardInfo, n: int) -> int:
    """The first control owner holds a third of the controls, the others share the rest."""
    owners = board.owners
    if len(owners) == 1 or n % 3 == 0:
        return owners[0]
    return owners[1 + n % (len(owners) - 1)]


def _plan_row(board: BoardInfo, year: int, version: int, decided: dt.date) -> dict:
    """A version as it stands when sent for decision, its decision already filled in."""
    secretary = board.users["secretary"]
    return dict(
        board=board.id,
        year=year,
        version=version,
        status="for_decision",
        created_by_name=board.names[board.users["preparer"]],
        created_at=start_of_day(decided - dt.timedelta(days=40)),
        sent_for_decision_at=start_of_day(decided - dt.timedelta(days=14)),
        decided_on=decided,
        paragraph=paragraph_text(str(3 + (board.index + version) % 20)),
        registry_number=f"{board.short_name} {year - 1}/{100 + board.index * 7 + version}",
        adopted_at=start_of_day(decided) + dt.timedelta(hours=15),
        adopted_by=secretary,
        adopted_by_name=board.names[secretary],
    )


async def _adopt(plan_ids: list[int]) -> None:
    """för beslut → antagen in one statement; the freeze triggers allow nothing after it."""
    if plan_ids:
        await ControlPlan.update({ControlPlan.status: "adopted"}).where(
            ControlPlan.id.is_in(plan_ids)
        )


def _controls(
    boards: list[BoardInfo], registers: dict[int, Register], shared, years: list[int]
) -> tuple[list[dict], list[tuple]]:
    """Each year's controls per board: KS's points first, then risks by value, as create_plan."""
    controls, specs = [], []
    for year in years:
        for board in boards:
            register = registers[board.id]
            derived = [
                risk_id
                for risk_id in register.risk_ids
                if register.scored[(risk_id, year)].treatment == "control"
            ]
            derived.sort(key=lambda r: (-register.scored[(r, year)].value, register.titles[r]))
            for point in shared[year]:
                controls.append(dict(board=board.id, year=year, shared_point=point["id"]))
                specs.append((board, year, point, None))
            for risk_id in derived:
                controls.append(dict(board=board.id, year=year))
                specs.append((board, year, None, risk_id))
    return controls, specs


def _text(board: BoardInfo, register: Register, point, risk_id, n: int) -> dict:
    """A control's plan text as the preparer completes it (see demo_plans._complete)."""
    if point is not None:
        text = {k: point[k] for k in ("title", "purpose", "method", "frequency", "report_when")}
        return text | {"reported_to": "Kommunstyrelsen", "process": None}
    title = register.titles[risk_id]
    return {
        "title": title,
        "purpose": f"Förebygga att risken inträffar: {title.lower()}",
        "method": METHODS[n % len(METHODS)],
        "frequency": FREQUENCIES[n % len(FREQUENCIES)],
        "report_when": "Delår och helår",
        "reported_to": f"{board.short_name} via förvaltningschefen",
        "process": register.process_of[risk_id],
    }


async def _insert_versions(versions: list[tuple[int, list[tuple[dict, int | None, int | None]]]]):
    """Plan versions' controls and their risk links, pinned to the adopted scoring."""
    rows, links = [], []
    for plan_id, written in versions:
        for fields, risk_id, assessment in written:
            rows.append(dict(plan=plan_id, **fields))
            links.append((risk_id, assessment))
    ids = await insert_rows(PlanControl, rows)
    await insert_rows(
        PlanControlRisk,
        [
            dict(plan_control=pc, risk=risk_id, assessment=assessment)
            for pc, (risk_id, assessment) in zip(ids, links, strict=True)
            if risk_id is not None
        ],
    )


async def insert_plans(
    boards: list[BoardInfo],
    registers: dict[int, Register],
    shared: dict[int, list[dict]],
    years: list[int],
    today: dt.date,
) -> Plans:
    """Every board's adopted plan for each year, its controls, risk links and occasions.

    As the services do it: controls are written while a version is för beslut, then it is
    adopted; a revision (one board in ten, in May) is based on the version it supersedes.
    """
    current = years[-1]
    revise_on = dt.date(current, 5, 20)
    keys = [(board, year) for year in years for board in boards]
    first_ids = await insert_rows(
        ControlPlan, [_plan_row(b, y, 1, decision_day(y, b, today)) for b, y in keys]
    )
    first = {(b.id, y): plan_id for (b, y), plan_id in zip(keys, first_ids, strict=True)}
    revised = [
        b for b in boards if revise_on <= today and b.index % REVISED_EVERY == REVISED_EVERY // 2
    ]
    control_ids_specs = _controls(boards, registers, shared, years)
    control_ids = await insert_rows(Control, control_ids_specs[0])
    plans = Plans()
    written: dict[tuple[int, int], list] = {key: [] for key in first}
    schedule = []
    for control_id, (board, year, point, risk_id) in zip(
        control_ids, control_ids_specs[1], strict=True
    ):
        n = len(written[(board.id, year)])
        owner = _owner(board, n)
        register = registers[board.id]
        text = _text(board, register, point, risk_id, n)
        plans.owner_of[control_id] = owner
        fields = {
            "control": control_id,
            "position": n + 1,
            "scope": SCOPES[n % len(SCOPES)],
            "owner": owner,
            "owner_name": board.names[owner],
            **text,
        }
        assessment = register.scored[(risk_id, year)].assessment_id if risk_id else None
        written[(board.id, year)].append((fields, risk_id, assessment))
        for slot in occasion_slots(text["frequency"], year, get_settings().reporting_points):
            schedule.append(
                dict(
                    control=control_id,
                    board=board.id,
                    year=year,
                    period_key=slot.key,
                    period_start=slot.period_start,
                    period_end=slot.period_end,
                    due_on=slot.due_on,
                    reporting_point=slot.reporting_point,
                    open_ended=slot.open_ended,
                    scheduled=True,
                    created_at=start_of_day(decision_day(year, board, today))
                    + dt.timedelta(hours=15),
                )
            )
    await _insert_versions([(plan_id, written[key]) for key, plan_id in first.items()])
    await _adopt(first_ids)
    plans.adopted = dict(first)
    if revised:
        second = await insert_rows(
            ControlPlan,
            [_plan_row(b, current, 2, revise_on) for b in revised],
        )
        for board, plan_id in zip(revised, second, strict=True):
            await ControlPlan.update({ControlPlan.based_on: first[(board.id, current)]}).where(
                ControlPlan.id == plan_id
            )
            plans.adopted[(board.id, current)] = plan_id
        await _insert_versions(
            [(p, written[(b.id, current)]) for b, p in zip(revised, second, strict=True)]
        )
        await ControlPlan.update(
            {
                ControlPlan.status: "superseded",
                ControlPlan.superseded_at: start_of_day(revise_on) + dt.timedelta(hours=15),
            }
        ).where(ControlPlan.id.is_in([first[(b.id, current)] for b in revised]))
        await _adopt(second)
    for occasion_id, row in zip(await insert_rows(TestOccasion, schedule), schedule, strict=True):
        plans.occasions.append(
            Occasion(
                occasion_id,
                row["control"],
                row["board"],
                row["year"],
                row["due_on"],
                row["open_ended"],
            )
        )
    return plans

"""A small kommun living through the 2027 årshjul, built with the real services on a fake clock.

KS and two nämnder (BUN, SN) with users in every role, a deactivated user, a user who owns a
BUN control but lost their BUN role, a deactivated board (GAMLA) with an adopted plan, a
coordinator and an auditor. `setup_kommun` builds the state on 30 November 2026; `EVENTS`
are what happens later, day by day (plans adopted, results logged, an action postponed,
follow-ups sent, KS's decisions), each run with the clock on its day.
"""

from __future__ import annotations

import copy
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import timeutil
from internkontroll.auth.services import load_principal
from internkontroll.auth.tables import Membership
from internkontroll.controls import deviations, plans, results
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, add_control, update_control
from internkontroll.controls.shared import (
    SharedDecisionInput,
    SharedPointInput,
    record_shared_decision,
)
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import CorrectiveAction, TestOccasion
from internkontroll.controls.views import plan_document
from internkontroll.organisation.tables import Board
from internkontroll.reports.followups import (
    FollowUpInput,
    approve_follow_up,
    save_follow_up,
    send_follow_up,
)
from tests.conftest import make_board, make_user

YEAR = 2027
SETUP_DAY = dt.date(2026, 11, 30)

USERS: dict[str, dict] = {
    "samordnare": {"global_roles": ("coordinator",)},
    "revisor": {"global_roles": ("auditor",)},
    "ks-sekreterare": {"board_roles": (("KS", "secretary"),)},
    "ks-handlaggare": {"board_roles": (("KS", "preparer"),)},
    "ks-kontrollant": {"board_roles": (("KS", "control_owner"),)},
    "bun-sekreterare": {"board_roles": (("BUN", "secretary"),)},
    "bun-handlaggare": {"board_roles": (("BUN", "preparer"),)},
    "bun-kontrollant": {"board_roles": (("BUN", "control_owner"),)},
    "bun-ledamot": {"board_roles": (("BUN", "viewer"),)},
    "sn-sekreterare": {"board_roles": (("SN", "secretary"),)},
    "sn-handlaggare": {"board_roles": (("SN", "preparer"), ("SN", "secretary"))},
    "sn-kontrollant": {"board_roles": (("SN", "control_owner"),)},
    # Deactivated before the year starts: secretary of SN, control owner in BUN.
    "avslutad": {"board_roles": (("SN", "secretary"), ("BUN", "control_owner"))},
    # Owns BUN's Skolskjuts control but loses the BUN role once the plan is adopted.
    "rollos": {"board_roles": (("BUN", "control_owner"), ("SN", "viewer"))},
    "gamla-sekreterare": {"board_roles": (("GAMLA", "secretary"),)},
    "gamla-handlaggare": {"board_roles": (("GAMLA", "preparer"),)},
    "gamla-kontrollant": {"board_roles": (("GAMLA", "control_owner"),)},
}
NOBODY_REMINDED = ("revisor", "bun-ledamot", "avslutad", "rollos") + tuple(
    name for name in USERS if name.startswith("gamla-")
)

SHARED = (
    SharedPointInput(title="Attest av leverantörsfakturor", method="sample", report_when="Delår"),
    SharedPointInput(
        title="Diarieföring av allmänna handlingar", method="review", report_when="Helår"
    ),
)


class Clock:
    """Today, as every service module sees it: patched wherever `today` was imported."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.day = SETUP_DAY
        original = timeutil.today
        for name, module in list(sys.modules.items()):
            if name.startswith("internkontroll") and getattr(module, "today", None) is original:
                monkeypatch.setattr(module, "today", self.today)

    def today(self) -> dt.date:
        return self.day

    def set(self, day: dt.date) -> None:
        self.day = day


@dataclass
class Kommun:
    """Ids of everything the tests look at."""

    boards: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    controls: dict[str, int] = field(default_factory=dict)  # "BUN:attest" → control id

    def username(self, user_id: int) -> str:
        return next(name for name, uid in self.users.items() if uid == user_id)

    async def principal(self, username: str):
        return await load_principal(self.users[username])

    async def occasion(self, control: str, period_key: str) -> int:
        row = (
            await TestOccasion.select(TestOccasion.id)
            .where(
                (TestOccasion.control == self.controls[control])
                & (TestOccasion.period_key == period_key)
            )
            .first()
        )
        return row["id"]

    async def action(self) -> int:
        row = await CorrectiveAction.select(CorrectiveAction.id).first()
        return row["id"]


async def setup_kommun(clock: Clock) -> Kommun:
    """Boards, users, and GAMLA's 2027 plan adopted before GAMLA is wound up (30 Nov 2026)."""
    clock.set(SETUP_DAY)
    k = Kommun()
    k.boards["KS"] = await make_board("KS", kind="executive", name="Kommunstyrelsen")
    k.boards["BUN"] = await make_board("BUN", name="Barn- och utbildningsnämnden")
    k.boards["SN"] = await make_board("SN", name="Socialnämnden")
    k.boards["GAMLA"] = await make_board("GAMLA", name="Gamla nämnden")
    for username, roles in USERS.items():
        k.users[username] = await make_user(username, **roles)
    plan_id = await _draft(k, "GAMLA", "gamla-handlaggare")
    await _add(
        k,
        plan_id,
        "GAMLA:tillsyn",
        "Tillsyn av serveringstillstånd",
        "quarterly",
        "gamla-kontrollant",
    )
    await plans.send_for_decision(await k.principal("gamla-handlaggare"), plan_id)
    await plans.adopt(
        await k.principal("gamla-sekreterare"),
        plan_id,
        DecisionInput(SETUP_DAY, "§ 90", "G 2026/9"),
    )
    await Board.update({Board.active: False}).where(Board.id == k.boards["GAMLA"])
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == k.users["avslutad"])
    return k


async def _draft(k: Kommun, board: str, preparer: str, year: int = YEAR) -> int:
    plan_id = await plans.create_plan(await k.principal(preparer), k.boards[board], year)
    k.plans[board] = plan_id
    return plan_id


async def _add(k: Kommun, plan_id: int, key: str, title: str, frequency: str, owner: str) -> None:
    board = key.split(":")[0]
    preparer = await k.principal(f"{board.lower()}-handlaggare")
    pc_id = await add_control(
        preparer,
        plan_id,
        ControlInput(
            title=title,
            purpose="Förebygga fel",
            method="sample",
            scope="10 av 100",
            frequency=frequency,
            report_when="Delår och helår",
            reported_to="Nämnden",
            owner_id=k.users[owner],
        ),
    )
    row = await PlanControl.select(PlanControl.control).where(PlanControl.id == pc_id).first()
    k.controls[key] = row["control"]


async def _own_shared(k: Kommun, board: str, owner: str) -> None:
    """Give KS's shared points in the board's draft an owner; record their control ids."""
    preparer = await k.principal(f"{board.lower()}-handlaggare")
    document = await plan_document(preparer, k.plans[board])
    for n, control in enumerate(c for c in document.controls if c.shared):
        await update_control(
            preparer,
            control.id,
            ControlInput(
                title=control.title,
                purpose=control.purpose,
                method=control.method,
                scope="Alla",
                frequency=control.frequency,
                report_when=control.report_when,
                reported_to="KS",
                owner_id=k.users[owner],
            ),
        )
        k.controls[f"{board}:shared{n + 1}"] = control.control_id


async def decide_shared(k: Kommun, year: int, day: dt.date) -> None:
    await record_shared_decision(
        await k.principal("samordnare"),
        SharedDecisionInput(year, DecisionInput(day, "§ 5", f"KS {day.year}/1"), SHARED),
    )


async def draft_plans(k: Kommun) -> None:
    """BUN, SN and KS draft their 2027 plans (KS's shared points included) and send them."""
    for board in ("BUN", "SN", "KS"):
        await _draft(k, board, f"{board.lower()}-handlaggare")
        await _own_shared(k, board, f"{board.lower()}-kontrollant")
    await _add(
        k, k.plans["BUN"], "BUN:attest", "Attest av fakturor", "quarterly", "bun-kontrollant"
    )
    await _add(k, k.plans["BUN"], "BUN:skolskjuts", "Skolskjuts", "yearly", "rollos")
    for board in ("BUN", "SN", "KS"):
        await plans.send_for_decision(
            await k.principal(f"{board.lower()}-handlaggare"), k.plans[board]
        )


async def adopt(k: Kommun, board: str, day: dt.date) -> None:
    await plans.adopt(
        await k.principal(f"{board.lower()}-sekreterare"),
        k.plans[board],
        DecisionInput(day, "§ 3", f"{board} {day.year}/12"),
    )


async def adopt_plan(k: Kommun, board: str, year: int, day: dt.date, monthly: int) -> None:
    """A whole plan for the year at once: KS's shared points and `monthly` controls of its own."""
    prefix = board.lower()
    plan_id = await _draft(k, board, f"{prefix}-handlaggare", year)
    await _own_shared(k, board, f"{prefix}-kontrollant")
    for n in range(monthly):
        await _add(
            k, plan_id, f"{board}:m{n}", f"Månadskontroll {n}", "monthly", f"{prefix}-kontrollant"
        )
    await plans.send_for_decision(await k.principal(f"{prefix}-handlaggare"), plan_id)
    await adopt(k, board, day)


async def drop_rollos_role(k: Kommun) -> None:
    await Membership.delete().where(
        (Membership.user == k.users["rollos"]) & (Membership.board == k.boards["BUN"])
    )


async def log(k: Kommun, control: str, period: str, day: dt.date, outcome: str = "passed") -> None:
    owner = await k.principal("bun-kontrollant")
    data = results.ResultInput(
        day,
        "Kim Kontrollant",
        "10 av 100",
        outcome,
        deviation="Attest saknas" if outcome != "passed" else "",
    )
    action = None
    if outcome != "passed":
        action = deviations.ActionInput(
            "Ny attestrutin", k.users["bun-kontrollant"], dt.date(YEAR, 5, 31)
        )
    await deviations.log_result_with_action(
        owner, await k.occasion(control, period), data, action=action
    )


async def postpone(k: Kommun) -> None:
    await deviations.postpone_action(
        await k.principal("bun-kontrollant"),
        await k.action(),
        dt.date(YEAR, 9, 15),
        "Väntar på nytt system",
    )


async def close(k: Kommun, day: dt.date) -> None:
    await deviations.close_action(
        await k.principal("bun-kontrollant"), await k.action(), day, "Rutinen är ny"
    )


async def send(k: Kommun, board: str, year: int, period: str, decided: dt.date) -> None:
    prefix = board.lower()
    await save_follow_up(
        await k.principal(f"{prefix}-handlaggare"),
        k.boards[board],
        year,
        period,
        FollowUpInput("green", "Bra."),
    )
    secretary = await k.principal(f"{prefix}-sekreterare")
    await approve_follow_up(
        secretary, k.boards[board], year, period, DecisionInput(decided, "§ 9", "D 1")
    )
    await send_follow_up(secretary, k.boards[board], year, period)


def d(month: int, day: int, year: int = YEAR) -> dt.date:
    return dt.date(year, month, day)


Event = Callable[[Kommun], Awaitable[None]]

# Each runs with the clock on its day, after that morning's reminders.
EVENTS: dict[dt.date, list[Event]] = {
    d(1, 12): [lambda k: decide_shared(k, YEAR, d(1, 12))],
    d(1, 13): [draft_plans],
    d(1, 26): [lambda k: adopt(k, "BUN", d(1, 26))],
    d(1, 27): [lambda k: adopt(k, "KS", d(1, 27)), drop_rollos_role],
    d(2, 16): [lambda k: adopt(k, "SN", d(2, 16))],  # late: two overdue rounds went out
    d(4, 8): [lambda k: log(k, "BUN:attest", "Q1", d(4, 8), "minor")],  # late, with an action
    d(6, 2): [postpone],  # the action moves from 31 May to 15 September
    d(6, 21): [lambda k: log(k, "BUN:attest", "Q2", d(6, 21))],
    d(8, 20): [
        lambda k: log(k, "BUN:shared1", "H1", d(8, 20)),
        lambda k: log(k, "BUN:shared2", "H1", d(8, 20)),
    ],
    d(9, 20): [lambda k: close(k, d(9, 20))],
    d(10, 20): [lambda k: send(k, "BUN", YEAR, "delar", d(10, 19))],
    d(11, 10): [lambda k: send(k, "SN", YEAR, "delar", d(11, 9))],
    d(12, 1): [lambda k: send(k, "KS", YEAR, "delar", d(11, 30))],
    d(1, 20, YEAR + 1): [lambda k: decide_shared(k, YEAR + 1, d(1, 20, YEAR + 1))],
    d(2, 10, YEAR + 1): [lambda k: send(k, "BUN", YEAR, "helar", d(2, 9, YEAR + 1))],
}


_states: dict[dt.date, tuple[str, Kommun]] = {}


async def kommun_at(day: dt.date, db: str, database_factory, monkeypatch) -> tuple[Kommun, Clock]:
    """The kommun as it is on the evening of the day, built once per session and then copied."""
    clock = Clock(monkeypatch)
    if day in _states:
        kept, kommun = _states[day]
        await database_factory.restore(db, kept)
        clock.set(day)
        return copy.deepcopy(kommun), clock
    kommun = await setup_kommun(clock)
    await live_until(kommun, clock, day)
    kept = await database_factory.snapshot(db, f"cycle_{day:%Y%m%d}")
    _states[day] = (kept, copy.deepcopy(kommun))
    return kommun, clock


async def live_until(k: Kommun, clock: Clock, last: dt.date) -> None:
    """Run every event up to and including the day, each on its own day."""
    for day in sorted(EVENTS):
        if day <= last:
            clock.set(day)
            for event in EVENTS[day]:
                await event(k)
    clock.set(last)

"""Every deadline of the årshjul, with the people it concerns, read in a fixed number of queries.

The kinds and who is reminded:
- PLAN_ADOPTION (board, year Y): the board's secretaries and preparers; due on the plan
  deadline (31 January Y); done once a version was adopted; reminders stop after 31 Dec Y.
- FOLLOW_UP (board, year, reporting point): the same people, for boards with an adopted plan
  that year; due FOLLOW_UP_DUE_DAYS after the reporting point; done once sent to KS. A delår
  follow-up is reminded of until the next reporting point's follow-up is due (the helår one
  when the year has one delår): after that the next report is what matters.
- TEST_OCCASION and ACTION: see deadlines_testing.py (control owner; action's responsible).
- SHARED_DECISION (year Y, about Y+1): coordinators; due on SHARED_POINTS_DEADLINE in Y (31
  December); done once KS's decision on the shared points for Y+1 is recorded.
- SHARED_REPORTING (year, reporting point), in years KS decided shared points for:
  coordinators; due with the boards' follow-ups; done once every active board with an
  adopted plan that year has sent its follow-up to KS; a delår one stops like FOLLOW_UP.

Overdue reminders stop at the latest a year after the due date (stages.overdue_end).
Only active users are recipients, board-bound deadlines only reach users with a role on that
board, and deactivated boards have no deadlines. A deadline belongs to the year of its plan,
except ACTION (the year it is due) and SHARED_DECISION (the year it is due, deciding Y+1).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from piccolo.querystring import QueryString

from internkontroll.controls.deadline import plan_deadline
from internkontroll.controls.schedule import month_day
from internkontroll.db import current_engine
from internkontroll.reminders.deadlines_testing import action_deadlines, occasion_deadlines
from internkontroll.reminders.model import Deadline, DeadlineKind, Recipient
from internkontroll.reports.periods import ReportingPeriod, reporting_periods
from internkontroll.settings import get_settings

ROLE_WORDS = {"secretary": "nämndsekreterare", "preparer": "handläggare"}
COORDINATOR_REASON = "Du är internkontrollsamordnare."
BOARD_KINDS = {DeadlineKind.PLAN_ADOPTION, DeadlineKind.FOLLOW_UP}
SHARED_KINDS = {DeadlineKind.SHARED_DECISION, DeadlineKind.SHARED_REPORTING}


@dataclass
class People:
    """Who may be reminded: active users' roles on active boards, and the coordinators."""

    boards: dict[int, str]  # active board id → short name
    members: dict[int, set[int]]  # board → active users with any role on it
    responsible: dict[int, dict[int, list[str]]]  # board → user → secretary/preparer roles
    coordinators: list[int]

    def board_recipients(self, board_id: int) -> tuple[Recipient, ...]:
        """The board's secretaries and preparers, each once, saying which role(s) they hold."""
        short_name = self.boards[board_id]
        recipients = []
        for user_id, roles in sorted(self.responsible.get(board_id, {}).items()):
            words = " och ".join(ROLE_WORDS[r] for r in ROLE_WORDS if r in roles)
            recipients.append(Recipient(user_id, f"Du är {words} för {short_name}."))
        return tuple(recipients)

    def coordinator_recipients(self) -> tuple[Recipient, ...]:
        """Every active coordinator."""
        return tuple(Recipient(user_id, COORDINATOR_REASON) for user_id in self.coordinators)


PEOPLE_SQL = (
    "SELECT 'board' AS what, b.id AS ref, 0 AS board, b.short_name AS name "
    "FROM board b WHERE b.active "
    "UNION ALL "
    "SELECT 'member', m.\"user\", m.board, m.role FROM membership m "
    'JOIN piccolo_user u ON u.id = m."user" JOIN board b ON b.id = m.board '
    "WHERE u.active AND b.active "
    "UNION ALL "
    "SELECT 'coordinator', g.\"user\", 0, g.role FROM global_role g "
    "JOIN piccolo_user u ON u.id = g.\"user\" WHERE u.active AND g.role = 'coordinator'"
)


async def load_people() -> People:
    """Active boards, their active members' roles and the active coordinators (1 query)."""
    boards: dict[int, str] = {}
    members: dict[int, set[int]] = defaultdict(set)
    responsible: dict[int, dict[int, list[str]]] = defaultdict(dict)
    coordinators: set[int] = set()
    for row in await current_engine().run_querystring(QueryString(PEOPLE_SQL)):
        if row["what"] == "board":
            boards[row["ref"]] = row["name"]
        elif row["what"] == "coordinator":
            coordinators.add(row["ref"])
        else:
            members[row["board"]].add(row["ref"])
            if row["name"] in ROLE_WORDS:
                responsible[row["board"]].setdefault(row["ref"], []).append(row["name"])
    return People(boards, dict(members), dict(responsible), sorted(coordinators))


# What is done, for the years asked: adopted plans, follow-ups sent, KS's shared decisions.
STATUS_SQL = (
    "SELECT DISTINCT 'adopted' AS what, board, year, '' AS period FROM control_plan "
    "WHERE status IN ('adopted', 'superseded') AND year >= {} AND year <= {} "
    "UNION ALL "
    "SELECT 'sent', board, year, period FROM follow_up "
    "WHERE status = 'sent' AND year >= {} AND year <= {} "
    "UNION ALL "
    "SELECT 'decided', 0, year, '' FROM shared_control_decision WHERE year >= {} AND year <= {}"
)


@dataclass
class Statuses:
    """What is done in the years: adopted plans, sent follow-ups, years KS decided on."""

    adopted: set[tuple[int, int]]  # (board, year), any board
    sent: set[tuple[int, int, str]]  # (board, year, period key)
    decided: set[int]  # years with KS's shared control points (including the year after)


async def load_statuses(years: list[int]) -> Statuses:
    """Which plans are adopted, follow-ups sent and shared points decided (1 query)."""
    first, last = years[0], years[-1]
    rows = await current_engine().run_querystring(
        QueryString(STATUS_SQL, first, last, first, last, first, last + 1)
    )
    statuses = Statuses(set(), set(), set())
    for row in rows:
        if row["what"] == "adopted":
            statuses.adopted.add((row["board"], row["year"]))
        elif row["what"] == "sent":
            statuses.sent.add((row["board"], row["year"], row["period"]))
        else:
            statuses.decided.add(row["year"])
    return statuses


def follow_up_due(period: ReportingPeriod, follow_up_due_days: int) -> dt.date:
    """When a reporting point's follow-up must have reached KS."""
    return period.end + dt.timedelta(days=follow_up_due_days)


def interim_remind_until(
    periods: list[ReportingPeriod], index: int, follow_up_due_days: int
) -> dt.date | None:
    """When a follow-up's overdue reminders stop: the next point's due date; helår: None."""
    # An unsent delår is overtaken by the next report (which covers it, from 1 January).
    if index + 1 >= len(periods):
        return None
    return follow_up_due(periods[index + 1], follow_up_due_days)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


async def collect_deadlines(
    years: Iterable[int],
    *,
    kinds: Collection[DeadlineKind] | None = None,
    user_id: int | None = None,
    due_by: dt.date | None = None,
    include_done: bool = True,
) -> list[Deadline]:
    """Every deadline of the years, sorted by due date, board and title (at most 4 queries).

    `kinds` limits the kinds, `user_id` keeps the deadlines that user is reminded of, `due_by`
    drops those due later, and `include_done=False` drops those already done.
    """
    wanted_years = sorted({int(year) for year in years})
    wanted_kinds = set(DeadlineKind) if kinds is None else {DeadlineKind(k) for k in kinds}
    if not wanted_years or not wanted_kinds:
        return []
    # One transaction: a consistent picture, and on SQLite one connection for every query.
    async with current_engine().transaction():
        deadlines = await _collect(wanted_years, wanted_kinds, user_id, due_by, include_done)
    kept = [
        d
        for d in deadlines
        if (include_done or not d.done)
        and (due_by is None or d.due_on <= due_by)
        and (user_id is None or any(r.user_id == user_id for r in d.recipients))
    ]
    kept.sort(key=lambda d: (d.due_on, d.board_name, d.title, d.subject))
    return kept


async def _collect(
    wanted_years: list[int],
    wanted_kinds: set[DeadlineKind],
    user_id: int | None,
    due_by: dt.date | None,
    include_done: bool,
) -> list[Deadline]:
    config = get_settings().reminders
    people = await load_people()
    deadlines: list[Deadline] = []
    if wanted_kinds & (BOARD_KINDS | SHARED_KINDS):
        statuses = await load_statuses(wanted_years)
        deadlines += _board_deadlines(wanted_years, wanted_kinds, people, statuses)
        if DeadlineKind.SHARED_REPORTING in wanted_kinds:
            deadlines += _shared_reporting_deadlines(wanted_years, people, statuses)
        if DeadlineKind.SHARED_DECISION in wanted_kinds:
            deadlines += _shared_decision_deadlines(wanted_years, people, statuses)
    testing = dict(user_id=user_id, due_by=due_by, include_done=include_done)
    if DeadlineKind.TEST_OCCASION in wanted_kinds:
        deadlines += await occasion_deadlines(
            wanted_years,
            people.boards,
            people.members,
            follow_up_due_days=config.follow_up_due_days,
            **testing,
        )
    if DeadlineKind.ACTION in wanted_kinds:
        deadlines += await action_deadlines(wanted_years, people.boards, people.members, **testing)
    return deadlines


def _board_deadlines(
    years: list[int], kinds: set[DeadlineKind], people: People, statuses: Statuses
) -> list[Deadline]:
    """Each active board's plan adoption and, with an adopted plan, its follow-ups."""
    follow_up_due_days = get_settings().reminders.follow_up_due_days
    deadlines = []
    for year in years:
        periods = reporting_periods(year)
        for board_id, short_name in people.boards.items():
            recipients = people.board_recipients(board_id)
            adopted = (board_id, year) in statuses.adopted
            if DeadlineKind.PLAN_ADOPTION in kinds:
                deadlines.append(
                    Deadline(
                        kind=DeadlineKind.PLAN_ADOPTION,
                        subject=f"plan:{board_id}:{year}",
                        title=f"Internkontrollplan {year} för {short_name} ska antas",
                        due_on=plan_deadline(year),
                        board_id=board_id,
                        board_name=short_name,
                        link=f"/namnder/{board_id}/plan?ar={year}",
                        done=adopted,
                        recipients=recipients,
                        remind_until=dt.date(year, 12, 31),
                    )
                )
            if DeadlineKind.FOLLOW_UP not in kinds or not adopted:
                continue
            for index, period in enumerate(periods):
                label = _lower_first(period.label)
                deadlines.append(
                    Deadline(
                        kind=DeadlineKind.FOLLOW_UP,
                        subject=f"followup:{board_id}:{year}:{period.key}",
                        title=f"Uppföljning {label} för {short_name} ska skickas till KS",
                        due_on=follow_up_due(period, follow_up_due_days),
                        board_id=board_id,
                        board_name=short_name,
                        link=f"/namnder/{board_id}/uppfoljning/{year}/{period.key}",
                        done=(board_id, year, period.key) in statuses.sent,
                        recipients=recipients,
                        remind_until=interim_remind_until(periods, index, follow_up_due_days),
                    )
                )
    return deadlines


def _shared_reporting_deadlines(
    years: list[int], people: People, statuses: Statuses
) -> list[Deadline]:
    """The shared points reach KS at each reporting point when every board has sent."""
    follow_up_due_days = get_settings().reminders.follow_up_due_days
    deadlines = []
    for year in [y for y in years if y in statuses.decided]:
        reporting = sorted(
            (people.boards[board_id], board_id)
            for board_id, y in statuses.adopted
            if y == year and board_id in people.boards
        )
        periods = reporting_periods(year)
        for index, period in enumerate(periods):
            missing = [name for name, b in reporting if (b, year, period.key) not in statuses.sent]
            detail = f"{len(reporting) - len(missing)} av {len(reporting)} nämnder har rapporterat"
            detail += f"; saknas: {', '.join(missing)}." if missing else "."
            label = _lower_first(period.label)
            deadlines.append(
                Deadline(
                    kind=DeadlineKind.SHARED_REPORTING,
                    subject=f"shared-reporting:{year}:{period.key}",
                    title=f"Gemensamma kontrollmoment {label} ska rapporteras till KS",
                    due_on=follow_up_due(period, follow_up_due_days),
                    board_id=None,
                    board_name="",
                    link=f"/ks/gemensamma?ar={year}&period={period.key}",
                    # No board with an adopted plan means nothing has reached KS yet.
                    done=bool(reporting) and not missing,
                    recipients=people.coordinator_recipients(),
                    remind_until=interim_remind_until(periods, index, follow_up_due_days),
                    detail=detail,
                )
            )
    return deadlines


def _shared_decision_deadlines(
    years: list[int], people: People, statuses: Statuses
) -> list[Deadline]:
    """KS's decision on next year's shared control points, due in each of the years."""
    month, day = get_settings().reminders.shared_points_deadline
    return [
        Deadline(
            kind=DeadlineKind.SHARED_DECISION,
            subject=f"shared-decision:{year + 1}",
            title=f"KS ska besluta om gemensamma kontrollmoment för {year + 1}",
            due_on=month_day(year, month, day),
            board_id=None,
            board_name="",
            link="/gemensamma-kontrollmoment",
            done=year + 1 in statuses.decided,
            recipients=people.coordinator_recipients(),
            # Once the year the points were for is over, a decision can no longer shape it.
            remind_until=dt.date(year + 1, 12, 31),
        )
        for year in years
    ]

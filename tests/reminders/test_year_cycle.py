"""A whole årshjul on a controlled clock: which reminders fall due when, and to whom.

The kommun of cycle_world.py lives from 1 December 2026 to 31 March 2028. Every day the
morning's reminders_due(day) is recorded, then that day's events happen (plans adopted,
results logged, an action postponed, follow-ups sent, KS's decisions). The clock is moved by
passing dates, never by sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pytest

from internkontroll.controls.testing_tables import TestOccasion
from internkontroll.reminders.model import DeadlineKind
from internkontroll.reminders.planner import reminders_due
from internkontroll.reminders.workdays import is_working_day
from tests.reminders.cycle_world import (
    EVENTS,
    NOBODY_REMINDED,
    YEAR,
    Clock,
    Kommun,
    d,
    setup_kommun,
)

FIRST_DAY = dt.date(2026, 12, 1)
LAST_DAY = dt.date(2028, 3, 31)


@dataclass(frozen=True)
class Sent:
    """One reminder as the walk saw it."""

    day: dt.date
    user: str
    kind: DeadlineKind
    stage: str
    subject: str
    due_on: dt.date
    key: str
    message: str
    reason: str
    board_id: int | None


@dataclass
class Walk:
    kommun: Kommun
    sent: list[Sent]
    quiet_days: list[dt.date]  # the non-working days, each of which had nothing
    occasions: dict[tuple[str, str], int]  # (control key, period key) → occasion id
    action_id: int

    def occasion(self, control: str, period: str) -> str:
        return f"occasion:{self.occasions[(control, period)]}"

    def got(self, subject: str, user: str) -> list[tuple[dt.date, str]]:
        """(day, stage) of every reminder the user got about the subject, in order."""
        return [(s.day, s.stage) for s in self.sent if s.subject == subject and s.user == user]

    def about(self, subject: str) -> list[Sent]:
        return [s for s in self.sent if s.subject == subject]


_walks: dict[str, Walk] = {}


@pytest.fixture
async def walk(db, monkeypatch) -> Walk:
    """Live through the year once per session; the tests read what it recorded."""
    if "walk" not in _walks:
        _walks["walk"] = await _live_through_the_year(monkeypatch)
    return _walks["walk"]


async def _live_through_the_year(monkeypatch) -> Walk:
    clock = Clock(monkeypatch)
    kommun = await setup_kommun(clock)
    sent: list[Sent] = []
    quiet: list[dt.date] = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        clock.set(day)
        due = await reminders_due(day)
        if not is_working_day(day):
            assert due == [], f"reminders on a non-working day {day}"
            quiet.append(day)
        for r in due:
            sent.append(
                Sent(
                    day,
                    kommun.username(r.recipient.user_id),
                    r.deadline.kind,
                    r.stage.code,
                    r.deadline.subject,
                    r.deadline.due_on,
                    r.key,
                    r.message,
                    r.recipient.reason,
                    r.deadline.board_id,
                )
            )
        for event in EVENTS.get(day, []):
            await event(kommun)
        day += dt.timedelta(days=1)
    rows = await TestOccasion.select(TestOccasion.id, TestOccasion.control, TestOccasion.period_key)
    by_control = {control_id: key for key, control_id in kommun.controls.items()}
    occasions = {(by_control[r["control"]], r["period_key"]): r["id"] for r in rows}
    return Walk(kommun, sent, quiet, occasions, await kommun.action())


def plan(w: Walk, board: str, year: int = YEAR) -> str:
    return f"plan:{w.kommun.boards[board]}:{year}"


def follow_up(w: Walk, board: str, period: str, year: int = YEAR) -> str:
    return f"followup:{w.kommun.boards[board]}:{year}:{period}"


async def test_the_whole_walk_is_quiet_on_weekends_and_holidays_and_never_repeats(walk):
    assert len(walk.sent) > 300
    # Weekends and every kind of holiday passed by without a single reminder.
    for holiday in (d(12, 24, 2026), d(1, 6), d(3, 26), d(5, 6), d(6, 25), d(12, 31)):
        assert holiday in walk.quiet_days
    assert len(walk.quiet_days) > 140
    assert all(is_working_day(s.day) for s in walk.sent)
    # Each reminder has its own key: the same thing, due date, stage and person never twice.
    keys = Counter(s.key for s in walk.sent)
    assert keys.most_common(1)[0][1] == 1
    # At most one reminder per deadline, person and day.
    per_day = Counter((s.day, s.subject, s.user) for s in walk.sent)
    assert per_day.most_common(1)[0][1] == 1


async def test_nobody_outside_the_rules_is_reminded(walk):
    users = {s.user for s in walk.sent}
    assert users.isdisjoint(NOBODY_REMINDED)  # auditor, viewer, deactivated, role-less owner
    assert walk.kommun.boards["GAMLA"] not in {s.board_id for s in walk.sent}
    # The role-less owner's control has no one to remind.
    assert walk.about(walk.occasion("BUN:skolskjuts", "Y")) == []
    coordinator_kinds = {s.kind for s in walk.sent if s.user == "samordnare"}
    assert coordinator_kinds == {DeadlineKind.SHARED_DECISION, DeadlineKind.SHARED_REPORTING}
    assert {s.kind for s in walk.sent if s.user.endswith("-kontrollant")} == {
        DeadlineKind.TEST_OCCASION,
        DeadlineKind.ACTION,
    }


async def test_plan_deadline_on_a_sunday_and_adoption_stopping_the_reminders(walk):
    # 31 January 2027 is a Sunday. 17 January is a Sunday too: the 14-day reminder moves back
    # to Friday 15 January, and the one "on the day" to Friday 29 January.
    # (The brief's example says Monday 18 January; the rule in the common brief moves every
    # reminder ahead of time to the previous working day, which is what this follows.)
    late_sn = [
        (d(1, 15), "fore-14"),
        (d(1, 28), "fore-3"),
        (d(1, 29), "dag"),
        (d(2, 8), "sen-1"),  # 7 February is a Sunday
        (d(2, 15), "sen-2"),  # adopted on 16 February: no sen-3
    ]
    assert walk.got(plan(walk, "SN"), "sn-sekreterare") == late_sn
    assert walk.got(plan(walk, "SN"), "sn-handlaggare") == late_sn
    # BUN adopted on 26 January and KS on the 27th: only the 14-day reminder went out.
    for board, users in (
        ("BUN", ("bun-sekreterare", "bun-handlaggare")),
        ("KS", ("ks-sekreterare", "ks-handlaggare")),
    ):
        for user in users:
            assert walk.got(plan(walk, board), user) == [(d(1, 15), "fore-14")]
    recipients = {s.user for s in walk.sent if s.kind == DeadlineKind.PLAN_ADOPTION}
    assert recipients == {
        "ks-sekreterare",
        "ks-handlaggare",
        "bun-sekreterare",
        "bun-handlaggare",
        "sn-sekreterare",
        "sn-handlaggare",
    }
    by_day = {s.day: s for s in walk.about(plan(walk, "SN")) if s.user == "sn-handlaggare"}
    assert by_day[d(1, 15)].message == (
        "Ska vara klart senast söndag 31 januari 2027, om 16 dagar."
    )
    assert by_day[d(1, 29)].message == "Ska vara klart senast söndag 31 januari 2027, om 2 dagar."
    assert by_day[d(2, 8)].message == (
        "Försenad: skulle ha varit klart senast söndag 31 januari 2027 (8 dagar sedan)."
    )
    assert by_day[d(2, 8)].reason == "Du är nämndsekreterare och handläggare för SN."


async def test_a_plan_never_adopted_is_reminded_weekly_until_the_end_of_its_year(walk):
    # No board ever adopted a 2026 plan: weekly until 31 December 2026, then silence.
    # 31 January 2026 was a Saturday, so the weekly reminders fall on Mondays.
    assert walk.got(plan(walk, "BUN", 2026), "bun-sekreterare") == [
        (d(12, 7, 2026), "sen-44"),
        (d(12, 14, 2026), "sen-45"),
        (d(12, 21, 2026), "sen-46"),
        (d(12, 28, 2026), "sen-47"),
    ]
    # The 2028 plan (31 January 2028 is a Monday) is not adopted within the walk.
    assert walk.got(plan(walk, "BUN", 2028), "bun-handlaggare") == [
        (d(1, 17, 2028), "fore-14"),
        (d(1, 28, 2028), "fore-3"),
        (d(1, 31, 2028), "dag"),
        (d(2, 7, 2028), "sen-1"),
        (d(2, 14, 2028), "sen-2"),
        (d(2, 21, 2028), "sen-3"),
        (d(2, 28, 2028), "sen-4"),
        (d(3, 6, 2028), "sen-5"),
        (d(3, 13, 2028), "sen-6"),
        (d(3, 20, 2028), "sen-7"),
        (d(3, 27, 2028), "sen-8"),
    ]


async def test_a_result_stops_an_occasions_reminders(walk):
    q1 = walk.occasion("BUN:attest", "Q1")
    # Due Wednesday 31 March 2027; 28 March is Easter Sunday and 26 March Good Friday.
    assert walk.got(q1, "bun-kontrollant") == [
        (d(3, 17), "fore-14"),
        (d(3, 25), "fore-3"),
        (d(3, 31), "dag"),
        (d(4, 7), "sen-1"),  # the result is logged on 8 April
    ]
    q2 = walk.occasion("BUN:attest", "Q2")
    assert walk.got(q2, "bun-kontrollant") == [(d(6, 16), "fore-14")]  # tested 21 June
    h1 = walk.occasion("BUN:shared1", "H1")
    assert walk.got(h1, "bun-kontrollant") == [(d(8, 17), "fore-14")]  # tested 20 August
    # Never tested: reminded until the year's follow-up is due (29 February 2028).
    q4 = walk.got(walk.occasion("BUN:attest", "Q4"), "bun-kontrollant")
    assert q4[:4] == [
        (d(12, 17), "fore-14"),
        (d(12, 28), "fore-3"),
        (d(12, 30), "dag"),  # 31 December is nyårsafton
        (d(1, 7, 2028), "sen-1"),
    ]
    assert q4[-1] == (d(2, 25, 2028), "sen-8")
    assert len(q4) == 11
    # SN never tests its shared points: its owner hears about both, BUN's owner does not.
    sn_h1 = walk.occasion("SN:shared1", "H1")
    assert {s.user for s in walk.about(sn_h1)} == {"sn-kontrollant"}
    assert walk.got(sn_h1, "sn-kontrollant")[-1] == (d(2, 29, 2028), "sen-26")


async def test_a_postponed_action_gets_a_new_round_keyed_by_its_new_due_date(walk):
    action = f"action:{walk.action_id}"
    assert walk.got(action, "bun-kontrollant") == [
        (d(5, 17), "fore-14"),
        (d(5, 28), "fore-3"),
        (d(5, 31), "dag"),
        # Postponed on 2 June to Wednesday 15 September: no overdue reminder for 31 May.
        (d(9, 1), "fore-14"),
        (d(9, 10), "fore-3"),  # 12 September is a Sunday
        (d(9, 15), "dag"),
        # Closed on 20 September: nothing on the 22nd.
    ]
    rounds = {s.due_on for s in walk.about(action)}
    assert rounds == {d(5, 31), d(9, 15)}
    owner = walk.kommun.users["bun-kontrollant"]
    keys = [s.key for s in walk.about(action) if s.stage == "dag"]
    assert keys == [f"{action}|2027-05-31|dag|{owner}", f"{action}|2027-09-15|dag|{owner}"]


async def test_follow_ups_and_the_shared_points_reach_ks(walk):
    # Delår per 31 August: due 60 days later, Saturday 30 October 2027.
    assert walk.got(follow_up(walk, "BUN", "delar"), "bun-sekreterare") == [(d(10, 15), "fore-14")]
    assert walk.got(follow_up(walk, "SN", "delar"), "sn-sekreterare") == [
        (d(10, 15), "fore-14"),
        (d(10, 27), "fore-3"),
        (d(10, 29), "dag"),
        (d(11, 8), "sen-1"),  # sent on 10 November
    ]
    ks_delar = [
        (d(10, 15), "fore-14"),
        (d(10, 27), "fore-3"),
        (d(10, 29), "dag"),
        (d(11, 8), "sen-1"),
        (d(11, 15), "sen-2"),
        (d(11, 22), "sen-3"),
        (d(11, 29), "sen-4"),  # KS sent its own on 1 December
    ]
    assert walk.got(follow_up(walk, "KS", "delar"), "ks-handlaggare") == ks_delar
    # The shared points are reported when the last board has sent: the coordinator's list.
    assert walk.got(f"shared-reporting:{YEAR}:delar", "samordnare") == ks_delar
    # Helår: due Tuesday 29 February 2028 (a leap year); BUN sent on 10 February.
    assert walk.got(follow_up(walk, "BUN", "helar"), "bun-sekreterare") == []
    helar = walk.got(f"shared-reporting:{YEAR}:helar", "samordnare")
    assert helar == [
        (d(2, 15, 2028), "fore-14"),
        (d(2, 25, 2028), "fore-3"),  # 26 February is a Saturday
        (d(2, 29, 2028), "dag"),
        (d(3, 7, 2028), "sen-1"),
        (d(3, 14, 2028), "sen-2"),
        (d(3, 21, 2028), "sen-3"),
        (d(3, 28, 2028), "sen-4"),
    ]
    assert walk.got(follow_up(walk, "SN", "helar"), "sn-handlaggare") == helar


async def test_ks_decision_on_next_years_shared_points(walk):
    # Due 31 December (nyårsafton, so "on the day" goes out on the 30th); decided 12 January.
    assert walk.got(f"shared-decision:{YEAR}", "samordnare") == [
        (d(12, 17, 2026), "fore-14"),
        (d(12, 28, 2026), "fore-3"),
        (d(12, 30, 2026), "dag"),
        (d(1, 7), "sen-1"),
    ]
    assert walk.got(f"shared-decision:{YEAR + 1}", "samordnare") == [
        (d(12, 17), "fore-14"),
        (d(12, 28), "fore-3"),
        (d(12, 30), "dag"),
        (d(1, 7, 2028), "sen-1"),
        (d(1, 14, 2028), "sen-2"),  # decided on 20 January 2028
    ]
    assert {s.user for s in walk.sent if s.kind == DeadlineKind.SHARED_DECISION} == {"samordnare"}

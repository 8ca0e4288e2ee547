"""collect_deadlines: every kind, who it reaches, when done, the filters, a fixed query count."""

from __future__ import annotations

import dataclasses

import pytest

from internkontroll.controls import plans, results
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, update_control
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import CorrectiveAction, TestResult
from internkontroll.db import current_engine
from internkontroll.reminders.deadlines import collect_deadlines
from internkontroll.reminders.model import Deadline, DeadlineKind, Recipient
from internkontroll.reports import periods
from internkontroll.settings import get_settings
from tests.conftest import make_board, make_user
from tests.reminders.cycle_world import YEAR, Kommun, adopt_plan, d, kommun_at

K = DeadlineKind
APRIL = d(4, 8)  # plans adopted (SN late), Q1 of BUN's attest tested late with an action
YEAR_END = d(2, 10, YEAR + 1)  # delår sent by all, helår by BUN only, 2028's points decided


@pytest.fixture
async def april(db, database_factory, monkeypatch):
    return await kommun_at(APRIL, db, database_factory, monkeypatch)


@pytest.fixture
async def year_end(db, database_factory, monkeypatch):
    return await kommun_at(YEAR_END, db, database_factory, monkeypatch)


def by_subject(deadlines: list[Deadline]) -> dict[str, Deadline]:
    return {item.subject: item for item in deadlines}


def users(k: Kommun, item: Deadline) -> set[str]:
    return {k.username(r.user_id) for r in item.recipients}


async def test_plan_adoption_per_active_board_for_secretaries_and_preparers(april):
    k, _ = april
    deadlines = await collect_deadlines([YEAR], kinds=[K.PLAN_ADOPTION])
    assert {item.board_name for item in deadlines} == {"KS", "BUN", "SN"}  # not GAMLA
    sn = by_subject(deadlines)[f"plan:{k.boards['SN']}:{YEAR}"]
    assert sn.title == "Internkontrollplan 2027 för SN ska antas"
    assert (sn.due_on, sn.remind_until) == (d(1, 31), d(12, 31))
    assert sn.link == f"/namnder/{k.boards['SN']}/plan?ar=2027"
    assert sn.done
    # The deactivated secretary is left out; one user holding both roles is reminded once.
    assert set(sn.recipients) == {
        Recipient(k.users["sn-sekreterare"], "Du är nämndsekreterare för SN."),
        Recipient(k.users["sn-handlaggare"], "Du är nämndsekreterare och handläggare för SN."),
    }
    bun = by_subject(deadlines)[f"plan:{k.boards['BUN']}:{YEAR}"]
    assert users(k, bun) == {"bun-sekreterare", "bun-handlaggare"}  # not the viewer
    # Nobody adopted a 2028 plan yet.
    assert not any(
        item.done for item in await collect_deadlines([YEAR + 1], kinds=[K.PLAN_ADOPTION])
    )


async def test_follow_ups_only_for_boards_with_an_adopted_plan(april, monkeypatch):
    k, _ = april
    deadlines = by_subject(await collect_deadlines([YEAR], kinds=[K.FOLLOW_UP]))
    assert len(deadlines) == 6  # KS, BUN, SN × delår, helår
    delar = deadlines[f"followup:{k.boards['BUN']}:{YEAR}:delar"]
    assert delar.title == "Uppföljning delår per 31 augusti 2027 för BUN ska skickas till KS"
    assert delar.due_on == d(10, 30)  # 60 days after 31 August
    assert delar.link == f"/namnder/{k.boards['BUN']}/uppfoljning/2027/delar"
    assert not delar.done
    helar = deadlines[f"followup:{k.boards['BUN']}:{YEAR}:helar"]
    assert helar.title == "Uppföljning helår 2027 för BUN ska skickas till KS"
    assert helar.due_on == d(2, 29, YEAR + 1)
    # An unsent delår is reminded of until the helår follow-up is due; helår up to a year.
    assert (delar.remind_until, helar.remind_until) == (helar.due_on, None)
    assert users(k, helar) == {"bun-sekreterare", "bun-handlaggare"}
    # No plan adopted for 2028: no follow-ups to remind of.
    assert await collect_deadlines([YEAR + 1], kinds=[K.FOLLOW_UP]) == []


async def test_with_several_delar_each_is_reminded_of_until_the_next_is_due(april, monkeypatch):
    k, _ = april
    three = dataclasses.replace(get_settings(), reporting_points=((4, 30), (8, 31), (12, 31)))
    monkeypatch.setattr(periods, "get_settings", lambda: three)
    deadlines = await collect_deadlines([YEAR], kinds=[K.FOLLOW_UP, K.SHARED_REPORTING])
    for prefix in (f"followup:{k.boards['SN']}:{YEAR}", f"shared-reporting:{YEAR}"):
        ends = {
            item.subject.rsplit(":", 1)[1]: (item.due_on, item.remind_until)
            for item in deadlines
            if item.subject.startswith(prefix + ":")
        }
        assert ends == {
            "delar1": (d(6, 29), d(10, 30)),  # 30 April + 60 days; until delår 2's is due
            "delar2": (d(10, 30), d(2, 29, YEAR + 1)),  # until helår's is due
            "helar": (d(2, 29, YEAR + 1), None),  # at the latest a year after (stages.py)
        }, prefix


async def test_test_occasions_reach_their_owner_while_they_hold_a_role(april):
    k, _ = april
    deadlines = await collect_deadlines([YEAR], kinds=[K.TEST_OCCASION])
    assert {item.board_name for item in deadlines} == {"KS", "BUN", "SN"}  # not GAMLA's
    assert len(deadlines) == 2 * 2 * 3 + 4 + 1  # shared points H1/H2, attest Q1–Q4, skolskjuts
    occasions = by_subject(deadlines)
    q1 = occasions[f"occasion:{await k.occasion('BUN:attest', 'Q1')}"]
    assert q1.title == "Testa ”Attest av fakturor” – Kvartal 1 2027"
    assert (q1.due_on, q1.remind_until, q1.done) == (d(3, 31), d(2, 29, YEAR + 1), True)
    assert q1.link == f"/kontrolltillfallen/{await k.occasion('BUN:attest', 'Q1')}/resultat"
    assert q1.recipients == (
        Recipient(k.users["bun-kontrollant"], "Du är kontrollansvarig för kontrollmomentet i BUN."),
    )
    assert q1.detail == "Attest av fakturor"
    q2 = occasions[f"occasion:{await k.occasion('BUN:attest', 'Q2')}"]
    assert not q2.done
    # Skolskjuts's owner has lost the BUN role: the occasion is there, with nobody to remind.
    skolskjuts = occasions[f"occasion:{await k.occasion('BUN:skolskjuts', 'Y')}"]
    assert skolskjuts.recipients == () and skolskjuts.due_on == d(12, 31)


async def test_the_owner_comes_from_the_current_adopted_version(april):
    k, clock = april
    clock.set(d(5, 3))
    other = await make_user("bun-kontrollant2", board_roles=(("BUN", "control_owner"),))
    preparer = await k.principal("bun-handlaggare")
    revision = await plans.new_version(preparer, k.plans["BUN"])
    fields = ("title", "purpose", "method", "scope", "frequency", "report_when", "reported_to")
    for key in ("BUN:attest", "BUN:skolskjuts"):  # Skolskjuts's owner has lost the role
        row = (
            await PlanControl.select()
            .where((PlanControl.plan == revision) & (PlanControl.control == k.controls[key]))
            .first()
        )
        data = ControlInput(**{f: row[f] for f in fields}, owner_id=other)
        await update_control(preparer, row["id"], data)
    await plans.send_for_decision(preparer, revision)
    q2 = f"occasion:{await k.occasion('BUN:attest', 'Q2')}"
    before = by_subject(await collect_deadlines([YEAR], kinds=[K.TEST_OCCASION]))[q2]
    assert [r.user_id for r in before.recipients] == [k.users["bun-kontrollant"]]  # a draft
    await plans.adopt(
        await k.principal("bun-sekreterare"), revision, DecisionInput(d(5, 3), "§ 40", "BUN 1")
    )
    after = by_subject(await collect_deadlines([YEAR], kinds=[K.TEST_OCCASION]))
    assert [r.user_id for r in after[q2].recipients] == [other]
    skolskjuts = after[f"occasion:{await k.occasion('BUN:skolskjuts', 'Y')}"]
    assert [r.user_id for r in skolskjuts.recipients] == [other]


async def test_actions_reach_the_responsible_and_vanish_with_their_deviation(april):
    k, clock = april
    (action,) = await collect_deadlines([YEAR], kinds=[K.ACTION])
    row = await CorrectiveAction.select().first()
    assert action.subject == f"action:{row['id']}"
    assert action.title == "Åtgärd: Ny attestrutin"
    assert (action.due_on, action.done, action.board_name) == (d(5, 31), False, "BUN")
    assert action.link == f"/avvikelser/{row['deviation']}"
    assert action.recipients == (
        Recipient(k.users["bun-kontrollant"], "Du är ansvarig för åtgärden i BUN."),
    )
    assert await collect_deadlines([YEAR + 1], kinds=[K.ACTION]) == []  # the year it is due
    # The deviation turns out to be none: the result is corrected, the deviation withdrawn.
    result = await TestResult.select(TestResult.id).first()
    await results.correct_result(
        await k.principal("bun-kontrollant"),
        result["id"],
        results.ResultInput(APRIL, "Kim", "10 av 100", "passed", correction_reason="Fel"),
    )
    assert await collect_deadlines([YEAR], kinds=[K.ACTION]) == []


async def test_shared_decision_and_reporting_for_the_coordinators(april):
    k, _ = april
    coordinator = (Recipient(k.users["samordnare"], "Du är internkontrollsamordnare."),)
    (decided,) = await collect_deadlines([YEAR - 1], kinds=[K.SHARED_DECISION])
    assert decided.subject == f"shared-decision:{YEAR}"  # due in 2026, about 2027
    assert decided.due_on == d(12, 31, YEAR - 1) and decided.done
    (pending,) = await collect_deadlines([YEAR], kinds=[K.SHARED_DECISION])
    assert pending.title == "KS ska besluta om gemensamma kontrollmoment för 2028"
    assert (pending.due_on, pending.done, pending.board_id) == (d(12, 31), False, None)
    assert pending.link == "/gemensamma-kontrollmoment"
    assert pending.recipients == coordinator
    reporting = await collect_deadlines([YEAR], kinds=[K.SHARED_REPORTING])
    assert [item.subject for item in reporting] == [
        f"shared-reporting:{YEAR}:delar",
        f"shared-reporting:{YEAR}:helar",
    ]
    delar = reporting[0]
    assert (
        delar.title == "Gemensamma kontrollmoment delår per 31 augusti 2027 ska rapporteras till KS"
    )
    assert (delar.due_on, delar.done) == (d(10, 30), False)
    assert delar.link == "/ks/gemensamma?ar=2027&period=delar"
    assert delar.detail == "0 av 3 nämnder har rapporterat; saknas: BUN, KS, SN."
    assert delar.recipients == coordinator
    # Like the boards' delår: reminded of until the helår report is due.
    assert (delar.remind_until, reporting[1].remind_until) == (reporting[1].due_on, None)
    # KS has not decided any shared points for 2028 yet: nothing to report then.
    assert await collect_deadlines([YEAR + 1], kinds=[K.SHARED_REPORTING]) == []


async def test_done_flags_at_the_end_of_the_year(year_end):
    k, _ = year_end
    deadlines = by_subject(await collect_deadlines([YEAR]))
    for board in ("KS", "BUN", "SN"):
        assert deadlines[f"followup:{k.boards[board]}:{YEAR}:delar"].done
    assert deadlines[f"followup:{k.boards['BUN']}:{YEAR}:helar"].done
    assert not deadlines[f"followup:{k.boards['SN']}:{YEAR}:helar"].done
    assert deadlines[f"shared-reporting:{YEAR}:delar"].done
    helar = deadlines[f"shared-reporting:{YEAR}:helar"]
    assert not helar.done and helar.detail == "1 av 3 nämnder har rapporterat; saknas: KS, SN."
    assert deadlines[f"shared-decision:{YEAR + 1}"].done
    action = next(item for item in deadlines.values() if item.kind == K.ACTION)
    assert action.done and action.due_on == d(9, 15)  # postponed, then closed


async def test_filters_kinds_user_due_by_and_done(year_end):
    k, _ = year_end
    everything = await collect_deadlines([YEAR])
    assert [(x.due_on, x.board_name, x.title) for x in everything] == sorted(
        (x.due_on, x.board_name, x.title) for x in everything
    )
    open_ = await collect_deadlines([YEAR], include_done=False)
    assert open_ == [x for x in everything if not x.done]
    due_by = await collect_deadlines([YEAR], due_by=d(6, 30))
    assert due_by == [x for x in everything if x.due_on <= d(6, 30)]
    both = await collect_deadlines([YEAR], due_by=d(12, 31), include_done=False)
    assert both == [x for x in everything if x.due_on <= d(12, 31) and not x.done]
    for name in ("bun-kontrollant", "samordnare", "sn-handlaggare", "rollos", "avslutad"):
        user_id = k.users[name]
        mine = await collect_deadlines([YEAR], user_id=user_id)
        assert mine == [x for x in everything if user_id in {r.user_id for r in x.recipients}]
        narrowed = await collect_deadlines(
            [YEAR], user_id=user_id, due_by=d(9, 30), include_done=False
        )
        assert narrowed == [x for x in mine if x.due_on <= d(9, 30) and not x.done]
    assert {
        x.kind for x in await collect_deadlines([YEAR], user_id=k.users["bun-kontrollant"])
    } == {
        K.TEST_OCCASION,
        K.ACTION,
    }
    assert await collect_deadlines([YEAR], user_id=k.users["rollos"]) == []
    assert await collect_deadlines([YEAR], user_id=k.users["avslutad"]) == []
    assert await collect_deadlines([YEAR], user_id=k.users["revisor"]) == []
    kinds = await collect_deadlines([YEAR], kinds=[K.ACTION, K.SHARED_DECISION])
    assert kinds == [x for x in everything if x.kind in (K.ACTION, K.SHARED_DECISION)]
    assert await collect_deadlines([]) == [] and await collect_deadlines([YEAR], kinds=[]) == []
    two_years = await collect_deadlines([YEAR + 1, YEAR, YEAR])
    assert set(everything) < set(two_years)


async def test_a_fixed_number_of_queries_whatever_the_size(year_end, monkeypatch):
    k, clock = year_end
    engine = type(current_engine())
    calls: list[str] = []
    original = engine.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        calls.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine, "run_querystring", counting)
    first = await collect_deadlines([YEAR - 1, YEAR, YEAR + 1])
    small = len(calls)
    assert small <= 4
    # A bigger kommun: a new board with people, and 2028 plans with many more occasions.
    monkeypatch.setattr(engine, "run_querystring", original)
    clock.set(d(2, 10, YEAR + 1))
    k.boards["KFN"] = await make_board("KFN")
    for role, name in (
        ("secretary", "sekreterare"),
        ("preparer", "handlaggare"),
        ("control_owner", "kontrollant"),
    ):
        k.users[f"kfn-{name}"] = await make_user(f"kfn-{name}", board_roles=(("KFN", role),))
    for board in ("KFN", "SN", "KS"):
        await adopt_plan(k, board, YEAR + 1, d(2, 10, YEAR + 1), monthly=4)
    monkeypatch.setattr(engine, "run_querystring", counting)
    calls.clear()
    bigger = await collect_deadlines([YEAR - 1, YEAR, YEAR + 1])
    assert len(bigger) > len(first) + 3 * 4 * 12
    assert len(calls) == small

"""The demo kommun: complete, deterministic, idempotent, and never in production."""

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import demo, demo_risks
from internkontroll.audit.tables import AuditEvent
from internkontroll.auth import services as auth
from internkontroll.auth.tables import GlobalRole, Membership
from internkontroll.controls.tables import ControlPlan, PlanControl, SharedControlPoint
from internkontroll.controls.testing_tables import (
    CorrectiveAction,
    Deviation,
    TestOccasion,
    TestResult,
)
from internkontroll.organisation.tables import (
    Board,
    Department,
    Municipality,
    Process,
    RiskCategory,
)
from internkontroll.risks import views
from internkontroll.risks.assessments import check_treatment
from internkontroll.risks.scales import scales_by_id
from internkontroll.risks.tables import Risk, RiskAssessment
from internkontroll.timeutil import today

SHORT_NAMES = {"KS", "BUN", "SN", "BMN", "KFN", "TN", "BOST"}


async def _counts():
    return [
        await table.count()
        for table in (
            Municipality,
            Board,
            Department,
            Process,
            RiskCategory,
            BaseUser,
            Membership,
            GlobalRole,
            Risk,
            RiskAssessment,
            ControlPlan,
            PlanControl,
            SharedControlPoint,
            TestOccasion,
            TestResult,
            Deviation,
            CorrectiveAction,
            AuditEvent,
        )
    ]


async def test_demo_has_every_board_and_role(demo_db):
    boards = {b["short_name"]: b for b in await Board.select()}
    assert set(boards) == SHORT_NAMES
    assert boards["KS"]["kind"] == "executive"
    assert boards["BOST"]["kind"] == "company"
    assert (await Municipality.select().first())["name"] == "Demo kommun"
    for short, board in boards.items():
        assert await Process.count().where(Process.board == board["id"]) >= 4, short
        roles = {
            m["role"]
            for m in await Membership.select(Membership.role).where(Membership.board == board["id"])
        }
        assert roles == {"secretary", "preparer", "control_owner", "viewer"}, short
    usernames = {u["username"] for u in await BaseUser.select(BaseUser.username)}
    assert {login for login, _ in demo.demo_logins()} == usernames
    assert "bun-sekreterare" in usernames


async def test_demo_is_idempotent(demo_db):
    first = await _counts()
    await demo.load_demo()
    assert await _counts() == first


async def test_if_empty_leaves_existing_data_alone(db):
    await Board.insert(Board(name="Egen nämnd", short_name="EGEN"))
    report = await demo.load_demo(if_empty=True)
    assert "lästes inte in" in report
    assert await Board.count() == 1


async def test_every_demo_login_works_with_password_demo(demo_db):
    for username in ("admin", "samordnare", "revisor", "bun-sekreterare", "bost-ledamot"):
        session = await auth.login(username, "demo", 8)
        assert session.token


async def test_demo_roles(demo_db):
    admin = await BaseUser.select().where(BaseUser.username == "admin").first()
    assert admin["admin"] and admin["superuser"]
    coordinator = (
        await BaseUser.select(BaseUser.id).where(BaseUser.username == "samordnare").first()
    )
    principal = await auth.load_principal(coordinator["id"])
    assert principal.global_roles == {"coordinator"}


async def test_demo_refuses_production(db, monkeypatch, settings):
    import dataclasses

    monkeypatch.setattr(
        demo, "get_settings", lambda: dataclasses.replace(settings, production=True)
    )
    with pytest.raises(demo.DemoRefused):
        await demo.load_demo()
    assert await Board.count() == 0


# ------------------------------------------------------------------------- risk registers


async def _principal(username):
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    return await auth.load_principal(row["id"])


def test_demo_risk_content_fits_the_demo_boards():
    boards = {b.short_name: b for b in demo.BOARDS}
    assert set(demo_risks.REGISTERS) == set(boards)
    categories = {name for name, _ in demo.RISK_CATEGORIES}
    for short, risks in demo_risks.REGISTERS.items():
        for risk in risks:
            assert risk.process in boards[short].processes, (short, risk.title)
            assert risk.category in categories, (short, risk.title)
            assert risk.description and risk.consequence and risk.responsible, risk.title
            if risk.retired:
                assert risk.last and not risk.this and not risk.nxt, risk.title
            elif risk.last is None and risk.this is None:
                assert risk.nxt, risk.title  # new in next year's analysis
            else:
                assert risk.this, risk.title
        titles = [r.title for r in risks]
        assert len(titles) == len(set(titles)), short
        this_year = [r for r in risks if r.this]
        assert 6 <= len(this_year) <= 10, short
        assert 1 <= sum(r.last is None and r.this is not None for r in risks) <= 2, short
    assert sum(r.retired for risks in demo_risks.REGISTERS.values() for r in risks) == 1


async def test_every_board_has_an_assessed_register_last_year_and_this_year(demo_db):
    admin = await _principal("admin")
    year = today().year
    for board in await Board.select():
        for y in (year - 1, year):
            entries = await views.register(admin, board["id"], y)
            assert 6 <= len(entries) <= 10, (board["short_name"], y)
            assert all(e["assessment"] for e in entries), (board["short_name"], y)
            high = sum(e["high"] for e in entries)
            # Mostly medel and låg, a few hög: heat maps should look like a real kommun's.
            assert 1 <= high <= len(entries) // 2, (board["short_name"], y)
            assert {e["band"] for e in entries} >= {"Medel", "Hög"}, (board["short_name"], y)
            # Every risk in the register that year is scored, not only those the view lists.
            active = await Risk.select(Risk.id).where(
                (Risk.board == board["id"]) & Risk.active.eq(True) & (Risk.first_year <= y)
            )
            scored = {
                r["risk"]
                for r in await RiskAssessment.select(RiskAssessment.risk).where(
                    (RiskAssessment.year == y) & RiskAssessment.current.eq(True)
                )
            }
            assert {r["id"] for r in active} <= scored, (board["short_name"], y)


async def test_no_demo_assessment_breaks_the_treatment_rule(demo_db):
    rows = await RiskAssessment.select().where(RiskAssessment.current.eq(True))
    scales = await scales_by_id({r["scale"] for r in rows})
    for row in rows:
        assert row["value"] == row["likelihood"] * row["impact"]
        check_treatment(scales[row["scale"]], row["value"], row["treatment"], row["motivation"])
    assert {r["treatment"] for r in rows} == {"control", "direct_action", "monitor", "accept"}


async def test_ks_sees_accepted_high_risks_with_motivation(demo_db):
    accepted = await views.accepted_high_risks(await _principal("admin"), today().year)
    assert len(accepted) >= 2
    assert all(len(r["motivation"].strip()) > 40 for r in accepted)
    assert len({r["board_short_name"] for r in accepted}) >= 2


async def test_this_year_changed_new_and_retired_risks(demo_db):
    admin = await _principal("admin")
    year = today().year
    changes = []
    for board in await Board.select():
        entries = await views.register(admin, board["id"], year)
        statuses = {e["change"] for e in entries}
        assert "ny" in statuses, board["short_name"]
        changes += [e["change"] for e in entries]
    assert changes.count("ändrad") >= 7
    assert changes.count("oförändrad") >= 7
    retired = await Risk.select().where(Risk.active.eq(False))
    assert len(retired) == 1
    years = {
        r["year"]
        for r in await RiskAssessment.select(RiskAssessment.year).where(
            RiskAssessment.risk == retired[0]["id"]
        )
    }
    assert years == {year - 1}


async def test_next_year_is_under_way_for_some_boards_only(demo_db):
    admin = await _principal("admin")
    next_year = today().year + 1
    boards = {b["short_name"]: b["id"] for b in await Board.select()}
    started = {
        r["board"]
        for r in await RiskAssessment.select(
            RiskAssessment.risk.board.short_name.as_alias("board")
        ).where(RiskAssessment.year == next_year)
    }
    assert started == set(demo_risks.started_next_year())
    assert 0 < len(started) < len(boards)
    for short in started:
        entries = await views.register(admin, boards[short], next_year)
        statuses = [e["change"] for e in entries]
        assert "ny" in statuses and "ändrad" in statuses, short
        assert all(e["assessment"] for e in entries), short
    report = await demo.load_demo()
    assert f"riskanalysen för {next_year} är påbörjad för BUN, SN och TN" in report


async def test_demo_risks_are_written_by_each_boards_preparer(demo_db):
    rows = await RiskAssessment.select(
        RiskAssessment.assessed_by.username.as_alias("username"),
        RiskAssessment.source,
        RiskAssessment.risk.board.short_name.as_alias("board"),
    )
    for row in rows:
        assert row["username"] == f"{row['board'].lower()}-handlaggare"
    assert {r["source"] for r in rows} == {"manual", "copied"}
    events = await AuditEvent.select(AuditEvent.actor_username).where(
        AuditEvent.entity.is_in(["risk", "risk_assessment", "risk_register"])
    )
    assert events and all(e["actor_username"].endswith("-handlaggare") for e in events)


async def test_demo_load_makes_a_bounded_number_of_queries(db, monkeypatch):
    from internkontroll.db import current_engine

    engine_class = type(current_engine())
    run = engine_class.run_querystring
    queries = 0

    async def counting(self, *args, **kwargs):
        nonlocal queries
        queries += 1
        return await run(self, *args, **kwargs)

    # The engine class keeps its attributes in slots, so the count goes on the class.
    monkeypatch.setattr(engine_class, "run_querystring", counting)
    await demo.load_demo()
    risks = sum(len(r) for r in demo_risks.REGISTERS.values())
    controls = await PlanControl.count()
    results = await TestResult.count()
    # About 20 queries per risk and per control, and a dozen per logged result, through the
    # services; an accidental loop over all risks per risk would be thousands more.
    assert queries < 40 * (risks + controls) + 20 * results + 500, queries

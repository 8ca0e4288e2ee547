"""The demo kommun: complete, deterministic, idempotent, and never in production."""

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import demo
from internkontroll.auth import services as auth
from internkontroll.auth.tables import GlobalRole, Membership
from internkontroll.organisation.tables import (
    Board,
    Department,
    Municipality,
    Process,
    RiskCategory,
)

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
        )
    ]


async def test_demo_has_every_board_and_role(db):
    await demo.load_demo()
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


async def test_demo_is_idempotent(db):
    await demo.load_demo()
    first = await _counts()
    await demo.load_demo()
    assert await _counts() == first


async def test_if_empty_leaves_existing_data_alone(db):
    await Board.insert(Board(name="Egen nämnd", short_name="EGEN"))
    report = await demo.load_demo(if_empty=True)
    assert "lästes inte in" in report
    assert await Board.count() == 1


async def test_every_demo_login_works_with_password_demo(db):
    await demo.load_demo()
    for username in ("admin", "samordnare", "revisor", "bun-sekreterare", "bost-ledamot"):
        session = await auth.login(username, "demo", 8)
        assert session.token


async def test_demo_roles(db):
    await demo.load_demo()
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

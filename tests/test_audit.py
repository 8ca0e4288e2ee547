"""The audit trail: recorded with every change, filterable as a page and through the API."""

import datetime as dt

from internkontroll.audit import services as audit
from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.principal import Actor
from internkontroll.db import write_transaction
from tests.conftest import login, make_board, make_user


async def test_record_keeps_before_and_after_without_secrets(db):
    board = await make_board("BUN")
    await audit.record(
        Actor(id=None, username="kalle"),
        "update",
        "board",
        board,
        board_id=board,
        before={"name": "Gammal", "password": "x"},
        after={"name": "Ny", "when": dt.date(2026, 1, 31)},
        summary="Namnbyte",
    )
    event = (await audit.list_events(audit.AuditFilter(entity="board")))[0][0]
    assert event["actor_username"] == "kalle"
    assert event["entity_id"] == str(board)
    assert "password" not in event["before"]
    assert "2026-01-31" in event["after"]


async def test_audit_event_rolls_back_with_the_change(db):
    class Boom(Exception):
        pass

    try:
        async with write_transaction():
            await make_board("BUN")
            await audit.record(Actor(id=None, username="x"), "create", "board", 1)
            raise Boom
    except Boom:
        pass
    assert await AuditEvent.count() == 0


async def test_filters_combine(db):
    a = await make_board("A")
    b = await make_board("B")
    actor = Actor(id=None, username="kalle")
    await audit.record(actor, "create", "risk", 1, board_id=a)
    await audit.record(actor, "update", "risk", 1, board_id=a)
    await audit.record(Actor(id=None, username="lisa"), "update", "risk", 2, board_id=b)
    count = lambda rows: rows[1]  # noqa: E731
    assert count(await audit.list_events(audit.AuditFilter(action="update"))) == 2
    assert count(await audit.list_events(audit.AuditFilter(action="update", board_id=a))) == 1
    assert count(await audit.list_events(audit.AuditFilter(actor="lisa"))) == 1
    today = dt.date.today()
    assert count(await audit.list_events(audit.AuditFilter(date_from=today))) == 3
    assert (
        count(await audit.list_events(audit.AuditFilter(date_to=today - dt.timedelta(days=2)))) == 0
    )


async def test_api_pages_and_filters(client):
    await make_board("BUN")
    await make_user("revisorn", global_roles=("auditor",))
    for i in range(5):
        await audit.record(Actor(id=None, username="kalle"), "update", "risk", i)
    await login(client, "revisorn")
    page = (
        await client.get("/api/audit", params={"entity": "risk", "limit": 2, "offset": 1})
    ).json()
    assert page["total"] == 5
    assert [e["entity_id"] for e in page["events"]] == ["3", "2"]
    assert (await client.get("/api/audit", params={"limit": 0})).status_code in (400, 422)
    bad_date = await client.get("/api/audit", params={"date_from": "igår"})
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"][0]["field"] == "date_from"


async def test_audit_page_shows_events_and_filters(client):
    await make_user("admin", admin=True)
    await login(client, "admin")
    response = await client.get("/granskningslogg", params={"action": "login"})
    assert response.status_code == 200
    assert "Granskningslogg" in response.text
    assert "admin" in response.text
    rows = response.text.split("<tbody>")[1]
    assert "<td>Inloggning</td>" in rows
    assert "Misslyckad inloggning" not in rows


async def test_audit_is_closed_to_board_members(client):
    await make_board("BUN")
    await make_user("anna", board_roles=(("BUN", "secretary"),))
    await login(client, "anna")
    assert (await client.get("/api/audit")).status_code == 403
    assert (await client.get("/granskningslogg")).status_code == 403


async def test_audit_page_treats_empty_filters_as_any(client):
    await make_user("admin", admin=True)
    await login(client, "admin")
    response = await client.get(
        "/granskningslogg",
        params={
            "entity": "",
            "action": "",
            "actor": "",
            "board_id": "",
            "date_from": "",
            "date_to": "",
        },
    )
    assert response.status_code == 200
    bad = await client.get("/granskningslogg", params={"date_from": "igår"})
    assert bad.status_code == 422
    assert "Från och med" in bad.text

"""The admin site: admins only, Swedish, and every write audited in the same transaction."""

import json

from internkontroll.audit.tables import AuditEvent
from internkontroll.organisation.tables import Board, RiskCategory
from tests.conftest import login, make_board, make_user


async def _admin_client(client):
    await make_user("admin", admin=True)
    await login(client, "admin")
    await client.get("/admin/api/tables/")  # piccolo-admin sets its CSRF cookie
    return {"X-CSRFToken": client.cookies.get("csrftoken", "")}


async def test_admin_site_is_swedish(client):
    await _admin_client(client)
    meta = await client.get("/admin/public/meta/")
    assert meta.status_code == 200
    assert meta.json()["site_name"] == "Internkontroll – administration"
    translations = await client.get("/admin/public/translations/")
    assert any(t["language_code"] == "sv" for t in translations.json()["translations"])


async def test_admin_lists_the_organisation_tables(client):
    await _admin_client(client)
    tables = (await client.get("/admin/api/tables/")).json()
    for name in ("board", "department", "process", "risk_category", "piccolo_user", "membership"):
        assert name in tables


async def test_admin_create_update_delete_are_audited_with_actor(client):
    headers = await _admin_client(client)
    created = await client.post(
        "/admin/api/tables/risk_category/",
        json={"name": "Miljörisk", "description": "", "active": True, "sort_order": 9},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    new_id = created.json()[0]["id"]
    patched = await client.patch(
        f"/admin/api/tables/risk_category/{new_id}/", json={"name": "Klimatrisk"}, headers=headers
    )
    assert patched.status_code == 200
    deleted = await client.delete(f"/admin/api/tables/risk_category/{new_id}/", headers=headers)
    assert deleted.status_code == 204
    events = (
        await AuditEvent.select()
        .where(AuditEvent.entity == "risk_category")
        .order_by(AuditEvent.id)
    )
    assert [e["action"] for e in events] == ["create", "update", "delete"]
    assert all(e["actor_username"] == "admin" and e["source"] == "admin" for e in events)
    assert all(e["entity_id"] == str(new_id) for e in events)
    assert json.loads(events[1]["before"])["name"] == "Miljörisk"
    assert json.loads(events[1]["after"])["name"] == "Klimatrisk"


async def test_failed_admin_write_leaves_no_audit_event(client):
    headers = await _admin_client(client)
    await make_board("BUN")
    before = await AuditEvent.count()
    duplicate = await client.post(
        "/admin/api/tables/board/",
        json={"name": "Kopia", "short_name": "BUN", "kind": "board", "active": True},
        headers=headers,
    )
    assert duplicate.status_code >= 400
    assert await Board.count() == 1
    assert await AuditEvent.count() == before


async def test_admin_board_change_is_linked_to_the_board(client):
    headers = await _admin_client(client)
    board = await make_board("BUN")
    await client.patch(
        f"/admin/api/tables/board/{board}/", json={"name": "Utbildningsnämnden"}, headers=headers
    )
    event = await AuditEvent.select().where(AuditEvent.entity == "board").first()
    assert event["board"] == board


async def test_non_admin_cannot_write_through_admin_api(client):
    await make_user("samordnare", global_roles=("coordinator",))
    await login(client, "samordnare")
    response = await client.post("/admin/api/tables/risk_category/", json={"name": "X"})
    assert response.status_code == 403
    assert await RiskCategory.count() == 0


async def test_admin_without_trailing_slash_redirects(client):
    await _admin_client(client)
    response = await client.get("/admin")
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"].endswith("/admin/")

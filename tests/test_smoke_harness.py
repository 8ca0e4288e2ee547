"""The harness itself: each test gets an empty, migrated database."""

from internkontroll.organisation.tables import Board
from tests.conftest import login, make_board, make_user


async def test_database_starts_empty(db):
    assert await Board.count() == 0
    await make_board("X")
    assert await Board.count() == 1


async def test_next_test_gets_a_fresh_database(db):
    assert await Board.count() == 0


async def test_login_and_start_page(client):
    await make_user("anna", admin=True)
    response = await login(client, "anna")
    assert response.status_code == 303
    page = await client.get("/")
    assert page.status_code == 200
    assert "systemförvaltare" in page.text

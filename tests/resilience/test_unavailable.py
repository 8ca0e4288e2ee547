"""A database that cannot be used answers 503 in Swedish, never 500: JSON for /api, a page else."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from internkontroll.db import current_engine, is_unavailable
from internkontroll.organisation import services as organisation
from internkontroll.web.errors import STATUS_MESSAGES, STATUS_TITLES
from tests.conftest import is_postgres, login, make_user


def _raised_from(error: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException:
            raise error  # noqa: B904 - an implicit __context__ is what is tested
    except BaseException as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError(), True),
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.AdminShutdownError("terminating connection due to administrator command"), True),
        (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle"), True),
        (asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"), True),
        (asyncpg.InterfaceError("another operation is in progress"), False),
        (asyncpg.UniqueViolationError("duplicate key"), False),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("unable to open database file"), True),
        (sqlite3.OperationalError("no such table: risk_item"), False),
        (FileNotFoundError(2, "No such file"), False),
        (RuntimeError("bug"), False),
        (_raised_from(RuntimeError("rollback failed"), ConnectionResetError()), True),
        (ExceptionGroup("tasks", [ValueError(), asyncpg.CannotConnectNowError("x")]), True),
    ],
)
def test_which_errors_mean_the_database_is_away(error, unavailable):
    assert is_unavailable(error) is unavailable


def _assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="sv"' in response.text and STATUS_TITLES[503] in response.text
    assert STATUS_MESSAGES[503] in response.text


def _assert_unavailable_json(response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"status_code": 503, "detail": STATUS_MESSAGES[503]}


async def test_a_locked_database_in_a_handler_answers_503(client, monkeypatch):
    async def locked(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    await make_user("anna")
    await login(client, "anna")
    monkeypatch.setattr(organisation, "visible_boards", locked)
    _assert_unavailable_page(await client.get("/namnder"))
    _assert_unavailable_json(await client.get("/api/boards"))


@pytest.mark.no_test_pool  # points the engine at a database that cannot be opened
async def test_a_signed_in_request_to_an_unreachable_database_answers_503(client, monkeypatch):
    await make_user("anna")
    await login(client, "anna")
    engine = current_engine()
    if is_postgres():
        monkeypatch.setitem(engine.config, "database", "finns_inte")
    else:
        monkeypatch.setattr(engine, "path", "/nonexistent/dir/db.sqlite")
    # The session middleware asks the database first: it must not turn this into a 500.
    _assert_unavailable_page(await client.get("/namnder"))
    _assert_unavailable_json(await client.get("/api/me"))
    health = await client.get("/healthz")
    assert (health.status_code, health.json()["detail"]) == (503, "Databasen svarar inte.")

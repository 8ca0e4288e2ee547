"""Test harness: a fresh database per test on SQLite or PostgreSQL, an app client, factories.

The engine follows DATABASE_URL exactly as the app does: unset means SQLite, a
postgresql:// URL means PostgreSQL (``make test`` runs the suite once each way).
Migrations run once per session into a template database; each test gets a copy.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

SESSION_DIR = Path(tempfile.mkdtemp(prefix="ik-test-"))
os.environ.setdefault("DATA_DIR", str(SESSION_DIR / "var"))
os.environ.pop("PRODUCTION", None)
# Tests drive the reminder jobs themselves; an app under test runs no scheduler of its own.
os.environ["RUN_SCHEDULER"] = "false"
os.environ.pop("SECRET_KEY", None)

import httpx  # noqa: E402
from piccolo.apps.user.tables import BaseUser  # noqa: E402
from piccolo.engine.postgres import PostgresEngine  # noqa: E402

from internkontroll.db import current_engine  # noqa: E402
from internkontroll.settings import get_settings  # noqa: E402

# Hashing at 600,000 rounds costs a third of a second; tests only need it to be PBKDF2.
BaseUser._pbkdf2_iteration_count = 1_000
TEST_PASSWORD = "losen-ord"  # noqa: S105

_counter = itertools.count()


def is_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return isinstance(current_engine(), PostgresEngine)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect postgres_only tests on the SQLite leg: they test what only PostgreSQL offers.

    Deselected, not skipped: the PostgreSQL leg of `make test` runs them, and a skip would hide
    a leg that lost them.
    """
    if is_postgres():
        return
    dropped = [item for item in items if item.get_closest_marker("postgres_only")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


async def _admin_execute(sql: str, database: str) -> None:
    import asyncpg

    config = dict(current_engine().config)
    config["database"] = database
    conn = await asyncpg.connect(**config)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate() -> None:
    from internkontroll.cli import migrate

    assert await migrate(), "migrations failed"


class DatabaseFactory:
    """Creates fresh, migrated databases for tests on the configured engine."""

    def __init__(self) -> None:
        self.engine = current_engine()
        self.snapshots: list[str] = []
        if isinstance(self.engine, PostgresEngine):
            self.base_database = self.engine.config["database"]
            self.template = f"ik_template_{os.getpid()}"
        else:
            self.template_path = SESSION_DIR / "template.sqlite"

    def build_template(self) -> None:
        """Run every migration once into the template database."""
        if isinstance(self.engine, PostgresEngine):
            asyncio.run(self._pg_recreate(self.template))
            self.engine.config["database"] = self.template
        else:
            self.engine.path = str(self.template_path)
        asyncio.run(_migrate())

    async def _pg_recreate(self, name: str, template: str | None = None) -> None:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}"', self.base_database)
        clause = f' TEMPLATE "{template}"' if template else ""
        await _admin_execute(f'CREATE DATABASE "{name}"{clause}', self.base_database)

    def fresh(self, tmp_path: Path) -> str:
        """Point the engine at a new copy of the template; return its name."""
        if isinstance(self.engine, PostgresEngine):
            name = f"ik_t_{os.getpid()}_{next(_counter)}"
            asyncio.run(self._pg_recreate(name, self.template))
            self.engine.config["database"] = name
            return name
        path = tmp_path / "test.sqlite"
        shutil.copyfile(self.template_path, path)
        self.engine.path = str(path)
        return str(path)

    def empty(self, tmp_path: Path) -> str:
        """Point the engine at a new database with no tables at all."""
        if isinstance(self.engine, PostgresEngine):
            name = f"ik_e_{os.getpid()}_{next(_counter)}"
            asyncio.run(self._pg_recreate(name))
            self.engine.config["database"] = name
            return name
        path = tmp_path / "empty.sqlite"
        self.engine.path = str(path)
        return str(path)

    def copy(self, directory: Path) -> str:
        """A new copy of the template for another process, without repointing this engine."""
        if isinstance(self.engine, PostgresEngine):
            name = f"ik_c_{os.getpid()}_{next(_counter)}"
            asyncio.run(self._pg_recreate(name, self.template))
            return name
        path = directory / f"copy-{next(_counter)}.sqlite"
        shutil.copyfile(self.template_path, path)
        return str(path)

    def discard(self, name: str) -> None:
        """Remove a copy made by copy()."""
        if isinstance(self.engine, PostgresEngine):
            asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}"', self.base_database))
        else:
            Path(name).unlink(missing_ok=True)

    def drop(self, name: str) -> None:
        """Remove a test database (PostgreSQL; SQLite files go with tmp_path)."""
        if isinstance(self.engine, PostgresEngine):
            self.engine.config["database"] = self.template
            asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}"', self.base_database))

    def url_for(self, name: str) -> str:
        """A DATABASE_URL pointing at the given database, for subprocesses."""
        if isinstance(self.engine, PostgresEngine):
            c = self.engine.config
            auth = c.get("user", "")
            if c.get("password"):
                auth += f":{c['password']}"
            return f"postgresql://{auth}@{c['host']}:{c['port']}/{name}"
        return f"sqlite:///{name}"

    def drop_template(self) -> None:
        """Remove the template at the end of the session."""
        if isinstance(self.engine, PostgresEngine):
            self.engine.config["database"] = self.base_database
            asyncio.run(
                _admin_execute(f'DROP DATABASE IF EXISTS "{self.template}"', self.base_database)
            )

    async def snapshot(self, name: str, label: str) -> str:
        """Keep the current state of a test database for later copies; return the copy's name."""
        if isinstance(self.engine, PostgresEngine):
            kept = f"ik_{label}_{os.getpid()}"
            pool_size = await self._close_pool()
            await _admin_execute(f'DROP DATABASE IF EXISTS "{kept}"', self.base_database)
            await _admin_execute(f'CREATE DATABASE "{kept}" TEMPLATE "{name}"', self.base_database)
            await self._reopen_pool(pool_size)
            self.snapshots.append(kept)
            return kept
        kept_path = SESSION_DIR / f"{label}.sqlite"
        shutil.copyfile(name, kept_path)
        return str(kept_path)

    async def restore(self, name: str, kept: str) -> None:
        """Replace a test database's content with a snapshot, keeping its name."""
        if isinstance(self.engine, PostgresEngine):
            pool_size = await self._close_pool()
            await _admin_execute(f'DROP DATABASE IF EXISTS "{name}"', self.base_database)
            await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{kept}"', self.base_database)
            await self._reopen_pool(pool_size)
        else:
            shutil.copyfile(kept, name)

    async def _close_pool(self) -> int:
        """Close the test's pool (copying a database needs it idle); return its size, 0 if none."""
        pool = getattr(self.engine, "pool", None)
        if pool is None:
            return 0
        size = pool.get_max_size()
        await self.engine.close_connection_pool()
        return size

    async def _reopen_pool(self, size: int) -> None:
        if size:
            await self.engine.start_connection_pool(min_size=1, max_size=size)


@pytest.fixture(scope="session")
def database_factory() -> Iterator[DatabaseFactory]:
    """The migrated template database, built once per test session."""
    factory = DatabaseFactory()
    factory.build_template()
    yield factory
    for kept in factory.snapshots:
        factory.discard(kept)
    factory.drop_template()
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


@pytest.fixture
def db(database_factory: DatabaseFactory, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    name = database_factory.fresh(tmp_path)
    yield name
    database_factory.drop(name)


TEST_POOL_SIZE = 4


@pytest.fixture(autouse=True)
def _postgres_pool(request: pytest.FixtureRequest) -> None:
    """Give async database tests on PostgreSQL a pool on their own loop.

    Without one every query opens a new server connection, which makes the PostgreSQL leg
    several times slower than SQLite. Sync tests get none: they run queries on loops of their
    own (asyncio.run, a live server), which a pool bound to one loop cannot serve.
    """
    if not is_postgres() or "db" not in request.fixturenames:
        return
    if not asyncio.iscoroutinefunction(getattr(request, "function", None)):
        return
    if request.node.get_closest_marker("no_test_pool"):
        return
    request.getfixturevalue("_postgres_pool_open")


@pytest.fixture
async def _postgres_pool_open(db: str) -> AsyncIterator[None]:
    await current_engine().start_connection_pool(min_size=1, max_size=TEST_POOL_SIZE)
    try:
        yield
    finally:
        engine = current_engine()
        if engine.pool is not None:
            await engine.close_connection_pool()


_demo_snapshot: dict[str, str] = {}


@pytest.fixture
async def demo_db(db: str, database_factory: DatabaseFactory) -> str:
    """A fresh database holding the demo kommun, loaded once per session and copied per test."""
    from internkontroll import demo

    if "kept" not in _demo_snapshot:
        await demo.load_demo()
        _demo_snapshot["kept"] = await database_factory.snapshot(db, "demo")
    else:
        await database_factory.restore(db, _demo_snapshot["kept"])
    return db


@pytest.fixture
def settings():
    """The settings the app runs with in tests."""
    return get_settings()


# Building the app (its routes, OpenAPI models and the piccolo-admin app) costs about a second,
# paid by several hundred tests per leg. Requests share no state through the app object (the
# database is repointed per test, sessions and CSRF live in cookies and tables), so each worker
# builds one app per settings object and reuses it. The settings object is kept as part of the
# key so that its id cannot be reused by another object.
_apps: dict[int, tuple[object, object]] = {}


def app_for(settings):
    """The app built for these settings, once per test process (no pool: see `client`)."""
    from internkontroll.app import create_app

    kept = _apps.get(id(settings))
    if kept is None or kept[0] is not settings:
        if len(_apps) >= 4:
            _apps.clear()
        kept = (settings, create_app(settings, use_pool=False))
        _apps[id(settings)] = kept
    return kept[1]


@pytest.fixture
async def client(db, settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app over ASGI (no pool: it belongs to the app's loop)."""
    transport = httpx.ASGITransport(app=app_for(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# ---------------------------------------------------------------------------- factories


async def make_board(short_name: str, *, kind: str = "board", name: str | None = None) -> int:
    """Create a board and return its id."""
    from internkontroll.organisation.tables import Board

    rows = await Board.insert(
        Board(name=name or f"Nämnden {short_name}", short_name=short_name, kind=kind)
    ).returning(Board.id)
    return rows[0]["id"]


async def make_user(
    username: str,
    *,
    admin: bool = False,
    global_roles: tuple[str, ...] = (),
    board_roles: tuple[tuple[str, str], ...] = (),
    password: str = TEST_PASSWORD,
) -> int:
    """Create an active user with roles and return its id."""
    from internkontroll.auth.services import NewUser, create_user

    return await create_user(
        NewUser(
            username=username,
            password=password,
            first_name=username.capitalize(),
            admin=admin,
            global_roles=global_roles,
            board_roles=board_roles,
        )
    )


def csrf_token(http: httpx.AsyncClient) -> str:
    """The CSRF token the app set in the client's cookies."""
    return http.cookies.get("ik_csrftoken", "")


async def login(
    http: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD
) -> httpx.Response:
    """Log in through the login form, as a browser would."""
    await http.get("/login")
    return await http.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf_token(http)},
    )

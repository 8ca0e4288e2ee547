"""Database engine construction and transactions that behave alike on both engines."""

from __future__ import annotations

import socket

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from internkontroll.settings import DatabaseConfig

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# asyncpg waits 60 s for a new connection by default: a request must fail well before that,
# yet not on a merely busy machine.
PG_CONNECT_TIMEOUT_SECONDS = 10
# SQLite's words for a database it cannot use right now (busy past the timeout, file gone).
SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)
# asyncpg's words for a connection that died or a pool being shut down.
PG_CLOSED = ("connection is closed", "pool is closing", "pool is closed")


def build_engine(config: DatabaseConfig) -> Engine:
    """Create the Piccolo engine the settings ask for."""
    if config.engine == "sqlite":
        assert config.sqlite_path is not None
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(config.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    pg = {
        "host": config.host,
        "port": config.port,
        "database": config.database,
        "timeout": PG_CONNECT_TIMEOUT_SECONDS,
    }
    if config.user:
        pg["user"] = config.user
    if config.password:
        pg["password"] = config.password
    return PostgresEngine(config=pg)


def current_engine() -> Engine:
    """The engine every table uses."""
    engine = engine_finder()
    if engine is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("piccolo_conf defines no DB")
    return engine


def engine_name() -> str:
    """'sqlite' or 'postgres'."""
    return current_engine().engine_type


def write_transaction():
    """A transaction for writes: IMMEDIATE on SQLite so concurrent writers queue instead of fail."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def start_pool(max_size: int) -> None:
    """Open the PostgreSQL connection pool; SQLite needs none."""
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=max_size)


async def close_pool() -> None:
    """Close the PostgreSQL pool if one is open."""
    engine = current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


async def ping() -> None:
    """Run a trivial query; raises if the database cannot be reached."""
    await current_engine().run_querystring(_select_one())


def _select_one():
    from piccolo.querystring import QueryString

    return QueryString("SELECT 1")


def is_unique_violation(exc: BaseException) -> bool:
    """True if the error is a unique-key violation on either engine."""
    import sqlite3

    import asyncpg

    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


def _unavailable_here(exc: BaseException) -> bool:
    import sqlite3

    import asyncpg
    from asyncpg import exceptions as pg

    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(
        exc,
        asyncpg.PostgresConnectionError
        | pg.CannotConnectNowError
        | pg.AdminShutdownError
        | pg.CrashShutdownError
        | pg.TooManyConnectionsError
        # Refused at connect: the database or the role is gone, or the password changed.
        | pg.InvalidCatalogNameError
        | pg.InvalidAuthorizationSpecificationError,
    ):
        return True
    if isinstance(exc, pg.InternalClientError):
        # A connection the server ended while idle in the pool can be handed out once before
        # asyncpg sees it close; its next query fails with this protocol-state error.
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return any(words in str(exc).lower() for words in PG_CLOSED)
    if isinstance(exc, sqlite3.OperationalError):
        return any(words in str(exc).lower() for words in SQLITE_UNAVAILABLE)
    return False


def is_unavailable(exc: BaseException) -> bool:
    """True if the error, or one it arose from, means the database cannot be used right now."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if _unavailable_here(current):
            return True
        # A failed rollback after a lost connection raises anew: look at what it arose from.
        pending += [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            pending += list(current.exceptions)
    return False

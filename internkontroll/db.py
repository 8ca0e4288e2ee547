"""Database engine construction and transactions that behave alike on both engines."""

from __future__ import annotations

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from internkontroll.settings import DatabaseConfig

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def build_engine(config: DatabaseConfig) -> Engine:
    """Create the Piccolo engine the settings ask for."""
    if config.engine == "sqlite":
        assert config.sqlite_path is not None
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(config.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    pg = {"host": config.host, "port": config.port, "database": config.database}
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

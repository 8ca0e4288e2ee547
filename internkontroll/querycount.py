"""Counting the SQL statements a unit of work runs: for query-count tests and the benchmark.

Counting is off until ``counting_queries()`` is first used; it then wraps both engines'
statement entry points once. Statements are collected per context (a ContextVar), so each
request or task counts only its own, also when several run side by side.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

_statements: ContextVar[list[str] | None] = ContextVar("sql_statements", default=None)
_installed = False


def _counted(method):
    @wraps(method)
    async def wrapper(self, query, *args, **kwargs):
        seen = _statements.get()
        if seen is not None:
            seen.append(str(query))
        return await method(self, query, *args, **kwargs)

    return wrapper


def install() -> None:
    """Wrap the engines' statement methods so that counting can see them (idempotent)."""
    global _installed
    if _installed:
        return
    for engine in (PostgresEngine, SQLiteEngine):
        engine.run_querystring = _counted(engine.run_querystring)
        engine.run_ddl = _counted(engine.run_ddl)
    _installed = True


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Collect the SQL of every statement run in this context while the block runs."""
    install()
    seen: list[str] = []
    token = _statements.set(seen)
    try:
        yield seen
    finally:
        _statements.reset(token)

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
from time import perf_counter

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

_statements: ContextVar[list[str] | None] = ContextVar("sql_statements", default=None)
_timings: ContextVar[list[tuple[float, str]] | None] = ContextVar("sql_timings", default=None)
_installed = False


def _counted(method):
    @wraps(method)
    async def wrapper(self, query, *args, **kwargs):
        seen = _statements.get()
        if seen is not None:
            seen.append(str(query))
        timed = _timings.get()
        if timed is None:
            return await method(self, query, *args, **kwargs)
        start = perf_counter()
        try:
            return await method(self, query, *args, **kwargs)
        finally:
            timed.append((perf_counter() - start, str(query)))

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


@contextmanager
def timing_queries() -> Iterator[list[tuple[float, str]]]:
    """Collect (seconds, SQL) of every statement run in this context while the block runs."""
    install()
    seen: list[tuple[float, str]] = []
    token = _timings.set(seen)
    try:
        yield seen
    finally:
        _timings.reset(token)

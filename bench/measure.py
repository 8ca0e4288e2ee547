"""In-process measurements: server time and SQL statements per request, over ASGI.

Server time is the time inside the app: from the request reaching the app's ASGI callable
to its last body chunk, so the client's own work (httpx, parsing) is not in the figures.
httpx's ASGITransport runs the app in the caller's task, so `counting_queries()` sees every
statement the request runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from time import perf_counter, process_time

import httpx
from litestar import Litestar, get

from bench.report import Timing
from bench.statements import StatementLog, timing_statements
from internkontroll.querycount import counting_queries

FLOOR_PATH = "/api/bench-floor"


@get(FLOOR_PATH, include_in_schema=False, sync_to_thread=False)
def bench_floor() -> dict[str, bool]:
    """The floor: a bare endpoint behind the same middleware (session lookup, CSRF, routing)."""
    return {"ok": True}


class ServerTimer:
    """ASGI wrapper that keeps the server time and SQL statement count of the last request.

    It also keeps the CPU time this process spent meanwhile (the app, its threads, aiosqlite's
    thread; not PostgreSQL's own processes): unlike the server time it hardly moves when other
    programs compete for the cores, so it tells a slow run from a busy machine.
    """

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.time_statements = False  # also keep each statement's duration (--slowest)
        self.durations: list[tuple[float, str]] = []
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.statements = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        cpu_start = process_time()
        end: float | None = None
        cpu_end: float | None = None

        async def timed_send(message) -> None:
            nonlocal end, cpu_end
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                end = perf_counter()
                cpu_end = process_time()
            await send(message)

        timing = timing_statements() if self.time_statements else nullcontext([])
        with counting_queries() as statements, timing as durations:
            await self.app(scope, receive, timed_send)
        self.durations = durations
        self.seconds = (end if end is not None else perf_counter()) - start
        self.cpu_seconds = (cpu_end if cpu_end is not None else process_time()) - cpu_start
        self.statements = len(statements)


@dataclass(frozen=True)
class Target:
    """One request to measure, made as one of the logged-in users."""

    key: str
    label: str
    path: str
    kind: str  # "page", "api", "pdf", "floor"
    user: str  # key into the clients
    rows: int | None = None
    note: str = ""


class BenchFailed(RuntimeError):
    """A measured request did not answer 200: the figures would be meaningless."""


def build_app() -> tuple[Litestar, ServerTimer]:
    """The app as create_app builds it (no pool of its own: the runner opens it), plus the floor."""
    from internkontroll.app import create_app

    app = create_app(use_pool=False)
    app.register(bench_floor)
    return app, ServerTimer(app)


def client_for(timer: ServerTimer) -> httpx.AsyncClient:
    """An HTTP client that talks to the timed app in-process."""
    transport = httpx.ASGITransport(app=timer)
    return httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120)


async def login(http: httpx.AsyncClient, username: str, password: str) -> None:
    """Log in through the JSON API and pick up the CSRF cookie."""
    answer = await http.post("/api/login", json={"username": username, "password": password})
    if answer.status_code != 204:
        raise BenchFailed(f"inloggningen som {username} misslyckades: {answer.status_code}")
    await http.get("/api/me")


async def measure(
    timer: ServerTimer,
    clients: dict[str, httpx.AsyncClient],
    targets: Sequence[Target],
    *,
    warmup: int,
    repeat: int,
    pdf_warmup: int,
    pdf_repeat: int,
    slowest: int = 0,
    progress=None,
) -> list[Timing]:
    """Request each target warm-up + repeat times, keeping the timed repetitions; with
    `slowest`, also the statements that took the most database time per request."""
    timer.time_statements = slowest > 0
    timings = []
    for target in targets:
        http = clients[target.user]
        warm, timed = (pdf_warmup, pdf_repeat) if target.kind == "pdf" else (warmup, repeat)
        timing = Timing(
            target.key, target.label, target.path, target.kind, rows=target.rows, note=target.note
        )
        log = StatementLog()
        for round_ in range(warm + timed):
            answer = await http.get(target.path)
            if answer.status_code != 200:
                raise BenchFailed(
                    f"{target.label}: GET {target.path} svarade {answer.status_code}: "
                    f"{answer.text[:300]}"
                )
            if round_ >= warm:
                timing.seconds.append(timer.seconds)
                timing.cpu_seconds.append(timer.cpu_seconds)
                timing.statements.append(timer.statements)
                if slowest:
                    log.add(timer.durations)
        if slowest:
            timing.sql_ms = log.sql_ms()
            timing.slowest = log.slowest(slowest)
        if progress:
            progress(f"{target.label}: p50 {timing.p50_ms:.1f} ms, p95 {timing.p95_ms:.1f} ms")
        timings.append(timing)
    return timings

"""PostgreSQL restarted under a running app: clean 503s in the gap, recovery without a restart.

The test starts a PostgreSQL server of its own (scripts/with_postgres.py's Server), so it may
stop it: `pg_ctl stop -m fast` while three clients keep sending a JSON read, a page and a JSON
write, then `pg_ctl start` on the same port and data directory. The app process is the same
from start to end.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from internkontroll.auth.services import login
from internkontroll.cli import migrate
from internkontroll.db import current_engine
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks.tables import Risk
from internkontroll.web.errors import STATUS_MESSAGES, STATUS_TITLES
from tests.conftest import TEST_PASSWORD, make_board, make_user
from tests.resilience.live import REPO_ROOT, app_server

pytestmark = [pytest.mark.postgres_only, pytest.mark.no_test_pool]

# No request may take longer than this, in the gap or out of it.
HANG_SECONDS = 5.0
RECOVERY_SECONDS = 10.0  # from `pg_ctl start` returning to /healthz answering 200
PHASE_SECONDS = 0.5  # traffic before the stop, in the gap and after recovery
TRAFFIC_PAUSE = 0.05  # between one client's requests: steady traffic, not a busy loop
UNAVAILABLE = STATUS_MESSAGES[503]
KINDS = ("read", "page", "write")


def _with_postgres() -> ModuleType:
    path = REPO_ROOT / "scripts" / "with_postgres.py"
    spec = importlib.util.spec_from_file_location("with_postgres", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def private_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A PostgreSQL server this test may stop, with the test's engine pointed at it."""
    with_postgres = _with_postgres()
    bindir = with_postgres.find_bindir()
    assert bindir is not None, "the PostgreSQL leg runs, so the server binaries exist"
    server = with_postgres.Server(bindir)
    try:
        server.start()
        engine = current_engine()
        monkeypatch.setitem(engine.config, "host", "127.0.0.1")
        monkeypatch.setitem(engine.config, "port", server.port)
        monkeypatch.setitem(engine.config, "user", with_postgres.ROLE)
        monkeypatch.setitem(engine.config, "database", with_postgres.DB_NAME)
        monkeypatch.delitem(engine.config, "password", raising=False)
        yield server
    finally:
        server.cleanup()


@dataclass
class Answer:
    """One request of the background traffic."""

    kind: str
    phase: str
    status: int | None
    seconds: float
    body: str
    content_type: str
    retry_after: str | None
    marker: str = ""


class Traffic:
    """Three clients sending a JSON read, a page and a JSON write until told to stop."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str], board: int) -> None:
        self.http = http
        self.headers = headers
        self.board = board
        self.risk_fields: dict[str, int] = {}
        self.phase = "before"
        self.answers: list[Answer] = []
        self.running = True
        self.count = 0

    def request(self, kind: str) -> tuple[str, dict, str]:
        """What to send for a kind: method and URL arguments, and the write's marker."""
        if kind == "read":
            return "GET", {"url": "/api/me"}, ""
        if kind == "page":
            return "GET", {"url": "/namnder"}, ""
        self.count += 1
        marker = f"Risk {self.phase} {self.count}"
        arguments = {
            "url": f"/api/boards/{self.board}/risks",
            "json": dict(self.risk_fields, title=marker),
            "headers": self.headers,
        }
        return "POST", arguments, marker

    async def send(self, kind: str) -> Answer:
        """Send one request of a kind and note what came back, and how fast."""
        phase = self.phase
        method, arguments, marker = self.request(kind)
        started = time.monotonic()
        try:
            response = await self.http.request(method, **arguments)
        except httpx.HTTPError as exc:
            return Answer(kind, phase, None, time.monotonic() - started, repr(exc), "", None)
        if self.phase != phase:  # in flight while the phase changed: it belongs to neither
            phase = f"{phase}->{self.phase}"
        return Answer(
            kind,
            phase,
            response.status_code,
            time.monotonic() - started,
            response.text,
            response.headers.get("content-type", ""),
            response.headers.get("retry-after"),
            marker,
        )

    async def until_each_kind_answered(self, phase: str) -> None:
        """Wait (boundedly) until every client has had an answer wholly inside the phase."""
        deadline = time.monotonic() + 2 * HANG_SECONDS
        while time.monotonic() < deadline:
            if {a.kind for a in self.answers if a.phase == phase} == set(KINDS):
                return
            await asyncio.sleep(TRAFFIC_PAUSE)

    async def client(self, kind: str) -> None:
        """One client's loop."""
        while self.running:
            self.answers.append(await self.send(kind))
            await asyncio.sleep(TRAFFIC_PAUSE)


def _check_unavailable(answer: Answer) -> None:
    """A 503 in Swedish: JSON for the API, the HTML error page for pages."""
    assert answer.status == 503, answer
    assert answer.retry_after is not None, answer
    if answer.kind == "page":
        assert answer.content_type.startswith("text/html"), answer
        assert 'lang="sv"' in answer.body and STATUS_TITLES[503] in answer.body, answer
        assert UNAVAILABLE in answer.body, answer
    else:
        assert answer.content_type.startswith("application/json"), answer
        assert httpx.Response(503, text=answer.body).json() == {
            "status_code": 503,
            "detail": UNAVAILABLE,
        }


def _failed(answers: list[Answer]) -> list[tuple]:
    """What did not succeed, briefly."""
    return [
        (a.kind, a.phase, a.status, a.body[:300]) for a in answers if a.status not in (200, 201)
    ]


async def _wait_for_recovery(http: httpx.AsyncClient) -> float:
    """Seconds until /healthz answers 200 again; fails after RECOVERY_SECONDS."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_SECONDS:
        response = await http.get("/healthz")
        if response.status_code == 200:
            return time.monotonic() - started
        assert response.status_code == 503, response.text
        await asyncio.sleep(0.1)
    pytest.fail(f"the app did not recover within {RECOVERY_SECONDS:.0f} s")


async def test_requests_fail_cleanly_while_postgres_restarts_then_recover(
    private_postgres, tmp_path: Path
):
    server = private_postgres
    with app_server(server.url, tmp_path) as app:
        # The schema and the data are made while the server starts: both take seconds.
        assert await migrate()
        board = await make_board("DRIFT")
        process = (await Process.insert(Process(board=board, name="Drift")).returning(Process.id))[
            0
        ]
        category = (
            await RiskCategory.insert(RiskCategory(name="IT-risk")).returning(RiskCategory.id)
        )[0]
        await make_user("drift", board_roles=(("DRIFT", "preparer"),))
        session = await login("drift", TEST_PASSWORD, 8)
        app.wait_ready()
        async with httpx.AsyncClient(
            base_url=app.base_url, cookies={"id": session.token}, timeout=2 * HANG_SECONDS
        ) as http:
            assert (await http.get("/api/me")).status_code == 200
            traffic = Traffic(http, {"x-csrftoken": http.cookies["ik_csrftoken"]}, board)
            traffic.risk_fields = {"process_id": process["id"], "category_id": category["id"]}
            clients = [asyncio.create_task(traffic.client(kind)) for kind in KINDS]
            try:
                await asyncio.sleep(PHASE_SECONDS)
                traffic.phase = "stopping"
                await asyncio.to_thread(server.stop)  # pg_ctl stop --mode=fast --wait
                traffic.phase = "gap"
                health = await http.get("/healthz")
                assert health.status_code == 503, health.text
                assert health.json()["detail"] == "Databasen svarar inte."
                gap = [await traffic.send(kind) for kind in KINDS]
                await asyncio.sleep(PHASE_SECONDS)
                traffic.phase = "starting"
                await asyncio.to_thread(server.start_again)
                recovered_after = await _wait_for_recovery(http)
                traffic.phase = "after"
                await asyncio.sleep(PHASE_SECONDS)
                await traffic.until_each_kind_answered("after")
            finally:
                traffic.running = False
                await asyncio.gather(*clients)
        assert app.process.poll() is None, "the app process must live through the restart"
        log = app.log_path.read_text(errors="replace")

    answers = traffic.answers
    by_phase = {p: [a for a in answers if a.phase == p] for p in ("before", "gap", "after")}
    # Every request had an answer, none took long, and nothing was a 500.
    assert all(a.status is not None for a in answers), [a for a in answers if a.status is None]
    slowest = max(answers, key=lambda a: a.seconds)
    assert slowest.seconds < HANG_SECONDS, slowest
    assert all(a.status < 500 or a.status == 503 for a in answers), [
        (a.kind, a.phase, a.status, a.body[:200])
        for a in answers
        if a.status >= 500 and a.status != 503
    ]
    for answer in gap + [a for a in answers if a.status == 503]:
        _check_unavailable(answer)
    # Before the stop everything worked; in the gap nothing did; after recovery all works again.
    assert not _failed(by_phase["before"])
    assert by_phase["gap"] and all(a.status == 503 for a in by_phase["gap"])
    assert by_phase["after"] and not _failed(by_phase["after"])
    assert {a.kind for a in by_phase["after"]} == set(KINDS)
    assert "Unhandled error" not in log  # what the 500 handler logs

    # What was answered 201 is stored exactly once; what was refused in the gap is not stored.
    stored = [r["title"] for r in await Risk.select(Risk.title).where(Risk.board == board)]
    created = [a.marker for a in answers if a.kind == "write" and a.status == 201]
    assert sorted(stored) == sorted(set(stored)) and set(created) <= set(stored)
    refused = {a.marker for a in by_phase["gap"] + gap if a.kind == "write"}
    assert refused and not refused & set(stored)
    print(f"\nrecovered {recovered_after:.2f} s after pg_ctl start; {len(answers)} requests")

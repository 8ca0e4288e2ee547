"""Result-logging throughput: concurrent clients against a real uvicorn server on loopback.

The server is `internkontroll serve` in a subprocess with the app's own pool, on the
benchmark's database. Each client logs in as a control owner and logs results for its own
open test occasions through the JSON API, so no two clients touch the same occasion.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

import httpx

from bench.report import percentile

STARTUP_TIMEOUT = 60.0
SHUTDOWN_TIMEOUT = 15.0
REQUEST_TIMEOUT = 60.0
SAMPLE_PREFIX = "bench"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LoadResult:
    """What the load run saw from the clients' side."""

    clients: int
    accepted: int = 0
    errors: int = 0
    server_errors: int = 0
    wall_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    stored: int | None = None  # results found in the database afterwards
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        """Accepted results per second of wall time."""
        return self.accepted / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def p50_ms(self) -> float:
        """Median client-side latency of a result request."""
        return percentile(self.latencies, 0.50) * 1000

    @property
    def p95_ms(self) -> float:
        """95th percentile client-side latency of a result request."""
        return percentile(self.latencies, 0.95) * 1000


async def open_occasions(year: int) -> dict[str, list[int]]:
    """Open occasions of the year per control owner's username, as the service lets them log."""
    from piccolo.apps.user.tables import BaseUser

    from internkontroll.auth.tables import Membership
    from internkontroll.controls.tables import ControlPlan, PlanControl
    from internkontroll.controls.testing_tables import TestOccasion, TestResult

    adopted = await ControlPlan.select(ControlPlan.id).where(
        (ControlPlan.year == year) & (ControlPlan.status == "adopted")
    )
    owners = await PlanControl.select(
        PlanControl.control, PlanControl.owner, PlanControl.plan.board.as_alias("board")
    ).where(PlanControl.plan.is_in([p["id"] for p in adopted] or [0]))
    members = {
        (m["user"], m["board"])
        for m in await Membership.select(Membership.user, Membership.board).where(
            Membership.role == "control_owner"
        )
    }
    owner_of = {o["control"]: o["owner"] for o in owners if (o["owner"], o["board"]) in members}
    logged = {r["occasion"] for r in await TestResult.select(TestResult.occasion)}
    names = {u["id"]: u["username"] for u in await BaseUser.select(BaseUser.id, BaseUser.username)}
    occasions = await TestOccasion.select(TestOccasion.id, TestOccasion.control).where(
        (TestOccasion.year == year) & TestOccasion.scheduled.eq(True)
    )
    found: dict[str, list[int]] = defaultdict(list)
    for occasion in sorted(occasions, key=lambda o: o["id"]):
        owner = owner_of.get(occasion["control"])
        if owner is not None and occasion["id"] not in logged:
            found[names[owner]].append(occasion["id"])
    return dict(found)


def assign(
    work: dict[str, list[int]], clients: int, per_client: int
) -> list[tuple[str, list[int]]]:
    """Spread clients over the owners with most open occasions; each gets distinct occasions."""
    owners = sorted(work, key=lambda name: (-len(work[name]), name))
    if not owners:
        return []
    seats: dict[str, int] = defaultdict(int)
    for index in range(clients):
        seats[owners[index % len(owners)]] += 1
    plan = []
    for owner, count in seats.items():
        ids = work[owner]
        share = max(1, min(per_client, len(ids) // count))
        for seat in range(count):
            mine = ids[seat * share : (seat + 1) * share]
            if mine:
                plan.append((owner, mine))
    return plan


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our loopback URL
            return answer.status == 200 and bool(json.load(answer))
    except (urllib.error.URLError, OSError, ValueError):
        return False


@contextlib.contextmanager
def served(database_url: str, data_dir: Path, log_path: Path):
    """`internkontroll serve` on a free loopback port; yields its base URL, stops it after."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"PRODUCTION", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        RUN_SCHEDULER="false",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "internkontroll.cli", "serve", "--host", "127.0.0.1"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [*command, "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(f"{base_url}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"servern startade inte (se {log_path}):\n{log_path.read_text()[-2000:]}"
                )
            time.sleep(0.1)  # polling while the server starts
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT)


def _body(index: int, occasion_id: int, performed_on: str) -> dict[str, str]:
    body = {
        "performed_on": performed_on,
        "performed_by_name": "Benchmark",
        "sample": f"{SAMPLE_PREFIX}-{occasion_id}: 20 av 312 fakturor",
        "outcome": "passed",
    }
    if index % 5 == 4:  # every fifth a minor deviation: a deviation row is written too
        body.update(outcome="minor", deviation="Två fakturor saknade attest.")
    return body


async def run_load(
    base_url: str, plan: list[tuple[str, list[int]]], password: str, performed_on: str
) -> LoadResult:
    """Log in every client, then release them together; each logs its occasions in turn."""
    result = LoadResult(clients=len(plan))
    limits = httpx.Limits(max_connections=1)
    sessions = [
        httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits) for _ in plan
    ]
    try:

        async def sign_in(http: httpx.AsyncClient, username: str) -> None:
            answer = await http.post(
                "/api/login", json={"username": username, "password": password}
            )
            answer.raise_for_status()
            await http.get("/api/me")

        await asyncio.gather(
            *(sign_in(s, owner) for s, (owner, _) in zip(sessions, plan, strict=True))
        )

        statuses: dict[int, int] = defaultdict(int)

        async def work(http: httpx.AsyncClient, occasion_ids: list[int]) -> None:
            headers = {"x-csrftoken": http.cookies.get("ik_csrftoken", "")}
            for index, occasion_id in enumerate(occasion_ids):
                started = perf_counter()
                try:
                    answer = await http.post(
                        f"/api/occasions/{occasion_id}/results",
                        json=_body(index, occasion_id, performed_on),
                        headers=headers,
                    )
                    status = answer.status_code
                except httpx.HTTPError:
                    status = 0
                result.latencies.append(perf_counter() - started)
                statuses[status] += 1
                if status == 201:
                    result.accepted += 1
                else:
                    result.errors += 1
                    result.server_errors += status >= 500 or status == 0

        started = perf_counter()
        await asyncio.gather(*(work(s, ids) for s, (_, ids) in zip(sessions, plan, strict=True)))
        result.wall_seconds = perf_counter() - started
        result.statuses = dict(statuses)
    finally:
        for http in sessions:
            await http.aclose()
    return result


async def stored_results() -> int:
    """Results the load run wrote, found by their sample text."""
    from internkontroll.controls.testing_tables import TestResult

    return await TestResult.count().where(TestResult.sample.like(f"{SAMPLE_PREFIX}-%"))


def load_lines(result: LoadResult) -> list[str]:
    """The throughput figures as a Markdown table."""
    statuses = ", ".join(f"{code or 'fel'}: {n}" for code, n in sorted(result.statuses.items()))
    return [
        "| Klienter | Sparade resultat | Resultat/s | p50 ms | p95 ms | Fel | 5xx | Svar |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {result.clients} | {result.accepted} (i databasen: {result.stored}) "
        f"| {result.per_second:.1f} | {result.p50_ms:.1f} | {result.p95_ms:.1f} "
        f"| {result.errors} | {result.server_errors} | {statuses} |",
    ]

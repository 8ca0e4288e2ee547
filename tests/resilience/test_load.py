"""Load: 20 clients log results over HTTP for 30 s; every accepted result is stored exactly once.

The real app runs as `internkontroll serve` (one uvicorn process with its pool) on the test's
own database. The clients come in groups of four, one group per control owner; a group's four
clients always fire at the same target at the same moment: first the first result of an
occasion, then a correction of the result that won, then a correction of that one, and so on.
Exactly one of each four may win; the others must get a clean 409. Every attempt carries a
unique marker in its comment, so the database can be asked afterwards what became of each.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.services import login
from internkontroll.controls.results import ALREADY_LOGGED
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import TestOccasion, TestResult
from internkontroll.timeutil import today
from tests.conftest import TEST_PASSWORD, is_postgres
from tests.resilience.live import app_server
from tests.resilience.world import PlanSetup, adopted_plan

LOAD_SECONDS = 30  # the number, on each engine
CLIENTS = 20
RACERS = 4  # clients firing at the same target at once
GROUPS = CLIENTS // RACERS  # one control owner per group
CONTROLS = 10  # monthly: 120 occasions, 24 per owner
# A request waits at most this long; one that takes longer fails the test as a hang.
REQUEST_TIMEOUT = 20.0
ALREADY_CORRECTED = "Resultatet har redan rättats; rätta den senaste versionen."


@dataclass
class Attempt:
    """One request and what came of it."""

    marker: str
    occasion: int
    corrects: int | None
    status: int | None = None  # None: no HTTP answer at all
    detail: str = ""
    result_id: int | None = None
    seconds: float = 0.0


@dataclass
class Racer:
    """One client with its own session and CSRF token."""

    name: str
    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)
    count: itertools.count = field(default_factory=itertools.count)

    async def attempt(self, occasion: int, corrects: int | None) -> Attempt:
        """Log a first result (corrects None) or a correction, marked uniquely."""
        attempt = Attempt(f"{self.name}-{next(self.count)}", occasion, corrects)
        body = {
            "performed_on": today().isoformat(),
            "performed_by_name": "Lasse Last",
            "sample": f"Stickprov {attempt.marker}",
            "outcome": "passed",
            "comment": attempt.marker,
        }
        if corrects is None:
            url = f"/api/occasions/{occasion}/results"
        else:
            url = f"/api/results/{corrects}/corrections"
            body["correction_reason"] = "Fel urval"
        started = time.monotonic()
        try:
            response = await self.http.post(url, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            attempt.detail = f"{type(exc).__name__}: {exc}"
            return attempt
        finally:
            attempt.seconds = time.monotonic() - started
        attempt.status = response.status_code
        if response.status_code == 201:
            attempt.result_id = _result_with_comment(response.json(), attempt.marker)
        else:
            attempt.detail = response.text[:300]
        return attempt


def _result_with_comment(record: dict, marker: str) -> int | None:
    for occasion in record["occasions"]:
        for result in occasion["results"]:
            if result["comment"] == marker:
                return result["id"]
    return None


async def _racers(base_url: str, owner: str, group: int) -> list[Racer]:
    """Four clients of one control owner, each signed in with a session of its own."""

    async def racer(n: int) -> Racer:
        session = await login(owner, TEST_PASSWORD, 8)
        http = httpx.AsyncClient(
            base_url=base_url, cookies={"id": session.token}, timeout=REQUEST_TIMEOUT
        )
        me = await http.get("/api/me")  # also sets the CSRF cookie
        assert me.status_code == 200, me.text
        return Racer(f"g{group}c{n}", http, {"x-csrftoken": http.cookies["ik_csrftoken"]})

    return list(await asyncio.gather(*(racer(n) for n in range(RACERS))))


async def _run_group(
    racers: list[Racer], occasions: list[int], deadline: float, rounds: list[list[Attempt]]
) -> None:
    """Race on each occasion's first result, then on correcting whatever won last, until time."""
    latest: dict[int, int | None] = dict.fromkeys(occasions)
    steps = itertools.chain(
        itertools.chain.from_iterable((o, o) for o in occasions), itertools.cycle(occasions)
    )
    for occasion in steps:
        if time.monotonic() >= deadline:
            return
        answers = await asyncio.gather(*(r.attempt(occasion, latest[occasion]) for r in racers))
        rounds.append(answers)
        won = [a for a in answers if a.status == 201 and a.result_id is not None]
        if len(won) == 1:
            latest[occasion] = won[0].result_id


async def _occasions_by_owner(setup: PlanSetup) -> dict[int, list[int]]:
    owners = {
        row["control"]: row["owner"]
        for row in await PlanControl.select(PlanControl.control, PlanControl.owner).where(
            PlanControl.plan == setup.plan_id
        )
    }
    by_owner: dict[int, list[int]] = {}
    for row in await TestOccasion.select(TestOccasion.id, TestOccasion.control).order_by(
        TestOccasion.id
    ):
        by_owner.setdefault(owners[row["control"]], []).append(row["id"])
    return by_owner


def _check_answers(rounds: list[list[Attempt]]) -> list[Attempt]:
    """No 5xx, no hang; in every round exactly one winner and clean 409s; all attempts."""
    attempts = [a for answers in rounds for a in answers]
    broken = [a for a in attempts if a.status is None or a.status >= 500]
    assert not broken, f"{len(broken)} requests failed, e.g. {broken[:3]}"
    for answers in rounds:
        won = [a for a in answers if a.status == 201]
        assert len(won) == 1 and won[0].result_id is not None, answers
        expected = ALREADY_LOGGED if answers[0].corrects is None else ALREADY_CORRECTED
        for lost in answers:
            if lost is not won[0]:
                assert lost.status == 409 and expected in lost.detail, lost
    return attempts


async def _check_database(setup: PlanSetup, attempts: list[Attempt]) -> int:
    """Each accepted result stored once, nothing else stored, one audit event each."""
    rows = await TestResult.select(
        TestResult.id, TestResult.occasion, TestResult.corrects, TestResult.comment
    ).where(TestResult.board == setup.board_id)
    by_marker = {row["comment"]: row for row in rows}
    assert len(by_marker) == len(rows), "a marker was stored twice"
    accepted = [a for a in attempts if a.status == 201]
    for attempt in accepted:
        row = by_marker.get(attempt.marker)
        assert row is not None and row["id"] == attempt.result_id, attempt
        assert (row["occasion"], row["corrects"]) == (attempt.occasion, attempt.corrects)
    rejected = {a.marker for a in attempts if a.status != 201}
    assert not rejected & set(by_marker), "a rejected attempt was stored"
    assert len(rows) == len(accepted)
    firsts = Counter(row["occasion"] for row in rows if row["corrects"] is None)
    assert max(firsts.values()) == 1, "an occasion has two first results"
    corrections = Counter(row["corrects"] for row in rows if row["corrects"] is not None)
    assert max(corrections.values()) == 1, "a result was corrected twice"
    events = await AuditEvent.select(AuditEvent.entity_id, AuditEvent.action).where(
        (AuditEvent.entity == "test_result")
        & AuditEvent.action.is_in(["log_result", "correct_result"])
    )
    per_result = Counter(int(e["entity_id"]) for e in events)
    assert per_result == Counter(row["id"] for row in rows)
    return len(accepted)


async def test_twenty_clients_log_results_exactly_once(db, database_factory, tmp_path: Path):
    with app_server(database_factory.url_for(db), tmp_path) as app:
        # The world is built while the server starts: both take seconds.
        setup = await adopted_plan("LAST", controls=CONTROLS, frequency="monthly", owners=GROUPS)
        by_owner = await _occasions_by_owner(setup)
        assert sorted(len(o) for o in by_owner.values()) == [CONTROLS * 12 // GROUPS] * GROUPS
        app.wait_ready()
        clients = await asyncio.gather(
            *(_racers(app.base_url, owner, n) for n, owner in enumerate(setup.owners))
        )
        groups = [
            (racers, by_owner[owner_id])
            for racers, owner_id in zip(clients, setup.owners.values(), strict=True)
        ]
        rounds: list[list[Attempt]] = []
        started = time.monotonic()
        try:
            await asyncio.gather(
                *(
                    _run_group(racers, occasions, started + LOAD_SECONDS, rounds)
                    for racers, occasions in groups
                )
            )
        finally:
            elapsed = time.monotonic() - started
            for racers, _ in groups:
                for racer in racers:
                    await racer.http.aclose()
        assert app.process.poll() is None, app.log_tail()

    attempts = _check_answers(rounds)
    accepted = await _check_database(setup, attempts)
    assert sum(a.corrects is not None for a in attempts if a.status == 201) > 0
    seconds = sorted(a.seconds for a in attempts)
    print(
        f"\nload on {'PostgreSQL' if is_postgres() else 'SQLite'}: {CLIENTS} clients, "
        f"{elapsed:.1f} s, {len(attempts)} requests ({len(attempts) / elapsed:.1f}/s), "
        f"{accepted} results stored ({accepted / elapsed:.1f}/s), "
        f"{len(attempts) - accepted} refused with 409; latency p50 "
        f"{statistics.median(seconds) * 1000:.0f} ms, p95 "
        f"{seconds[int(len(seconds) * 0.95)] * 1000:.0f} ms"
    )

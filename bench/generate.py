"""A storkommun dataset for the benchmark and the query-count test: a year in progress.

    world = await generate(STORKOMMUN, year=2026, today=date(2026, 10, 15))

writes, into an empty migrated database on the configured engine (DATABASE_URL), per board
(KS, nämnder and a few companies): processes, users, `risks_per_board` risks scored every year,
an adopted plan per year with `controls_per_board` controls (KS's shared points and the risks
treated as kontrollmoment), the occasions their frequencies give, results with deviations and
actions, follow-ups sent to KS with frozen figures, and KS's decided review of each ended year.
Rows are written in bulk but are those the services write; the returned World names what a
measurement needs. Command line: `python -m bench.generate --scale small` (migrates first).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass

from bench.generate_org import BoardInfo, insert_organisation, insert_users
from bench.generate_plans import Plans, insert_plans, insert_shared_decisions
from bench.generate_reports import insert_audit_trail, insert_follow_ups, insert_reviews
from bench.generate_results import insert_results
from bench.generate_risks import insert_registers
from internkontroll.auth.passwords import hash_password
from internkontroll.auth.services import load_principal
from internkontroll.controls.plans import create_plan
from internkontroll.db import current_engine, write_transaction
from internkontroll.organisation.tables import Board
from internkontroll.settings import get_settings

PASSWORD = "storkommun"  # noqa: S105 - every generated user's password, for benchmarks only
OWNERS_PER_CONTROLS = 5  # one control owner per five controls of a board
NEXT_YEAR_ANALYSIS = (9, 1)  # from 1 September every other board scores next year's risks
NEXT_YEAR_DRAFTS = (10, 1)  # from 1 October a third of the boards draft next year's plan
SHARED_DECIDED = (11, 18)  # KS decides next year's shared points in November
log = logging.getLogger("bench.generate")


@dataclass(frozen=True)
class Scale:
    """How big the generated kommun is."""

    boards: int = 50  # boards and companies together, KS included (a few kind=company)
    risks_per_board: int = 60
    controls_per_board: int = 25  # KS's shared points included
    history_years: int = 5  # complete earlier years before `year`


STORKOMMUN = Scale()
SMALL = Scale(boards=3, risks_per_board=6, controls_per_board=4, history_years=1)


@dataclass(frozen=True)
class World:
    """What measurements need of a generated kommun; every user's password is `password`.

    users: role -> username, with the keys admin, coordinator, auditor, ks_secretary, and for
    the sample board (a normal nämnd) secretary, preparer (may log results on every control
    of the board), viewer and control_owner (its busiest); busiest_owner is the control owner
    with the most open occasions in the whole kommun.
    """

    year: int
    today: dt.date
    password: str
    ks_board_id: int
    sample_board_id: int
    board_ids: tuple[int, ...]  # KS first, then nämnder, then companies
    users: dict[str, str]
    plan_id: int  # the sample board's adopted plan for `year`
    draft_plan_id: int | None  # the sample board's draft for `year + 1`, from October
    open_occasion_ids: tuple[int, ...]  # the sample board's occasions of `year` with no result
    open_ended_occasion_ids: tuple[int, ...]  # the sample board's löpande ones: any number


class GenerateRefused(Exception):
    """The database is not empty: the generator writes only into a fresh one."""


class _Clock:
    """Logs how long each step took (`python -m bench.generate` shows them)."""

    def __init__(self) -> None:
        self.last = (time.perf_counter(), time.process_time())

    def step(self, what: str) -> None:
        now = (time.perf_counter(), time.process_time())
        wall, cpu = (b - a for a, b in zip(self.last, now, strict=True))
        log.info("%-34s %6.1f s (CPU %5.1f s)", what, wall, cpu)
        self.last = now


def _on_or_after(today: dt.date, year: int, month_day: tuple[int, int]) -> bool:
    return today >= dt.date(year, *month_day)


async def generate(scale: Scale = STORKOMMUN, *, year: int, today: dt.date, seed: int = 1) -> World:
    """Write a kommun of the given scale as it stands on `today` of `year`; return its World."""
    if await Board.exists():
        raise GenerateRefused("databasen innehåller redan nämnder; generera i en tom databas")
    derived = scale.controls_per_board - get_settings().shared_points_per_year
    if scale.boards < 2 or scale.history_years < 0:
        raise ValueError("at least KS and one nämnd, and no negative history")
    if not 1 <= derived <= scale.risks_per_board:
        raise ValueError("each board needs a control from a risk, and no more than it has risks")
    password_hash = await hash_password(PASSWORD)
    years = list(range(year - scale.history_years, year + 1))
    owners = max(1, scale.controls_per_board // OWNERS_PER_CONTROLS)
    clock = _Clock()
    async with write_transaction():
        boards, categories = await insert_organisation(scale.boards)
        globals_ = await insert_users(boards, owners, password_hash)
        clock.step("organisation and users")
        next_year = (
            {b.id for b in boards if b.index % 2 == 1}
            if _on_or_after(today, year, NEXT_YEAR_ANALYSIS)
            else set()
        )
        shared_years = years + ([year + 1] if _on_or_after(today, year, SHARED_DECIDED) else [])
        coordinator = globals_["samordnare"]
        shared = await insert_shared_decisions(shared_years, *coordinator)
        registers = await insert_registers(
            boards,
            categories,
            risks_per_board=scale.risks_per_board,
            controlled_per_board=derived,
            years=years,
            next_year_boards=next_year,
            seed=seed,
        )
        clock.step("risk registers")
        plans = await insert_plans(boards, registers, shared, years, today)
        clock.step("plans and occasions")
        results = await insert_results(boards, plans, year, today, seed)
        # Fresh statistics, as autovacuum (PostgreSQL) or a maintained SQLite file would have:
        # without them the planner picks scans that no real register would see.
        await current_engine().run_ddl("ANALYZE")
        clock.step("results, deviations and actions")
        await insert_follow_ups(boards, years, today)
        clock.step("follow-ups with frozen figures")
        await insert_reviews(boards, years, today, coordinator)
        drafts = await _draft_next_year(boards, next_year, year, today)
        await insert_audit_trail()
        clock.step("reviews, drafts and audit trail")
    await current_engine().run_ddl("ANALYZE")
    sample = boards[1]
    open_ids = [
        o
        for o in plans.occasions
        if o.board == sample.id and o.year == year and o.id not in results.logged
    ]
    return World(
        year=year,
        today=today,
        password=PASSWORD,
        ks_board_id=boards[0].id,
        sample_board_id=sample.id,
        board_ids=tuple(b.id for b in boards),
        users=_usernames(boards, plans, results.logged, year),
        plan_id=plans.adopted[(sample.id, year)],
        draft_plan_id=drafts.get(sample.id),
        open_occasion_ids=tuple(o.id for o in open_ids if not o.open_ended),
        open_ended_occasion_ids=tuple(
            o.id
            for o in plans.occasions
            if o.board == sample.id and o.year == year and o.open_ended
        ),
    )


async def _draft_next_year(
    boards: list[BoardInfo], started: set[int], year: int, today: dt.date
) -> dict[int, int]:
    """Next year's draft plans, through the plan service, for a third of the started boards."""
    if not _on_or_after(today, year, NEXT_YEAR_DRAFTS):
        return {}
    drafts = {}
    for board in boards:
        if board.id in started and board.index % 3 == 1:
            preparer = await load_principal(board.users["preparer"])
            assert preparer is not None
            drafts[board.id] = await create_plan(preparer, board.id, year + 1)
    return drafts


def _usernames(
    boards: list[BoardInfo], plans: Plans, logged: set[int], year: int
) -> dict[str, str]:
    """The World's users by role; control owners ranked by their open occasions."""
    open_count: dict[int, int] = {}
    for occasion in plans.occasions:
        if occasion.year == year and occasion.id not in logged:
            owner = plans.owner_of[occasion.control]
            open_count[owner] = open_count.get(owner, 0) + 1
    sample = boards[1]
    usernames = {uid: name for board in boards for uid, name in board.usernames.items()}
    return {
        "admin": "admin",
        "coordinator": "samordnare",
        "auditor": "revisor",
        "ks_secretary": usernames[boards[0].users["secretary"]],
        "secretary": usernames[sample.users["secretary"]],
        "preparer": usernames[sample.users["preparer"]],
        "viewer": usernames[sample.users["viewer"]],
        "control_owner": usernames[max(sample.owners, key=lambda u: open_count.get(u, 0))],
        "busiest_owner": usernames[max(open_count, key=lambda u: (open_count[u], -u))],
    }


SCALES = {"small": SMALL, "storkommun": STORKOMMUN}


async def _main(scale: Scale, year: int, today: dt.date) -> None:
    from internkontroll.cli import migrate

    assert await migrate(), "migrations failed"
    started = time.perf_counter()
    world = await generate(scale, year=year, today=today)
    print(f"{scale} generated in {time.perf_counter() - started:.1f} s")
    print(world)


def main() -> None:
    """`python -m bench.generate --scale small|storkommun [--year Y] [--today YYYY-MM-DD]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--year", type=int, default=dt.date.today().year)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    today = args.today or dt.date(args.year, 10, 15)
    asyncio.run(_main(SCALES[args.scale], args.year, today))


if __name__ == "__main__":
    main()

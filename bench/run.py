"""One engine's leg of the storkommun benchmark (`make bench` runs it on SQLite, then PostgreSQL).

    python -m bench [--scale storkommun|small] [--warmup 5] [--repeat 50] [--clients 20]

The engine follows DATABASE_URL as the app does. Unset (or sqlite://) means a new SQLite file
in a temporary directory. A postgresql:// URL names a server: the leg creates a database of
its own there and drops it afterwards, so the database the URL names is never touched.
Each leg migrates, generates the dataset, measures in-process (server time, SQL statements,
the floor, the PDFs), then measures result logging against a real uvicorn server, and prints
Markdown tables ready for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCALES = ("storkommun", "small")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="storkommun")
    parser.add_argument("--warmup", type=int, default=5, help="oräknade anrop före mätningen")
    parser.add_argument("--repeat", type=int, default=50, help="mätta anrop per sida och API")
    parser.add_argument("--pdf-warmup", type=int, default=1)
    parser.add_argument("--pdf-repeat", type=int, default=5)
    parser.add_argument("--clients", type=int, default=20, help="samtidiga klienter")
    parser.add_argument("--per-client", type=int, default=25, help="resultat per klient")
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        metavar="N",
        help="skriv också ut de N SQL-satser som tar mest tid per anrop",
    )
    parser.add_argument("--json", type=Path, help="skriv också siffrorna som JSON hit")
    parser.add_argument(
        "--strict", action="store_true", help="avsluta med kod 1 om en budget inte hålls"
    )
    return parser.parse_args(argv)


def say(message: str) -> None:
    """Progress on stderr; the report itself goes to stdout."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the leg's own database


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn=url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def prepare_database(workdir: Path) -> tuple[str, str | None]:
    """Point DATABASE_URL at a new database; return (its URL, the PostgreSQL server's URL)."""
    given = os.environ.get("DATABASE_URL", "").strip()
    if given.startswith(("postgresql://", "postgres://")):
        name = f"ik_bench_{os.getpid()}"
        asyncio.run(_pg_admin(given, f'DROP DATABASE IF EXISTS "{name}"'))
        asyncio.run(_pg_admin(given, f'CREATE DATABASE "{name}"'))
        url = _with_database(given, name)
        server = given
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite'}"
        server = None
    os.environ["DATABASE_URL"] = url
    os.environ["DATA_DIR"] = str(workdir / "data")
    # The scheduler's jobs would run beside the measurements; a benchmark wants the requests.
    os.environ["RUN_SCHEDULER"] = "false"
    os.environ.pop("PRODUCTION", None)
    os.environ.pop("SECRET_KEY", None)
    return url, server


def drop_database(url: str, server: str | None) -> None:
    """Drop the leg's PostgreSQL database; an SQLite file goes with the temporary directory."""
    if server is not None:
        name = urlsplit(url).path.lstrip("/")
        asyncio.run(_pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ------------------------------------------------------------------------------ the world


@dataclass(frozen=True)
class Facts:
    """What the measurements need from the generated world."""

    year: int
    board_id: int
    plan_id: int
    coordinator: str
    control_owner: str
    password: str


def scale_for(name: str):
    """The generator's Scale for a name on the command line."""
    from bench.generate import SMALL, STORKOMMUN

    return SMALL if name == "small" else STORKOMMUN


async def make_world(scale_name: str, today: dt.date) -> Facts:
    """Generate the dataset and name what the measurements use."""
    from bench.generate import generate

    world = await generate(scale_for(scale_name), year=today.year, today=today)
    return Facts(
        year=world.year,
        board_id=world.sample_board_id,
        plan_id=world.plan_id,
        coordinator=world.users["coordinator"],
        control_owner=world.users["control_owner"],
        password=world.password,
    )


# -------------------------------------------------------------------------- measurements


async def server_versions() -> str:
    """The database engine and its version."""
    from internkontroll.db import current_engine

    engine = current_engine()
    if engine.engine_type == "postgres":
        rows = await engine.run_querystring(_query("SHOW server_version"))
        return f"PostgreSQL {rows[0]['server_version']}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _query(sql: str):
    from piccolo.querystring import QueryString

    return QueryString(sql)


ABOUT_ROWS = 1000


def min_value_for(cells: list[dict], about: int = ABOUT_ROWS) -> tuple[int, int]:
    """The lowest risk value whose 'at least this value' count comes nearest `about`, and that
    count, from the all-boards heat map's cells."""
    values = sorted({c["value"] for c in cells})
    counts = {v: sum(c["count"] for c in cells if c["value"] >= v) for v in values}
    best = min(values, key=lambda v: (abs(counts[v] - about), v))
    return best, counts[best]


async def risk_list_target(http, facts: Facts):
    """Alla risker (/risker, GET /api/risks) for every board, filtered on the lowest risk value
    that leaves about 1,000 of the year's assessed risks; the row count is printed."""
    from bench.measure import Target

    answer = await http.get(f"/api/heatmap?year={facts.year}")
    answer.raise_for_status()
    min_value, rows = min_value_for(answer.json()["cells"])
    listed = await http.get(f"/api/risks?year={facts.year}&min_value={min_value}")
    listed.raise_for_status()
    rows = len(listed.json())
    note = f"alla nämnder, riskvärde minst {min_value}"
    return [
        Target(
            "risk_list.page",
            "Alla risker (sida)",
            f"/risker?ar={facts.year}&varde={min_value}",
            "page",
            "coordinator",
            rows=rows,
            note=note,
        ),
        Target(
            "risk_list.api",
            "Alla risker (API)",
            f"/api/risks?year={facts.year}&min_value={min_value}",
            "api",
            "coordinator",
            rows=rows,
            note=note,
        ),
    ]


def targets_for(facts: Facts) -> list:
    """The pages and API calls of issue 8, each with the user who opens it."""
    from bench.measure import FLOOR_PATH, Target

    y, b, p = facts.year, facts.board_id, facts.plan_id
    c, o = "coordinator", "control_owner"
    return [
        Target("floor", "Golv: tom slutpunkt", FLOOR_PATH, "floor", c),
        Target("ks_overview.page", "KS översikt", f"/ks/oversikt?ar={y}", "page", c),
        Target("ks_overview.api", "KS översikt (API)", f"/api/overview?year={y}", "api", c),
        Target("board_map.page", "Riskkarta nämnd", f"/namnder/{b}/riskkarta?ar={y}", "page", c),
        Target(
            "board_map.api", "Riskkarta nämnd (API)", f"/api/boards/{b}/heatmap?year={y}", "api", c
        ),
        Target("all_map.page", "Riskkarta alla nämnder", f"/riskoversikt?ar={y}", "page", c),
        Target("all_map.api", "Riskkarta alla nämnder (API)", f"/api/heatmap?year={y}", "api", c),
        Target("plan.page", "Nämndens plan", f"/namnder/{b}/plan?ar={y}", "page", c),
        Target("plan.api", "Nämndens plan (API)", f"/api/plans/{p}", "api", c),
        Target("my_controls.page", "Mina kontroller", "/mina-kontroller", "page", o),
        Target("my_controls.api", "Mina kontroller (API)", "/api/my-controls", "api", o),
        Target("register.page", "Riskregister nämnd", f"/namnder/{b}/risker?ar={y}", "page", c),
        Target(
            "register.api", "Riskregister nämnd (API)", f"/api/boards/{b}/risks?year={y}", "api", c
        ),
    ]


async def pdf_targets(http, facts: Facts) -> list:
    """The plan PDF and KS's review PDF (this year's, or last year's decided one if none)."""
    from bench.measure import Target

    review_year = facts.year
    review = (await http.get(f"/api/reviews/{review_year}")).json()
    if review.get("status") in (None, "none"):
        review_year -= 1
        review = (await http.get(f"/api/reviews/{review_year}")).json()
    boards = len(review.get("boards", []))
    return [
        Target(
            "plan_pdf", "Planens PDF", f"/api/plans/{facts.plan_id}/plan.pdf", "pdf", "coordinator"
        ),
        Target(
            "review_pdf",
            f"KS:s samlade bedömning {review_year} som PDF",
            f"/api/reviews/{review_year}/review.pdf",
            "pdf",
            "coordinator",
            note=f"{boards} nämnder och bolag",
        ),
    ]


async def in_process(args: argparse.Namespace, facts: Facts) -> list:
    """Server time and SQL statements of every target, the app's pool open on this loop."""
    from bench.measure import build_app, client_for, login, measure
    from internkontroll import db
    from internkontroll.app import freeze_startup_objects
    from internkontroll.settings import get_settings

    await db.start_pool(get_settings().db_pool_max)
    try:
        _app, timer = build_app()
        # As the app's lifespan does in `internkontroll serve`.
        freeze_startup_objects()
        clients = {"coordinator": client_for(timer), "control_owner": client_for(timer)}
        try:
            await login(clients["coordinator"], facts.coordinator, facts.password)
            await login(clients["control_owner"], facts.control_owner, facts.password)
            targets = targets_for(facts)
            targets += await risk_list_target(clients["coordinator"], facts)
            targets += await pdf_targets(clients["coordinator"], facts)
            return await measure(
                timer,
                clients,
                targets,
                warmup=args.warmup,
                repeat=args.repeat,
                pdf_warmup=args.pdf_warmup,
                pdf_repeat=args.pdf_repeat,
                slowest=args.slowest,
                progress=say,
            )
        finally:
            for http in clients.values():
                await http.aclose()
    finally:
        await db.close_pool()


async def load(args: argparse.Namespace, facts: Facts, url: str, workdir: Path):
    """Result logging with concurrent clients against `internkontroll serve`."""
    from bench.load import assign, open_occasions, run_load, served, stored_results
    from internkontroll.timeutil import today

    plan = assign(await open_occasions(facts.year), args.clients, args.per_client)
    if len(plan) < args.clients:
        say(f"bara {len(plan)} klienter fick egna öppna kontrolltillfällen")
    with served(url, workdir / "serve-data", workdir / "serve.log") as base_url:
        result = await run_load(base_url, plan, facts.password, today().isoformat())
    result.stored = await stored_results()
    return result


# ------------------------------------------------------------------------------- the leg


async def leg(args: argparse.Namespace, url: str, workdir: Path) -> dict:
    """Migrate, generate, measure; return everything the report prints."""
    from internkontroll.cli import migrate
    from internkontroll.timeutil import today

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's per-migration chatter
        migrated_ok = await migrate()
    if not migrated_ok:
        raise RuntimeError("migreringen misslyckades")
    migrated = time.perf_counter() - started
    say(f"migrerat på {migrated:.1f} s; genererar {args.scale}")
    started = time.perf_counter()
    facts = await make_world(args.scale, today())
    generated = time.perf_counter() - started
    say(f"genererat på {generated:.1f} s; mäter")
    load_before = os.getloadavg()[0]
    timings = await in_process(args, facts)
    load_after = os.getloadavg()[0]
    say(f"{args.clients} klienter loggar resultat mot en uvicornserver")
    load_result = await load(args, facts, url, workdir)
    return {
        "engine": await server_versions(),
        "engine_type": "postgres" if url.startswith("postgres") else "sqlite",
        "scale": args.scale,
        "facts": asdict(facts),
        "load_average": (load_before, load_after),
        "migrate_seconds": migrated,
        "generate_seconds": generated,
        "timings": timings,
        "load": load_result,
        "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
    }


def render(outcome: dict, args: argparse.Namespace) -> tuple[str, bool]:
    """The leg's report as Markdown; True if every budget holds (or none binds here)."""
    from bench.load import load_lines
    from bench.report import budget_lines, machine, slowest_lines, timings_table

    timings = outcome["timings"]
    floor = next(t for t in timings if t.kind == "floor")
    lines = [f"## {outcome['engine']}", ""]
    info = dict(machine(), Databas=outcome["engine"], Datum=outcome["date"])
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [
        f"- Data: {outcome['scale']}, år {outcome['facts']['year']}; migrering "
        f"{outcome['migrate_seconds']:.1f} s, generering {outcome['generate_seconds']:.1f} s",
        "- Belastning (1 min, före och efter mätningarna i processen): "
        f"{outcome['load_average'][0]:.2f} / {outcome['load_average'][1]:.2f}",
        f"- Upprepningar: {args.warmup} uppvärmning + {args.repeat} mätta per sida och API, "
        f"{args.pdf_warmup} + {args.pdf_repeat} per PDF",
        "",
        "### Servertid och SQL per anrop",
        "",
        *timings_table(timings, floor.p50_ms),
        "",
    ]
    if args.slowest:
        lines += [
            f"### De {args.slowest} SQL-satser som tar mest tid per anrop",
            "",
            *slowest_lines(timings),
            "",
        ]
    lines += [
        f"### Loggning av resultat: {args.clients} samtidiga klienter, uvicorn på loopback",
        "",
        *load_lines(outcome["load"]),
        "",
        "### Budgetar (issue 8, gäller PostgreSQL)",
        "",
    ]
    budgets, held = budget_lines(timings, outcome["engine_type"])
    lines += budgets
    return "\n".join(lines) + "\n", held


def to_json(outcome: dict) -> dict:
    """The figures as plain data (for tests and comparisons)."""
    timings = [dict(asdict(t), p50_ms=t.p50_ms, p95_ms=t.p95_ms) for t in outcome["timings"]]
    result = outcome["load"]
    load_data = dict(
        asdict(result), per_second=result.per_second, p50_ms=result.p50_ms, p95_ms=result.p95_ms
    )
    load_data.pop("latencies")
    return dict(outcome, timings=timings, load=load_data)


def main(argv: list[str] | None = None) -> int:
    """Run one leg on the engine DATABASE_URL picks; 1 on failure (or a budget, with --strict)."""
    args = parse_args(argv)
    # The app's logging config sends INFO to the console: one line per request would drown
    # the report.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="ik-bench-"))
    url, server = None, None
    try:
        url, server = prepare_database(workdir)
        try:
            outcome = asyncio.run(leg(args, url, workdir))
        except RuntimeError as exc:  # a failed step (BenchFailed among them), said in Swedish
            say(f"FEL: {exc}")
            return 1
        text, held = render(outcome, args)
        print(text, flush=True)
        if args.json:
            args.json.write_text(json.dumps(to_json(outcome), indent=2, ensure_ascii=False))
        return 0 if held or not args.strict else 1
    finally:
        if url is not None:
            try:
                drop_database(url, server)
            except Exception as exc:  # cleanup must not hide the leg's own error
                say(f"kunde inte ta bort databasen: {exc}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

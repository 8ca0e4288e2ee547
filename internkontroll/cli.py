"""The `internkontroll` command: serve, migrate, createuser, demo, export, import, report, …"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from internkontroll.settings import SettingsError, get_settings

PASSWORD_ENV = "INTERNKONTROLL_PASSWORD"  # noqa: S105 - the variable name, not a password


def _fail(message: str, code: int = 2) -> int:
    print(f"internkontroll: {message}", file=sys.stderr)
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the app with uvicorn."""
    import uvicorn

    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Internkontroll på http://{host}:{port} ({settings.database.describe()})", flush=True)
    uvicorn.run(
        "internkontroll.asgi:app",
        host=host,
        port=port,
        workers=args.workers,
        proxy_headers=settings.production,
        log_level="info",
    )
    return 0


async def migrate() -> bool:
    """Apply every pending migration of every app; True on success."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    return bool(result.success)


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Apply migrations."""
    ok = asyncio.run(migrate())
    return 0 if ok else _fail("migreringen misslyckades", 1)


def _parse_board_role(text: str) -> tuple[str, str]:
    short, sep, role = text.partition(":")
    if not sep or not short or not role:
        raise argparse.ArgumentTypeError(f"ange NÄMND:ROLL, t.ex. BUN:secretary (fick {text!r})")
    return short.upper(), role


def cmd_createuser(args: argparse.Namespace) -> int:
    """Create a user with roles; the password comes from the environment or a prompt."""
    from internkontroll.auth.services import NewUser, create_user
    from internkontroll.errors import ValidationFailed

    password = os.environ.get(PASSWORD_ENV)
    if not password:
        if not sys.stdin.isatty():
            return _fail(f"lösenord saknas: sätt {PASSWORD_ENV} eller kör interaktivt")
        password = getpass.getpass("Lösenord: ")
        if password != getpass.getpass("Upprepa lösenord: "):
            return _fail("lösenorden stämmer inte överens")
    roles = []
    if args.coordinator:
        roles.append("coordinator")
    if args.auditor:
        roles.append("auditor")
    data = NewUser(
        username=args.username.strip().lower(),
        password=password,
        email=args.email or "",
        first_name=args.first_name or "",
        last_name=args.last_name or "",
        admin=args.admin,
        global_roles=tuple(roles),
        board_roles=tuple(args.board or ()),
    )
    try:
        user_id = asyncio.run(create_user(data))
    except ValidationFailed as exc:
        return _fail(exc.message)
    print(f"Användare {data.username} skapad (id {user_id}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo kommun (refused in production)."""
    from internkontroll.demo import DemoRefused, load_demo

    try:
        report = asyncio.run(load_demo(if_empty=args.if_empty))
    except DemoRefused as exc:
        return _fail(str(exc))
    print(report)
    return 0


async def _board_id(short_name: str) -> int | None:
    """The id of the board with this short name, compared without case."""
    from internkontroll.organisation.tables import Board

    wanted = short_name.strip().casefold()
    for board in await Board.select(Board.id, Board.short_name):
        if board["short_name"].casefold() == wanted:
            return board["id"]
    return None


def cmd_export_risks(args: argparse.Namespace) -> int:
    """Write one board's, or every board's, risk register for a year to an .xlsx file."""
    from internkontroll.errors import DomainError
    from internkontroll.risks.excel import system_export_register

    async def run() -> tuple[bytes, int] | None:
        board_id = None
        if args.board:
            board_id = await _board_id(args.board)
            if board_id is None:
                return None
        return await system_export_register(args.year, board_id)

    try:
        result = asyncio.run(run())
    except DomainError as exc:
        return _fail(exc.message)
    if result is None:
        return _fail(f"okänd nämnd {args.board}")
    content, count = result
    try:
        args.out.write_bytes(content)
    except OSError as exc:
        return _fail(f"kan inte skriva {args.out}: {exc.strerror or exc}", 1)
    print(f"{count} risker skrivna till {args.out}.")
    return 0


def cmd_import_risks(args: argparse.Namespace) -> int:
    """Import a board's risk register for a year from an .xlsx file, all or nothing."""
    from internkontroll.errors import DomainError, ValidationFailed
    from internkontroll.risks.excel import MAX_IMPORT_BYTES, ImportResult, system_import_register

    try:
        with args.file.open("rb") as handle:
            # One byte past the limit is enough for the import to refuse the file by its size.
            content = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        return _fail(f"kan inte läsa {args.file}: {exc.strerror or exc}")

    async def run() -> ImportResult | None:
        board_id = await _board_id(args.board)
        if board_id is None:
            return None
        return await system_import_register(board_id, args.year, content, args.file.name)

    try:
        result = asyncio.run(run())
    except ValidationFailed as exc:
        rows = any(e.field.startswith("rad ") for e in exc.errors)
        print(
            f"internkontroll: {exc.message if rows else 'Filen importerades inte.'}",
            file=sys.stderr,
        )
        for error in exc.errors:
            where = {"file": "", "year": "--year: "}.get(error.field, f"{error.field}: ")
            print(f"{where}{error.message}", file=sys.stderr)
        return 2
    except DomainError as exc:
        return _fail(exc.message, 1)
    if result is None:
        return _fail(f"okänd nämnd {args.board}")
    print(f"{result.created} nya, {result.updated} uppdaterade, {result.assessed} bedömningar")
    return 0


def cmd_report_plan(args: argparse.Namespace) -> int:
    """Write a board's internkontrollplan for a year as a PDF (latest version by default)."""
    from internkontroll.errors import DomainError, ValidationFailed
    from internkontroll.reports.plan_pdf import system_render_plan_pdf
    from internkontroll.risks.register import MAX_ID

    if args.version is not None and not 0 < args.version <= MAX_ID:
        return _fail("--version ska vara ett positivt heltal")

    async def run():
        board_id = await _board_id(args.board)
        if board_id is None:
            return None
        return board_id, await system_render_plan_pdf(board_id, args.year, args.version)

    try:
        result = asyncio.run(run())
    except ValidationFailed as exc:
        return _fail("; ".join(f"--{e.field}: {e.message}" for e in exc.errors))
    except DomainError as exc:
        return _fail(exc.message)
    if result is None:
        return _fail(f"okänd nämnd {args.board}")
    if result[1] is None:
        which = (
            "internkontrollplan"
            if args.version is None
            else f"version {args.version} av internkontrollplanen"
        )
        return _fail(f"{args.board.strip().upper()} har ingen {which} för {args.year}")
    _, content, document = result[1]
    try:
        args.out.write_bytes(content)
    except OSError as exc:
        return _fail(f"kan inte skriva {args.out}: {exc.strerror or exc}", 1)
    print(
        f"{document.title} för {document.board_short_name}, version {document.plan['version']} "
        f"({document.status_label.lower()}), skriven till {args.out}."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="internkontroll", description="Internkontroll")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="starta webbservern")
    serve.add_argument("--host", help="adress att lyssna på (standard: HOST eller 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (standard: PORT eller 8000)")
    serve.add_argument("--workers", type=int, default=1, help="antal processer")
    serve.set_defaults(func=cmd_serve)

    migrate_cmd = sub.add_parser("migrate", help="uppdatera databasen till senaste schema")
    migrate_cmd.set_defaults(func=cmd_migrate)

    create = sub.add_parser(
        "createuser",
        help="skapa en användare",
        description=f"Lösenordet läses från {PASSWORD_ENV} eller frågas efter.",
    )
    create.add_argument("username")
    create.add_argument("--email")
    create.add_argument("--first-name")
    create.add_argument("--last-name")
    create.add_argument("--admin", action="store_true", help="systemförvaltare")
    create.add_argument("--coordinator", action="store_true", help="internkontrollsamordnare")
    create.add_argument("--auditor", action="store_true", help="revisor")
    create.add_argument(
        "--board",
        action="append",
        type=_parse_board_role,
        metavar="NÄMND:ROLL",
        help="roll på en nämnd: secretary, preparer, control_owner eller viewer (kan upprepas)",
    )
    create.set_defaults(func=cmd_createuser)

    demo = sub.add_parser("demo", help="läs in demokommunen (inte i produktionsläge)")
    demo.add_argument("--if-empty", action="store_true", help="bara om databasen saknar nämnder")
    demo.set_defaults(func=cmd_demo)

    export = sub.add_parser("export", help="exportera data till fil")
    export_what = export.add_subparsers(dest="what", required=True, metavar="VAD")
    export_risks = export_what.add_parser(
        "risks",
        help="riskregistret som Excel-fil (.xlsx)",
        description="Skriver årets riskregister för en nämnd, eller för alla nämnder.",
    )
    export_risks.add_argument(
        "--year", type=int, required=True, metavar="ÅR", help="året, t.ex. 2026"
    )
    export_risks.add_argument("--board", metavar="NÄMND", help="nämndens kortnamn (utan: alla)")
    export_risks.add_argument(
        "--out", type=Path, required=True, metavar="FIL.xlsx", help="filen att skriva"
    )
    export_risks.set_defaults(func=cmd_export_risks)

    import_cmd = sub.add_parser("import", help="läsa in data från fil")
    import_what = import_cmd.add_subparsers(dest="what", required=True, metavar="VAD")
    import_risks = import_what.add_parser(
        "risks",
        help="en nämnds riskregister från Excel-fil (.xlsx)",
        description=(
            "Läser in en nämnds riskregister för ett år. Allt eller inget: innehåller filen "
            "något fel skrivs ingenting, och varje fel visas med rad och kolumn."
        ),
    )
    import_risks.add_argument("--board", metavar="NÄMND", required=True, help="nämndens kortnamn")
    import_risks.add_argument(
        "--year", type=int, required=True, metavar="ÅR", help="året, t.ex. 2026"
    )
    import_risks.add_argument("file", type=Path, metavar="FIL.xlsx", help="filen att läsa in")
    import_risks.set_defaults(func=cmd_import_risks)

    report = sub.add_parser("report", help="skriv ut rapporter som PDF")
    report_what = report.add_subparsers(dest="what", required=True, metavar="VAD")
    report_plan = report_what.add_parser(
        "plan",
        help="en nämnds internkontrollplan som PDF",
        description="Skriver en nämnds internkontrollplan för ett år som PDF (A4).",
    )
    report_plan.add_argument("--board", metavar="NÄMND", required=True, help="nämndens kortnamn")
    report_plan.add_argument(
        "--year", type=int, required=True, metavar="ÅR", help="året, t.ex. 2027"
    )
    report_plan.add_argument(
        "--version", type=int, metavar="N", help="planens version (utan: den senaste)"
    )
    report_plan.add_argument(
        "--out", type=Path, required=True, metavar="FIL.pdf", help="filen att skriva"
    )
    report_plan.set_defaults(func=cmd_report_plan)
    _add_period_reports(report_what)
    _add_reminder_commands(sub)
    _add_backup_commands(sub)
    return parser


def _lazy(module: str, name: str):
    """A command implemented in a domain package, imported only when it runs."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args)

    return run


def _add_period_reports(report_what) -> None:
    """`report followup`, `report shared` and `report ks`: the reporting cycle's PDFs."""
    periods = "delar|helar"
    followup = report_what.add_parser(
        "followup",
        help="en nämnds uppföljning av internkontrollplanen som PDF",
        description="Skriver en nämnds uppföljning för ett rapporteringstillfälle som PDF (A4).",
    )
    followup.add_argument("--board", metavar="NÄMND", required=True, help="nämndens kortnamn")
    shared = report_what.add_parser(
        "shared",
        help="alla nämnders resultat för de gemensamma kontrollmomenten som PDF",
        description="Skriver rapporten om de gemensamma kontrollmomenten till KS som PDF (A4).",
    )
    ks = report_what.add_parser(
        "ks",
        help="KS:s samlade bedömning av internkontrollen som PDF",
        description="Skriver KS:s samlade bedömning av årets interna kontroll som PDF (A4).",
    )
    for command in (followup, shared, ks):
        command.add_argument("--year", type=int, required=True, metavar="ÅR", help="året")
    for command in (followup, shared):
        command.add_argument(
            "--period", required=True, metavar=periods, help="rapporteringstillfället"
        )
    for command in (followup, shared, ks):
        command.add_argument(
            "--out", type=Path, required=True, metavar="FIL.pdf", help="filen att skriva"
        )
    followup.set_defaults(func=_lazy("internkontroll.reports.followup_cli", "cmd_report_followup"))
    shared.set_defaults(func=_lazy("internkontroll.reports.overview_cli", "cmd_report_shared"))
    ks.set_defaults(func=_lazy("internkontroll.reports.review_cli", "cmd_report_ks"))


def _parse_date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ange datum som ÅÅÅÅ-MM-DD (fick {text!r})") from None


def _add_reminder_commands(sub) -> None:
    """`reminders` (run or preview a day's reminders) and `scheduler` (the job process)."""
    reminders = sub.add_parser(
        "reminders",
        help="skicka, eller visa med --dry-run, påminnelserna för en dag",
        description=(
            "Visar vilka påminnelser som faller ut en dag, till vem och varför. Med --dry-run "
            "skrivs och skickas ingenting; utan skapas de som inte redan skapats och e-post "
            "skickas (varje påminnelse bara en gång)."
        ),
    )
    reminders.add_argument(
        "--at", type=_parse_date, metavar="ÅÅÅÅ-MM-DD", help="dagen (standard: i dag)"
    )
    reminders.add_argument(
        "--dry-run", action="store_true", help="visa bara; skriv och skicka ingenting"
    )
    reminders.set_defaults(func=_lazy("internkontroll.reminders.cli", "cmd_reminders"))
    scheduler = sub.add_parser(
        "scheduler",
        help="kör schemaläggaren (påminnelser och e-postutskick) som egen process",
        description=(
            "Kör påminnelsejobben utan webbserver, för driftmiljöer med flera appprocesser "
            "(sätt då RUN_SCHEDULER=false för dem). Flera schemaläggare mot samma PostgreSQL "
            "skickar ändå varje påminnelse en gång."
        ),
    )
    scheduler.set_defaults(func=_lazy("internkontroll.reminders.cli", "cmd_scheduler"))


def _add_backup_commands(sub) -> None:
    """`backup DEST` and `restore [--check] SOURCE`: the database and the evidence files."""
    backup = sub.add_parser(
        "backup",
        help="säkerhetskopiera databasen och bevisfilerna till en ny katalog",
        description=(
            "Skriver databasen (SQLite: en kopia tagen medan appen kör; PostgreSQL: pg_dump), "
            "alla bevisfiler som databasen hänvisar till och ett manifest med radantal och "
            "kontrollsummor till en ny katalog. Katalogen får sitt namn först när allt är skrivet."
        ),
    )
    backup.add_argument("dest", type=Path, metavar="KATALOG", help="ny katalog (får inte finnas)")
    backup.set_defaults(func=_lazy("internkontroll.backup_cli", "cmd_backup"))
    restore = sub.add_parser(
        "restore",
        help="återställ en säkerhetskopia till en tom databas och kontrollera den",
        description=(
            "Kontrollerar varje fil i kopian mot manifestet, återställer databasen till den tomma "
            "databasen i DATABASE_URL och bevisfilerna till UPLOAD_DIR, och jämför sedan radantal, "
            "migreringar och kontrollsummor med kopian. En databas som inte är tom vägras."
        ),
    )
    restore.add_argument("source", type=Path, metavar="KATALOG", help="säkerhetskopians katalog")
    restore.add_argument(
        "--check", action="store_true", help="kontrollera bara kopian; återställ ingenting"
    )
    restore.set_defaults(func=_lazy("internkontroll.backup_cli", "cmd_restore"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

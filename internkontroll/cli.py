"""The `internkontroll` command: serve, migrate, createuser, demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence

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
    return parser


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

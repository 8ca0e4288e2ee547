"""The demo kommun: fictional, deterministic, idempotent, and always in mid-cycle."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser

from internkontroll.audit import services as audit
from internkontroll.auth.passwords import hash_password
from internkontroll.auth.principal import Actor
from internkontroll.auth.tables import GlobalRole, Membership
from internkontroll.db import write_transaction
from internkontroll.demo_plans import load_plans
from internkontroll.demo_plans import report_line as plans_report_line
from internkontroll.demo_reminders import load_reminders
from internkontroll.demo_reminders import report_line as reminders_report_line
from internkontroll.demo_reports import load_reports
from internkontroll.demo_reports import report_line as reports_report_line
from internkontroll.demo_results import load_last_year_results, load_results
from internkontroll.demo_results import report_line as results_report_line
from internkontroll.demo_risks import load_risk_registers, report_line, started_next_year
from internkontroll.organisation.tables import (
    Board,
    Department,
    DepartmentBoard,
    Municipality,
    Process,
    RiskCategory,
)
from internkontroll.settings import get_settings
from internkontroll.timeutil import today

DEMO_PASSWORD = "demo"  # noqa: S105 - the published demo password
DEMO_ACTOR = Actor(id=None, username="demo")
MUNICIPALITY = ("Demo kommun", "212000-0000")


@dataclass(frozen=True)
class DemoBoard:
    """A demo board with its department and processes."""

    short_name: str
    name: str
    kind: str
    department: str
    processes: tuple[str, ...]


BOARDS = (
    DemoBoard(
        "KS",
        "Kommunstyrelsen",
        "executive",
        "Kommunledningsförvaltningen",
        (
            "Upphandling och inköp",
            "Löneutbetalning",
            "Attest och utbetalning",
            "Informationssäkerhet",
            "Delegation och beslut",
            "Diarieföring och allmänna handlingar",
        ),
    ),
    DemoBoard(
        "BUN",
        "Barn- och utbildningsnämnden",
        "board",
        "Barn- och utbildningsförvaltningen",
        (
            "Skolskjuts",
            "Elevhälsa",
            "Betygssättning",
            "Barnomsorgsavgifter",
            "Kränkande behandling",
            "Inköp av läromedel",
            "Elevpeng och interkommunal ersättning",
            "Rekrytering och arbetsmiljö",
        ),
    ),
    DemoBoard(
        "SN",
        "Socialnämnden",
        "board",
        "Socialförvaltningen",
        (
            "Försörjningsstöd",
            "Biståndsbedömning",
            "Läkemedelshantering",
            "Lex Sarah-rapportering",
            "Placeringar HVB",
            "Hantering av brukarmedel",
        ),
    ),
    DemoBoard(
        "BMN",
        "Bygg- och miljönämnden",
        "board",
        "Samhällsbyggnadsförvaltningen",
        (
            "Bygglov",
            "Miljötillsyn",
            "Livsmedelskontroll",
            "Avgiftsdebitering",
            "Handläggningstider",
        ),
    ),
    DemoBoard(
        "KFN",
        "Kultur- och fritidsnämnden",
        "board",
        "Kultur- och fritidsförvaltningen",
        ("Föreningsbidrag", "Lokaluthyrning", "Biblioteksverksamhet", "Kontanthantering i kassor"),
    ),
    DemoBoard(
        "TN",
        "Tekniska nämnden",
        "board",
        "Samhällsbyggnadsförvaltningen",
        (
            "Gatuunderhåll",
            "Vatten och avlopp",
            "Fordonshantering",
            "Entreprenadupphandling",
            "Fakturering VA-taxa",
        ),
    ),
    DemoBoard(
        "BOST",
        "Demo Bostäder AB",
        "company",
        "Demo Bostäder AB:s organisation",
        (
            "Hyresavier och kravhantering",
            "Underhållsplanering",
            "Uthyrning och kö",
            "Upphandling av entreprenader",
        ),
    ),
)

RISK_CATEGORIES = (
    ("Verksamhetsrisk", "Risk att verksamheten inte når sina mål eller bryter mot sitt uppdrag."),
    ("Legal risk", "Risk att lagar, förordningar eller interna regler inte följs."),
    ("IT-risk", "Risk kopplad till informationssystem, informationssäkerhet och driftstörningar."),
    ("Ekonomisk risk", "Risk för ekonomisk förlust, felaktiga utbetalningar eller oegentligheter."),
    ("Förtroenderisk", "Risk att allmänhetens förtroende för kommunen skadas."),
    ("Personalrisk", "Risk kopplad till kompetensförsörjning, arbetsmiljö och nyckelpersoner."),
)

# (suffix, role, first names cycled per board)
BOARD_USERS = (
    ("sekreterare", "secretary", "Nämndsekreterare"),
    ("handlaggare", "preparer", "Handläggare"),
    ("kontrollant", "control_owner", "Kontrollansvarig"),
    ("ledamot", "viewer", "Ledamot"),
)
FIRST_NAMES = (
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Eva",
    "Anders",
    "Sara",
    "Per",
    "Lena",
    "Mikael",
    "Elin",
    "Fredrik",
    "Ingrid",
    "Oskar",
    "Helena",
    "Jonas",
    "Sofia",
    "Magnus",
    "Emma",
    "Henrik",
    "Ulla",
    "Gustav",
    "Linnea",
    "Nils",
    "Agneta",
    "Viktor",
)
LAST_NAMES = (
    "Lindqvist",
    "Berg",
    "Holm",
    "Sandberg",
    "Ek",
    "Nyström",
    "Åberg",
    "Lundgren",
    "Hedlund",
    "Söderberg",
    "Forsberg",
    "Björk",
    "Wallin",
    "Engström",
)
GLOBAL_USERS = (
    ("admin", "Siv", "Systemförvaltare", True, ()),
    ("samordnare", "Gunilla", "Samordnare", False, ("coordinator",)),
    ("revisor", "Bertil", "Revisorsson", False, ("auditor",)),
)


class DemoRefused(Exception):
    """The demo may not load here (production mode)."""


def demo_logins() -> list[tuple[str, str]]:
    """Every demo user name with a description of its role."""
    logins = [
        ("admin", "systemförvaltare (admin)"),
        ("samordnare", "internkontrollsamordnare"),
        ("revisor", "revisor, läser allt"),
    ]
    for board in BOARDS:
        for suffix, _role, label in BOARD_USERS:
            logins.append(
                (f"{board.short_name.lower()}-{suffix}", f"{label.lower()}, {board.short_name}")
            )
    return logins


async def _ensure_organisation() -> dict[str, int]:
    if not await Municipality.exists():
        await Municipality.insert(
            Municipality(name=MUNICIPALITY[0], organisation_number=MUNICIPALITY[1])
        )
    for order, (name, description) in enumerate(RISK_CATEGORIES):
        if not await RiskCategory.exists().where(RiskCategory.name == name):
            await RiskCategory.insert(
                RiskCategory(name=name, description=description, sort_order=order)
            )
    board_ids: dict[str, int] = {}
    for board in BOARDS:
        row = await Board.select(Board.id).where(Board.short_name == board.short_name).first()
        if row is None:
            created = await Board.insert(
                Board(name=board.name, short_name=board.short_name, kind=board.kind)
            ).returning(Board.id)
            row = created[0]
            await audit.record(
                DEMO_ACTOR,
                "create",
                "board",
                row["id"],
                board_id=row["id"],
                after={"name": board.name, "short_name": board.short_name, "kind": board.kind},
                source="demo",
                summary=f"Demodata: {board.name}",
            )
        board_ids[board.short_name] = row["id"]
        department = (
            await Department.select(Department.id)
            .where(Department.name == board.department)
            .first()
        )
        if department is None:
            department = (
                await Department.insert(Department(name=board.department)).returning(Department.id)
            )[0]
        if not await DepartmentBoard.exists().where(
            (DepartmentBoard.department == department["id"]) & (DepartmentBoard.board == row["id"])
        ):
            await DepartmentBoard.insert(
                DepartmentBoard(department=department["id"], board=row["id"])
            )
        for order, process in enumerate(board.processes):
            if not await Process.exists().where(
                (Process.board == row["id"]) & (Process.name == process)
            ):
                await Process.insert(Process(board=row["id"], name=process, sort_order=order))
    return board_ids


async def _ensure_user(
    username: str, first: str, last: str, password_hash: str, *, admin: bool = False
) -> int:
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    if row:
        return row["id"]
    user = BaseUser(
        username=username,
        password=password_hash,
        email=f"{username}@demo-kommun.example",
        first_name=first,
        last_name=last,
        active=True,
        admin=admin,
        superuser=admin,
    )
    await user.save()
    await audit.record(
        DEMO_ACTOR,
        "create",
        "user",
        user.id,
        after=user,
        source="demo",
        summary=f"Demodata: användare {username}",
    )
    return user.id


async def _ensure_users(board_ids: dict[str, int], password_hash: str) -> None:
    for username, first, last, admin, roles in GLOBAL_USERS:
        user_id = await _ensure_user(username, first, last, password_hash, admin=admin)
        for role in roles:
            if not await GlobalRole.exists().where(
                (GlobalRole.user == user_id) & (GlobalRole.role == role)
            ):
                await GlobalRole.insert(GlobalRole(user=user_id, role=role))
    index = 0
    for board in BOARDS:
        for suffix, role, _label in BOARD_USERS:
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 5) % len(LAST_NAMES)]
            index += 1
            user_id = await _ensure_user(
                f"{board.short_name.lower()}-{suffix}", first, last, password_hash
            )
            board_id = board_ids[board.short_name]
            if not await Membership.exists().where(
                (Membership.user == user_id)
                & (Membership.board == board_id)
                & (Membership.role == role)
            ):
                await Membership.insert(Membership(user=user_id, board=board_id, role=role))


async def load_demo(*, if_empty: bool = False) -> str:
    """Create or complete the demo kommun; return a report with the demo logins."""
    if get_settings().production:
        raise DemoRefused("demo vägrar köra i produktionsläge (PRODUCTION=true)")
    if if_empty and await Board.exists():
        return "Databasen innehåller redan data; demokommunen lästes inte in."
    # One hash for every demo user: the demo password is public anyway, and this keeps
    # loading fast instead of 30 slow PBKDF2 rounds.
    password_hash = await hash_password(DEMO_PASSWORD)
    async with write_transaction():
        board_ids = await _ensure_organisation()
        await _ensure_users(board_ids, password_hash)
    await load_risk_registers(board_ids, DEMO_ACTOR)
    await load_plans(board_ids, started_next_year())
    # One transaction per step: the services' own transactions nest in it, and outside one
    # SQLite opens a connection and commits per statement, several times slower.
    async with write_transaction():
        await load_last_year_results(board_ids)
    async with write_transaction():
        await load_results(board_ids)
    async with write_transaction():
        await load_reports(board_ids)
    async with write_transaction():
        await load_reminders(today())
    lines = ["Demokommunen är inläst. Inloggningar (lösenord: demo):"]
    lines += [f"  {username:<18} {description}" for username, description in demo_logins()]
    lines.append(report_line(today().year))
    lines.append(plans_report_line(today().year, started_next_year()))
    lines.append(results_report_line(today().year))
    lines.append(await reports_report_line(today()))
    lines.append(await reminders_report_line())
    return "\n".join(lines)

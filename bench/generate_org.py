"""The storkommun's organisation: boards, processes, categories and users, written in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.columns.base import Column
from piccolo.columns.defaults.base import Default
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from internkontroll.auth.services import placeholder_email
from internkontroll.auth.tables import GlobalRole, Membership
from internkontroll.db import current_engine
from internkontroll.demo import FIRST_NAMES, LAST_NAMES, RISK_CATEGORIES
from internkontroll.organisation.tables import (
    Board,
    Department,
    DepartmentBoard,
    Municipality,
    Process,
    RiskCategory,
)

MUNICIPALITY = ("Storstads kommun", "212000-9999")
# Large enough for SQLite's and asyncpg's limits on bound parameters per statement.
PARAMETERS_PER_STATEMENT = 20_000

NAMED_BOARDS = (
    ("BUN", "Barn- och utbildningsnämnden"),
    ("SN", "Socialnämnden"),
    ("AN", "Äldrenämnden"),
    ("FSN", "Funktionsstödsnämnden"),
    ("AMN", "Arbetsmarknadsnämnden"),
    ("GYN", "Gymnasienämnden"),
    ("GSN", "Grundskolenämnden"),
    ("FOSN", "Förskolenämnden"),
    ("KN", "Kulturnämnden"),
    ("IFN", "Idrotts- och fritidsnämnden"),
    ("MHN", "Miljö- och hälsoskyddsnämnden"),
    ("SBN", "Stadsbyggnadsnämnden"),
    ("TRN", "Trafiknämnden"),
    ("FAN", "Fastighetsnämnden"),
    ("SEN", "Servicenämnden"),
    ("KRN", "Kretsloppsnämnden"),
    ("PNN", "Park- och naturnämnden"),
    ("OFN", "Överförmyndarnämnden"),
    ("RAN", "Räddningsnämnden"),
    ("VAN", "Valnämnden"),
)
DISTRICTS = (
    "Centrum",
    "Norr",
    "Söder",
    "Öster",
    "Väster",
    "Hamnstaden",
    "Älvdalen",
    "Skogsbacken",
    "Sjöstaden",
    "Kvarnby",
    "Lindholmen",
    "Ängby",
    "Bergsjön",
    "Backa",
    "Torslanda",
    "Askim",
    "Majorna",
    "Lundby",
    "Frölunda",
    "Kortedala",
    "Tynnered",
    "Biskopsgården",
    "Högsbo",
    "Rannebergen",
    "Hammarkullen",
)
COMPANIES = (
    ("BOST", "Storstads Bostäder AB"),
    ("ENERGI", "Storstads Energi AB"),
    ("HAMN", "Storstads Hamn AB"),
    ("PARK", "Storstads Parkering AB"),
    ("VATTEN", "Storstads Vatten AB"),
    ("NAT", "Storstads Stadsnät AB"),
    ("FAST", "Storstads Fastigheter AB"),
    ("LOKT", "Storstads Lokaltrafik AB"),
    ("EVENT", "Storstads Evenemang AB"),
    ("RENH", "Storstads Renhållning AB"),
)
PROCESSES = (
    "Upphandling och inköp",
    "Löneutbetalning",
    "Attest och utbetalning",
    "Informationssäkerhet",
    "Delegation och beslut",
    "Diarieföring och allmänna handlingar",
    "Myndighetsutövning",
    "Avgifter och fakturering",
    "Arbetsmiljö",
    "Kontanthantering",
    "Bidrag och ersättningar",
    "Avtalsuppföljning",
)
PROCESSES_PER_BOARD = 6
# (role, username suffix) of every board's users; control owners are numbered.
BOARD_USERS = (("secretary", "sekreterare"), ("preparer", "handlaggare"), ("viewer", "ledamot"))
GLOBAL_USERS = (
    ("admin", "Siv", "Systemförvaltare", True, ()),
    ("samordnare", "Gunilla", "Samordnare", False, ("coordinator",)),
    ("revisor", "Bertil", "Revisorsson", False, ("auditor",)),
)


@dataclass
class BoardInfo:
    """A generated board with what later steps need of it."""

    id: int
    short_name: str
    name: str
    kind: str
    index: int
    processes: list[int] = field(default_factory=list)
    process_names: list[str] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)  # role -> user id
    owners: list[int] = field(default_factory=list)  # control owners' user ids
    names: dict[int, str] = field(default_factory=dict)  # user id -> display name
    usernames: dict[int, str] = field(default_factory=dict)  # user id -> username


async def insert_rows(table: type[Table], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows (column name -> value, the rest defaulted) in multi-row statements; ids back.

    Straight to the driver on the transaction's connection: building Piccolo queries of
    thousands of rows costs more than running them. Values are what Piccolo would bind (its
    SQLite adapters are registered on import); defaults are the columns' own.
    """
    if not rows:
        return []
    engine = current_engine()
    transaction = engine.current_transaction.get()
    assert transaction is not None, "insert_rows runs inside the generator's transaction"
    columns = [c for c in table._meta.columns if c is not table._meta.primary_key]
    names = ", ".join(f'"{c._meta.db_column_name}"' for c in columns)
    size = max(1, PARAMETERS_PER_STATEMENT // len(columns))
    postgres = isinstance(engine, PostgresEngine)
    ids: list[int] = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        defaults = {c._meta.name: _default(c) for c in columns}
        values: list[Any] = []
        for row in chunk:
            unknown = row.keys() - defaults.keys()
            assert not unknown, f"{table._meta.tablename} has no columns {unknown}"
            values += [row.get(name, default) for name, default in defaults.items()]
            assert _REQUIRED not in values[-len(columns) :], f"{table._meta.tablename}: {row}"
        if postgres:
            marks = ", ".join(
                "(" + ", ".join(f"${n * len(columns) + k + 1}" for k in range(len(columns))) + ")"
                for n in range(len(chunk))
            )
        else:
            marks = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(chunk))
        # Table and column names come from the Table classes, values are bound parameters.
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES {marks} RETURNING "id"'  # noqa: S608
        if postgres:
            got = await transaction.connection.fetch(sql, *values)
        else:
            async with transaction.connection.execute(sql, values) as cursor:
                got = await cursor.fetchall()
        ids += [r["id"] for r in got]
    return ids


_REQUIRED = object()  # a NOT NULL column without a default: each row must give it


def _default(column: Column) -> Any:
    """The value Piccolo would write for an omitted column; a marker for a NOT NULL one."""
    value = column.get_default_value()
    if isinstance(value, Default):
        value = value.python()
    return _REQUIRED if value is None and not column._meta.null else value


def board_catalogue(count: int) -> list[tuple[str, str, str]]:
    """(short name, name, kind) of `count` boards: KS, nämnder, and about one in seven a company."""
    companies = max(1, count // 7) if count > 2 else 0
    named = list(NAMED_BOARDS) + [
        (f"SDN{n + 1}", f"Stadsdelsnämnden {district}") for n, district in enumerate(DISTRICTS)
    ]
    named += [(f"N{n}", f"Nämnd {n}") for n in range(1, count + 1)]
    company_list = list(COMPANIES) + [(f"BOL{n}", f"Storstads Bolag {n} AB") for n in range(count)]
    boards = [("KS", "Kommunstyrelsen", "executive")]
    boards += [(s, n, "board") for s, n in named[: count - 1 - companies]]
    boards += [(s, n, "company") for s, n in company_list[:companies]]
    return boards


async def insert_organisation(count: int) -> tuple[list[BoardInfo], list[int]]:
    """Municipality, categories and boards with departments and processes."""
    await insert_rows(
        Municipality, [dict(name=MUNICIPALITY[0], organisation_number=MUNICIPALITY[1])]
    )
    categories = await insert_rows(
        RiskCategory,
        [
            dict(name=name, description=description, sort_order=order)
            for order, (name, description) in enumerate(RISK_CATEGORIES)
        ],
    )
    catalogue = board_catalogue(count)
    ids = await insert_rows(
        Board, [dict(name=name, short_name=short, kind=kind) for short, name, kind in catalogue]
    )
    boards = [
        BoardInfo(id=board_id, short_name=short, name=name, kind=kind, index=index)
        for index, (board_id, (short, name, kind)) in enumerate(zip(ids, catalogue, strict=True))
    ]
    departments = await insert_rows(
        Department, [dict(name=f"{b.name.split()[0]}s förvaltning {b.index}") for b in boards]
    )
    await insert_rows(
        DepartmentBoard,
        [dict(department=d, board=b.id) for d, b in zip(departments, boards, strict=True)],
    )
    rows, owners = [], []
    for board in boards:
        for order in range(PROCESSES_PER_BOARD):
            name = PROCESSES[(board.index + order) % len(PROCESSES)]
            rows.append(dict(board=board.id, name=name, sort_order=order))
            owners.append(board)
    for board, row, process_id in zip(owners, rows, await insert_rows(Process, rows), strict=True):
        board.processes.append(process_id)
        board.process_names.append(row["name"])
    return boards, categories


def _person(n: int) -> tuple[str, str]:
    return FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 5 + n // 28) % len(LAST_NAMES)]


async def insert_users(
    boards: list[BoardInfo], owners_per_board: int, password_hash: str
) -> dict[str, tuple[int, str]]:
    """Global users and each board's secretary, preparer, viewer and control owners.

    Returns the global users' (id, display name) by username."""
    users: list[dict] = []
    roles: list[tuple[int, str, BoardInfo | None, str]] = []  # (user index, role, board, name)
    for username, first, last, admin, global_roles in GLOBAL_USERS:
        users.append(_user(username, first, last, password_hash, admin=admin))
        roles += [(len(users) - 1, role, None, "") for role in global_roles]
    global_count = len(users)
    for board in boards:
        short = board.short_name.lower()
        wanted = list(BOARD_USERS) + [
            ("control_owner", f"kontrollant{n + 1}") for n in range(owners_per_board)
        ]
        for role, suffix in wanted:
            first, last = _person(len(users))
            users.append(_user(f"{short}-{suffix}", first, last, password_hash))
            roles.append((len(users) - 1, role, board, f"{first} {last}"))
    ids = await insert_rows(BaseUser, users)
    await insert_rows(
        GlobalRole, [dict(user=ids[i], role=role) for i, role, board, _ in roles if not board]
    )
    memberships = []
    for i, role, board, name in roles:
        if board is None:
            continue
        memberships.append(dict(user=ids[i], board=board.id, role=role))
        board.names[ids[i]] = name
        board.usernames[ids[i]] = users[i]["username"]
        if role == "control_owner":
            board.owners.append(ids[i])
        else:
            board.users[role] = ids[i]
    await insert_rows(Membership, memberships)
    return {
        users[i]["username"]: (ids[i], f"{users[i]['first_name']} {users[i]['last_name']}")
        for i in range(global_count)
    }


def _user(username: str, first: str, last: str, password_hash: str, *, admin: bool = False):
    return dict(
        username=username,
        password=password_hash,
        email=placeholder_email(username),
        first_name=first,
        last_name=last,
        active=True,
        admin=admin,
        superuser=admin,
    )

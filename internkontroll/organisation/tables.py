"""Tables of the organisation model."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Varchar
from piccolo.columns.choices import Choice
from piccolo.columns.readable import Readable
from piccolo.table import Table


class BoardKind(Enum):
    """What kind of political body a board is."""

    executive = Choice(value="executive", display_name="Kommunstyrelse")
    board = Choice(value="board", display_name="Nämnd")
    company = Choice(value="company", display_name="Kommunalt bolag")


BOARD_KIND_LABELS = {
    "executive": "Kommunstyrelse",
    "board": "Nämnd",
    "company": "Kommunalt bolag",
}


class Municipality(Table, tablename="municipality"):
    """The kommun or kommunkoncern running this instance (one row)."""

    name = Varchar(length=200, help_text="Kommunens namn")
    organisation_number = Varchar(length=11, help_text="Organisationsnummer, NNNNNN-NNNN")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class Board(Table, tablename="board"):
    """A nämnd, the kommunstyrelse, or a municipal company."""

    name = Varchar(length=200, help_text="Fullständigt namn, t.ex. Barn- och utbildningsnämnden")
    short_name = Varchar(length=20, unique=True, index=True, help_text="Kortnamn, t.ex. BUN")
    kind = Varchar(length=20, choices=BoardKind, default="board")
    active = Boolean(default=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s (%s)", columns=[cls.name, cls.short_name])


class Department(Table, tablename="department"):
    """A förvaltning: the officials serving one or more boards."""

    name = Varchar(length=200, unique=True)
    active = Boolean(default=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class DepartmentBoard(Table, tablename="department_board"):
    """Which boards a department serves (unique per pair)."""

    department = ForeignKey(Department, index=True, null=False)
    board = ForeignKey(Board, index=True, null=False)


class Process(Table, tablename="process"):
    """An activity of a board that risks belong to, e.g. inköp or lön."""

    board = ForeignKey(Board, index=True, null=False)
    name = Varchar(length=200)
    description = Text(default="")
    active = Boolean(default=True)
    sort_order = Integer(default=0)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class RiskCategory(Table, tablename="risk_category"):
    """A category of risk shared by the whole instance, e.g. IT-risk."""

    name = Varchar(length=100, unique=True)
    description = Text(default="")
    active = Boolean(default=True)
    sort_order = Integer(default=0)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])

"""Tables of the risk register: scale versions, risks and yearly assessments."""

from __future__ import annotations

from enum import Enum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.choices import Choice
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from internkontroll.organisation.tables import Board, Process, RiskCategory


class Treatment(Enum):
    """How a risk is handled (hantering)."""

    control = Choice(value="control", display_name="Kontrollmoment")
    direct_action = Choice(value="direct_action", display_name="Direktåtgärd")
    monitor = Choice(value="monitor", display_name="Bevaka")
    accept = Choice(value="accept", display_name="Acceptera")


TREATMENT_LABELS = {t.value.value: t.value.display_name for t in Treatment}


class RiskScaleVersion(Table, tablename="risk_scale_version"):
    """One version of the instance's risk matrix; a change adds a version, never edits one."""

    definition = JSON()
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=100, default="system")
    note = Varchar(length=300, default="")


class Risk(Table, tablename="risk_item"):
    """A lasting entry in a board's risk register."""

    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    process = ForeignKey(Process, index=True, null=False, on_delete=OnDelete.restrict)
    category = ForeignKey(RiskCategory, index=True, null=False, on_delete=OnDelete.restrict)
    title = Varchar(length=200)
    description = Text(default="", help_text="Vad kan gå fel")
    consequence = Text(default="", help_text="Varför det spelar roll")
    responsible = Varchar(length=200, default="", help_text="Ansvarig person eller funktion")
    first_year = Integer(index=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.title])


class RiskAssessment(Table, tablename="risk_assessment"):
    """One scoring of a risk for a year; every scoring is kept, the newest is current."""

    risk = ForeignKey(Risk, index=True, null=False, on_delete=OnDelete.cascade)
    year = Integer(index=True)
    scale = ForeignKey(RiskScaleVersion, null=False, on_delete=OnDelete.restrict)
    likelihood = Integer()
    impact = Integer()
    value = Integer()
    treatment = Varchar(length=20, choices=Treatment)
    motivation = Text(default="")
    assessed_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null)
    assessed_by_name = Varchar(length=100, default="")
    assessed_at = Timestamptz(default=TimestamptzNow())
    source = Varchar(length=20, default="manual")  # manual, copied, import
    current = Boolean(default=True, index=True)

"""Tables of the internal control plans: KS's shared points, plans, their versions and controls."""

from __future__ import annotations

from enum import Enum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.choices import Choice
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from internkontroll.organisation.tables import Board, Process
from internkontroll.risks.tables import Risk, RiskAssessment


class PlanStatus(Enum):
    """Where a plan version is in its life."""

    draft = Choice(value="draft", display_name="Utkast")
    for_decision = Choice(value="for_decision", display_name="För beslut")
    adopted = Choice(value="adopted", display_name="Antagen")
    superseded = Choice(value="superseded", display_name="Ersatt")


PLAN_STATUS_LABELS = {s.value.value: s.value.display_name for s in PlanStatus}
FROZEN_STATUSES = frozenset({"adopted", "superseded"})


class Method(Enum):
    """How a control is tested (kontrollmetod)."""

    sample = Choice(value="sample", display_name="Stickprov")
    register_analysis = Choice(value="register_analysis", display_name="Registeranalys")
    reconciliation = Choice(value="reconciliation", display_name="Avstämning")
    review = Choice(value="review", display_name="Genomgång")
    survey = Choice(value="survey", display_name="Enkät")
    interview = Choice(value="interview", display_name="Intervju")


METHOD_LABELS = {m.value.value: m.value.display_name for m in Method}


class Frequency(Enum):
    """How often a control is tested."""

    continuous = Choice(value="continuous", display_name="Löpande")
    monthly = Choice(value="monthly", display_name="Månadsvis")
    quarterly = Choice(value="quarterly", display_name="Kvartalsvis")
    four_monthly = Choice(value="four_monthly", display_name="Tertialvis")
    half_yearly = Choice(value="half_yearly", display_name="Halvårsvis")
    yearly = Choice(value="yearly", display_name="Årligen")
    as_needed = Choice(value="as_needed", display_name="Vid behov")


FREQUENCY_LABELS = {f.value.value: f.value.display_name for f in Frequency}


class SharedControlDecision(Table, tablename="shared_control_decision"):
    """KS's decision on the shared control points of one year (one per year)."""

    year = Integer(unique=True, index=True)
    decided_on = Date()
    paragraph = Varchar(length=30)
    registry_number = Varchar(length=50)
    recorded_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null)
    recorded_by_name = Varchar(length=100, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Gemensamma kontrollmoment %s", columns=[cls.year])


class SharedControlPoint(Table, tablename="shared_control_point"):
    """One shared control point KS decided for every board for a year."""

    decision = ForeignKey(SharedControlDecision, index=True, null=False, on_delete=OnDelete.cascade)
    year = Integer(index=True)
    position = Integer(default=1)
    title = Varchar(length=300, help_text="Vad som kontrolleras")
    purpose = Text(default="")
    method = Varchar(length=30, choices=Method)
    frequency = Varchar(length=20, choices=Frequency, default="half_yearly")
    report_when = Varchar(length=200, help_text="När resultatet rapporteras")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.title])


class ControlPlan(Table, tablename="control_plan"):
    """One version of a board's internkontrollplan for a year."""

    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    year = Integer(index=True)
    version = Integer(default=1)
    status = Varchar(length=20, choices=PlanStatus, default="draft", index=True)
    based_on = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by_name = Varchar(length=100, default="")
    sent_for_decision_at = Timestamptz(null=True, default=None)
    decided_on = Date(null=True, default=None)
    paragraph = Varchar(length=30, default="")
    registry_number = Varchar(length=50, default="")
    adopted_at = Timestamptz(null=True, default=None)
    adopted_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null)
    adopted_by_name = Varchar(length=100, default="")
    superseded_at = Timestamptz(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Plan %s version %s", columns=[cls.year, cls.version])


class Control(Table, tablename="control"):
    """A control's identity across plan versions; results belong here, so revisions keep them."""

    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    year = Integer(index=True)
    shared_point = ForeignKey(
        SharedControlPoint, index=True, null=True, on_delete=OnDelete.restrict
    )
    created_at = Timestamptz(default=TimestamptzNow())


class PlanControl(Table, tablename="plan_control"):
    """A control as written in one plan version; frozen with its plan."""

    plan = ForeignKey(ControlPlan, index=True, null=False, on_delete=OnDelete.cascade)
    control = ForeignKey(Control, index=True, null=False, on_delete=OnDelete.restrict)
    position = Integer(default=0)
    process = ForeignKey(Process, index=True, null=True, on_delete=OnDelete.restrict)
    title = Varchar(length=300, help_text="Kontrollmoment: vad som kontrolleras")
    purpose = Text(default="")
    method = Varchar(length=30, choices=Method, default="")
    scope = Text(default="", help_text="Omfattning och urval")
    frequency = Varchar(length=20, choices=Frequency, default="")
    report_when = Varchar(length=200, default="")
    owner = ForeignKey(BaseUser, index=True, null=True, on_delete=OnDelete.set_null)
    owner_name = Varchar(length=100, default="")
    reported_to = Varchar(length=200, default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.title])


class PlanControlRisk(Table, tablename="plan_control_risk"):
    """A risk a control addresses; the assessment is pinned when the plan is adopted."""

    plan_control = ForeignKey(PlanControl, index=True, null=False, on_delete=OnDelete.cascade)
    risk = ForeignKey(Risk, index=True, null=False, on_delete=OnDelete.restrict)
    assessment = ForeignKey(RiskAssessment, null=True, on_delete=OnDelete.restrict)

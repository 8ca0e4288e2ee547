"""Tables of control testing: occasions, append-only results, evidence, deviations and actions."""

from __future__ import annotations

from enum import Enum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.choices import Choice
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from internkontroll.controls.tables import Control
from internkontroll.organisation.tables import Board


class Outcome(Enum):
    """What a test found; shown grön / gul / röd / grå."""

    passed = Choice(value="passed", display_name="Utan anmärkning")
    minor = Choice(value="minor", display_name="Mindre avvikelse")
    major = Choice(value="major", display_name="Väsentlig avvikelse")
    not_performed = Choice(value="not_performed", display_name="Ej genomförd")


OUTCOME_LABELS = {o.value.value: o.value.display_name for o in Outcome}
OUTCOME_SIGNALS = {"passed": "green", "minor": "yellow", "major": "red", "not_performed": "grey"}
DEVIATION_OUTCOMES = frozenset({"minor", "major"})


class TestOccasion(Table, tablename="test_occasion"):
    """One scheduled test of a control in its plan year."""

    __test__ = False  # not a pytest class

    control = ForeignKey(Control, index=True, null=False, on_delete=OnDelete.restrict)
    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    year = Integer(index=True)
    period_key = Varchar(length=10)
    period_start = Date()
    period_end = Date()
    due_on = Date(index=True)
    reporting_point = Date()
    open_ended = Boolean(default=False)
    # False once a plan revision dropped the occasion; kept because results were logged on it.
    scheduled = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class TestResult(Table, tablename="test_result"):
    """A logged result; never changed or deleted: a correction is a new row pointing back."""

    __test__ = False  # not a pytest class

    occasion = ForeignKey(TestOccasion, index=True, null=False, on_delete=OnDelete.restrict)
    control = ForeignKey(Control, index=True, null=False, on_delete=OnDelete.restrict)
    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    performed_on = Date()
    performed_by_name = Varchar(length=100)
    sample = Varchar(length=300, help_text="Vad som testades: urval och population")
    outcome = Varchar(length=20, choices=Outcome)
    reason = Text(default="", help_text="Varför kontrollen inte genomfördes")
    comment = Text(default="")
    corrects = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    correction_reason = Text(default="")
    recorded_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.restrict)
    recorded_by_name = Varchar(length=100, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Resultat %s", columns=[cls.performed_on])


class EvidenceFile(Table, tablename="evidence_file"):
    """A file attached to a result; the bytes live outside the web root, named by their hash."""

    result = ForeignKey(TestResult, index=True, null=False, on_delete=OnDelete.restrict)
    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    original_name = Varchar(length=255)
    media_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64, index=True)
    uploaded_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.restrict)
    uploaded_by_name = Varchar(length=100, default="")
    uploaded_at = Timestamptz(default=TimestamptzNow())


class Deviation(Table, tablename="deviation"):
    """A finding of a test, with its root-cause analysis (5 varför)."""

    occasion = ForeignKey(TestOccasion, index=True, null=False, on_delete=OnDelete.restrict)
    found_in = ForeignKey(TestResult, index=True, null=False, on_delete=OnDelete.restrict)
    control = ForeignKey(Control, index=True, null=False, on_delete=OnDelete.restrict)
    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    severity = Varchar(length=20, choices=Outcome)
    description = Text()
    why_1 = Text(default="")
    why_2 = Text(default="")
    why_3 = Text(default="")
    why_4 = Text(default="")
    why_5 = Text(default="")
    root_cause = Text(default="")
    # Set when a correction found no deviation after all; the row stays for the record.
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_reason = Text(default="")
    created_by_name = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Avvikelse %s", columns=[cls.id])


class CorrectiveAction(Table, tablename="corrective_action"):
    """What is done about a deviation, by whom and when; the first due date is never lost."""

    deviation = ForeignKey(Deviation, index=True, null=False, on_delete=OnDelete.restrict)
    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    description = Text()
    responsible = ForeignKey(BaseUser, index=True, null=True, on_delete=OnDelete.restrict)
    responsible_name = Varchar(length=100)
    original_due_on = Date()
    due_on = Date(index=True)
    closed_on = Date(null=True, default=None)
    closing_note = Text(default="")
    closed_by_name = Varchar(length=100, default="")
    created_by_name = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Åtgärd %s", columns=[cls.id])


class ActionPostponement(Table, tablename="action_postponement"):
    """One move of an action's due date, with the reason; kept forever."""

    action = ForeignKey(CorrectiveAction, index=True, null=False, on_delete=OnDelete.restrict)
    from_due_on = Date()
    to_due_on = Date()
    reason = Text()
    by_name = Varchar(length=100, default="")
    at = Timestamptz(default=TimestamptzNow())


class ActionCheck(Table, tablename="action_check"):
    """A later check of a closed action: did it work?"""

    action = ForeignKey(CorrectiveAction, index=True, null=False, on_delete=OnDelete.restrict)
    checked_on = Date()
    effective = Boolean()
    note = Text()
    by_name = Varchar(length=100, default="")
    at = Timestamptz(default=TimestamptzNow())


TESTING_TABLES = [
    TestOccasion,
    TestResult,
    EvidenceFile,
    Deviation,
    CorrectiveAction,
    ActionPostponement,
    ActionCheck,
]

"""Tables of the reporting cycle: the boards' follow-ups and KS's consolidated review."""

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


class FollowUpStatus(Enum):
    """Where a follow-up is: written, approved by the nämnd (frozen), sent on to KS."""

    draft = Choice(value="draft", display_name="Utkast")
    approved = Choice(value="approved", display_name="Godkänd av nämnden")
    sent = Choice(value="sent", display_name="Skickad till KS")


FOLLOW_UP_STATUS_LABELS = {s.value.value: s.value.display_name for s in FollowUpStatus}
FROZEN_FOLLOW_UP_STATUSES = frozenset({"approved", "sent"})


class Judgement(Enum):
    """A traffic-light judgement of internal control (samlad bedömning)."""

    green = Choice(value="green", display_name="Tillfredsställande")
    yellow = Choice(value="yellow", display_name="Brister som nämnden själv rättar")
    red = Choice(value="red", display_name="Inte tillfredsställande – KS bör agera")


JUDGEMENT_LABELS = {j.value.value: j.value.display_name for j in Judgement}
JUDGEMENT_COLOURS = {"green": "Grön", "yellow": "Gul", "red": "Röd"}


class FollowUp(Table, tablename="follow_up"):
    """A board's follow-up of its plan at one reporting point (uppföljning)."""

    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.restrict)
    year = Integer(index=True)
    period = Varchar(length=10, help_text="delar, delar1…, helar")
    period_end = Date()
    status = Varchar(length=20, choices=FollowUpStatus, default="draft", index=True)
    judgement = Varchar(length=10, choices=Judgement, default="")
    summary = Text(default="", help_text="Förvaltningens samlade bedömning")
    # The figures exactly as the nämnd approved them; empty while a draft.
    snapshot = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by_name = Varchar(length=100, default="")
    decided_on = Date(null=True, default=None)
    paragraph = Varchar(length=30, default="")
    registry_number = Varchar(length=50, default="")
    approved_at = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null)
    approved_by_name = Varchar(length=100, default="")
    sent_at = Timestamptz(null=True, default=None)
    sent_by_name = Varchar(length=100, default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Uppföljning %s %s", columns=[cls.year, cls.period])


class ConsolidatedReview(Table, tablename="consolidated_review"):
    """KS's consolidated review of one year's internal control (samlad bedömning)."""

    year = Integer(unique=True, index=True)
    status = Varchar(length=20, default="draft", index=True)  # draft, decided
    findings = Text(default="", help_text="Iakttagelser")
    proposals = Text(default="", help_text="Förbättringsförslag")
    # The overview and the boards that did not report, as KS decided on them.
    snapshot = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by_name = Varchar(length=100, default="")
    decided_on = Date(null=True, default=None)
    paragraph = Varchar(length=30, default="")
    registry_number = Varchar(length=50, default="")
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null)
    decided_by_name = Varchar(length=100, default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="Samlad bedömning %s", columns=[cls.year])


class ReviewJudgement(Table, tablename="review_judgement"):
    """KS's judgement of one board or one process in a consolidated review."""

    review = ForeignKey(ConsolidatedReview, index=True, null=False, on_delete=OnDelete.cascade)
    board = ForeignKey(Board, index=True, null=True, on_delete=OnDelete.restrict)
    process = ForeignKey(Process, index=True, null=True, on_delete=OnDelete.restrict)
    level = Varchar(length=10, choices=Judgement)
    comment = Text(default="")


REPORT_TABLES = [FollowUp, ConsolidatedReview, ReviewJudgement]

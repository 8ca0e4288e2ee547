"""The shapes every part of the reminders package shares: deadlines, recipients, reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class DeadlineKind(StrEnum):
    """What a deadline is about; the value is stored in notifications and feed UIDs."""

    PLAN_ADOPTION = "plan_adoption"  # a board's plan for a year must be adopted
    FOLLOW_UP = "follow_up"  # a board's follow-up for a reporting point must reach KS
    TEST_OCCASION = "test_occasion"  # a control must be tested
    ACTION = "action"  # a corrective action must be done
    SHARED_DECISION = "shared_decision"  # KS must decide next year's shared control points
    SHARED_REPORTING = "shared_reporting"  # every board's shared points must reach KS


DEADLINE_KIND_LABELS = {
    DeadlineKind.PLAN_ADOPTION: "Internkontrollplan ska antas",
    DeadlineKind.FOLLOW_UP: "Uppföljning till KS",
    DeadlineKind.TEST_OCCASION: "Kontrolltillfälle",
    DeadlineKind.ACTION: "Åtgärd",
    DeadlineKind.SHARED_DECISION: "Beslut om gemensamma kontrollmoment",
    DeadlineKind.SHARED_REPORTING: "Gemensamma kontrollmoment till KS",
}


@dataclass(frozen=True)
class Recipient:
    """A user a deadline concerns, and why (Swedish, shown in the reminder)."""

    user_id: int
    reason: str  # e.g. "Du är nämndsekreterare för BUN."


@dataclass(frozen=True)
class Deadline:
    """Something that must be done by a date, with the people it concerns."""

    kind: DeadlineKind
    subject: str  # stable id of the thing, e.g. "plan:12:2027", "occasion:345"
    title: str  # Swedish, e.g. "Internkontrollplan 2027 för BUN ska antas"
    due_on: dt.date  # as decided, even on a weekend or holiday
    board_id: int | None
    board_name: str  # the board's short name, "" for kommun-wide deadlines
    link: str  # the page where it is done, e.g. "/namnder/12/plan?ar=2027"
    done: bool
    recipients: tuple[Recipient, ...]
    # Overdue reminders stop after this day, and at the latest a year after the due date
    # (stages.overdue_end); None: until done, but still at the latest a year after it.
    remind_until: dt.date | None = None
    detail: str = ""  # Swedish, e.g. the control's title or the action's text

    def is_late(self, on: dt.date) -> bool:
        """True when it is not done and its due date has passed."""
        return not self.done and on > self.due_on


@dataclass(frozen=True)
class Stage:
    """One reminder moment of a deadline: ahead of time, on the day, or overdue."""

    code: str  # "fore-14", "fore-3", "dag", "sen-1", "sen-2", …
    planned_on: dt.date  # a working day
    overdue: bool


@dataclass(frozen=True)
class DueReminder:
    """A reminder that falls due on a day: which deadline, which stage, to whom, and why."""

    deadline: Deadline
    stage: Stage
    recipient: Recipient
    message: str  # Swedish, e.g. "Förfaller söndag 31 januari 2027, om 14 dagar."

    @property
    def key(self) -> str:
        """The unique claim: the same thing, due date, stage and person never twice."""
        return (
            f"{self.deadline.subject}|{self.deadline.due_on.isoformat()}"
            f"|{self.stage.code}|{self.recipient.user_id}"
        )

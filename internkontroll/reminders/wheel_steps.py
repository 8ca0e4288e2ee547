"""The årshjul's milestones: what each step is, its status, counts and per-board rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from internkontroll.controls.schedule import MONTH_NAMES
from internkontroll.reminders.model import Deadline, DeadlineKind
from internkontroll.reminders.wheel_counts import OccasionCounts
from internkontroll.reminders.workdays import non_working_reason
from internkontroll.reports.periods import ReportingPeriod
from internkontroll.settings import get_settings

STATUS_LABELS = {"done": "Klar", "late": "Försenad", "ongoing": "Pågår", "upcoming": "Kommande"}
# The house's traffic lights: grön klar, röd försenad, gul pågår, grå kommande.
STATUS_SIGNALS = {"done": "green", "late": "red", "ongoing": "yellow", "upcoming": "grey"}

# KS's consolidated review has no date setting: it comes with the annual report, March–April.
REVIEW_WINDOW = ((3, 1), (4, 30))

# Per kind of board deadline: what its rows say, and the summary's verb phrase.
BOARD_NOTES = {
    DeadlineKind.PLAN_ADOPTION: ("Antagen", "Inte antagen", "Ej antagen än"),
    DeadlineKind.FOLLOW_UP: ("Skickad till KS", "Inte skickad till KS", "Ej skickad än"),
}
DONE_PHRASES = {
    DeadlineKind.PLAN_ADOPTION: "har antagit planen",
    DeadlineKind.FOLLOW_UP: "har skickat uppföljningen till KS",
}


@dataclass(frozen=True)
class WheelBoard:
    """An active board as the wheel names it."""

    id: int
    short_name: str
    name: str
    kind: str


@dataclass(frozen=True)
class BoardRow:
    """One board's part in a milestone."""

    board_id: int
    short_name: str
    name: str
    status: str  # done, late, ongoing, upcoming
    note: str  # Swedish, e.g. "Antagen" or "12 av 15 testade"
    link: str

    @property
    def status_label(self) -> str:
        """'Klar', 'Försenad', 'Pågår' or 'Kommande'."""
        return STATUS_LABELS[self.status]

    @property
    def signal(self) -> str:
        """The traffic-light code of the status."""
        return STATUS_SIGNALS[self.status]


@dataclass(frozen=True)
class Milestone:
    """A step of the cycle: what, when (as decided), its status, counts and per-board rows."""

    key: str  # e.g. "plan", "uppfoljning-delar", "rapport-helar", "gemensamma", "samlad"
    kind: str  # plan_adoption, follow_up, reporting_point, shared_decision, ...
    title: str
    description: str
    due_on: dt.date  # the date as decided (a window's last day)
    window_start: dt.date | None  # set for a step without a single date (KS's review)
    non_working: str | None  # 'söndag', 'Nyårsdagen' … when the date is not a working day
    status: str
    summary: str
    link: str | None
    link_text: str
    boards: tuple[BoardRow, ...] = ()
    done: int = 0
    total: int = 0

    @property
    def starts_on(self) -> dt.date:
        """The day the step is placed at in the wheel."""
        return self.window_start or self.due_on

    @property
    def when(self) -> str:
        """'senast 31 januari 2026', 'per 31 augusti 2026' or, for a window, 'mars–april 2027'."""
        if self.kind == "reporting_point":
            return f"per {long_date(self.due_on)}"
        if self.window_start is None:
            return f"senast {long_date(self.due_on)}"
        start, end = MONTH_NAMES[self.window_start.month - 1], MONTH_NAMES[self.due_on.month - 1]
        return f"{start}–{end} {self.due_on.year}"

    @property
    def status_label(self) -> str:
        """'Klar', 'Försenad', 'Pågår' or 'Kommande'."""
        return STATUS_LABELS[self.status]

    @property
    def signal(self) -> str:
        """The traffic-light code of the status."""
        return STATUS_SIGNALS[self.status]


def long_date(day: dt.date) -> str:
    """'31 januari 2027'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _lead_days() -> int:
    return max(get_settings().reminders.days_before, default=0)


def _status(done: int, total: int, late: int, on: dt.date, due: dt.date) -> str:
    """Done when all are; late when any is past due; ongoing from the first reminder on."""
    if total and done == total:
        return "done"
    if late:
        return "late"
    if not total:
        return "done" if on > due else "upcoming"
    if done or on >= due - dt.timedelta(days=_lead_days()):
        return "ongoing"
    return "upcoming"


def _late_word(count: int) -> str:
    return "försenad" if count == 1 else "försenade"


def _late_part(late: list[str]) -> str:
    if not late:
        return ""
    return f"; {len(late)} {_late_word(len(late))}: {', '.join(late)}"


def board_milestone(
    kind: DeadlineKind,
    year: int,
    on: dt.date,
    visible: list[WheelBoard],
    deadlines: list[Deadline],
    due: dt.date,
    *,
    overseer: bool,
    period: ReportingPeriod | None = None,
    done_notes: dict[int, str] | None = None,
    done_late: frozenset[int] = frozenset(),
) -> Milestone:
    """A deadline each board meets on its own: the plan's adoption or a follow-up to KS.

    `done_notes` gives a done board's own note, e.g. "Antagen för sent 12 februari 2026";
    `done_late` names the boards that did it, but after the due date.
    """
    by_board = {d.board_id: d for d in deadlines}
    done_note, late_note, upcoming_note = BOARD_NOTES[kind]
    rows = []
    for board in visible:
        deadline = by_board.get(board.id)
        if deadline is None:  # e.g. no adopted plan, so no follow-up is owed
            continue
        if deadline.done:
            status, note = "done", (done_notes or {}).get(board.id, done_note)
        elif deadline.is_late(on):
            status, note = "late", late_note
        else:
            status, note = "upcoming", upcoming_note
        rows.append(BoardRow(board.id, board.short_name, board.name, status, note, deadline.link))
    done = sum(1 for r in rows if r.status == "done")
    late = [r.short_name for r in rows if r.status == "late"]
    if rows:
        boards_word = "nämnd" if len(rows) == 1 else "nämnder"
        summary = f"{done} av {len(rows)} {boards_word} {DONE_PHRASES[kind]}"
        after = [r.short_name for r in rows if r.status == "done" and r.board_id in done_late]
        if after:
            summary += f", {len(after)} av dem för sent: {', '.join(after)}"
        summary += _late_part(late)
    elif kind == DeadlineKind.FOLLOW_UP:
        summary = f"Ingen nämnd att visa har en antagen plan för {year}"
    else:
        summary = "Inga nämnder att visa"
    if kind == DeadlineKind.PLAN_ADOPTION:
        key, title = "plan", f"Internkontrollplan {year} ska antas"
        description = (
            "Varje nämnd och bolag antar sin internkontrollplan för året: sammanträdesdatum, "
            "paragraf och diarienummer."
        )
        link, link_text = f"/planer?ar={year}", f"Alla nämnders planer {year}"
    else:
        assert period is not None
        key = f"uppfoljning-{period.key}"
        title = f"Uppföljning {period.label[0].lower()}{period.label[1:]} till KS"
        days = get_settings().reminders.follow_up_due_days
        description = (
            f"Nämnden godkänner uppföljningen och skickar den till kommunstyrelsen, senast "
            f"{days} dagar efter rapporteringstillfället."
        )
        link = f"/ks/oversikt?ar={year}&period={period.key}" if overseer else None
        link_text = f"KS översikt {period.label[0].lower()}{period.label[1:]}"
    return Milestone(
        key=key,
        kind=kind.value,
        title=title,
        description=description,
        due_on=due,
        window_start=None,
        non_working=non_working_reason(due),
        status=_status(done, len(rows), len(late), on, due),
        summary=summary,
        link=link,
        link_text=link_text,
        boards=tuple(rows),
        done=done,
        total=len(rows),
    )


def reporting_point_milestone(
    period: ReportingPeriod,
    on: dt.date,
    visible: list[WheelBoard],
    occasions: dict[int, dict[dt.date, OccasionCounts]],
    *,
    overseer: bool,
) -> Milestone:
    """A reporting point (delår, helår): the occasions due by then, tested or not."""
    rows, total = [], OccasionCounts()
    for board in visible:
        counts = OccasionCounts()
        for day, day_counts in occasions.get(board.id, {}).items():
            if day <= period.end:
                counts.add(day_counts)
        if not counts.due:
            continue
        total.add(counts)
        if counts.tested == counts.due:
            status = "done"
        elif counts.late:
            status = "late"
        else:
            status = "ongoing" if on >= period.start else "upcoming"
        note = f"{counts.tested} av {counts.due} testade"
        if counts.late:
            note += f", {counts.late} {_late_word(counts.late)}"
        link = f"/namnder/{board.id}/resultat?ar={period.year}"
        rows.append(BoardRow(board.id, board.short_name, board.name, status, note, link))
    if on > period.end:
        status = "done"
    elif on >= period.start:
        status = "ongoing"
    else:
        status = "upcoming"
    summary = (
        f"{total.tested} av {total.due} kontrolltillfällen med sista datum till och med "
        f"{long_date(period.end)} har testats"
    )
    if total.late:
        summary += f"; {total.late} {_late_word(total.late)}"
    final = period.is_final
    return Milestone(
        key=f"rapport-{period.key}",
        kind="reporting_point",
        title=f"Rapporteringstillfälle: {period.label}",
        description=(
            "Året stängs: kontrollresultat till och med 31 december redovisas i "
            "helårsuppföljningen, som går till nämnden och vidare till KS."
            if final
            else f"Perioden 1 januari–{long_date(period.end)} stängs: kontrollresultaten "
            "redovisas i delårsuppföljningen och de gemensamma kontrollmomenten till KS."
        ),
        due_on=period.end,
        window_start=None,
        non_working=non_working_reason(period.end),
        status=status,
        summary=summary,
        link=f"/ks/oversikt?ar={period.year}&period={period.key}" if overseer else None,
        link_text=f"KS översikt {period.label[0].lower()}{period.label[1:]}",
        boards=tuple(rows),
        done=sum(1 for r in rows if r.status == "done"),
        total=len(rows),
    )


def shared_decision_milestone(year: int, on: dt.date, due: dt.date, done: bool) -> Milestone:
    """KS's decision on next year's shared control points (kommun-wide)."""
    following = year + 1
    if done:
        status, summary = "done", f"KS har beslutat om gemensamma kontrollmoment för {following}"
    else:
        status = _status(0, 1, 1 if on > due else 0, on, due)
        summary = f"KS har inte beslutat om gemensamma kontrollmoment för {following}"
    return Milestone(
        key="gemensamma-beslut",
        kind=DeadlineKind.SHARED_DECISION.value,
        title=f"KS beslutar om gemensamma kontrollmoment för {following}",
        description=(
            "Kommunstyrelsen beslutar vilka gemensamma kontrollmoment alla nämnder ska "
            "kontrollera kommande år; de läggs in i varje nämnds plan."
        ),
        due_on=due,
        window_start=None,
        non_working=non_working_reason(due),
        status=status,
        summary=summary,
        link=f"/gemensamma-kontrollmoment?ar={following}",
        link_text=f"KS:s gemensamma kontrollmoment {following}",
        done=int(done),
        total=1,
    )


def shared_reporting_milestone(
    period: ReportingPeriod, on: dt.date, deadline: Deadline, *, overseer: bool
) -> Milestone:
    """Every board's results on the shared points reach KS (kommun-wide)."""
    due = deadline.due_on
    if deadline.done:
        status, summary = "done", "Alla nämnder med antagen plan har rapporterat"
    else:
        status = _status(0, 1, 1 if deadline.is_late(on) else 0, on, due)
        summary = "Inte alla nämnder med antagen plan har rapporterat"
        summary += "" if status == "late" else " än"
    if overseer and deadline.detail:
        # Who has reported names every board: only for those who read them all.
        summary = deadline.detail.rstrip(".")
    label = f"{period.label[0].lower()}{period.label[1:]}"
    return Milestone(
        key=f"gemensamma-{period.key}",
        kind=DeadlineKind.SHARED_REPORTING.value,
        title=f"Gemensamma kontrollmoment till KS, {label}",
        description=(
            "De gemensamma kontrollmomenten rapporteras till kommunstyrelsen två gånger per år, "
            "med nämndernas uppföljningar."
        ),
        due_on=due,
        window_start=None,
        non_working=non_working_reason(due),
        status=status,
        summary=summary,
        link=f"/ks/gemensamma?ar={period.year}&period={period.key}" if overseer else None,
        link_text=f"Gemensamma kontrollmoment {label}",
        done=int(deadline.done),
        total=1,
    )


def review_milestone(
    year: int, on: dt.date, review: dict[str, Any] | None, *, overseer: bool
) -> Milestone:
    """KS's consolidated review of the year, March–April the year after."""
    (start_month, start_day), (end_month, end_day) = REVIEW_WINDOW
    start = dt.date(year + 1, start_month, start_day)
    end = dt.date(year + 1, end_month, end_day)
    if review is not None and review["status"] == "decided":
        status = "done"
        summary = f"KS beslutade den {long_date(review['decided_on'])}, {review['paragraph']}"
    elif on > end:
        status, summary = "late", "KS har inte beslutat om den samlade bedömningen"
    elif review is not None or on >= start:
        status = "ongoing"
        summary = "Ett utkast finns" if review is not None else "KS har inte påbörjat den än"
    else:
        status, summary = "upcoming", "Görs med årsredovisningen"
    return Milestone(
        key="samlad",
        kind="consolidated_review",
        title=f"KS:s samlade bedömning av internkontrollen {year}",
        description=(
            "Kommunstyrelsen utvärderar kommunens samlade internkontroll med årsredovisningen "
            "och föreslår förbättringar."
        ),
        due_on=end,
        window_start=start,
        non_working=None,
        status=status,
        summary=summary,
        link=f"/ks/samlad-bedomning?ar={year}" if overseer else None,
        link_text=f"KS:s samlade bedömning {year}",
        done=int(status == "done"),
        total=1,
    )

"""KS's consolidated review as one document: what the page, the PDF, Excel and the API show.

While a draft, the figures come live from the overview service; once KS has decided, from the
snapshot stored with the decision, so the decided review never changes afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Principal
from internkontroll.controls.deadline import TIMELINESS_LABELS
from internkontroll.organisation.tables import Municipality, Process
from internkontroll.reports.counts import Counts
from internkontroll.reports.overview import BoardOverview, build_overview
from internkontroll.reports.periods import FINAL_KEY, reporting_period
from internkontroll.reports.review import JudgementView, judgement_views, not_before
from internkontroll.reports.tables import (
    FOLLOW_UP_STATUS_LABELS,
    JUDGEMENT_COLOURS,
    JUDGEMENT_LABELS,
    ConsolidatedReview,
)
from internkontroll.risks.register import check_year
from internkontroll.risks.scale import GREEN, RED, YELLOW

# The print colours of the three judgements; the text always names the colour too.
JUDGEMENT_HEX = {"green": GREEN, "yellow": YELLOW, "red": RED}
NO_JUDGEMENT = "Ingen bedömning"
NO_FOLLOW_UP = "Ej påbörjad"


def judgement_text(level: str | None) -> str:
    """'Grön – tillfredsställande', or 'Ingen bedömning'."""
    if not level or level not in JUDGEMENT_LABELS:
        return NO_JUDGEMENT
    label = JUDGEMENT_LABELS[level]
    return f"{JUDGEMENT_COLOURS[level]} – {label[0].lower()}{label[1:]}"


JUDGEMENT_CHOICES = {level: judgement_text(level) for level in JUDGEMENT_LABELS}


@dataclass(frozen=True)
class BoardFigures:
    """One board's key figures for the year (helår), as the overview counted them."""

    board_id: int
    short_name: str
    name: str
    kind: str
    timeliness: str
    plan_status_label: str
    counts: Counts
    accepted_high_risks: int
    follow_up: str | None  # the helår follow-up's status; None when none is started

    @property
    def timeliness_label(self) -> str:
        """'Antagen i tid', 'Antagen för sent', …"""
        return TIMELINESS_LABELS.get(self.timeliness, self.timeliness)

    @property
    def reported(self) -> bool:
        """True when the helår follow-up has reached KS."""
        return self.follow_up == "sent"

    @property
    def follow_up_label(self) -> str:
        """The helår follow-up's status in Swedish."""
        return FOLLOW_UP_STATUS_LABELS.get(self.follow_up or "", NO_FOLLOW_UP)

    @property
    def reported_text(self) -> str:
        """'Ja' or 'Nej (utkast)': whether the helår follow-up has been received by KS."""
        return "Ja" if self.reported else f"Nej ({self.follow_up_label.lower()})"

    @property
    def share_text(self) -> str:
        """'7 av 12'."""
        return f"{self.counts.tested} av {self.counts.due}"

    @classmethod
    def of(cls, board: BoardOverview) -> BoardFigures:
        """A live overview row."""
        return cls(
            board.board_id,
            board.short_name,
            board.name,
            board.kind,
            board.timeliness,
            board.plan_status_label,
            board.counts,
            board.accepted_high_risks,
            board.follow_ups.get(FINAL_KEY),
        )

    @classmethod
    def stored(cls, data: dict[str, Any]) -> BoardFigures:
        """A row of the overview frozen in the decision's snapshot."""
        return cls(
            int(data["board_id"]),
            data["short_name"],
            data["name"],
            data.get("kind", "board"),
            data["timeliness"],
            data.get("plan_status_label", ""),
            Counts.from_dict(data.get("counts", {})),
            int(data.get("accepted_high_risks", 0)),
            (data.get("follow_ups") or {}).get(FINAL_KEY),
        )


@dataclass(frozen=True)
class NamedBoard:
    """A board named in the review (those that did not report)."""

    board_id: int
    short_name: str
    name: str


@dataclass(frozen=True)
class ProcessChoice:
    """An active process the review may judge."""

    process_id: int
    name: str


@dataclass
class BoardSection:
    """One board in the review: figures, its judgement, its processes and their judgements."""

    figures: BoardFigures
    judgement: JudgementView | None
    processes: list[ProcessChoice] = field(default_factory=list)
    process_judgements: list[JudgementView] = field(default_factory=list)

    def process_judgement(self, process_id: int) -> JudgementView | None:
        """The judgement of one of the board's processes, None when there is none."""
        return next((j for j in self.process_judgements if j.process_id == process_id), None)


@dataclass
class ReviewDocument:
    """Everything KS's consolidated review of a year shows."""

    year: int
    municipality: str
    review: dict[str, Any] | None
    period_label: str
    as_of: dt.date
    sections: list[BoardSection]
    not_reported: list[NamedBoard]
    # Judgements whose board has since left the overview (inactive), still part of the review.
    other_judgements: list[JudgementView] = field(default_factory=list)

    @property
    def title(self) -> str:
        """'Samlad bedömning av den interna kontrollen 2025'."""
        return f"Samlad bedömning av den interna kontrollen {self.year}"

    @property
    def status(self) -> str:
        """'none', 'draft' or 'decided'."""
        return self.review["status"] if self.review else "none"

    @property
    def is_decided(self) -> bool:
        """True once KS's decision is recorded (frozen)."""
        return self.status == "decided"

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return {"none": "Inte påbörjad", "draft": "Utkast", "decided": "Beslutad av KS"}[
            self.status
        ]

    @property
    def decision_text(self) -> str:
        """'Beslutad av kommunstyrelsen 2026-03-10 § 45, Dnr KS 2026/12', or the draft's line."""
        review = self.review
        if review is None or review["decided_on"] is None:
            return "UTKAST – inte beslutad av kommunstyrelsen"
        text = f"Beslutad av kommunstyrelsen {review['decided_on'].isoformat()}"
        if review["paragraph"]:
            text += f" {review['paragraph']}"
        if review["registry_number"]:
            text += f", Dnr {review['registry_number']}"
        return text

    @property
    def not_reported_text(self) -> str:
        """'BUN (Barn- och utbildningsnämnden), …' or a sentence that every board reported."""
        if not self.not_reported:
            return "inga – alla nämnder har skickat sin helårsuppföljning till KS"
        return ", ".join(f"{b.name} ({b.short_name})" for b in self.not_reported)

    @property
    def findings(self) -> str:
        """KS's findings (iakttagelser)."""
        return self.review["findings"] if self.review else ""

    @property
    def proposals(self) -> str:
        """KS's improvement proposals (förbättringsförslag)."""
        return self.review["proposals"] if self.review else ""

    @property
    def totals(self) -> Counts:
        """All boards' figures together."""
        total = Counts()
        for section in self.sections:
            total.add(section.figures.counts)
        return total

    @property
    def reported_count(self) -> int:
        """Boards whose helår follow-up has reached KS."""
        return sum(1 for s in self.sections if s.figures.reported)

    @property
    def accepted_high_risks(self) -> int:
        """Accepted high risks of all boards together."""
        return sum(s.figures.accepted_high_risks for s in self.sections)

    @property
    def process_judgements(self) -> list[tuple[BoardSection, JudgementView]]:
        """Every process judgement with its board's section, in board order."""
        return [(s, j) for s in self.sections for j in s.process_judgements]

    @property
    def missing_judgements(self) -> list[BoardFigures]:
        """Boards still without a judgement (the decision needs one for each)."""
        return [s.figures for s in self.sections if s.judgement is None]

    @property
    def earliest_decision(self) -> dt.date:
        """The first day KS's decision may be dated."""
        return not_before(self.year)


async def review_document(principal: Principal, year: int) -> ReviewDocument:
    """The year's review (or None in `review`), with the overview live or as decided."""
    require(principal, Action.VIEW_ALL_BOARDS)
    return await build_review_document(year)


async def review_row(year: int) -> dict[str, Any] | None:
    """The year's review row, None when KS's review of the year is not started."""
    return await ConsolidatedReview.select().where(ConsolidatedReview.year == year).first()


async def build_review_document(year: int) -> ReviewDocument:
    """The document without a permission check (the command line; about 13 queries)."""
    check_year(year)
    review = await review_row(year)
    municipality = await Municipality.select(Municipality.name).first()
    judgements = await judgement_views(review["id"]) if review else []
    if review is not None and review["status"] == "decided" and review["snapshot"]:
        stored = json.loads(review["snapshot"])
        overview = stored["overview"]
        boards = [BoardFigures.stored(b) for b in overview["boards"]]
        not_reported = [NamedBoard(**b) for b in stored["not_reported"]]
        judgements = [JudgementView(**j) for j in stored.get("judgements", [])]
        period_label = overview["period"].get("label") or f"Helår {year}"
        as_of = dt.date.fromisoformat(overview["as_of"])
    else:
        live = await build_overview(year, reporting_period(year, FINAL_KEY))
        boards = [BoardFigures.of(b) for b in live.boards]
        not_reported = [
            NamedBoard(b.board_id, b.short_name, b.name) for b in live.not_reported(FINAL_KEY)
        ]
        period_label = live.period.label
        as_of = live.as_of
    processes = await _processes([b.board_id for b in boards])
    sections = []
    for figures in boards:
        board_judgements = [j for j in judgements if j.board_id == figures.board_id]
        sections.append(
            BoardSection(
                figures=figures,
                judgement=next((j for j in board_judgements if j.process_id is None), None),
                processes=processes.get(figures.board_id, []),
                process_judgements=[j for j in board_judgements if j.process_id is not None],
            )
        )
    shown = {b.board_id for b in boards}
    return ReviewDocument(
        year=year,
        municipality=municipality["name"] if municipality else "",
        review=review,
        period_label=period_label,
        as_of=as_of,
        sections=sections,
        not_reported=not_reported,
        other_judgements=[j for j in judgements if j.board_id not in shown],
    )


async def _processes(board_ids: list[int]) -> dict[int, list[ProcessChoice]]:
    """Each board's active processes in their order (one query)."""
    if not board_ids:
        return {}
    rows = (
        await Process.select(Process.id, Process.board, Process.name)
        .where(Process.active.eq(True) & Process.board.is_in(board_ids))
        .where(Process.board.active.eq(True))
        .order_by(Process.sort_order)
        .order_by(Process.name)
    )
    result: dict[int, list[ProcessChoice]] = {}
    for row in rows:
        result.setdefault(row["board"], []).append(ProcessChoice(row["id"], row["name"]))
    return result

"""JSON shapes of follow-ups: the frozen figures (FollowUp.snapshot) and the API's bodies.

`figures_to_json` and `figures_from_json` must stay each other's inverse: a frozen follow-up
is shown from what they read back.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import msgspec

from internkontroll.reports.counts import Counts
from internkontroll.reports.followup_figures import (
    ActionLine,
    ControlLine,
    DeviationLine,
    FollowUpFigures,
    PlanFacts,
    ResultLine,
)
from internkontroll.reports.overview import as_dict

if TYPE_CHECKING:  # followups reads snapshots through this module
    from internkontroll.reports.followups import FollowUpDocument


class FollowUpIn(msgspec.Struct):
    """The draft's judgement (green, yellow or red) and its summary."""

    judgement: str
    summary: str = ""


class FollowUpOut(msgspec.Struct):
    """A follow-up with its status, decision and figures (live while a draft, frozen after)."""

    board_id: int
    board_short_name: str
    board_name: str
    year: int
    period: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    status: str
    status_label: str
    frozen: bool
    judgement: str
    judgement_label: str
    summary: str
    updated_by_name: str
    decided_on: dt.date | None
    paragraph: str
    registry_number: str
    approved_by_name: str
    approved_at: dt.datetime | None
    sent_at: dt.datetime | None
    sent_by_name: str
    # Every figure of the report: plan, controls with counts, results, deviations, totals.
    figures: dict[str, Any]


def follow_up_out(document: FollowUpDocument) -> FollowUpOut:
    """The document as the API returns it."""
    row = document.follow_up or {}
    period = document.period
    return FollowUpOut(
        board_id=document.board["id"],
        board_short_name=document.board["short_name"],
        board_name=document.board["name"],
        year=period.year,
        period=period.key,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        status=document.status,
        status_label=document.status_label,
        frozen=document.is_frozen,
        judgement=document.judgement,
        judgement_label=document.judgement_label,
        summary=document.summary,
        updated_by_name=row.get("updated_by_name", ""),
        decided_on=row.get("decided_on"),
        paragraph=row.get("paragraph", ""),
        registry_number=row.get("registry_number", ""),
        approved_by_name=row.get("approved_by_name", ""),
        approved_at=row.get("approved_at"),
        sent_at=row.get("sent_at"),
        sent_by_name=row.get("sent_by_name", ""),
        figures=as_dict(document.figures),
    )


# ------------------------------------------------------------------ the snapshot


def figures_to_json(figures: FollowUpFigures) -> str:
    """The figures as JSON text, for FollowUp.snapshot."""
    return json.dumps(as_dict(figures), ensure_ascii=False, sort_keys=True)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def figures_from_json(text: str) -> FollowUpFigures:
    """The figures exactly as they were frozen."""
    data = json.loads(text)
    plan = data["plan"]
    return FollowUpFigures(
        board_id=data["board_id"],
        board_short_name=data["board_short_name"],
        board_name=data["board_name"],
        municipality=data["municipality"],
        year=data["year"],
        period_key=data["period_key"],
        as_of=_date(data["as_of"]),
        plan=None
        if plan is None
        else PlanFacts(
            **{
                **plan,
                "decided_on": _date(plan["decided_on"]),
                "deadline": _date(plan["deadline"]),
            }
        ),
        controls=[_control(c) for c in data["controls"]],
        totals=Counts.from_dict(data["totals"]),
        accepted_high_risks=data["accepted_high_risks"],
    )


def _control(data: dict[str, Any]) -> ControlLine:
    return ControlLine(
        **{
            **data,
            "counts": Counts.from_dict(data["counts"]),
            "results": [
                ResultLine(**{**r, "performed_on": _date(r["performed_on"])})
                for r in data["results"]
            ],
            "deviations": [_deviation(d) for d in data["deviations"]],
        }
    )


def _deviation(data: dict[str, Any]) -> DeviationLine:
    return DeviationLine(
        **{
            **data,
            "found_on": _date(data["found_on"]),
            "actions": [
                ActionLine(
                    **{
                        **a,
                        "original_due_on": _date(a["original_due_on"]),
                        "due_on": _date(a["due_on"]),
                        "closed_on": _date(a["closed_on"]),
                    }
                )
                for a in data["actions"]
            ],
        }
    )

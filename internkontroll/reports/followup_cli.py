"""`internkontroll report followup`: a board's follow-up for a reporting point as a PDF."""

from __future__ import annotations

import argparse
import asyncio
import sys

from internkontroll.reports.followups import FollowUpDocument


def _fail(message: str, code: int = 2) -> int:
    print(f"internkontroll: {message}", file=sys.stderr)
    return code


async def _document(short_name: str, year: int, period_key: str) -> FollowUpDocument | str:
    """The follow-up's document, or the Swedish reason there is none."""
    from internkontroll.cli import _board_id
    from internkontroll.controls.tables import ControlPlan
    from internkontroll.reports.followups import document_for
    from internkontroll.reports.periods import reporting_period
    from internkontroll.risks.register import board_or_404, check_year

    board_id = await _board_id(short_name)
    if board_id is None:
        return f"okänd nämnd {short_name}"
    check_year(year)
    period = reporting_period(year, period_key)
    board = await board_or_404(board_id)
    adopted = await ControlPlan.exists().where(
        (ControlPlan.board == board_id)
        & (ControlPlan.year == year)
        & (ControlPlan.status == "adopted")
    )
    if not adopted:
        return f"{board['short_name']} har ingen antagen internkontrollplan för {year}"
    # The command line prints as the server itself: it reads every board and writes nothing.
    return await document_for(board, period)


def cmd_report_followup(args: argparse.Namespace) -> int:
    """Write a board's follow-up for a year and reporting point as a PDF."""
    from internkontroll.errors import DomainError, ValidationFailed
    from internkontroll.reports.followup_pdf import build_follow_up_pdf

    try:
        found = asyncio.run(_document(args.board, args.year, args.period.strip().lower()))
    except ValidationFailed as exc:
        return _fail("; ".join(f"--{e.field}: {e.message}" for e in exc.errors))
    except DomainError as exc:
        return _fail(exc.message)
    if isinstance(found, str):
        return _fail(found)
    content = build_follow_up_pdf(found)
    try:
        args.out.write_bytes(content)
    except OSError as exc:
        return _fail(f"kan inte skriva {args.out}: {exc.strerror or exc}", 1)
    print(
        f"Uppföljning {found.period.label} för {found.figures.board_short_name} "
        f"({found.status_label.lower()}), skriven till {args.out}."
    )
    return 0

"""`internkontroll report shared`: the shared points' report to KS as a PDF."""

from __future__ import annotations

import argparse
import asyncio
import sys

from internkontroll.errors import ValidationFailed
from internkontroll.reports.periods import period_keys, reporting_period
from internkontroll.risks.register import check_year


def _fail(message: str, code: int = 2) -> int:
    print(f"internkontroll: {message}", file=sys.stderr)
    return code


def cmd_report_shared(args: argparse.Namespace) -> int:
    """Write every board's results for the year's shared control points at a reporting point."""
    from internkontroll.reports.shared_pdf import system_render_shared_pdf

    try:
        check_year(args.year)
        period = reporting_period(args.year, args.period.strip().lower())
    except ValidationFailed as exc:
        if any(e.field == "period" for e in exc.errors):
            return _fail(
                f"--period: okänt rapporteringstillfälle {args.period!r}; "
                f"välj {', '.join(period_keys())}"
            )
        return _fail("; ".join(f"--{e.field}: {e.message}" for e in exc.errors))
    points, content = asyncio.run(system_render_shared_pdf(period))
    if not points:
        return _fail(f"KS har inte beslutat om några gemensamma kontrollmoment för {args.year}")
    try:
        args.out.write_bytes(content)
    except OSError as exc:
        return _fail(f"kan inte skriva {args.out}: {exc.strerror or exc}", 1)
    boards = len(points[0].rows)
    print(
        f"Gemensamma kontrollmoment, {period.label}: {len(points)} kontrollmoment, "
        f"{boards} nämnder och bolag, skriven till {args.out}."
    )
    return 0

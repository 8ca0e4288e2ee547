"""KS's pages: every board side by side, the shared points across boards, and trends."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from internkontroll.auth.permissions import Action
from internkontroll.controls.deadline import TIMELINESS_LABELS
from internkontroll.reports.overview import (
    NOT_STARTED,
    OUTCOME_COLOURS,
    chosen_period,
    outcome_text,
    overview,
    share_text,
    shared_points_report,
    trend_table,
)
from internkontroll.reports.periods import reporting_periods
from internkontroll.reports.tables import FOLLOW_UP_STATUS_LABELS
from internkontroll.web import forms
from internkontroll.web.guards import allowed
from internkontroll.web.templating import page

# Traffic-light codes of the page's signal macro for each outcome.
SIGNAL_CODES = {"passed": "green", "minor": "yellow", "major": "red", "not_performed": "grey"}


def _common() -> dict:
    """Labels every KS page shows, so templates never invent their own."""
    return {
        "outcome_colours": OUTCOME_COLOURS,
        "signal_codes": SIGNAL_CODES,
        "share_text": share_text,
        "outcome_text": outcome_text,
        "follow_up_labels": {**FOLLOW_UP_STATUS_LABELS, "": NOT_STARTED},
        "timeliness_labels": TIMELINESS_LABELS,
    }


class OverviewPages(Controller):
    """KS uppföljning: översikt, gemensamma kontrollmoment and trender."""

    guards = [allowed(Action.VIEW_ALL_BOARDS)]
    include_in_schema = False

    @get("/ks/oversikt")
    async def overview(
        self,
        request: Request,
        ar: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
    ) -> Template:
        """Every active board for a year, figures per reporting period, with a totals row."""
        chosen = chosen_period(forms.optional_int(ar, "ar"), period, year_field="ar")
        view = await overview(request.scope["user"], chosen.year, chosen)
        return page("reports/overview.html", view=view, year=chosen.year, **_common())

    @get("/ks/gemensamma")
    async def shared(
        self,
        request: Request,
        ar: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
    ) -> Template:
        """Each shared control point of the year with every board's results in the period."""
        chosen = chosen_period(forms.optional_int(ar, "ar"), period, year_field="ar")
        points = await shared_points_report(request.scope["user"], chosen.year, chosen)
        return page(
            "reports/shared.html",
            points=points,
            period=chosen,
            periods=reporting_periods(chosen.year),
            year=chosen.year,
            **_common(),
        )

    @get("/ks/trender")
    async def trends(self, request: Request) -> Template:
        """Per board, the figures of every year there are plans for, oldest first."""
        table = await trend_table(request.scope["user"])
        return page("reports/trends.html", table=table, **_common())

"""JSON API of KS's overview, the shared points' report and trends, with PDF and Excel."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from internkontroll.api_schemas import errors
from internkontroll.auth.permissions import Action
from internkontroll.reports.overview import (
    chosen_period,
    overview,
    shared_points_report,
    trend_table,
)
from internkontroll.reports.overview_excel import render_overview_workbook, render_shared_workbook
from internkontroll.reports.overview_pdf import render_overview_pdf
from internkontroll.reports.overview_schemas import (
    OverviewOut,
    SharedResultsOut,
    TrendsOut,
    overview_out,
    shared_out,
    trends_out,
)
from internkontroll.reports.routes import PDF_MEDIA_TYPE, download
from internkontroll.reports.shared_pdf import render_shared_pdf
from internkontroll.risks.excel import XLSX_MEDIA_TYPE
from internkontroll.web.guards import allowed, principal_of

YearQuery = Annotated[
    int | None,
    Parameter(ge=0, le=2**31 - 1, description="Året; utan: innevarande år"),
]
PeriodQuery = Annotated[
    str | None,
    Parameter(
        max_length=20,
        description="Rapporteringstillfället, t.ex. delar eller helar; utan: det senast passerade",
    ),
]


class OverviewApi(Controller):
    """KS's view of every board: overview, shared points and trends (VIEW_ALL_BOARDS)."""

    # Permission before input: a caller who may not read all boards learns nothing from a 422.
    guards = [allowed(Action.VIEW_ALL_BOARDS)]
    tags = ["KS uppföljning"]

    @get(
        "/api/overview",
        summary="KS översikt: alla nämnder för ett rapporteringstillfälle",
        responses=errors(401, 403, 422),
    )
    async def overview(
        self, request: Request, year: YearQuery = None, period: PeriodQuery = None
    ) -> OverviewOut:
        """Every active board (KS first, then nämnder, then bolag): plan timeliness, tested
        against due, results by outcome, deviations, overdue actions, accepted high risks and
        each reporting point's follow-up status, with the totals."""
        chosen = chosen_period(year, period)
        return overview_out(await overview(principal_of(request), chosen.year, chosen))

    @get(
        "/api/shared-results",
        summary="Gemensamma kontrollmoment: alla nämnders resultat",
        responses=errors(401, 403, 422),
    )
    async def shared(
        self, request: Request, year: YearQuery = None, period: PeriodQuery = None
    ) -> SharedResultsOut:
        """Each shared control point of the year with every board's results in the period and
        the worst outcome; empty when KS has not decided any points for the year."""
        chosen = chosen_period(year, period)
        return shared_out(
            chosen, await shared_points_report(principal_of(request), chosen.year, chosen)
        )

    @get(
        "/api/trends", summary="Trender: varje nämnds siffror år för år", responses=errors(401, 403)
    )
    async def trends(self, request: Request) -> TrendsOut:
        """Per active board the figures of each year there are plans for (past years per
        helår, this year per the latest reporting point reached), oldest first."""
        return trends_out(await trend_table(principal_of(request)))

    @get(
        "/api/overview.pdf",
        summary="KS översikt som PDF",
        media_type=PDF_MEDIA_TYPE,
        response_description="PDF-fil",
        responses=errors(401, 403, 422),
    )
    async def overview_pdf(
        self, request: Request, year: YearQuery = None, period: PeriodQuery = None
    ) -> Response[bytes]:
        """A4 landscape table with embedded fonts; traffic lights carry their text."""
        chosen = chosen_period(year, period)
        name, content = await render_overview_pdf(principal_of(request), chosen.year, chosen)
        return download(content, name, PDF_MEDIA_TYPE)

    @get(
        "/api/overview.xlsx",
        summary="KS översikt som Excel",
        media_type=XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(401, 403, 422),
    )
    async def overview_xlsx(
        self, request: Request, year: YearQuery = None, period: PeriodQuery = None
    ) -> Response[bytes]:
        """One row per board with the same figures as the page, and a totals row."""
        chosen = chosen_period(year, period)
        name, content = await render_overview_workbook(principal_of(request), chosen.year, chosen)
        return download(content, name, XLSX_MEDIA_TYPE)

    @get(
        "/api/shared-results.pdf",
        summary="Gemensamma kontrollmoment som PDF",
        media_type=PDF_MEDIA_TYPE,
        response_description="PDF-fil",
        responses=errors(401, 403, 422),
    )
    async def shared_pdf(
        self, request: Request, year: YearQuery = None, period: PeriodQuery = None
    ) -> Response[bytes]:
        """The shared points' report to KS for one reporting point."""
        chosen = chosen_period(year, period)
        name, content = await render_shared_pdf(principal_of(request), chosen.year, chosen)
        return download(content, name, PDF_MEDIA_TYPE)

    @get(
        "/api/shared-results.xlsx",
        summary="Gemensamma kontrollmoment som Excel",
        media_type=XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(401, 403, 422),
    )
    async def shared_xlsx(
        self, request: Request, year: YearQuery = None, period: PeriodQuery = None
    ) -> Response[bytes]:
        """One row per shared point and board with the same figures as the page."""
        chosen = chosen_period(year, period)
        name, content = await render_shared_workbook(principal_of(request), chosen.year, chosen)
        return download(content, name, XLSX_MEDIA_TYPE)

"""Downloads of printed and exported reports."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from internkontroll.api_schemas import READ, errors
from internkontroll.controls.excel import render_plan_workbook
from internkontroll.reports.plan_pdf import render_plan_pdf
from internkontroll.risks.excel import XLSX_MEDIA_TYPE
from internkontroll.web.guards import login_required, principal_of

PDF_MEDIA_TYPE = "application/pdf"


def download(content: bytes, filename: str, media_type: str) -> Response[bytes]:
    """A file as an attachment; documents behind a login are never kept in shared caches."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


class ReportApi(Controller):
    """The plan as PDF and Excel."""

    guards = [login_required]
    tags = ["Rapporter"]

    @get(
        "/api/plans/{plan_id:int}/plan.pdf",
        summary="Internkontrollplanen som PDF",
        media_type=PDF_MEDIA_TYPE,
        response_description="PDF-fil",
        responses=errors(*READ),
    )
    async def plan_pdf(self, request: Request, plan_id: FromPath[int]) -> Response[bytes]:
        """A4 with embedded fonts; a draft is marked UTKAST."""
        filename, content = await render_plan_pdf(principal_of(request), plan_id)
        return download(content, filename, PDF_MEDIA_TYPE)

    @get(
        "/api/plans/{plan_id:int}/plan.xlsx",
        summary="Internkontrollplanen som Excel",
        media_type=XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(*READ),
    )
    async def plan_xlsx(self, request: Request, plan_id: FromPath[int]) -> Response[bytes]:
        """Every control with all its fields, one row each."""
        filename, content = await render_plan_workbook(principal_of(request), plan_id)
        return download(content, filename, XLSX_MEDIA_TYPE)

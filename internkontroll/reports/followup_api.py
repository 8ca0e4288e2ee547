"""JSON API of a board's follow-ups: the draft, the nämnd's decision, sending it to KS."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from internkontroll.api_schemas import READ, WRITE, errors
from internkontroll.auth.principal import Principal
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.schemas import DecisionIn
from internkontroll.reports.followup_excel import render_follow_up_workbook
from internkontroll.reports.followup_pdf import render_follow_up_pdf
from internkontroll.reports.followup_schemas import FollowUpIn, FollowUpOut, follow_up_out
from internkontroll.reports.followups import (
    FollowUpInput,
    approve_follow_up,
    follow_up_document,
    save_follow_up,
    send_follow_up,
)
from internkontroll.reports.routes import PDF_MEDIA_TYPE, download
from internkontroll.risks.excel import XLSX_MEDIA_TYPE
from internkontroll.web.guards import login_required, principal_of

BASE = "/api/boards/{board_id:int}/follow-ups/{year:int}/{period:str}"


async def follow_up_json(
    principal: Principal, board_id: int, year: int, period: str
) -> FollowUpOut:
    """The follow-up as JSON."""
    return follow_up_out(await follow_up_document(principal, board_id, year, period))


class FollowUpApi(Controller):
    """A board's follow-up at a reporting point (delar, helar)."""

    guards = [login_required]
    tags = ["Uppföljning"]

    @get(
        BASE, summary="Nämndens uppföljning vid ett rapporteringstillfälle", responses=errors(*READ)
    )
    async def get_follow_up(
        self, request: Request, board_id: FromPath[int], year: FromPath[int], period: FromPath[str]
    ) -> FollowUpOut:
        """Status ('not_started', 'draft', 'approved', 'sent'), judgement, summary, decision and
        every figure. The figures are computed now while a draft, and are the frozen ones once
        the nämnd has approved it. An unknown period is 422 naming `period`."""
        return await follow_up_json(principal_of(request), board_id, year, period)

    @put(BASE, summary="Spara uppföljningens samlade bedömning (utkast)", responses=errors(*WRITE))
    async def save(
        self,
        request: Request,
        board_id: FromPath[int],
        year: FromPath[int],
        period: FromPath[str],
        data: JSONBody[FollowUpIn],
    ) -> FollowUpOut:
        """The board's preparers write `judgement` (green, yellow or red) and `summary`; the
        draft is created on first save. 409 once the nämnd has approved it, or when the board
        has no adopted plan for the year."""
        principal = principal_of(request)
        await save_follow_up(
            principal, board_id, year, period, FollowUpInput(data.judgement, data.summary)
        )
        return await follow_up_json(principal, board_id, year, period)

    @post(
        f"{BASE}/decision",
        summary="Registrera nämndens beslut om uppföljningen",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def decide(
        self,
        request: Request,
        board_id: FromPath[int],
        year: FromPath[int],
        period: FromPath[str],
        data: JSONBody[DecisionIn],
    ) -> FollowUpOut:
        """The board's secretary records meeting date, § and Dnr. The date cannot be before
        the period's end (422 on `decided_on`). Needs a judgement and a summary (409 listing
        what is missing). The follow-up and its figures are then frozen."""
        principal = principal_of(request)
        decision = DecisionInput(data.decided_on, data.paragraph, data.registry_number)
        await approve_follow_up(principal, board_id, year, period, decision)
        return await follow_up_json(principal, board_id, year, period)

    @post(
        f"{BASE}/send",
        summary="Skicka uppföljningen till KS",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def send(
        self, request: Request, board_id: FromPath[int], year: FromPath[int], period: FromPath[str]
    ) -> FollowUpOut:
        """The board's secretary sends the approved follow-up to KS. 409 while it is a draft
        (the nämnd's decision comes first) and once it has been sent."""
        principal = principal_of(request)
        await send_follow_up(principal, board_id, year, period)
        return await follow_up_json(principal, board_id, year, period)

    @get(
        f"{BASE}/follow-up.pdf",
        summary="Uppföljningen som PDF",
        media_type=PDF_MEDIA_TYPE,
        response_description="PDF-fil",
        responses=errors(*READ),
    )
    async def pdf(
        self, request: Request, board_id: FromPath[int], year: FromPath[int], period: FromPath[str]
    ) -> Response[bytes]:
        """A4 with embedded fonts for the nämnd's papers; a draft is marked UTKAST."""
        filename, content = await render_follow_up_pdf(
            principal_of(request), board_id, year, period
        )
        return download(content, filename, PDF_MEDIA_TYPE)

    @get(
        f"{BASE}/follow-up.xlsx",
        summary="Uppföljningen som Excel",
        media_type=XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(*READ),
    )
    async def xlsx(
        self, request: Request, board_id: FromPath[int], year: FromPath[int], period: FromPath[str]
    ) -> Response[bytes]:
        """Sheets: Sammanställning (totals), Kontrollmoment, Resultat and Avvikelser."""
        filename, content = await render_follow_up_workbook(
            principal_of(request), board_id, year, period
        )
        return download(content, filename, XLSX_MEDIA_TYPE)

"""JSON API of KS's consolidated review: read it, save the draft, record KS's decision, download."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from internkontroll.api_schemas import READ, WRITE, errors
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.schemas import DecisionIn
from internkontroll.reports.review import decide_review, save_review
from internkontroll.reports.review_document import review_document
from internkontroll.reports.review_excel import render_review_workbook
from internkontroll.reports.review_pdf import render_review_pdf
from internkontroll.reports.review_schemas import ReviewIn, ReviewOut, review_input, review_out
from internkontroll.reports.routes import PDF_MEDIA_TYPE, download
from internkontroll.risks.excel import XLSX_MEDIA_TYPE
from internkontroll.web.guards import login_required, principal_of


class ReviewApi(Controller):
    """KS's consolidated review of a year (samlad bedömning)."""

    guards = [login_required]
    tags = ["KS:s samlade bedömning"]

    @get(
        "/api/reviews/{year:int}",
        summary="KS:s samlade bedömning av ett år",
        responses=errors(*READ),
    )
    async def get_review(self, request: Request, year: FromPath[int]) -> ReviewOut:
        """Status (none, draft, decided), KS's decision, findings, improvement proposals, the
        judgement and key figures of every board, judgements per process, and the boards whose
        helår follow-up has not reached KS. Live while a draft; as decided once KS has decided."""
        return review_out(await review_document(principal_of(request), year))

    @put(
        "/api/reviews/{year:int}",
        summary="Spara utkastet till KS:s samlade bedömning",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def save(
        self, request: Request, year: FromPath[int], data: JSONBody[ReviewIn]
    ) -> ReviewOut:
        """Creates the year's draft or replaces it, its judgements as a whole. 409 once KS has
        decided; 422 naming the field (judgements[N].level, findings, …)."""
        principal = principal_of(request)
        await save_review(principal, year, review_input(data))
        return review_out(await review_document(principal, year))

    @post(
        "/api/reviews/{year:int}/decision",
        summary="Registrera KS:s beslut om den samlade bedömningen",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def decide(
        self, request: Request, year: FromPath[int], data: JSONBody[DecisionIn]
    ) -> ReviewOut:
        """Needs findings and a judgement for every active board. The review freezes with the
        year's helår figures and the boards that did not report. Dated 1 January of the next
        year at the earliest; 409 if KS has already decided; 404 without a draft."""
        principal = principal_of(request)
        decision = DecisionInput(data.decided_on, data.paragraph, data.registry_number)
        await decide_review(principal, year, decision)
        return review_out(await review_document(principal, year))

    @get(
        "/api/reviews/{year:int}/review.pdf",
        summary="KS:s samlade bedömning som PDF",
        media_type=PDF_MEDIA_TYPE,
        response_description="PDF-fil",
        responses=errors(*READ),
    )
    async def pdf(self, request: Request, year: FromPath[int]) -> Response[bytes]:
        """A4, ready to attach to KS's agenda; a draft is marked UTKAST. 404 without a review."""
        filename, content = await render_review_pdf(principal_of(request), year)
        return download(content, filename, PDF_MEDIA_TYPE)

    @get(
        "/api/reviews/{year:int}/review.xlsx",
        summary="KS:s samlade bedömning som Excel",
        media_type=XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(*READ),
    )
    async def xlsx(self, request: Request, year: FromPath[int]) -> Response[bytes]:
        """The same content as the PDF: one sheet per part. 404 without a review."""
        filename, content = await render_review_workbook(principal_of(request), year)
        return download(content, filename, XLSX_MEDIA_TYPE)

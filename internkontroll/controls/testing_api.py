"""JSON API of control testing: occasions, results, evidence, deviations and actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from internkontroll.api_schemas import READ, WRITE, errors
from internkontroll.auth.principal import Principal
from internkontroll.controls import deviations, evidence, results
from internkontroll.controls.deviations import ActionInput, AnalysisInput
from internkontroll.controls.testing_reads import board_results, control_record, my_controls
from internkontroll.controls.testing_schemas import (
    ActionIn,
    AnalysisIn,
    BoardResultsOut,
    CheckIn,
    CloseIn,
    ControlRecordOut,
    CorrectionIn,
    MyControlsOut,
    PostponeIn,
    ResultIn,
    board_results_out,
    my_controls_out,
    record_out,
)
from internkontroll.controls.uploads import MAX_FILES_PER_UPLOAD, close_all, read_upload_form
from internkontroll.errors import ValidationFailed
from internkontroll.timeutil import today
from internkontroll.web.guards import login_required, principal_of

QueryInt = Annotated[int | None, Parameter(ge=0, le=2**31 - 1)]


@dataclass
class EvidenceUploadOperation(Operation):
    """The upload's OpenAPI operation: the body is read by hand, after the permission check."""

    def __post_init__(self) -> None:
        files = Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
            min_items=1,
            max_items=MAX_FILES_PER_UPLOAD,
        )
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT, properties={"file": files}, required=["file"]
                    )
                )
            },
        )


def result_input(data: ResultIn, correction_reason: str = "") -> results.ResultInput:
    """The service's input for a result sent as JSON."""
    return results.ResultInput(
        performed_on=data.performed_on,
        performed_by_name=data.performed_by_name,
        sample=data.sample,
        outcome=data.outcome,
        reason=data.reason,
        comment=data.comment,
        deviation=data.deviation,
        correction_reason=correction_reason,
    )


async def record_json(principal: Principal, control_id: int) -> ControlRecordOut:
    """A control's whole record as JSON."""
    return record_out(await control_record(principal, control_id))


class TestingApi(Controller):
    """Test occasions, results with evidence, deviations with root cause, and actions."""

    __test__ = False  # not a pytest class
    guards = [login_required]
    tags = ["Kontroller och avvikelser"]

    @get(
        "/api/my-controls",
        summary="Mina kontroller: mina tillfällen och åtgärder",
        responses=errors(401),
    )
    async def mine(self, request: Request) -> MyControlsOut:
        """Occasions of every control the user owns in an adopted plan (overdue, upcoming,
        done this year) and the open actions the user answers for."""
        return my_controls_out(await my_controls(principal_of(request)), today())

    @get(
        "/api/controls/{control_id:int}",
        summary="Ett kontrollmoments tillfällen och resultat",
        responses=errors(*READ),
    )
    async def record(self, request: Request, control_id: FromPath[int]) -> ControlRecordOut:
        """The control as its latest decided plan version reads, every occasion with its
        traffic light and results (corrections included), evidence, deviations and actions."""
        return await record_json(principal_of(request), control_id)

    @get(
        "/api/boards/{board_id:int}/results",
        summary="Nämndens kontrollresultat för ett år",
        responses=errors(*READ),
    )
    async def board(
        self, request: Request, board_id: FromPath[int], year: QueryInt = None
    ) -> BoardResultsOut:
        """Controls × occasions as traffic lights, counts, open deviations and overdue actions.
        The year defaults to the current one."""
        year = year if year is not None else today().year
        return board_results_out(await board_results(principal_of(request), board_id, year))

    @post(
        "/api/occasions/{occasion_id:int}/results",
        summary="Logga ett resultat",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def log(
        self, request: Request, occasion_id: FromPath[int], data: JSONBody[ResultIn]
    ) -> ControlRecordOut:
        """Only the control's owner or the board's preparers; only on an adopted plan. A minor
        or significant deviation needs `deviation` (its description). 409 if the occasion
        already has a result: results are never overwritten, send a correction."""
        principal = principal_of(request)
        await results.log_result(principal, occasion_id, result_input(data))
        context = await results.occasion_context(principal, occasion_id)
        return await record_json(principal, context.occasion["control"])

    @post(
        "/api/results/{result_id:int}/corrections",
        summary="Rätta ett resultat",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def correct(
        self, request: Request, result_id: FromPath[int], data: JSONBody[CorrectionIn]
    ) -> ControlRecordOut:
        """A correction is a new result pointing to the one it corrects; both are kept.
        `correction_reason` is required. 409 if the result was already corrected."""
        principal = principal_of(request)
        await results.correct_result(
            principal, result_id, result_input(data, data.correction_reason)
        )
        row, _ = await results.get_result(principal, result_id)
        return await record_json(principal, row["control"])

    @post(
        "/api/results/{result_id:int}/evidence",
        summary="Bifoga bevisfiler till ett resultat",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        operation_class=EvidenceUploadOperation,
        responses=errors(400, 401, 403, 404, 409, 411, 413, 415, 422),
    )
    async def upload(self, request: Request, result_id: FromPath[int]) -> ControlRecordOut:
        """multipart/form-data with one to five `file` parts. Allowed: PDF, images, office
        documents, text and CSV, checked by content; each at most EVIDENCE_MAX_MB (413)."""
        principal = principal_of(request)
        # Who may upload is settled before a byte of the body is read.
        row, context = await results.get_result(principal, result_id)
        results.require_tester(principal, context)
        _, files = await read_upload_form(request)
        try:
            if not files:
                raise ValidationFailed.one("file", "välj minst en fil")
            await evidence.add_evidence(principal, result_id, files)
        finally:
            await close_all(files)
        return await record_json(principal, row["control"])

    @patch(
        "/api/deviations/{deviation_id:int}",
        summary="Beskriv avvikelsen och dess orsak",
        responses=errors(*WRITE),
    )
    async def analyse(
        self, request: Request, deviation_id: FromPath[int], data: JSONBody[AnalysisIn]
    ) -> ControlRecordOut:
        """Description, up to five whys (5 varför) and the root cause. 409 once withdrawn."""
        principal = principal_of(request)
        analysis = AnalysisInput(data.description, tuple(data.whys), data.root_cause)
        await deviations.update_analysis(principal, deviation_id, analysis)
        row, _ = await deviations.get_deviation(principal, deviation_id)
        return await record_json(principal, row["control"])

    @post(
        "/api/deviations/{deviation_id:int}/actions",
        summary="Lägg till en åtgärd",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def add_action(
        self, request: Request, deviation_id: FromPath[int], data: JSONBody[ActionIn]
    ) -> ControlRecordOut:
        """What, who (an active user with a role on the board) and the due date."""
        principal = principal_of(request)
        action = ActionInput(data.description, data.responsible_id, data.due_on)
        await deviations.add_action(principal, deviation_id, action)
        row, _ = await deviations.get_deviation(principal, deviation_id)
        return await record_json(principal, row["control"])

    @post(
        "/api/actions/{action_id:int}/postpone",
        summary="Skjut upp en åtgärd",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def postpone(
        self, request: Request, action_id: FromPath[int], data: JSONBody[PostponeIn]
    ) -> ControlRecordOut:
        """A later due date and the reason; the original due date is kept and shown."""
        principal = principal_of(request)
        await deviations.postpone_action(principal, action_id, data.due_on, data.reason)
        return await self._action_record(principal, action_id)

    @post(
        "/api/actions/{action_id:int}/close",
        summary="Avsluta en åtgärd",
        status_code=200,
        responses=errors(*WRITE),
    )
    async def close(
        self, request: Request, action_id: FromPath[int], data: JSONBody[CloseIn]
    ) -> ControlRecordOut:
        """When it was done and a note on what was done."""
        principal = principal_of(request)
        await deviations.close_action(principal, action_id, data.closed_on, data.note)
        return await self._action_record(principal, action_id)

    @post(
        "/api/actions/{action_id:int}/checks",
        summary="Följ upp en avslutad åtgärd",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def check(
        self, request: Request, action_id: FromPath[int], data: JSONBody[CheckIn]
    ) -> ControlRecordOut:
        """A later check of whether the action worked (verkningsfull or not)."""
        principal = principal_of(request)
        await deviations.check_action(
            principal, action_id, data.checked_on, data.effective, data.note
        )
        return await self._action_record(principal, action_id)

    async def _action_record(self, principal: Principal, action_id: int) -> ControlRecordOut:
        _, context = await deviations.get_action(principal, action_id)
        return await record_json(principal, context.occasion["control"])

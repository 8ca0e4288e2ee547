"""The risk register's JSON API: register, assessments, heat maps, scale, Excel."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED

from internkontroll.api_schemas import READ, WRITE, FileUploadOperation, errors, nul_errors
from internkontroll.auth.permissions import Action, require
from internkontroll.errors import ValidationFailed
from internkontroll.risks import assessments, excel, register, scales, views
from internkontroll.risks.schemas import (
    AcceptedHighRiskOut,
    AssessmentIn,
    AssessmentOut,
    BoardSummaryOut,
    HeatMapOut,
    ImportOut,
    RegisterEntryOut,
    RiskDetailOut,
    RiskIn,
    ScaleIn,
    ScaleOut,
    StartYearIn,
    StartYearOut,
    accepted_out,
    assessment_out,
    heat_map_out,
    risk_out,
    scale_out,
    summary_out,
)
from internkontroll.timeutil import today
from internkontroll.web.guards import login_required, principal_of

# Query integers (ids, years) within PostgreSQL's integer range.
QueryInt = Annotated[int | None, Parameter(ge=0, le=2**31 - 1)]


def _year(year: int | None) -> int:
    return year if year is not None else today().year


def _risk_input(data: RiskIn) -> register.RiskInput:
    return register.RiskInput(
        process_id=data.process_id,
        category_id=data.category_id,
        title=data.title,
        description=data.description,
        consequence=data.consequence,
        responsible=data.responsible,
    )


async def risk_detail(principal, risk_id: int) -> RiskDetailOut:
    """A risk and its decorated history."""
    risk = await register.get_risk(principal, risk_id)
    rows = await views.with_cells(await assessments.history(principal, risk_id))
    return RiskDetailOut(risk=risk_out(risk), history=[assessment_out(r) for r in rows])


def xlsx_response(content: bytes, filename: str) -> Response[bytes]:
    """An Excel workbook as a download."""
    return Response(
        content,
        media_type=excel.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class RiskApi(Controller):
    """A board's risk register and its yearly assessments."""

    guards = [login_required]
    tags = ["Riskbedömning"]

    @get(
        "/api/boards/{board_id:int}/risks",
        summary="Nämndens riskregister för ett år",
        responses=errors(*READ),
    )
    async def list_register(
        self, request: Request, board_id: FromPath[int], year: QueryInt = None
    ) -> list[RegisterEntryOut]:
        """Risks of the year with this and last year's scoring; change is ny, ändrad,
        oförändrad or ej bedömd. The year defaults to the current one."""
        entries = await views.register(principal_of(request), board_id, _year(year))
        return [
            RegisterEntryOut(
                risk=risk_out(e),
                assessment=assessment_out(e["assessment"]),
                previous=assessment_out(e["previous"]),
                change=e["change"],
            )
            for e in entries
        ]

    @post(
        "/api/boards/{board_id:int}/risks",
        summary="Lägg till en risk i nämndens register",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def create(
        self,
        request: Request,
        board_id: FromPath[int],
        data: JSONBody[RiskIn],
        year: QueryInt = None,
    ) -> RiskDetailOut:
        """The risk enters the register in the given year (default: the current one)."""
        principal = principal_of(request)
        risk_id = await register.create_risk(principal, board_id, _year(year), _risk_input(data))
        return await risk_detail(principal, risk_id)

    @get(
        "/api/risks/{risk_id:int}",
        summary="En risk med hela bedömningshistoriken",
        responses=errors(*READ),
    )
    async def get_one(self, request: Request, risk_id: FromPath[int]) -> RiskDetailOut:
        """Every scoring over the years, newest first."""
        return await risk_detail(principal_of(request), risk_id)

    @put("/api/risks/{risk_id:int}", summary="Ändra en risk", responses=errors(*WRITE))
    async def update(
        self, request: Request, risk_id: FromPath[int], data: JSONBody[RiskIn]
    ) -> RiskDetailOut:
        """Change text, process or category; active=false retires the risk."""
        principal = principal_of(request)
        await register.update_risk(principal, risk_id, _risk_input(data), active=data.active)
        return await risk_detail(principal, risk_id)

    @get(
        "/api/risks/{risk_id:int}/assessments",
        summary="Riskens bedömningar",
        responses=errors(*READ),
    )
    async def list_assessments(
        self, request: Request, risk_id: FromPath[int]
    ) -> list[AssessmentOut]:
        """Every scoring of the risk, newest first; current marks the valid one per year."""
        return (await risk_detail(principal_of(request), risk_id)).history

    @post(
        "/api/risks/{risk_id:int}/assessments",
        summary="Bedöm risken för ett år",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def assess(
        self, request: Request, risk_id: FromPath[int], data: JSONBody[AssessmentIn]
    ) -> AssessmentOut:
        """Score on the current scale; a high risk needs control, direct_action, or accept
        with a motivation. The earlier scoring of the year stays in the history."""
        principal = principal_of(request)
        new_id = await assessments.assess(
            principal,
            risk_id,
            data.year,
            assessments.AssessmentInput(
                data.likelihood, data.impact, data.treatment, data.motivation
            ),
        )
        detail = await risk_detail(principal, risk_id)
        return next(a for a in detail.history if a.id == new_id)

    @post(
        "/api/boards/{board_id:int}/risks/start-year",
        summary="Påbörja nästa års riskanalys",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def start_year(
        self, request: Request, board_id: FromPath[int], data: JSONBody[StartYearIn]
    ) -> StartYearOut:
        """Copy from_year's scoring into from_year + 1; risks already scored there are kept."""
        copied = await assessments.start_year(principal_of(request), board_id, data.from_year)
        return StartYearOut(from_year=data.from_year, to_year=data.from_year + 1, copied=copied)

    @get(
        "/api/boards/{board_id:int}/heatmap",
        summary="Nämndens riskkarta som data",
        responses=errors(*READ),
    )
    async def board_heat_map(
        self,
        request: Request,
        board_id: FromPath[int],
        year: QueryInt = None,
        process_id: QueryInt = None,
        category_id: QueryInt = None,
    ) -> HeatMapOut:
        """Cells with counts, colours and risk ids, on the scale the year was scored on."""
        heat_map = await views.heat_map(
            principal_of(request),
            _year(year),
            board_id=board_id,
            process_id=process_id,
            category_id=category_id,
        )
        return heat_map_out(heat_map, board_id, process_id, category_id)

    @get(
        "/api/heatmap",
        summary="Riskkarta över alla nämnder jag får läsa",
        responses=errors(401, 422),
    )
    async def all_heat_map(
        self,
        request: Request,
        year: QueryInt = None,
        category_id: QueryInt = None,
    ) -> HeatMapOut:
        """Every readable board's risks in one matrix."""
        heat_map = await views.heat_map(principal_of(request), _year(year), category_id=category_id)
        return heat_map_out(heat_map, None, None, category_id)

    @get(
        "/api/risk-overview",
        summary="Riskbild per nämnd (KS, samordnare, revisorer)",
        responses=errors(401, 403, 422),
    )
    async def overview(self, request: Request, year: QueryInt = None) -> list[BoardSummaryOut]:
        """Assessed, high and accepted high risks per board."""
        principal = principal_of(request)
        require(principal, Action.VIEW_ALL_BOARDS)
        return [summary_out(s) for s in await views.board_summaries(principal, _year(year))]

    @get(
        "/api/accepted-high-risks",
        summary="Accepterade höga risker för KS",
        responses=errors(401, 403, 422),
    )
    async def accepted(self, request: Request, year: QueryInt = None) -> list[AcceptedHighRiskOut]:
        """High risks that a board accepted, with the written motivation."""
        rows = await views.accepted_high_risks(principal_of(request), _year(year))
        return [accepted_out(r) for r in rows]

    @get("/api/risk-scale", summary="Kommunens riskmatris", responses=errors(401))
    async def get_scale(self) -> ScaleOut:
        """The current scale: levels with definitions, bands, colours and plan threshold."""
        scale_id, scale = await scales.current_scale()
        return scale_out(scale_id, scale)

    @put(
        "/api/risk-scale",
        summary="Ny version av riskmatrisen (systemförvaltare)",
        responses=errors(*WRITE),
    )
    async def put_scale(self, request: Request, data: JSONBody[ScaleIn]) -> ScaleOut:
        """Stores a new version; assessments already made keep the scale they were scored on."""
        principal = principal_of(request)
        require(principal, Action.ADMINISTER)
        payload = msgspec.to_builtins(data)
        # PostgreSQL refuses a NUL in text; the scale's own checks do not look for one.
        if bad := nul_errors(payload):
            raise ValidationFailed(bad)
        note = payload.pop("note")
        version_id = await scales.change_scale(principal, payload, note)
        _, scale = await scales.current_scale()
        return scale_out(version_id, scale)

    @get(
        "/api/risks/template.xlsx",
        summary="Excelmall för import av riskanalys",
        media_type=excel.XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(401),
    )
    async def template(self) -> Response[bytes]:
        """The documented import template."""
        return xlsx_response(await excel.template_workbook(), "riskanalys-mall.xlsx")

    @get(
        "/api/boards/{board_id:int}/risks/export.xlsx",
        summary="Riskregistret som Excel",
        media_type=excel.XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(*READ),
    )
    async def export(
        self, request: Request, board_id: FromPath[int], year: QueryInt = None
    ) -> Response[bytes]:
        """The year's register with scores, colours and treatments."""
        board = await register.board_or_404(board_id)
        content = await excel.export_register(principal_of(request), _year(year), board_id)
        return xlsx_response(content, excel.export_filename(_year(year), board["short_name"]))

    @get(
        "/api/risks/export.xlsx",
        summary="Alla läsbara nämnders riskregister som Excel",
        media_type=excel.XLSX_MEDIA_TYPE,
        response_description="Excelfil (xlsx)",
        responses=errors(401, 403, 422),
    )
    async def export_all(self, request: Request, year: QueryInt = None) -> Response[bytes]:
        """One sheet with a Nämnd column."""
        content = await excel.export_register(principal_of(request), _year(year), None)
        return xlsx_response(content, excel.export_filename(_year(year), None))

    @post(
        "/api/boards/{board_id:int}/risks/import",
        summary="Importera riskanalys från Excel (allt eller inget)",
        status_code=HTTP_201_CREATED,
        responses=errors(400, 401, 403, 404, 409, 413, 415, 422),
        operation_class=FileUploadOperation,
    )
    async def import_file(
        self,
        request: Request,
        board_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        year: QueryInt = None,
    ) -> ImportOut:
        """Send the workbook as a multipart file field (e.g. `file`); a bad row rejects the
        whole file (422, one error per row)."""
        principal = principal_of(request)
        # Refuse before reading the upload: nobody learns anything about a file they may not send.
        await register.board_or_404(board_id)
        require(principal, Action.EDIT_RISKS, board_id)
        upload = uploaded_file(data)
        content = await read_upload(upload)
        result = await excel.import_register(
            principal, board_id, _year(year), content, upload.filename or ""
        )
        return ImportOut(result.created, result.updated, result.assessed)


def uploaded_file(form: dict[str, Any]) -> UploadFile:
    """The form's file: the field `file`, or else the first file in any field."""
    values = [form.get("file"), *form.values()]
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, UploadFile):
                return item
    raise ValidationFailed.one("file", "välj en Excelfil (.xlsx) att importera")


async def read_upload(upload: UploadFile) -> bytes:
    """The uploaded bytes, refusing anything over the import limit without reading it all."""
    content = await upload.read(excel.MAX_IMPORT_BYTES + 1)
    if len(content) > excel.MAX_IMPORT_BYTES:
        limit = excel.MAX_IMPORT_BYTES // (1024 * 1024)
        raise ValidationFailed.one("file", f"filen är större än {limit} MB")
    return content

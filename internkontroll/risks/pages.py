"""Swedish pages for a board's risk register: list, risk, assessment, next year, import."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action, can, require
from internkontroll.errors import ValidationFailed
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks import assessments, carryover, excel, register, scales, views
from internkontroll.risks.api import read_upload
from internkontroll.risks.heatmap_draw import text_colour_on
from internkontroll.risks.scale import cell, cells
from internkontroll.risks.tables import TREATMENT_LABELS
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page

RISK_FIELD_LABELS = {
    "process_id": "Process",
    "category_id": "Riskkategori",
    "title": "Risk",
    "description": "Vad kan gå fel",
    "consequence": "Varför det spelar roll",
    "responsible": "Ansvarig",
    "year": "År",
}
ASSESSMENT_FIELD_LABELS = {
    "likelihood": "Sannolikhet",
    "impact": "Konsekvens",
    "treatment": "Hantering",
    "motivation": "Motivering",
    "year": "År",
}


def page_year(raw: str | None) -> int:
    """The year a page shows: ?ar=, or the current year."""
    year = forms.optional_int(raw, "ar")
    year = today().year if year is None else year
    register.check_year(year, "ar")
    return year


async def board_choices(board_id: int) -> dict[str, list[dict[str, Any]]]:
    """The board's active processes and the kommun's active risk categories, for selects."""
    processes = (
        await Process.select(Process.id, Process.name)
        .where((Process.board == board_id) & (Process.active == True))  # noqa: E712
        .order_by(Process.name)
    )
    return {"processes": processes, "categories": await active_categories()}


async def active_categories() -> list[dict[str, Any]]:
    """The kommun's active risk categories by name."""
    return (
        await RiskCategory.select(RiskCategory.id, RiskCategory.name)
        .where(RiskCategory.active == True)  # noqa: E712
        .order_by(RiskCategory.name)
    )


def _risk_input(form: dict[str, str]) -> register.RiskInput:
    errors = forms.FormErrors()
    process_id = forms.integer(form, "process_id", errors)
    category_id = forms.integer(form, "category_id", errors)
    data = register.RiskInput(
        process_id=process_id or 0,
        category_id=category_id or 0,
        title=forms.text(form, "title"),
        description=forms.text(form, "description"),
        consequence=forms.text(form, "consequence"),
        responsible=forms.text(form, "responsible"),
    )
    if errors.errors:  # report the texts' problems too, not one round at a time
        errors.errors += register.text_errors(data)
    errors.raise_if_any()
    return data


def _assessment_input(form: dict[str, str]) -> tuple[int, assessments.AssessmentInput]:
    errors = forms.FormErrors()
    year = forms.integer(form, "year", errors)
    likelihood = forms.integer(form, "likelihood", errors)
    impact = forms.integer(form, "impact", errors)
    treatment = forms.text(form, "treatment")
    if not treatment:
        errors.add("treatment", "välj hantering")
    errors.raise_if_any()
    assert year is not None and likelihood is not None and impact is not None
    return year, assessments.AssessmentInput(
        likelihood, impact, treatment, forms.text(form, "motivation")
    )


class RiskPages(Controller):
    """The register, a risk and its history, assessment, next year and Excel import."""

    guards = [login_required]
    include_in_schema = False

    @get("/namnder/{board_id:int}/risker")
    async def register_page(
        self,
        request: Request,
        board_id: FromPath[int],
        ar: FromQuery[str | None] = None,
        process: FromQuery[str | None] = None,
        kategori: FromQuery[str | None] = None,
        sparad: FromQuery[str | None] = None,
        importerad: FromQuery[str | None] = None,
    ) -> Template:
        """The year's register, highest risk value first, with what changed since last year."""
        principal = principal_of(request)
        year = page_year(ar)
        process_id = forms.optional_int(process, "process")
        category_id = forms.optional_int(kategori, "kategori")
        board = await register.board_or_404(board_id)
        entries = await views.register(principal, board_id, year)
        shown = [
            e
            for e in entries
            if (process_id is None or e["process"] == process_id)
            and (category_id is None or e["category"] == category_id)
        ]
        _, scale = await scales.current_scale()
        saved_id = forms.optional_int(sparad, "sparad")
        carried = await carryover.carry_over(board_id, year)
        return page(
            "risks/register.html",
            carry_over=carried,
            carried_risks={r for item in carried for r in item.risk_ids},
            board=board,
            year=year,
            entries=shown,
            total=len(entries),
            assessed=sum(1 for e in entries if e["assessment"]),
            high=sum(1 for e in entries if e.get("high")),
            changes={k: sum(1 for e in entries if e["change"] == k) for k in views.CHANGE_ORDER},
            filters={"process": process_id, "category": category_id},
            choices=await board_choices(board_id),
            treatment_labels=TREATMENT_LABELS,
            plan_threshold=scale.plan_threshold,
            may_edit=can(principal, Action.EDIT_RISKS, board_id),
            saved=next((e for e in entries if e["id"] == saved_id), None),
            imported=importerad,
        )

    @get("/namnder/{board_id:int}/risker/ny")
    async def new_risk_form(
        self, request: Request, board_id: FromPath[int], ar: FromQuery[str | None] = None
    ) -> Template:
        """An empty risk form."""
        board = await register.board_or_404(board_id)
        require(principal_of(request), Action.EDIT_RISKS, board_id)
        return await _risk_form(board, None, page_year(ar), {}, {})

    @post("/namnder/{board_id:int}/risker")
    async def create_risk(
        self, request: Request, board_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Add the risk, then go on to score it."""
        principal = principal_of(request)
        board = await register.board_or_404(board_id)
        require(principal, Action.EDIT_RISKS, board_id)
        year_errors = forms.FormErrors()
        year = forms.integer(data, "year", year_errors)
        year = today().year if year is None else year
        try:
            year_errors.raise_if_any()
            risk_id = await register.create_risk(principal, board_id, year, _risk_input(data))
        except ValidationFailed as exc:
            return await _risk_form(board, None, year, data, forms.error_map(exc), status=422)
        return Redirect(f"/risker/{risk_id}/bedomning?ar={year}", status_code=303)

    @get("/risker/{risk_id:int}")
    async def risk_page(self, request: Request, risk_id: FromPath[int]) -> Template:
        """A risk, its description and its scoring over the years."""
        principal = principal_of(request)
        risk = await register.get_risk(principal, risk_id)
        history = await views.with_cells(await assessments.history(principal, risk_id))
        return page(
            "risks/detail.html",
            risk=risk,
            history=history,
            treatment_labels=TREATMENT_LABELS,
            may_edit=can(principal, Action.EDIT_RISKS, risk["board"]),
            year=today().year,
        )

    @get("/risker/{risk_id:int}/andra")
    async def edit_form(self, request: Request, risk_id: FromPath[int]) -> Template:
        """The risk's form, filled in."""
        principal = principal_of(request)
        risk = await register.get_risk(principal, risk_id)
        require(principal, Action.EDIT_RISKS, risk["board"])
        board = await register.board_or_404(risk["board"])
        values = {k: str(risk[k.removesuffix("_id")]) for k in ("process_id", "category_id")}
        values |= {k: risk[k] for k in ("title", "description", "consequence", "responsible")}
        values["active"] = "on" if risk["active"] else ""
        return await _risk_form(board, risk, risk["first_year"], values, {})

    @post("/risker/{risk_id:int}")
    async def update_risk(
        self, request: Request, risk_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Save the risk's text, process, category or retirement."""
        principal = principal_of(request)
        risk = await register.get_risk(principal, risk_id)
        require(principal, Action.EDIT_RISKS, risk["board"])
        try:
            await register.update_risk(
                principal, risk_id, _risk_input(data), active=bool(data.get("active"))
            )
        except ValidationFailed as exc:
            board = await register.board_or_404(risk["board"])
            return await _risk_form(
                board, risk, risk["first_year"], data, forms.error_map(exc), status=422
            )
        return Redirect(f"/risker/{risk_id}", status_code=303)

    @get("/risker/{risk_id:int}/bedomning")
    async def assessment_form(
        self, request: Request, risk_id: FromPath[int], ar: FromQuery[str | None] = None
    ) -> Template:
        """Score the risk for a year, with every level's definition beside the choice."""
        principal = principal_of(request)
        risk = await register.get_risk(principal, risk_id)
        require(principal, Action.EDIT_RISKS, risk["board"])
        year = page_year(ar)
        current = next(
            (
                a
                for a in await assessments.history(principal, risk_id)
                if a["year"] == year and a["current"]
            ),
            None,
        )
        values = {"year": str(year)}
        if current:
            values |= {
                "likelihood": str(current["likelihood"]),
                "impact": str(current["impact"]),
                "treatment": current["treatment"],
                "motivation": current["motivation"],
            }
        return await _assessment_form(risk, year, values, {}, current=current)

    @post("/risker/{risk_id:int}/bedomning")
    async def assess(
        self, request: Request, risk_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Store the scoring and return to the year's register."""
        principal = principal_of(request)
        risk = await register.get_risk(principal, risk_id)
        require(principal, Action.EDIT_RISKS, risk["board"])
        try:
            year, data_in = _assessment_input(data)
            await assessments.assess(principal, risk_id, year, data_in)
        except ValidationFailed as exc:
            shown = data.get("year", "")
            year_shown = int(shown) if re.fullmatch(r"[0-9]{4}", shown) else today().year
            return await _assessment_form(risk, year_shown, data, forms.error_map(exc), status=422)
        return Redirect(
            f"/namnder/{risk['board']}/risker?ar={year}&sparad={risk_id}#risk-{risk_id}",
            status_code=303,
        )

    @post("/namnder/{board_id:int}/risker/nytt-ar")
    async def start_year(
        self, request: Request, board_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect:
        """Copy this year's register into next year and show next year's register."""
        errors = forms.FormErrors()
        from_year = forms.integer(data, "from_year", errors)
        errors.raise_if_any()
        assert from_year is not None
        await assessments.start_year(principal_of(request), board_id, from_year)
        return Redirect(f"/namnder/{board_id}/risker?ar={from_year + 1}", status_code=303)

    @get("/namnder/{board_id:int}/risker/import")
    async def import_form(
        self, request: Request, board_id: FromPath[int], ar: FromQuery[str | None] = None
    ) -> Template:
        """Upload an existing risk analysis in the Excel template."""
        board = await register.board_or_404(board_id)
        require(principal_of(request), Action.EDIT_RISKS, board_id)
        return page("risks/import.html", board=board, year=page_year(ar), errors=[])

    @post("/namnder/{board_id:int}/risker/import")
    async def import_upload(
        self,
        request: Request,
        board_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Redirect | Template:
        """Import every row or none; a rejected file lists each bad row."""
        principal = principal_of(request)
        board = await register.board_or_404(board_id)
        require(principal, Action.EDIT_RISKS, board_id)
        year_errors = forms.FormErrors()
        year = forms.integer(data, "year", year_errors)
        year = today().year if year is None else year
        upload = data.get("file")
        try:
            year_errors.raise_if_any()
            register.check_year(year)
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationFailed.one("file", "välj en Excelfil (.xlsx) att importera")
            content = await read_upload(upload)
            result = await excel.import_register(
                principal, board_id, year, content, upload.filename
            )
        except ValidationFailed as exc:
            return page(
                "risks/import.html",
                status_code=422,
                board=board,
                year=year,
                errors=exc.errors,
                message=exc.message,
            )
        summary = f"{result.created}-{result.updated}-{result.assessed}"
        return Redirect(
            f"/namnder/{board_id}/risker?ar={year}&importerad={summary}", status_code=303
        )


async def _risk_form(
    board: dict[str, Any],
    risk: dict[str, Any] | None,
    year: int,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Template:
    return page(
        "risks/risk_form.html",
        status_code=status,
        board=board,
        risk=risk,
        year=year,
        values=values,
        errors=errors,
        labels=RISK_FIELD_LABELS,
        limits=register.LIMITS,
        choices=await board_choices(board["id"]),
    )


async def _assessment_form(
    risk: dict[str, Any],
    year: int,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
    current: dict[str, Any] | None = None,
) -> Template:
    _, scale = await scales.current_scale()
    # A preview of the chosen cell, so the user sees value and colour before saving.
    preview = None
    try:
        preview = cell(scale, int(values.get("likelihood", 0)), int(values.get("impact", 0)))
    except (ValueError, ValidationFailed):
        preview = None
    scale_cells = {
        f"{c.likelihood},{c.impact}": {
            "value": c.value,
            "band": c.band.label,
            "colour": c.colour,
            "text_colour": text_colour_on(c.colour),
        }
        for c in cells(scale)
    }
    return page(
        "risks/assess.html",
        scale_cells=scale_cells,
        status_code=status,
        risk=risk,
        year=year,
        values=values,
        errors=errors,
        labels=ASSESSMENT_FIELD_LABELS,
        scale=scale,
        preview=preview,
        current=current,
        treatment_labels=TREATMENT_LABELS,
        max_motivation=assessments.MAX_MOTIVATION,
    )

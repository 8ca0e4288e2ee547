"""Pages of control testing: Mina kontroller, a control's record, logging and correcting results."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template

from internkontroll.auth.principal import Principal
from internkontroll.controls import deviations, evidence, results
from internkontroll.controls.evidence_store import ALLOWED_TYPES_TEXT, describe_size
from internkontroll.controls.pages_support import long_date
from internkontroll.controls.schedule import period_label
from internkontroll.controls.testing_forms import (
    RESULT_LABELS,
    checked_result,
    first_action,
    result_values,
)
from internkontroll.controls.testing_reads import board_results, control_record, my_controls
from internkontroll.controls.testing_tables import OUTCOME_LABELS
from internkontroll.controls.uploads import MAX_FILES_PER_UPLOAD, close_all, read_upload_form
from internkontroll.errors import ValidationFailed
from internkontroll.risks import register
from internkontroll.settings import get_settings
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page

DONE_MESSAGES = {
    "loggat": "Resultatet är sparat.",
    "rattat": "Rättelsen är sparad. Det tidigare resultatet finns kvar och visas som rättat.",
    "bevis": "Filerna är bifogade.",
}


def _record_url(control_id: int, done: str, anchor: str) -> Redirect:
    return Redirect(f"/kontroller/{control_id}?klart={done}#{anchor}", status_code=303)


def _upload_help() -> str:
    limit = describe_size(get_settings().evidence_max_bytes)
    return (
        f"Högst {MAX_FILES_PER_UPLOAD} filer, högst {limit} per fil. "
        f"Tillåtet: {ALLOWED_TYPES_TEXT}."
    )


async def result_form(
    principal: Principal,
    occasion_id: int,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    corrects: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    """The form to log (or correct) a result for an occasion."""
    context = await results.occasion_context(principal, occasion_id)
    results.require_tester(principal, context)
    occasion = context.occasion
    return page(
        "controls/result_form.html",
        status_code=status_code,
        context=context,
        occasion=occasion,
        occasion_label=f"{period_label(occasion['period_key'])} {occasion['year']}",
        corrects=corrects,
        values=values,
        errors=errors or {},
        labels=RESULT_LABELS,
        outcomes=OUTCOME_LABELS,
        people=await deviations.responsible_choices(context.board_id),
        upload_help=_upload_help(),
        due=long_date(occasion["due_on"]),
    )


class TestingPages(Controller):
    """Mina kontroller, a control's record, the board's picture, results and evidence."""

    __test__ = False  # not a pytest class
    guards = [login_required]
    include_in_schema = False

    @get("/mina-kontroller")
    async def mine(self, request: Request) -> Template:
        """The signed-in user's occasions, overdue first, then by due date."""
        principal = principal_of(request)
        return page("controls/my_controls.html", mine=await my_controls(principal), today=today())

    @get("/kontroller/{control_id:int}")
    async def record(
        self, request: Request, control_id: FromPath[int], klart: FromQuery[str | None] = None
    ) -> Template:
        """A control's occasions, results with corrections and evidence, deviations, actions."""
        record = await control_record(principal_of(request), control_id)
        return page(
            "controls/control_record.html",
            record=record,
            done=DONE_MESSAGES.get(klart or ""),
            upload_help=_upload_help(),
        )

    @get("/namnder/{board_id:int}/resultat")
    async def board(
        self, request: Request, board_id: FromPath[int], ar: FromQuery[str | None] = None
    ) -> Template:
        """The board's controls × occasions as traffic lights, open deviations, overdue actions."""
        year = forms.optional_int(ar, "ar")
        year = today().year if year is None else year
        register.check_year(year, "ar")
        picture = await board_results(principal_of(request), board_id, year)
        return page("controls/board_results.html", picture=picture, year=year, board=picture.board)

    @get("/kontrolltillfallen/{occasion_id:int}/resultat")
    async def log_form(self, request: Request, occasion_id: FromPath[int]) -> Template:
        """An empty result form, dated today and signed with the user's name."""
        principal = principal_of(request)
        values = {"performed_on": today().isoformat(), "performed_by_name": principal.display_name}
        return await result_form(principal, occasion_id, values=values)

    @post("/kontrolltillfallen/{occasion_id:int}/resultat", request_max_body_size=None)
    async def log(self, request: Request, occasion_id: FromPath[int]) -> Redirect | Template:
        """Store the result with its deviation, first action and files, or show what is wrong."""
        principal = principal_of(request)
        context = await results.occasion_context(principal, occasion_id)
        results.require_tester(principal, context)
        fields, files = await read_upload_form(request)
        try:
            errors = forms.FormErrors()
            data = checked_result(fields, errors, context.occasion["year"], correcting=False)
            action = first_action(fields, errors)
            errors.raise_if_any()
            stored = await evidence.store_files(files)
            await deviations.log_result_with_action(principal, occasion_id, data, stored, action)
        except ValidationFailed as exc:
            return await result_form(
                principal,
                occasion_id,
                values=fields,
                errors=forms.error_map(exc),
                status_code=exc.status_code,
            )
        finally:
            await close_all(files)
        return _record_url(context.occasion["control"], "loggat", f"tillfalle-{occasion_id}")

    @get("/resultat/{result_id:int}/rattelse")
    async def correction_form(self, request: Request, result_id: FromPath[int]) -> Template:
        """The result's values to start from, and a field for why it is corrected."""
        principal = principal_of(request)
        row, _ = await results.get_result(principal, result_id)
        return await result_form(
            principal, row["occasion"], values=result_values(row), corrects=row
        )

    @post("/resultat/{result_id:int}/rattelse", request_max_body_size=None)
    async def correct(self, request: Request, result_id: FromPath[int]) -> Redirect | Template:
        """Store the correction as a new entry, or show what is wrong."""
        principal = principal_of(request)
        row, context = await results.get_result(principal, result_id)
        results.require_tester(principal, context)
        fields, files = await read_upload_form(request)
        try:
            errors = forms.FormErrors()
            data = checked_result(fields, errors, context.occasion["year"], correcting=True)
            errors.raise_if_any()
            stored = await evidence.store_files(files)
            await results.correct_result(principal, result_id, data, stored)
        except ValidationFailed as exc:
            return await result_form(
                principal,
                row["occasion"],
                values=fields,
                errors=forms.error_map(exc),
                corrects=row,
                status_code=exc.status_code,
            )
        finally:
            await close_all(files)
        return _record_url(row["control"], "rattat", f"tillfalle-{row['occasion']}")

    @post("/resultat/{result_id:int}/bevis", request_max_body_size=None)
    async def attach(self, request: Request, result_id: FromPath[int]) -> Redirect:
        """Attach more files to a logged result."""
        principal = principal_of(request)
        row, context = await results.get_result(principal, result_id)
        results.require_tester(principal, context)
        _, files = await read_upload_form(request)
        try:
            if not files:
                raise ValidationFailed.one("file", "välj minst en fil")
            await evidence.add_evidence(principal, result_id, files)
        finally:
            await close_all(files)
        return _record_url(row["control"], "bevis", f"resultat-{result_id}")

    @get("/bevis/{evidence_id:int}")
    async def download(self, request: Request, evidence_id: FromPath[int]) -> File:
        """The evidence file under its original name, for readers of the control only."""
        found = await evidence.evidence_download(principal_of(request), evidence_id)
        return File(
            path=found.path,
            filename=found.original_name,
            media_type=found.media_type,
            content_disposition_type="attachment",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, no-store",
            },
        )

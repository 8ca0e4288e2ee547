"""Pages of a board's follow-ups: the year's reporting points, the report and its decisions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action, can, require
from internkontroll.auth.principal import Principal
from internkontroll.controls.pages_support import (
    DECISION_FIELD_LABELS,
    DECISION_LIMITS,
    decision_input,
    long_date,
)
from internkontroll.errors import NotReady, ValidationFailed
from internkontroll.reports.followup_figures import CONTROL_COUNT_COLUMNS, TOTAL_ROWS
from internkontroll.reports.followups import (
    SUMMARY_LIMIT,
    FollowUpInput,
    approve_follow_up,
    follow_up_document,
    follow_up_list,
    save_follow_up,
    send_follow_up,
)
from internkontroll.reports.tables import JUDGEMENT_COLOURS, JUDGEMENT_LABELS
from internkontroll.risks import register
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page

FOLLOW_UP_LABELS = {
    "judgement": "Samlad bedömning",
    "summary": "Sammanfattning",
    **DECISION_FIELD_LABELS,
}
DONE_MESSAGES = {
    "sparad": "Bedömningen är sparad i utkastet.",
    "godkand": (
        "Nämndens beslut är registrerat. Uppföljningen är godkänd och låst; skicka den till KS."
    ),
    "skickad": "Uppföljningen är skickad till KS.",
}


def _url(board_id: int, year: int, period: str) -> str:
    return f"/namnder/{board_id}/uppfoljning/{year}/{period}"


def _done(board_id: int, year: int, period: str, what: str, anchor: str = "") -> Redirect:
    return Redirect(f"{_url(board_id, year, period)}?klart={what}{anchor}", status_code=303)


async def report_template(
    principal: Principal,
    board_id: int,
    year: int,
    period: str,
    *,
    done: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    decision_values: dict[str, Any] | None = None,
    decision_errors: dict[str, str] | None = None,
    refused: list[Any] | None = None,
    status_code: int = 200,
) -> Template:
    """The follow-up's page, with the forms the principal may use."""
    document = await follow_up_document(principal, board_id, year, period)
    if values is None:
        values = {"judgement": document.judgement, "summary": document.summary}
    return page(
        "reports/followup.html",
        status_code=status_code,
        document=document,
        figures=document.figures,
        board=document.board,
        year=year,
        period=document.period,
        url=_url(board_id, year, period),
        may_write=can(principal, Action.WRITE_FOLLOW_UP, board_id),
        may_decide=can(principal, Action.RECORD_DECISION, board_id),
        reached=document.period.end <= today(),
        values=values,
        errors=errors or {},
        decision_values=decision_values or {},
        decision_errors=decision_errors or {},
        refused=refused or [],
        labels=FOLLOW_UP_LABELS,
        limits=DECISION_LIMITS,
        summary_limit=SUMMARY_LIMIT,
        judgements=[(k, JUDGEMENT_COLOURS[k], JUDGEMENT_LABELS[k]) for k in JUDGEMENT_LABELS],
        total_rows=TOTAL_ROWS,
        count_columns=CONTROL_COUNT_COLUMNS,
        done=DONE_MESSAGES.get(done or ""),
        today=today().isoformat(),
        long_date=long_date,
    )


class FollowUpPages(Controller):
    """The board's follow-ups to the nämnd and on to KS."""

    guards = [login_required]
    include_in_schema = False

    @get("/namnder/{board_id:int}/uppfoljning")
    async def year_list(
        self, request: Request, board_id: FromPath[int], ar: FromQuery[str | None] = None
    ) -> Template:
        """The year's reporting points and each follow-up's status."""
        year = forms.optional_int(ar, "ar")
        year = today().year if year is None else year
        register.check_year(year, "ar")
        board, has_plan, entries = await follow_up_list(principal_of(request), board_id, year)
        return page(
            "reports/followup_list.html",
            board=board,
            year=year,
            has_plan=has_plan,
            entries=entries,
            long_date=long_date,
        )

    @get("/namnder/{board_id:int}/uppfoljning/{year:int}/{period:str}")
    async def report(
        self,
        request: Request,
        board_id: FromPath[int],
        year: FromPath[int],
        period: FromPath[str],
        klart: FromQuery[str | None] = None,
    ) -> Template:
        """The follow-up: judgement, totals, controls, deviations, decision and downloads."""
        return await report_template(principal_of(request), board_id, year, period, done=klart)

    @post("/namnder/{board_id:int}/uppfoljning/{year:int}/{period:str}")
    async def save(
        self,
        request: Request,
        board_id: FromPath[int],
        year: FromPath[int],
        period: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Save the preparer's judgement and summary in the draft."""
        principal = principal_of(request)
        values = {name: forms.text(data, name) for name in ("judgement", "summary")}
        try:
            await save_follow_up(principal, board_id, year, period, FollowUpInput(**values))
        except ValidationFailed as exc:
            return await report_template(
                principal,
                board_id,
                year,
                period,
                values=values,
                errors=forms.error_map(exc),
                status_code=exc.status_code,
            )
        return _done(board_id, year, period, "sparad")

    @post("/namnder/{board_id:int}/uppfoljning/{year:int}/{period:str}/beslut")
    async def decide(
        self,
        request: Request,
        board_id: FromPath[int],
        year: FromPath[int],
        period: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Record the nämnd's decision approving the follow-up; it is frozen from now on."""
        principal = principal_of(request)
        # Who may decide is settled before the form is read: others get 403, not 422.
        await register.board_or_404(board_id)
        require(principal, Action.RECORD_DECISION, board_id)
        try:
            decision = decision_input(data)
            await approve_follow_up(principal, board_id, year, period, decision)
        except NotReady as exc:
            return await report_template(
                principal, board_id, year, period, refused=exc.errors, status_code=409
            )
        except ValidationFailed as exc:
            return await report_template(
                principal,
                board_id,
                year,
                period,
                decision_values=data,
                decision_errors=forms.error_map(exc),
                status_code=exc.status_code,
            )
        return _done(board_id, year, period, "godkand")

    @post("/namnder/{board_id:int}/uppfoljning/{year:int}/{period:str}/skicka")
    async def send(
        self, request: Request, board_id: FromPath[int], year: FromPath[int], period: FromPath[str]
    ) -> Redirect:
        """Send the approved follow-up to KS."""
        await send_follow_up(principal_of(request), board_id, year, period)
        return _done(board_id, year, period, "skickad")

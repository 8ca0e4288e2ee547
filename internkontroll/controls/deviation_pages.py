"""Pages of a deviation: its root-cause analysis (5 varför) and its actions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.principal import Principal
from internkontroll.controls import deviations
from internkontroll.controls.results import may_test
from internkontroll.controls.schedule import period_label
from internkontroll.controls.testing_forms import (
    ACTION_LABELS,
    DEVIATION_LABELS,
    action_input,
    analysis_input,
    optional_date,
)
from internkontroll.controls.testing_tables import Deviation
from internkontroll.controls.testing_views import deviation_views
from internkontroll.errors import ValidationFailed
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page

DONE_MESSAGES = {
    "analys": "Analysen är sparad.",
    "atgard": "Åtgärden är tillagd.",
    "uppskjuten": "Åtgärden har fått ett nytt slutdatum. Det ursprungliga datumet visas kvar.",
    "avslutad": "Åtgärden är avslutad.",
    "uppfoljd": "Uppföljningen är sparad.",
}


async def deviation_page(
    principal: Principal,
    deviation_id: int,
    *,
    done: str | None = None,
    form: str = "",
    action_id: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The deviation with its analysis and actions; `form` names the form that failed."""
    row, context = await deviations.get_deviation(principal, deviation_id)
    view = (await deviation_views(Deviation.id == deviation_id, today()))[0]
    may_write = may_test(principal, context.board_id, context.owner_id)
    return page(
        "controls/deviation.html",
        status_code=status_code,
        deviation=view,
        context=context,
        may_write=may_write and not view.withdrawn,
        may_move=lambda action: (
            not view.withdrawn and (may_write or (action["responsible"] == principal.id))
        ),
        people=await deviations.responsible_choices(context.board_id),
        done=DONE_MESSAGES.get(done or ""),
        failed_form=form,
        failed_action=action_id,
        values=values or {},
        errors=errors or {},
        labels=DEVIATION_LABELS if form == "analysis" else ACTION_LABELS,
        today=today(),
        period=f"{period_label(view.row['period_key'])} {view.row['year']}",
    )


def _done(deviation_id: int, what: str, anchor: str = "") -> Redirect:
    return Redirect(f"/avvikelser/{deviation_id}?klart={what}{anchor}", status_code=303)


class DeviationPages(Controller):
    """A deviation's analysis and its actions: add, postpone, close, check."""

    guards = [login_required]
    include_in_schema = False

    @get("/avvikelser/{deviation_id:int}")
    async def show(
        self, request: Request, deviation_id: FromPath[int], klart: FromQuery[str | None] = None
    ) -> Template:
        """The deviation, its 5 varför and its actions with every postponement."""
        return await deviation_page(principal_of(request), deviation_id, done=klart)

    @post("/avvikelser/{deviation_id:int}")
    async def analyse(
        self,
        request: Request,
        deviation_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Save the description, the whys and the root cause."""
        principal = principal_of(request)
        try:
            await deviations.update_analysis(principal, deviation_id, analysis_input(data))
        except ValidationFailed as exc:
            return await deviation_page(
                principal,
                deviation_id,
                form="analysis",
                values=data,
                errors=forms.error_map(exc),
                status_code=422,
            )
        return _done(deviation_id, "analys")

    @post("/avvikelser/{deviation_id:int}/atgarder")
    async def add_action(
        self,
        request: Request,
        deviation_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Add an action: what, who and by when."""
        principal = principal_of(request)
        try:
            errors = forms.FormErrors()
            action = action_input(data, errors)
            errors.raise_if_any()
            await deviations.add_action(principal, deviation_id, action)
        except ValidationFailed as exc:
            return await deviation_page(
                principal,
                deviation_id,
                form="new_action",
                values=data,
                errors=forms.error_map(exc),
                status_code=422,
            )
        return _done(deviation_id, "atgard", "#atgarder")

    async def _move(
        self, request: Request, action_id: int, data: dict[str, str], form: str, done: str
    ) -> Redirect | Template:
        principal = principal_of(request)
        action, _ = await deviations.get_action(principal, action_id)
        try:
            errors = forms.FormErrors()
            if form == "postpone":
                due_on = optional_date(data, "due_on", errors)
                errors.raise_if_any()
                await deviations.postpone_action(
                    principal, action_id, due_on, forms.text(data, "reason")
                )
            elif form == "close":
                closed_on = optional_date(data, "closed_on", errors)
                errors.raise_if_any()
                await deviations.close_action(
                    principal, action_id, closed_on, forms.text(data, "note")
                )
            else:
                checked_on = optional_date(data, "checked_on", errors)
                effective = forms.text(data, "effective")
                if effective not in ("ja", "nej"):
                    errors.add("effective", "ange om åtgärden var verkningsfull")
                errors.raise_if_any()
                await deviations.check_action(
                    principal, action_id, checked_on, effective == "ja", forms.text(data, "note")
                )
        except ValidationFailed as exc:
            return await deviation_page(
                principal,
                action["deviation"],
                form=form,
                action_id=action_id,
                values=data,
                errors=forms.error_map(exc),
                status_code=422,
            )
        return _done(action["deviation"], done, f"#atgard-{action_id}")

    @post("/atgarder/{action_id:int}/skjut-upp")
    async def postpone(
        self, request: Request, action_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Give the action a later due date; the original stays beside it, in red."""
        return await self._move(request, action_id, data, "postpone", "uppskjuten")

    @post("/atgarder/{action_id:int}/avsluta")
    async def close(
        self, request: Request, action_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Close the action with a note."""
        return await self._move(request, action_id, data, "close", "avslutad")

    @post("/atgarder/{action_id:int}/uppfoljning")
    async def check(
        self, request: Request, action_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Record a later check of whether the closed action worked."""
        return await self._move(request, action_id, data, "check", "uppfoljd")

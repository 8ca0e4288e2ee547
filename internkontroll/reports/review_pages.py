"""Pages of KS's consolidated review: the review of a year, its draft form and KS's decision."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action, can
from internkontroll.auth.principal import Principal
from internkontroll.controls.pages_support import DECISION_LIMITS, decision_input
from internkontroll.errors import Conflict, NotFound, ValidationFailed
from internkontroll.reports.review import (
    MAX_COMMENT,
    MAX_FINDINGS,
    MAX_PROPOSALS,
    decide_review,
    decided_message,
    no_review_message,
    save_review,
)
from internkontroll.reports.review_document import (
    JUDGEMENT_CHOICES,
    ReviewDocument,
    judgement_text,
    review_document,
)
from internkontroll.reports.review_forms import (
    document_values,
    field_labels,
    form_key,
    review_input,
)
from internkontroll.risks.register import check_year
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import allowed, login_required, principal_of
from internkontroll.web.templating import page

REVIEW_PATH = "/ks/samlad-bedomning"
DONE_MESSAGES = {
    "sparat": "Utkastet är sparat.",
    "beslutat": "KS:s beslut är registrerat. Den samlade bedömningen är låst.",
}
LIMITS = {
    "findings": MAX_FINDINGS,
    "proposals": MAX_PROPOSALS,
    "comment": MAX_COMMENT,
    **DECISION_LIMITS,
}


def default_review_year() -> int:
    """KS reviews the year that has ended: last year."""
    return today().year - 1


def review_year(raw: str | None, field: str = "ar") -> int:
    """The year a review page shows: ?ar=, or last year; 422 naming the field otherwise."""
    year = forms.optional_int(raw, field)
    year = default_review_year() if year is None else year
    check_year(year, field)
    return year


def _form_year(form: dict[str, Any]) -> int:
    """The year posted with a form (a hidden field); 422 naming 'year' when it is not one."""
    shown = forms.text(form, "year").strip()
    if not re.fullmatch(r"[0-9]{1,4}", shown):
        raise ValidationFailed.one("year", "ange ett år, till exempel 2025")
    year = int(shown)
    check_year(year)
    return year


def review_template(
    principal: Principal,
    document: ReviewDocument,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    decision_values: dict[str, Any] | None = None,
    decision_errors: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Template:
    """The review page: the review, the draft form for writers, KS's decision form."""
    open_review = not document.is_decided
    return page(
        "reports/review.html",
        status_code=status_code,
        year=document.year,
        document=document,
        may_write=open_review and can(principal, Action.WRITE_CONSOLIDATED_REVIEW),
        may_decide=document.status == "draft" and can(principal, Action.RECORD_REVIEW_DECISION),
        values=document_values(document) if values is None else values,
        errors=errors or {},
        decision_values=decision_values or {},
        decision_errors=decision_errors or {},
        labels=field_labels(document),
        choices=JUDGEMENT_CHOICES,
        judgement_text=judgement_text,
        limits=LIMITS,
        done=DONE_MESSAGES.get(done or ""),
        today=today().isoformat(),
    )


def _done(year: int, what: str) -> Redirect:
    return Redirect(f"{REVIEW_PATH}?ar={year}&klart={what}#status-heading", status_code=303)


class ReviewPages(Controller):
    """KS's consolidated review of a year."""

    guards = [login_required]
    include_in_schema = False

    @get(REVIEW_PATH)
    async def show(
        self,
        request: Request,
        ar: FromQuery[str | None] = None,
        klart: FromQuery[str | None] = None,
    ) -> Template:
        """The review of the year with its figures; forms for those who may write or decide."""
        principal = principal_of(request)
        document = await review_document(principal, review_year(ar))
        return review_template(principal, document, done=klart)

    @post(REVIEW_PATH, guards=[allowed(Action.WRITE_CONSOLIDATED_REVIEW)])
    async def save(
        self, request: Request, data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Save the draft: findings, proposals and every judgement, replacing the earlier ones."""
        principal = principal_of(request)
        year = _form_year(data)
        document = await review_document(principal, year)
        payload, keys = review_input(data, document)
        try:
            await save_review(principal, year, payload)
        except ValidationFailed as exc:
            errors = {form_key(k, keys): m for k, m in forms.error_map(exc).items()}
            return review_template(
                principal, document, values=data, errors=errors, status_code=exc.status_code
            )
        return _done(year, "sparat")

    @post(f"{REVIEW_PATH}/beslut", guards=[allowed(Action.RECORD_REVIEW_DECISION)])
    async def decide(
        self, request: Request, data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Record KS's decision (date, §, Dnr); the review freezes."""
        principal = principal_of(request)
        year = _form_year(data)
        document = await review_document(principal, year)
        # The review's state is checked before the form: a decided review answers 409 whatever
        # was typed, and a missing one 404.
        if document.review is None:
            raise NotFound(no_review_message(year))
        if document.is_decided:
            raise Conflict(decided_message(year))
        try:
            await decide_review(principal, year, decision_input(data))
        except ValidationFailed as exc:
            document = await review_document(principal, year)
            return review_template(
                principal,
                document,
                decision_values=data,
                decision_errors=forms.error_map(exc),
                status_code=exc.status_code,
            )
        return _done(year, "beslutat")

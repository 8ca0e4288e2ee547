"""The administrators' page on reminder delivery: runs, e-mail states, failed e-mail."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action
from internkontroll.controls.pages_support import long_date
from internkontroll.reminders.delivery_status import delivery_status, resend_email
from internkontroll.reminders.tables import EMAIL_STATUS_LABELS
from internkontroll.settings import get_settings
from internkontroll.web import forms
from internkontroll.web.guards import allowed, principal_of
from internkontroll.web.templating import page

PATH = "/drift/paminnelser"
DONE_MESSAGES = {
    "skickas-igen": "E-postmeddelandet skickas igen vid nästa utskick.",
}


class DeliveryPages(Controller):
    """Delivery status for administrators (Action.ADMINISTER)."""

    guards = [allowed(Action.ADMINISTER)]
    include_in_schema = False

    @get(PATH)
    async def status(self, klart: FromQuery[str | None] = None) -> Template:
        """The scheduler's recent runs, e-mail per status, and every failed or retrying e-mail."""
        settings = get_settings()
        return page(
            "reminders/delivery.html",
            status=await delivery_status(),
            labels=EMAIL_STATUS_LABELS,
            smtp=settings.smtp,
            config=settings.reminders,
            public_url=settings.public_url,
            long_date=long_date,
            done=DONE_MESSAGES.get(klart or ""),
        )

    @post(f"{PATH}/skicka-igen")
    async def resend(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """Put a failed e-mail back in line (the form names it by notification_id)."""
        errors = forms.FormErrors()
        notification_id = forms.integer(data, "notification_id", errors)
        errors.raise_if_any()
        assert notification_id is not None
        await resend_email(principal_of(request), notification_id)
        return Redirect(f"{PATH}?klart=skickas-igen#problem-heading", status_code=303)

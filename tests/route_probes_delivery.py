"""Route-matrix rows for the administrators' delivery page and its "send again" form.

The world has two failed e-mails to OWN's secretary: one the admin sends again through the
form, and one only forged requests name; `forged_traces` checks that it is still failed.
"""

from __future__ import annotations

import datetime as dt

import httpx
from piccolo.apps.user.tables import BaseUser

from internkontroll.reminders.tables import Notification
from tests.route_probes import CSRF_EXPIRED, FORGED, Probe, row

PAGE = "/drift/paminnelser"
RESEND = f"{PAGE}/skicka-igen"
ERROR_TEXT = "Kunde inte ansluta till e-postservern matris.example:25"
NO_NOTIFICATION = "Påminnelsen finns inte."
NOT_RESENDABLE = "E-postmeddelandet har inte misslyckats; det behöver inte skickas igen."
ADMIN_ONLY_PAGE = "303  200 403 403 403 403 403 403 403 403"
ADMIN_ONLY_POST = "303  {ok} 403 403 403 403 403 403 403 403"

# fmt: off
PROBES: list[Probe] = [
    #    anon adm coo aud sec pre ctl vie ksv none
    row(ADMIN_ONLY_PAGE, "GET", PAGE, check="delivery_page"),
    row(FORGED, "POST", RESEND, form={"notification_id": "@mail_forged"},
        messages={403: CSRF_EXPIRED}),
    row(ADMIN_ONLY_POST.format(ok=303), "POST", RESEND, form={"notification_id": "@mail_failed"},
        csrf="form", locations={303: f"{PAGE}?klart=skickas-igen#problem-heading"}),
    # Now pending with no failed attempt: nothing to send again.
    row(ADMIN_ONLY_POST.format(ok=409), "POST", RESEND, form={"notification_id": "@mail_failed"},
        csrf="form", messages={409: NOT_RESENDABLE}),
    row(ADMIN_ONLY_POST.format(ok=404), "POST", RESEND, form={"notification_id": "@mail_missing"},
        csrf="form", messages={404: NO_NOTIFICATION}),
    row(ADMIN_ONLY_POST.format(ok=422), "POST", RESEND, form={"notification_id": "x"},
        csrf="form", messages={422: "notification_id"}),
]
# fmt: on


async def _failed_mail(user_id: int, key: str) -> int:
    day = dt.date(2026, 3, 2)
    rows = await Notification.insert(
        Notification(
            key=key,
            user=user_id,
            kind="plan_adoption",
            subject=key,
            stage="dag",
            title=f"Påminnelse i matrisen ({key})",
            due_on=day,
            planned_on=day,
            email_status="failed",
            email_attempts=8,
            email_error=ERROR_TEXT,
        )
    ).returning(Notification.id)
    return rows[0]["id"]


async def add_world(ids: dict[str, int]) -> None:
    """Two failed e-mails to OWN's secretary."""
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == "secretary").first()
    ids["mail_failed"] = await _failed_mail(user["id"], "matris|failed")
    ids["mail_forged"] = await _failed_mail(user["id"], "matris|forged")
    ids["mail_missing"] = ids["mail_forged"] + 1000


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    if probe.check != "delivery_page":
        return None
    problems = []
    for text in (ERROR_TEXT, "Påminnelse i matrisen (matris|failed)", "Skicka igen"):
        if text not in response.text:
            problems.append(f"{where}: the delivery page lacks {text!r}")
    return problems


async def forged_traces() -> list[str]:
    """Tables where a forged request's text was stored (empty when none was)."""
    forged = await Notification.select(Notification.email_status).where(
        Notification.key == "matris|forged"
    )
    return [] if forged and forged[0]["email_status"] == "failed" else ["notification"]

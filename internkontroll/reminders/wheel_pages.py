"""The årshjul page: the year's cycle month by month for every signed-in user."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from internkontroll.auth.permissions import readable_board_ids
from internkontroll.reminders.wheel import (
    STATUS_LABELS,
    STATUS_SIGNALS,
    build_wheel,
    relative_day,
)
from internkontroll.reminders.wheel_ring import ring
from internkontroll.reminders.wheel_steps import long_date
from internkontroll.risks.register import check_year
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page

WEEKEND_DAYS = ("lördag", "söndag")


def wheel_year(raw: str | None, field: str = "ar") -> int:
    """The year asked for, or this year; a bad year is a 422 naming the field."""
    year = forms.optional_int(raw, field)
    year = today().year if year is None else year
    check_year(year, field)
    return year


def non_working_text(reason: str) -> str:
    """'en söndag' or the holiday's name in running text, e.g. 'nyårsafton'."""
    return f"en {reason}" if reason in WEEKEND_DAYS else reason[:1].lower() + reason[1:]


class WheelPages(Controller):
    """Årshjul: every signed-in user; board rows only for the boards they may read."""

    guards = [login_required]
    include_in_schema = False

    @get("/arshjul")
    async def wheel(self, request: Request, ar: FromQuery[str | None] = None) -> Template:
        """The year's milestones with status and counts, month by month, and today marked."""
        principal = principal_of(request)
        year = wheel_year(ar)
        on = today()
        wheel = await build_wheel(year, on, readable_board_ids(principal))
        return page(
            "reminders/wheel.html",
            wheel=wheel,
            year=year,
            on=on,
            ring=ring(wheel),
            status_labels=STATUS_LABELS,
            status_signals=STATUS_SIGNALS,
            long_date=long_date,
            relative_day=relative_day,
            non_working_text=non_working_text,
        )

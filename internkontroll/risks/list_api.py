"""JSON API for every risk the caller may read, across boards, for one year."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter

from internkontroll.api_schemas import READ, OptionalInt, errors
from internkontroll.risks.risk_list import RiskFilter, risk_list
from internkontroll.timeutil import today
from internkontroll.web.guards import login_required, principal_of

Treatment = Annotated[
    str | None,
    Parameter(description="control, direct_action, monitor eller accept", max_length=20),
]


class RiskListEntryOut(msgspec.Struct):
    """A risk with its current assessment of the year; treatment is control, direct_action,
    monitor or accept; colour and band come from the matrix the risk was scored on."""

    risk_id: int
    title: str
    active: bool
    board_id: int
    board_short_name: str
    board_name: str
    process_id: int
    process_name: str
    category_id: int
    category_name: str
    likelihood: int
    impact: int
    value: int
    band: str
    colour: str
    high: bool
    treatment: str


def entries_out(rows: list[dict[str, Any]]) -> list[RiskListEntryOut]:
    """Service rows as the API's shape (the rows' other keys are dropped)."""
    return msgspec.convert(rows, type=list[RiskListEntryOut])


class RiskListApi(Controller):
    """Risks across boards."""

    guards = [login_required]
    tags = ["Riskbedömning"]

    @get("/api/risks", summary="Alla risker du kan läsa, för ett år", responses=errors(*READ))
    async def list_risks(
        self,
        request: Request,
        year: OptionalInt = None,
        board_id: OptionalInt = None,
        category_id: OptionalInt = None,
        process_id: OptionalInt = None,
        min_value: OptionalInt = None,
        treatment: Treatment = None,
    ) -> list[RiskListEntryOut]:
        """The year's (default: the current one) assessed risks on every readable board, or on
        board_id, highest value first, then board and title."""
        filters = RiskFilter(
            board_id=board_id,
            category_id=category_id,
            process_id=process_id,
            min_value=min_value,
            treatment=treatment or None,
        )
        year = today().year if year is None else year
        return entries_out(await risk_list(principal_of(request), year, filters))

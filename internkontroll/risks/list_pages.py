"""The Swedish page listing every risk the user may read, across boards (Alla risker)."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from internkontroll.risks.pages import active_categories, page_year
from internkontroll.risks.risk_list import (
    PAGE_FIELDS,
    RiskFilter,
    board_processes,
    readable_boards,
    risk_list,
)
from internkontroll.risks.tables import TREATMENT_LABELS
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page


def thousands(n: int) -> str:
    """1000 as '1 000', the Swedish way (a no-break space between groups)."""
    return f"{n:,}".replace(",", "\u00a0")


class RiskListPages(Controller):
    """Alla risker: one list of the year's assessed risks on every board the user reads."""

    guards = [login_required]
    include_in_schema = False

    @get("/risker")
    async def risk_list_page(
        self,
        request: Request,
        ar: FromQuery[str | None] = None,
        namnd: FromQuery[str | None] = None,
        kategori: FromQuery[str | None] = None,
        process: FromQuery[str | None] = None,
        varde: FromQuery[str | None] = None,
        hantering: FromQuery[str | None] = None,
    ) -> Template:
        """Highest risk value first; filters for board, category, process, value, treatment."""
        principal = principal_of(request)
        year = page_year(ar)
        filters = RiskFilter(
            board_id=forms.optional_int(namnd, "namnd"),
            category_id=forms.optional_int(kategori, "kategori"),
            # A process belongs to one board: the filter applies only with a board chosen.
            process_id=forms.optional_int(process, "process") if namnd else None,
            min_value=forms.optional_int(varde, "varde"),
            treatment=(hantering or "").strip() or None,
        )
        rows = await risk_list(principal, year, filters, PAGE_FIELDS)
        query = {
            "namnd": filters.board_id,
            "kategori": filters.category_id,
            "process": filters.process_id,
            "varde": filters.min_value,
            "hantering": filters.treatment,
        }
        return page(
            "risks/list.html",
            year=year,
            rows=rows,
            count=thousands(len(rows)),
            filters=filters,
            filtered=any(v is not None for v in query.values()),
            # Year links keep the filters.
            year_query="".join(f"&{urlencode({k: v})}" for k, v in query.items() if v is not None),
            boards=await readable_boards(principal),
            categories=await active_categories(),
            processes=await board_processes(filters.board_id),
            treatment_labels=TREATMENT_LABELS,
        )

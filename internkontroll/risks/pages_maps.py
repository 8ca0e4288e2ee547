"""Swedish pages for heat maps (one board, all boards) and the kommun's risk matrix."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action, can
from internkontroll.errors import FieldError, ValidationFailed
from internkontroll.organisation.tables import RiskCategory
from internkontroll.risks import register, scales, views
from internkontroll.risks.heatmap_draw import layout
from internkontroll.risks.pages import active_categories, board_choices, page_year
from internkontroll.risks.scale import MAX_LEVELS, MIN_LEVELS, Scale, default_scale
from internkontroll.risks.tables import TREATMENT_LABELS
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import allowed, login_required, principal_of
from internkontroll.web.templating import page

MAX_BANDS = 5
AXIS_LABELS = {"likelihood": "Sannolikhet", "impact": "Konsekvens"}


def parse_cell(raw: str | None, scale: Scale) -> tuple[int, int] | None:
    """'S-K' from a heat-map link; 422 naming 'cell' if it is not a cell of the matrix."""
    if raw is None or not raw.strip():
        return None
    match = re.fullmatch(r"(\d)-(\d)", raw.strip())
    if not match:
        raise ValidationFailed.one("cell", "skriv cellen som sannolikhet-konsekvens, t.ex. 3-4")
    likelihood, impact = int(match[1]), int(match[2])
    if not (1 <= likelihood <= len(scale.likelihood) and 1 <= impact <= len(scale.impact)):
        raise ValidationFailed.one("cell", "cellen ligger utanför riskmatrisen")
    return likelihood, impact


async def _name_of(table, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    row = await table.select(table.name).where(table.id == row_id).first()
    return row["name"] if row else None


class HeatMapPages(Controller):
    """A board's heat map, the overview of all boards, and the risk matrix."""

    guards = [login_required]
    include_in_schema = False

    @get("/namnder/{board_id:int}/riskkarta")
    async def board_heat_map(
        self,
        request: Request,
        board_id: FromPath[int],
        ar: FromQuery[str | None] = None,
        process: FromQuery[str | None] = None,
        kategori: FromQuery[str | None] = None,
        cell: FromQuery[str | None] = None,
    ) -> Template:
        """This year's heat map beside last year's; a cell lists its risks."""
        principal = principal_of(request)
        year = page_year(ar)
        process_id = forms.optional_int(process, "process")
        category_id = forms.optional_int(kategori, "kategori")
        board = await register.board_or_404(board_id)
        filters = {"board_id": board_id, "process_id": process_id, "category_id": category_id}
        this_year = await views.heat_map(principal, year, **filters)
        if year - 1 >= register.MIN_YEAR:
            last_year = await views.heat_map(principal, year - 1, **filters)
        else:
            last_year = views.empty_heat_map(year - 1, this_year.scale)
        chosen = parse_cell(cell, this_year.scale)
        listed = None
        if chosen:
            listed = await views.cell_risks(
                principal, year, *chosen, scale_ids=this_year.scale_ids, **filters
            )
        return page(
            "risks/heatmap.html",
            board=board,
            year=year,
            grids=[layout(this_year), layout(last_year)],
            earlier=[layout(m) for m in this_year.earlier + last_year.earlier],
            filters={"process": process_id, "category": category_id},
            choices=await board_choices(board_id),
            chosen=chosen,
            listed=listed,
            chosen_value=this_year.cell_at(*chosen) if chosen else None,
            treatment_labels=TREATMENT_LABELS,
        )

    @get("/riskoversikt", guards=[allowed(Action.VIEW_ALL_BOARDS)])
    async def overview(
        self,
        request: Request,
        ar: FromQuery[str | None] = None,
        kategori: FromQuery[str | None] = None,
        cell: FromQuery[str | None] = None,
    ) -> Template:
        """Every board in one heat map, per-board figures and the accepted high risks."""
        principal = principal_of(request)
        year = page_year(ar)
        category_id = forms.optional_int(kategori, "kategori")
        this_year = await views.heat_map(principal, year, category_id=category_id)
        chosen = parse_cell(cell, this_year.scale)
        listed = (
            await views.cell_risks(
                principal, year, *chosen, category_id=category_id, scale_ids=this_year.scale_ids
            )
            if chosen
            else None
        )
        categories = await active_categories()
        return page(
            "risks/overview.html",
            year=year,
            grids=[layout(this_year)],
            earlier=[layout(m) for m in this_year.earlier],
            band_labels=[b.label for b in this_year.scale.bands],
            summaries=await views.board_summaries(principal, year),
            accepted=await views.accepted_high_risks(principal, year),
            filters={"category": category_id},
            category_name=await _name_of(RiskCategory, category_id),
            choices={"categories": categories},
            chosen=chosen,
            listed=listed,
            chosen_value=this_year.cell_at(*chosen) if chosen else None,
            treatment_labels=TREATMENT_LABELS,
        )

    @get("/riskmatris")
    async def scale_page(
        self,
        request: Request,
        sannolikhet: FromQuery[str | None] = None,
        konsekvens: FromQuery[str | None] = None,
        sparad: FromQuery[str | None] = None,
    ) -> Template:
        """The kommun's risk matrix for everyone; admins also get the form for a new version."""
        principal = principal_of(request)
        scale_id, scale = await scales.current_scale()
        draft = scale
        if can(principal, Action.ADMINISTER) and (sannolikhet or konsekvens):
            draft = _resized(scale, sannolikhet, konsekvens)
        return _scale_template(
            principal, scale_id, scale, _form_values(draft), [], saved=bool(sparad)
        )

    @post("/riskmatris", guards=[allowed(Action.ADMINISTER)])
    async def save_scale(
        self, request: Request, data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Store a new version of the matrix; earlier assessments keep theirs."""
        principal = principal_of(request)
        payload = scale_payload(data)
        try:
            await scales.change_scale(principal, payload, forms.text(data, "note"))
        except ValidationFailed as exc:
            scale_id, scale = await scales.current_scale()
            form = _form_values_from_payload(payload)
            return _scale_template(principal, scale_id, scale, form, exc.errors, status=422)
        return Redirect("/riskmatris?sparad=1", status_code=303)


def _resized(scale: Scale, likelihood: str | None, impact: str | None) -> Scale:
    """A draft with other axis sizes: existing labels kept, new levels from the defaults."""
    sizes = []
    for raw, axis in ((likelihood, scale.likelihood), (impact, scale.impact)):
        size = forms.optional_int(raw, "storlek") or len(axis)
        if not MIN_LEVELS <= size <= MAX_LEVELS:
            raise ValidationFailed.one("storlek", f"ska vara {MIN_LEVELS}–{MAX_LEVELS}")
        sizes.append(size)
    if sizes == [len(scale.likelihood), len(scale.impact)]:
        return scale
    bands = _stretch_bands(scale.bands, sizes[0] * sizes[1])
    return Scale(
        likelihood=_levels_of_size(scale.likelihood, default_scale(sizes[0]).likelihood),
        impact=_levels_of_size(scale.impact, default_scale(sizes[1]).impact),
        bands=bands,
        plan_threshold=bands[-1].low,
    )


def _levels_of_size(current: tuple, defaults: tuple) -> tuple:
    return current[: len(defaults)] + defaults[len(current) :]


def _stretch_bands(bands, top: int):
    old_top = bands[-1].high
    result = []
    low = 1
    for n, band in enumerate(bands):
        high = top if n == len(bands) - 1 else max(low, round(band.high * top / old_top))
        result.append(band.__class__(low, high, band.label, band.colour, band.colour_name))
        low = high + 1
    return tuple(result)


def scale_payload(form: dict[str, str]) -> dict[str, Any]:
    """The scale form as the dict scale_from_dict validates; blank band rows are skipped."""
    payload: dict[str, Any] = {}
    for axis in ("likelihood", "impact"):
        count = forms.optional_int(form.get(f"{axis}_count"), f"{axis}_count") or 0
        payload[axis] = [
            {
                "label": forms.text(form, f"{axis}-{n}-label"),
                "definition": forms.text(form, f"{axis}-{n}-definition"),
            }
            for n in range(1, min(count, MAX_LEVELS + 1) + 1)
        ]
    bands = []
    for n in range(1, MAX_BANDS + 1):
        row = {k: forms.text(form, f"band-{n}-{k}").strip() for k in BAND_KEYS}
        if any(row.values()):
            bands.append(row)
    payload["bands"] = bands
    payload["cell_colours"] = {
        f"{m[1]},{m[2]}": value.strip()
        for key, value in form.items()
        if (m := re.fullmatch(r"cell-(\d)-(\d)", key)) and value.strip()
    }
    payload["plan_threshold"] = forms.text(form, "plan_threshold").strip() or "0"
    return payload


BAND_KEYS = ("low", "high", "label", "colour", "colour_name")


def error_label(field: str) -> str:
    """A Swedish name for a scale field such as 'likelihood[2].label'."""
    match = re.fullmatch(r"(likelihood|impact)\[(\d+)\]\.(label|definition)", field)
    if match:
        part = "namn" if match[3] == "label" else "definition"
        return f"{AXIS_LABELS[match[1]]}, nivå {match[2]}, {part}"
    match = re.fullmatch(r"bands\[(\d+)\](?:\.(\w+))?", field)
    if match:
        return f"Band {match[1]}" + (f", {BAND_FIELD_LABELS.get(match[2], '')}" if match[2] else "")
    return {
        "likelihood": "Sannolikhet",
        "impact": "Konsekvens",
        "bands": "Band",
        "cell_colours": "Cellfärger",
        "plan_threshold": "Tröskel för internkontrollplanen",
        "storlek": "Storlek",
    }.get(field, field)


BAND_FIELD_LABELS = {"colour": "färg", "label": "namn", "low": "från", "high": "till"}


def _scale_template(
    principal,
    scale_id: int | None,
    scale: Scale,
    form: dict[str, Any],
    errors: list[FieldError],
    *,
    saved: bool = False,
    status: int = 200,
) -> Template:
    return page(
        "risks/scale.html",
        status_code=status,
        scale=scale,
        scale_id=scale_id,
        grid=_matrix_preview(scale),
        form=form,
        errors=[(error_label(e.field), e.message) for e in errors],
        saved=saved,
        may_edit=can(principal, Action.ADMINISTER),
        sizes=range(MIN_LEVELS, MAX_LEVELS + 1),
        max_bands=MAX_BANDS,
    )


def _form_values(scale: Scale) -> dict[str, Any]:
    return {
        "likelihood": [(lv.label, lv.definition) for lv in scale.likelihood],
        "impact": [(lv.label, lv.definition) for lv in scale.impact],
        "bands": [
            {
                "low": b.low,
                "high": b.high,
                "label": b.label,
                "colour": b.colour,
                "colour_name": b.colour_name,
            }
            for b in scale.bands
        ],
        "cells": {f"{lk}-{im}": c for (lk, im), c in scale.cell_colours.items()},
        "plan_threshold": scale.plan_threshold,
    }


def _form_values_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "likelihood": [(lv["label"], lv["definition"]) for lv in payload["likelihood"]],
        "impact": [(lv["label"], lv["definition"]) for lv in payload["impact"]],
        "bands": payload["bands"],
        "cells": {k.replace(",", "-"): v for k, v in payload["cell_colours"].items()},
        "plan_threshold": payload["plan_threshold"],
    }


def _matrix_preview(scale: Scale):
    """The matrix with empty counts, to show colours and values."""
    return layout(views.empty_heat_map(today().year, scale))

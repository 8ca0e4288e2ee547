"""All-or-nothing import of one board's risk register for one year from an Excel file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, FieldError, ValidationFailed
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks.assessments import MAX_MOTIVATION, AssessmentInput, check_treatment
from internkontroll.risks.excel_layout import ASSESSMENT_KEYS, COLUMN_BY_KEY, TREATMENT_BY_LABEL
from internkontroll.risks.excel_read import Sheet, SheetRow, blank, fold, read_sheet, text
from internkontroll.risks.register import LIMITS, board_or_404, check_year
from internkontroll.risks.scale import Scale, cell
from internkontroll.risks.scales import current_scale, ensure_scale_version
from internkontroll.risks.tables import TREATMENT_LABELS, Risk, RiskAssessment

TEXT_KEYS = ("title", "description", "consequence", "responsible")


@dataclass
class ImportResult:
    """What an import changed: new risks, updated risks, new assessments."""

    created: int
    updated: int
    assessed: int
    unchanged: int = 0


@dataclass
class _Plan:
    number: int
    process_id: int
    fields: dict[str, Any]
    existing: dict[str, Any] | None = None
    assessment: AssessmentInput | None = None
    value: int = 0


@dataclass
class _Refs:
    board_id: int
    board_short: str
    processes: list[dict[str, Any]]
    categories: dict[str, int]
    risks: dict[tuple[int, str], dict[str, Any]]
    scores: dict[int, dict[str, Any]]
    scale_id: int | None
    scale: Scale
    own_processes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Active first, so a retired duplicate name never shadows the live process.
        for process in sorted(self.processes, key=lambda p: (not p["active"], p["id"])):
            if process["board"] == self.board_id:
                self.own_processes.setdefault(fold(process["name"]), process)


async def import_register(
    principal: Principal, board_id: int, year: int, content: bytes, filename: str = ""
) -> ImportResult:
    """Import a board's register for a year from .xlsx; every row is valid or nothing is written."""
    board = await board_or_404(board_id)
    require(principal, Action.EDIT_RISKS, board_id)
    return await _import(board, year, content, filename, principal)


async def system_import_register(
    board_id: int, year: int, content: bytes, filename: str = ""
) -> ImportResult:
    """The command line's import (the server's own trust, never a request), recorded as system."""
    board = await board_or_404(board_id)
    return await _import(board, year, content, filename, None)


async def _import(
    board: dict[str, Any], year: int, content: bytes, filename: str, principal: Principal | None
) -> ImportResult:
    check_year(year)
    sheet = await asyncio.to_thread(read_sheet, content)
    actor = Actor.of(principal)
    # Reading, checking and writing share one transaction, so the rows are checked against
    # exactly the register they change.
    async with write_transaction():
        refs = await _load_refs(board, year)
        plans, errors, unchanged = _check(sheet, refs)
        if errors:
            raise ValidationFailed(
                errors,
                message=(
                    f"Filen importerades inte: {len(errors)} fel. Rätta raderna och försök igen."
                ),
            )
        result = await _write(plans, refs, year, actor, principal)
        result.unchanged = unchanged
        await audit.record(
            actor,
            "import",
            "risk_register",
            board["id"],
            board_id=board["id"],
            after={
                "year": year,
                "created": result.created,
                "updated": result.updated,
                "assessed": result.assessed,
                "filename": filename[:200],
            },
            summary=(
                f"Riskregister {year} importerat från {filename[:100] or 'Excel-fil'}: "
                f"{result.created} nya, {result.updated} uppdaterade, "
                f"{result.assessed} bedömningar"
            ),
            source="app" if principal else "cli",
        )
    return result


async def _load_refs(board: dict[str, Any], year: int) -> _Refs:
    processes = await Process.select(
        Process.id,
        Process.name,
        Process.board,
        Process.active,
        Process.board.short_name.as_alias("board_short_name"),
    )
    categories: dict[str, int] = {}
    for row in await RiskCategory.select(RiskCategory.id, RiskCategory.name).order_by(
        RiskCategory.id
    ):
        categories.setdefault(fold(row["name"]), row["id"])
    risks: dict[tuple[int, str], dict[str, Any]] = {}
    for row in await Risk.select().where(Risk.board == board["id"]).order_by(Risk.id):
        risks.setdefault((row["process"], fold(row["title"])), row)
    scores = {
        row["risk"]: row
        for row in await RiskAssessment.select().where(
            (RiskAssessment.risk.board == board["id"])
            & (RiskAssessment.year == year)
            & RiskAssessment.current.eq(True)
        )
    }
    scale_id, scale = await current_scale()
    return _Refs(
        board["id"], board["short_name"], processes, categories, risks, scores, scale_id, scale
    )


def _check(sheet: Sheet, refs: _Refs) -> tuple[list[_Plan], list[FieldError], int]:
    """Every row's plan, or every error in the file; also how many rows change nothing."""
    plans: list[_Plan] = []
    errors: list[FieldError] = []
    seen: dict[tuple[str, str], int] = {}
    unchanged = 0
    for row in sheet.rows:
        plan, problems = _check_row(row, sheet.keys, refs)
        # Process names match without case, so the typed names identify the process here too.
        key = (fold(text(row.values.get("process"))), fold(text(row.values.get("title"))))
        if key[1] and key in seen:
            problems.append(("title", f"samma process och rubrik som rad {seen[key]}"))
        seen.setdefault(key, row.number)
        unique = list(dict.fromkeys(problems))
        errors += [
            FieldError(f"rad {row.number}: {COLUMN_BY_KEY[k].header}", message)
            for k, message in unique
        ]
        if plan is not None and not unique:
            plans.append(plan)
            if _changes(plan) == {} and plan.existing is not None and plan.assessment is None:
                unchanged += 1
    return plans, errors, unchanged


def _check_row(
    row: SheetRow, keys: frozenset[str], refs: _Refs
) -> tuple[_Plan | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    values = row.values
    process = _process(text(values.get("process")), refs, problems)
    category_name = text(values.get("category"))
    category_id = refs.categories.get(fold(category_name))
    if not category_name:
        problems.append(("category", "riskkategorin saknas"))
    elif category_id is None:
        problems.append(("category", f"riskkategorin ”{category_name}” finns inte"))
    fields: dict[str, Any] = {"category": category_id}
    for key in TEXT_KEYS:
        if key in keys:
            fields[key] = text(values.get(key))
            if len(fields[key]) > LIMITS[key]:
                problems.append((key, f"högst {LIMITS[key]} tecken (nu {len(fields[key])})"))
    if not fields["title"]:
        problems.append(("title", "rubriken får inte vara tom"))
    if "active" in keys:
        active = _yes_no(values.get("active"), problems)
        if active is not None:
            fields["active"] = active
    assessment, value = _assessment(values, keys, refs.scale, problems)
    if process is None or problems:
        return None, problems
    existing = refs.risks.get((process["id"], fold(fields["title"])))
    plan = _Plan(row.number, process["id"], fields, existing, assessment, value)
    if existing is not None and assessment is not None:
        score = refs.scores.get(existing["id"])
        # Re-importing an unchanged file should not pile identical scorings into the history.
        if score is not None and (
            score["scale"] == refs.scale_id
            and (score["likelihood"], score["impact"]) == (assessment.likelihood, assessment.impact)
            and score["treatment"] == assessment.treatment
            and score["motivation"] == assessment.motivation
        ):
            plan.assessment = None
    return plan, problems


def _process(name: str, refs: _Refs, problems: list[tuple[str, str]]) -> dict[str, Any] | None:
    if not name:
        problems.append(("process", "processen saknas"))
        return None
    process = refs.own_processes.get(fold(name))
    if process is not None and process["active"]:
        return process
    if process is not None:
        problems.append(("process", f"processen ”{name}” är inaktiv i {refs.board_short}"))
        return None
    # Never name another board's processes: the user may have no role there.
    problems.append(("process", f"processen ”{name}” finns inte i {refs.board_short}"))
    return None


def _assessment(
    values: dict[str, Any], keys: frozenset[str], scale: Scale, problems: list[tuple[str, str]]
) -> tuple[AssessmentInput | None, int]:
    motivation = text(values.get("motivation")) if "motivation" in keys else ""
    if len(motivation) > MAX_MOTIVATION:
        problems.append(("motivation", f"högst {MAX_MOTIVATION} tecken (nu {len(motivation)})"))
    given = [k for k in ASSESSMENT_KEYS if k in keys and not blank(values.get(k))]
    if not given:
        if motivation:
            problems.append(
                ("motivation", "en motivering kräver sannolikhet, konsekvens och hantering")
            )
        return None, 0
    for key in ASSESSMENT_KEYS:
        if key not in given:
            problems.append(
                (
                    key,
                    f"{COLUMN_BY_KEY[key].header.lower()} saknas: sannolikhet, konsekvens och "
                    "hantering fylls i tillsammans eller lämnas alla tomma",
                )
            )
    likelihood = _integer(values.get("likelihood"), "likelihood", problems)
    impact = _integer(values.get("impact"), "impact", problems)
    label = text(values.get("treatment"))
    treatment = TREATMENT_BY_LABEL.get(fold(label))
    if label and treatment is None:
        problems.append(("treatment", f"välj {', '.join(TREATMENT_LABELS.values())}"))
    if likelihood is None or impact is None or treatment is None:
        return None, 0
    try:
        value = cell(scale, likelihood, impact).value
        # Its length is reported above; the rule itself only asks whether there is one.
        check_treatment(scale, value, treatment, motivation[:MAX_MOTIVATION])
    except ValidationFailed as exc:
        # The services name their own fields; those are this sheet's columns of the same name.
        problems += [(e.field, e.message) for e in exc.errors if e.field in COLUMN_BY_KEY]
        return None, 0
    return AssessmentInput(likelihood, impact, treatment, motivation), value


def _changes(plan: _Plan) -> dict[str, Any]:
    if plan.existing is None:
        return dict(plan.fields)
    return {k: v for k, v in plan.fields.items() if plan.existing[k] != v}


async def _write(
    plans: list[_Plan], refs: _Refs, year: int, actor: Actor, principal: Principal | None
) -> ImportResult:
    result = ImportResult(0, 0, 0)
    to_assess: list[tuple[_Plan, int, str]] = []
    for plan in plans:
        if plan.existing is None:
            risk_id = await _create(plan, refs.board_id, year, actor)
            title = plan.fields["title"]
            result.created += 1
        else:
            risk_id = plan.existing["id"]
            title = plan.fields["title"]
            changes = _changes(plan)
            if changes:
                await _update(plan.existing, changes, actor)
                result.updated += 1
        if plan.assessment is not None:
            to_assess.append((plan, risk_id, title))
    if not to_assess:
        return result
    scale_id, _ = await ensure_scale_version(actor)
    if refs.scale_id is not None and scale_id != refs.scale_id:
        raise Conflict("Riskmatrisen ändrades under importen. Importera filen igen.")
    earlier = [refs.scores[r]["id"] for _, r, _ in to_assess if r in refs.scores]
    if earlier:
        await RiskAssessment.update({RiskAssessment.current: False}).where(
            RiskAssessment.id.is_in(earlier)
        )
    for plan, risk_id, title in to_assess:
        data = plan.assessment
        assert data is not None
        values = {
            "risk": risk_id,
            "year": year,
            "scale": scale_id,
            "likelihood": data.likelihood,
            "impact": data.impact,
            "value": plan.value,
            "treatment": data.treatment,
            "motivation": data.motivation,
            "assessed_by": principal.id if principal else None,
            "assessed_by_name": principal.display_name if principal else actor.username,
            "source": "import",
            "current": True,
        }
        rows = await RiskAssessment.insert(RiskAssessment(**values)).returning(RiskAssessment.id)
        await audit.record(
            actor,
            "assess",
            "risk_assessment",
            rows[0]["id"],
            board_id=refs.board_id,
            before=refs.scores.get(risk_id),
            after={"id": rows[0]["id"], **values},
            summary=f"{title[:150]} {year}: {data.likelihood}×{data.impact}={plan.value} (import)",
        )
        result.assessed += 1
    return result


async def _create(plan: _Plan, board_id: int, year: int, actor: Actor) -> int:
    values = {
        "board": board_id,
        "process": plan.process_id,
        "category": plan.fields["category"],
        "title": plan.fields["title"],
        "description": plan.fields.get("description", ""),
        "consequence": plan.fields.get("consequence", ""),
        "responsible": plan.fields.get("responsible", ""),
        "first_year": year,
        "active": plan.fields.get("active", True),
    }
    rows = await Risk.insert(Risk(**values)).returning(Risk.id)
    risk_id = rows[0]["id"]
    await audit.record(
        actor,
        "create",
        "risk",
        risk_id,
        board_id=board_id,
        after={"id": risk_id, **values},
        summary=f"Risk tillagd (import): {values['title'][:180]}",
    )
    return risk_id


async def _update(before: dict[str, Any], changes: dict[str, Any], actor: Actor) -> None:
    await Risk.update({Risk._meta.get_column_by_name(k): v for k, v in changes.items()}).where(
        Risk.id == before["id"]
    )
    after = {**before, **changes}
    await audit.record(
        actor,
        "update",
        "risk",
        before["id"],
        board_id=before["board"],
        before=before,
        after=after,
        summary=f"Risk ändrad (import): {after['title'][:180]}",
    )


def _yes_no(value: Any, problems: list[tuple[str, str]]) -> bool | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    answer = {"ja": True, "nej": False}.get(fold(text(value)))
    if answer is None:
        problems.append(("active", "skriv Ja eller Nej"))
    return answer


def _integer(value: Any, key: str, problems: list[tuple[str, str]]) -> int | None:
    if blank(value):
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            number = None
    if number is None or not float(number).is_integer():
        problems.append((key, f"ska vara ett heltal, inte ”{text(value)}”"))
        return None
    return int(number)

"""The storkommun's risk registers: every risk scored each year, as the assessment service would."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from bench.generate_org import BoardInfo, insert_rows
from internkontroll.auth.principal import Actor
from internkontroll.risks.assessments import check_treatment
from internkontroll.risks.scale import Scale, cell, is_high
from internkontroll.risks.scales import ensure_scale_version
from internkontroll.risks.tables import Risk, RiskAssessment
from internkontroll.timeutil import start_of_day

TOPICS = (
    ("Felaktiga utbetalningar", "Utbetalningar görs utan korrekt underlag eller beslut."),
    ("Bristande dokumentation", "Beslut och åtgärder dokumenteras inte så att de kan följas."),
    ("Jäv och otillbörlig påverkan", "Handläggare deltar i ärenden där de är jäviga."),
    ("Otillräcklig behörighetsstyrning", "Behörigheter i systemen motsvarar inte uppdraget."),
    ("Köp utanför avtal", "Varor och tjänster köps från leverantörer utan gällande avtal."),
    ("Beslut utan delegation", "Beslut fattas av någon som saknar delegation."),
    ("Försenad handläggning", "Ärenden handläggs inte inom lagstadgad eller utlovad tid."),
    ("Fel i underlag", "Underlag till beslut och utbetalningar innehåller fel."),
    ("Bristande uppföljning", "Avvikelser följs inte upp och samma fel upprepas."),
    ("Röjd sekretess", "Uppgifter som omfattas av sekretess lämnas ut felaktigt."),
)
RESPONSIBLE = ("Förvaltningschef", "Avdelningschef", "Enhetschef", "Controller", "Systemägare")
ACCEPT_MOTIVATION = (
    "Risken accepteras: kostnaden för ytterligare kontroller står inte i proportion till nyttan, "
    "och risken bevakas i verksamhetens ordinarie uppföljning."
)
DIRECT_ACTION = "Rutinen ses över och kompletteras under året."


@dataclass(frozen=True)
class Scored:
    """A risk's current scoring for one year."""

    assessment_id: int
    value: int
    treatment: str


@dataclass
class Register:
    """One board's risks in register order, and every current scoring by (risk, year)."""

    risk_ids: list[int]
    titles: dict[int, str]
    process_of: dict[int, int]
    scored: dict[tuple[int, int], Scored]


def _score(rng: random.Random, scale: Scale, controlled: bool) -> tuple[int, int, int, str, str]:
    """(likelihood, impact, value, treatment, motivation) that the treatment rule accepts."""
    size_l, size_i = len(scale.likelihood), len(scale.impact)
    if controlled:
        likelihood, impact = rng.randint(2, size_l), rng.randint(2, size_i)
    else:
        likelihood, impact = rng.randint(1, size_l), rng.randint(1, size_i)
    value = cell(scale, likelihood, impact).value
    if controlled:
        treatment, motivation = "control", ""
    elif is_high(scale, value):
        accept = rng.random() < 0.3
        treatment = "accept" if accept else "direct_action"
        motivation = ACCEPT_MOTIVATION if accept else DIRECT_ACTION
    else:
        treatment, motivation = ("monitor", "") if rng.random() < 0.6 else ("accept", "")
    check_treatment(scale, value, treatment, motivation)
    return likelihood, impact, value, treatment, motivation


async def insert_registers(
    boards: list[BoardInfo],
    categories: list[int],
    *,
    risks_per_board: int,
    controlled_per_board: int,
    years: list[int],
    next_year_boards: set[int],
    seed: int,
) -> dict[int, Register]:
    """Every board's risks, scored for each year (copied, then partly re-scored, after the first).

    The first `controlled_per_board` risks of each board are treated as kontrollmoment every
    year, so each year's plan derives exactly that many controls from them. Boards in
    `next_year_boards` have also begun next year's analysis: a copy of this year's scores.
    """
    scale_id, scale = await ensure_scale_version(Actor(id=None, username="bench"))
    first = years[0]
    risks, owners = [], []
    for board in boards:
        for n in range(risks_per_board):
            topic, description = TOPICS[n % len(TOPICS)]
            slot = (n // len(TOPICS)) % len(board.processes)
            process = board.processes[slot]
            round_ = n // (len(TOPICS) * len(board.processes))
            suffix = f" ({round_ + 1})" if round_ else ""
            risks.append(
                dict(
                    board=board.id,
                    process=process,
                    category=categories[n % len(categories)],
                    title=f"{topic} inom {board.process_names[slot].lower()}{suffix}",
                    description=description,
                    consequence="Ekonomisk förlust och skadat förtroende för kommunen.",
                    responsible=RESPONSIBLE[n % len(RESPONSIBLE)],
                    first_year=first,
                    created_at=start_of_day(dt.date(first - 1, 9, 15)),
                )
            )
            owners.append((board, n, process))
    ids = await insert_rows(Risk, risks)
    registers: dict[int, Register] = {b.id: Register([], {}, {}, {}) for b in boards}
    for risk_id, row, (board, _n, process) in zip(ids, risks, owners, strict=True):
        register = registers[board.id]
        register.risk_ids.append(risk_id)
        register.titles[risk_id] = row["title"]
        register.process_of[risk_id] = process
    rows: list[dict] = []
    keys: list[tuple[int, int, int, str] | None] = []
    for board in boards:
        register = registers[board.id]
        preparer = board.users["preparer"]
        name = board.names[preparer]
        for n, risk_id in enumerate(register.risk_ids):
            rng = random.Random(f"{seed}-{risk_id}")
            previous = None
            for year in years:
                scored_on = start_of_day(dt.date(year - 1, 10, 1 + n % 28))
                likelihood, impact, value, treatment, motivation = _score(
                    rng, scale, n < controlled_per_board
                )
                common = {
                    "risk": risk_id,
                    "year": year,
                    "scale": scale_id,
                    "assessed_by": preparer,
                    "assessed_by_name": name,
                    "assessed_at": scored_on,
                }
                if previous is not None:
                    # Starting the year copies last year's scores; a third are then re-scored.
                    changed = rng.random() < 0.35
                    rows.append(dict(**common, **previous, source="copied", current=not changed))
                    keys.append(None if changed else (risk_id, year, *_kept(previous)))
                    if not changed:
                        continue
                scores = {
                    "likelihood": likelihood,
                    "impact": impact,
                    "value": value,
                    "treatment": treatment,
                    "motivation": motivation,
                }
                rows.append(dict(**common, **scores, source="manual", current=True))
                keys.append((risk_id, year, value, treatment))
                previous = scores
            if board.id in next_year_boards:
                assert previous is not None
                common = {**common, "year": years[-1] + 1}
                rows.append(dict(**common, **previous, source="copied", current=True))
                keys.append((risk_id, years[-1] + 1, *_kept(previous)))
    assessment_ids = await insert_rows(RiskAssessment, rows)
    by_risk = {risk_id: board.id for board in boards for risk_id in registers[board.id].risk_ids}
    for assessment_id, key in zip(assessment_ids, keys, strict=True):
        if key is not None:
            risk_id, year, value, treatment = key
            registers[by_risk[risk_id]].scored[(risk_id, year)] = Scored(
                assessment_id, value, treatment
            )
    return registers


def _kept(previous: dict) -> tuple[int, str]:
    return previous["value"], previous["treatment"]

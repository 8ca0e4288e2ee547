"""The demo kommun's reporting: last year followed up and reviewed by KS, this year's delår sent."""

# Written through the reporting services as each board's demo preparer and secretary and as
# KS's coordinator and secretary, so statuses, frozen figures and the audit trail are the real
# ones. Dates are relative to today and never lie in the future; a reporting point not yet
# reached gets nothing, so the demo is right whatever day it is loaded.

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from internkontroll.controls.decisions import DecisionInput
from internkontroll.demo_plans import ADOPTIONS, ADOPTIONS_LAST_YEAR, demo_principal
from internkontroll.organisation.tables import Board, Process
from internkontroll.reports.followups import (
    FollowUpInput,
    approve_follow_up,
    save_follow_up,
    send_follow_up,
)
from internkontroll.reports.overview import build_overview
from internkontroll.reports.periods import ReportingPeriod, reporting_periods
from internkontroll.reports.review import JudgementInput, ReviewInput, decide_review, save_review
from internkontroll.reports.tables import ConsolidatedReview, FollowUp
from internkontroll.timeutil import today

GOOD = (
    "Kontrollerna under perioden är genomförda enligt planen. De avvikelser som upptäckts är "
    "mindre och har åtgärdats eller åtgärdas inom verksamheten. Förvaltningen bedömer att den "
    "interna kontrollen är tillräcklig."
)


@dataclass(frozen=True)
class DemoFollowUp:
    """One board's follow-up: how far it got, its judgement and the nämnd's meeting."""

    short: str
    status: str  # draft, approved or sent
    judgement: str
    summary: str = GOOD
    days_after: int = 0  # the nämnd's meeting, counted from the reporting point
    paragraph: str = ""


LAST_DELAR = (
    DemoFollowUp("KS", "sent", "green", days_after=29, paragraph="142"),
    DemoFollowUp("BUN", "sent", "green", days_after=27, paragraph="71"),
    DemoFollowUp(
        "SN",
        "sent",
        "red",
        "En väsentlig avvikelse har upptäckts i utbetalningen av försörjningsstöd: utbetalningar "
        "har gjorts utan registrerat beslut. Rotorsaken är analyserad och en åtgärd pågår. "
        "Övriga kontroller är genomförda utan väsentliga anmärkningar.",
        days_after=23,
        paragraph="88",
    ),
    DemoFollowUp("BMN", "sent", "green", days_after=36, paragraph="64"),
    DemoFollowUp("KFN", "sent", "green", days_after=42, paragraph="52"),
    DemoFollowUp("TN", "sent", "yellow", days_after=30, paragraph="97"),
    DemoFollowUp("BOST", "sent", "green", days_after=44, paragraph="31"),
)
# BOST's board approved its helår follow-up but it never reached KS: the review names it.
LAST_HELAR = (
    DemoFollowUp("KS", "sent", "green", days_after=50, paragraph="24"),
    DemoFollowUp("BUN", "sent", "green", days_after=56, paragraph="12"),
    DemoFollowUp(
        "SN",
        "sent",
        "yellow",
        "Den väsentliga avvikelsen i utbetalningen av försörjningsstöd från i våras är åtgärdad "
        "genom att spärren i verksamhetssystemet återinförs; arbetet slutförs i februari. "
        "Övriga kontroller är genomförda och de mindre avvikelserna är åtgärdade.",
        days_after=54,
        paragraph="19",
    ),
    DemoFollowUp("BMN", "sent", "green", days_after=48, paragraph="9"),
    DemoFollowUp("KFN", "sent", "green", days_after=62, paragraph="15"),
    DemoFollowUp(
        "TN",
        "sent",
        "yellow",
        "Flera mindre avvikelser har upptäckts, främst i entreprenadupphandling, och några "
        "kontroller kunde inte genomföras under hösten på grund av vakanser. Åtgärderna är "
        "genomförda och bemanningen är löst inför nästa år.",
        days_after=69,
        paragraph="21",
    ),
    DemoFollowUp("BOST", "approved", "green", days_after=76, paragraph="7"),
)
# This year: five sent, TN's still a draft, BOST has not started.
THIS_DELAR = (
    DemoFollowUp("KS", "sent", "green", days_after=29, paragraph="139"),
    DemoFollowUp(
        "BUN",
        "sent",
        "yellow",
        "En väsentlig avvikelse har upptäckts i skolskjutsen: resor har beställts utan giltigt "
        "avtal med transportören. Rotorsaken är analyserad och en rutin för beställning tas "
        "fram. Övriga kontroller är genomförda enligt planen.",
        days_after=27,
        paragraph="68",
    ),
    DemoFollowUp("SN", "sent", "green", days_after=23, paragraph="84"),
    DemoFollowUp("BMN", "sent", "green", days_after=36, paragraph="61"),
    DemoFollowUp("KFN", "sent", "green", days_after=44, paragraph="49"),
    DemoFollowUp(
        "TN",
        "draft",
        "yellow",
        "Utkast: kontrollerna är i huvudsak genomförda. Förvaltningen återkommer om "
        "vinterväghållningen efter avstämning med entreprenören.",
    ),
)

REVIEW_DECISION = ((4, 14), "58", "0123")  # KS's meeting in the year after, §, Dnr number
BOARD_JUDGEMENTS = {
    "KS": ("green", "Planerade kontroller är genomförda och avvikelserna är åtgärdade."),
    "BUN": ("green", "Kontrollerna är genomförda enligt planen; mindre avvikelser är åtgärdade."),
    "SN": (
        "red",
        "En väsentlig avvikelse i utbetalningen av försörjningsstöd. Åtgärden blev klar först "
        "efter årsskiftet, sedan slutdatumet skjutits upp. Kommunstyrelsen bör följa upp att "
        "kontrollen i verksamhetssystemet fungerar.",
    ),
    "BMN": ("green", "Kontrollerna är genomförda enligt planen utan väsentliga anmärkningar."),
    "KFN": ("green", "Kontrollerna är genomförda enligt planen utan väsentliga anmärkningar."),
    "TN": (
        "yellow",
        "Planen antogs efter den 31 januari. Flera mindre avvikelser och kontroller som inte "
        "genomfördes; nämnden har själv vidtagit åtgärder.",
    ),
    "BOST": (
        "yellow",
        "Bolagets uppföljning för helåret har inte kommit in till kommunstyrelsen. Resultaten "
        "i systemet visar i övrigt inga väsentliga brister.",
    ),
}
PROCESS_JUDGEMENTS = (
    ("SN", "Försörjningsstöd", "red", "Utbetalningar utan registrerat beslut."),
    ("SN", "Hantering av brukarmedel", "green", ""),
    ("TN", "Entreprenadupphandling", "yellow", "Upprepade mindre avvikelser vid beställningar."),
    (
        "KS",
        "Upphandling och inköp",
        "yellow",
        "Köp utanför avtal förekommer; följs upp genom det gemensamma kontrollmomentet.",
    ),
)
PROPOSALS = (
    "1. Socialnämnden redovisar till kommunstyrelsen senast i juni {next} hur kontrollen av "
    "utbetalningar i verksamhetssystemet för försörjningsstöd har säkrats, och gör en "
    "riskbedömning inför varje systembyte.\n"
    "2. Tekniska nämnden säkerställer att planerade kontroller genomförs även vid vakanser.\n"
    "3. Demo Bostäder AB rapporterar uppföljningen av internkontrollplanen till "
    "kommunstyrelsen enligt ägardirektivet.\n"
    "4. Samtliga nämnder och bolag antar internkontrollplanen senast den 31 januari.\n"
    "5. Avtalstrohet vid inköp följs upp vidare inom kommunstyrelsens uppsiktsplikt."
)


def _meeting(day: dt.date) -> dt.date:
    """The nämnd's meeting: the first weekday from the day, and never after today."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return min(day, today())


def _registry_number(short: str, year: int) -> str:
    """The follow-up is filed in the case of the year's plan: 'BUN 2025/402' for 2026."""
    adoptions = ADOPTIONS if year == today().year else ADOPTIONS_LAST_YEAR
    number = next((dnr for board, _day, _paragraph, dnr in adoptions if board == short), 1)
    return f"{short} {year - 1}/{number}"


def _interim(year: int) -> ReportingPeriod | None:
    """The year's last delår before helår, if the kommun has one."""
    periods = reporting_periods(year)
    return periods[-2] if len(periods) > 1 else None


def _final(year: int) -> ReportingPeriod:
    return reporting_periods(year)[-1]


async def _follow_up(board_id: int, period: ReportingPeriod, demo: DemoFollowUp) -> None:
    """Write, approve and send one follow-up as far as the demo says, as the board's own users."""
    short = demo.short.lower()
    preparer = await demo_principal(f"{short}-handlaggare")
    secretary = await demo_principal(f"{short}-sekreterare")
    if preparer is None or secretary is None:
        return
    year, key = period.year, period.key
    await save_follow_up(preparer, board_id, year, key, FollowUpInput(demo.judgement, demo.summary))
    if demo.status == "draft":
        return
    await approve_follow_up(
        secretary,
        board_id,
        year,
        key,
        DecisionInput(
            _meeting(period.end + dt.timedelta(days=demo.days_after)),
            demo.paragraph,
            _registry_number(demo.short, year),
        ),
    )
    if demo.status == "sent":
        await send_follow_up(secretary, board_id, year, key)


async def _follow_ups(
    board_ids: Mapping[str, int], period: ReportingPeriod | None, demos: tuple[DemoFollowUp, ...]
) -> int:
    """The period's follow-ups, skipping those already there; nothing before the point."""
    if period is None or period.end > today():
        return 0
    started = {
        r["board"]
        for r in await FollowUp.select(FollowUp.board).where(
            (FollowUp.year == period.year) & (FollowUp.period == period.key)
        )
    }
    written = 0
    for demo in demos:
        board_id = board_ids.get(demo.short)
        if board_id is not None and board_id not in started:
            await _follow_up(board_id, period, demo)
            written += 1
    return written


def _many(n: int, kind: str) -> str:
    """'en väsentlig avvikelse', '21 mindre avvikelser', 'inga väsentliga avvikelser'."""
    plural = "mindre" if kind == "mindre" else f"{kind}a"
    if n == 0:
        return f"inga {plural} avvikelser"
    return f"en {kind} avvikelse" if n == 1 else f"{n} {plural} avvikelser"


def _findings(year: int, totals, late: list[str]) -> str:
    """KS's findings, with the year's figures from the same overview every report uses."""
    percent = totals.tested_percent or 0
    plans = f"Samtliga nämnder och Demo Bostäder AB antog internkontrollplaner för {year}" + (
        f"; {', '.join(late)} antog planen efter den 31 januari." if late else "."
    )
    return "\n\n".join(
        (
            plans,
            f"Av {totals.due} planerade kontrolltillfällen under året har {totals.tested} "
            f"rapporterats ({percent} procent), varav {totals.not_performed} som ej "
            f"genomförda. Kontrollerna visade {_many(totals.deviations_minor, 'mindre')} och "
            f"{_many(totals.deviations_major, 'väsentlig')}; {totals.closed_actions} åtgärder "
            "är genomförda.",
            "Socialnämnden rapporterade en väsentlig avvikelse i utbetalningen av "
            "försörjningsstöd: utbetalningar gjordes utan registrerat beslut sedan en spärr i "
            "verksamhetssystemet tagits bort vid systembytet. Åtgärden slutfördes först efter "
            "årsskiftet, efter att slutdatumet skjutits upp.",
            "Tekniska nämnden har fler mindre avvikelser än övriga nämnder, och några "
            "kontroller genomfördes inte under hösten på grund av vakanser.",
            "De gemensamma kontrollmomenten visar att representation i huvudsak dokumenteras "
            "enligt riktlinjerna, men att köp utanför avtal fortfarande förekommer i flera "
            "förvaltningar.",
            "Demo Bostäder AB:s uppföljning för helåret har inte kommit in till kommunstyrelsen.",
        )
    )


async def _judgements(board_ids: Mapping[str, int]) -> tuple[JudgementInput, ...]:
    """A judgement for every demo board and for a few processes (one query for the processes)."""
    judgements = [
        JudgementInput(level, comment, board_id=board_ids[short])
        for short, (level, comment) in BOARD_JUDGEMENTS.items()
        if short in board_ids
    ]
    boards = {board_id: short for short, board_id in board_ids.items()}
    processes = {
        (boards.get(p["board"]), p["name"]): p["id"]
        for p in await Process.select(Process.id, Process.board, Process.name)
    }
    for short, name, level, comment in PROCESS_JUDGEMENTS:
        if (short, name) in processes:
            judgements.append(JudgementInput(level, comment, process_id=processes[short, name]))
    return tuple(judgements)


async def _review(board_ids: Mapping[str, int], year: int) -> bool:
    """KS's review of the year drafted by the coordinator and decided; False if already there."""
    if await ConsolidatedReview.exists().where(ConsolidatedReview.year == year):
        return False
    coordinator = await demo_principal("samordnare")
    secretary = await demo_principal("ks-sekreterare") or coordinator
    if coordinator is None or secretary is None:
        return False
    overview = await build_overview(year, _final(year))
    late = [b.name for b in overview.boards if b.timeliness == "late"]
    data = ReviewInput(
        _findings(year, overview.totals, late),
        PROPOSALS.format(next=year + 1),
        await _judgements(board_ids),
    )
    await save_review(coordinator, year, data)
    (month, day), paragraph, dnr = REVIEW_DECISION
    decided_on = _meeting(dt.date(year + 1, month, day))
    decision = DecisionInput(decided_on, paragraph, f"KS {year + 1}/{dnr}")
    await decide_review(secretary, year, decision)
    return True


async def load_reports(board_ids: Mapping[str, int]) -> int:
    """Last year's follow-ups and KS's review, this year's delår; returns how many were written."""
    year = today().year
    written = await _follow_ups(board_ids, _interim(year - 1), LAST_DELAR)
    written += await _follow_ups(board_ids, _final(year - 1), LAST_HELAR)
    written += await _review(board_ids, year - 1)
    written += await _follow_ups(board_ids, _interim(year), THIS_DELAR)
    return written


async def _not_sent(period: ReportingPeriod, boards: dict[int, str]) -> list[str]:
    """The boards whose follow-up for the period has not reached KS."""
    sent = {
        r["board"]
        for r in await FollowUp.select(FollowUp.board).where(
            (FollowUp.year == period.year)
            & (FollowUp.period == period.key)
            & (FollowUp.status == "sent")
        )
    }
    return [short for board_id, short in boards.items() if board_id not in sent]


async def report_line(day: dt.date) -> str:
    """One line for the demo's printed report on the follow-ups and KS's review."""
    year = day.year
    boards = {
        b["id"]: b["short_name"]
        for b in await Board.select(Board.id, Board.short_name)
        .where(Board.active.eq(True))
        .order_by(Board.id)
    }
    parts = []
    periods = [_final(year - 1)]
    interim = _interim(year)
    if interim is not None and interim.end <= day:
        periods.append(interim)
    for period in periods:
        missing = await _not_sent(period, boards)
        label = period.label[0].lower() + period.label[1:]
        parts.append(
            f"{label} godkänd och skickad till KS av {len(boards) - len(missing)} av "
            f"{len(boards)} nämnder och bolag" + (f" (ej {', '.join(missing)})" if missing else "")
        )
    review = await ConsolidatedReview.select().where(ConsolidatedReview.year == year - 1).first()
    if review is not None and review["decided_on"] is not None:
        parts.append(
            f"KS:s samlade bedömning av {year - 1} beslutad {review['decided_on'].isoformat()}"
        )
    return "Uppföljning: " + "; ".join(parts) + "."

"""The demo kommun's plans: KS's shared points, last and this year's plans adopted, next drafted."""

# Written through the plan services as each board's demo preparer, secretary and KS's
# coordinator, so statuses, decisions and the audit trail are the real ones. Years and
# dates are relative to today and never lie in the future.

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.principal import Principal
from internkontroll.auth.services import load_principal
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import (
    ControlInput,
    control_owner_choices,
    update_control,
)
from internkontroll.controls.plans import adopt, create_plan, send_for_decision
from internkontroll.controls.shared import (
    SharedDecisionInput,
    SharedPointInput,
    record_shared_decision,
    shared_decision,
)
from internkontroll.controls.tables import ControlPlan
from internkontroll.controls.views import plan_document
from internkontroll.db import write_transaction
from internkontroll.settings import get_settings
from internkontroll.timeutil import today

SHARED_POINTS: Mapping[str, tuple[SharedPointInput, ...]] = {
    "last": (
        SharedPointInput(
            title="Avtalstrohet vid inköp av varor och tjänster",
            purpose="Säkerställa att inköp görs från leverantörer med gällande avtal",
            method="sample",
            report_when="Delår per 31 augusti och helår per 31 december",
        ),
        SharedPointInput(
            title="Representation och utlägg enligt riktlinjerna",
            purpose="Säkerställa att representation har ett tydligt syfte och är dokumenterad",
            method="review",
            report_when="Delår per 31 augusti och helår per 31 december",
        ),
    ),
    "this": (
        SharedPointInput(
            title="Attest av leverantörsfakturor enligt attestreglementet",
            purpose="Säkerställa att varje faktura är attesterad av behörig attestant",
            method="sample",
            report_when="Delår per 31 augusti och helår per 31 december",
        ),
        SharedPointInput(
            title="Diarieföring av inkomna allmänna handlingar",
            purpose="Säkerställa att allmänna handlingar registreras utan dröjsmål",
            method="register_analysis",
            report_when="Delår per 31 augusti och helår per 31 december",
        ),
    ),
    "next": (
        SharedPointInput(
            title="Behörigheter i verksamhetssystem vid avslutad anställning",
            purpose="Säkerställa att behörigheter tas bort när en anställning upphör",
            method="register_analysis",
            report_when="Delår per 31 augusti och helår per 31 december",
        ),
        SharedPointInput(
            title="Efterlevnad av delegationsordningen",
            purpose="Säkerställa att beslut fattas av den som har delegation och anmäls",
            method="review",
            report_when="Delår per 31 augusti och helår per 31 december",
        ),
    ),
}
# Board, meeting day of the plan year, § and running Dnr number. TN adopted late last year.
ADOPTIONS_LAST_YEAR = (
    ("KS", (1, 23), "11", 16),
    ("BUN", (1, 28), "6", 389),
    ("SN", (1, 27), "8", 362),
    ("BMN", (1, 21), "5", 341),
    ("KFN", (1, 29), "7", 284),
    ("TN", (2, 18), "15", 297),
    ("BOST", (1, 27), "4", 81),
)
# This year KFN adopted late.
ADOPTIONS = (
    ("KS", (1, 22), "12", 18),
    ("BUN", (1, 27), "5", 402),
    ("SN", (1, 25), "9", 377),
    ("BMN", (1, 20), "4", 355),
    ("KFN", (2, 12), "14", 298),
    ("TN", (1, 28), "6", 311),
    ("BOST", (1, 26), "3", 87),
)
METHODS = ("sample", "reconciliation", "review", "register_analysis", "sample", "interview")
FREQUENCIES = ("quarterly", "half_yearly", "monthly", "yearly", "four_monthly", "quarterly")
# Controls tested more often than their place in the plan gives them.
FREQUENCY_BY_TITLE = {"Felaktiga utbetalningar av försörjningsstöd": "monthly"}
SCOPES = (
    "Stickprov om 10 ärenden per tillfälle",
    "Samtliga poster under perioden",
    "Genomgång av rutin och 5 ärenden",
    "Registeruttag, hela populationen",
    "Stickprov om 15 ärenden",
    "Intervju med 3 handläggare",
)


def _not_after_today(day: dt.date) -> dt.date:
    return min(day, today())


async def demo_principal(username: str) -> Principal | None:
    """A demo user's principal, or None when the user is missing."""
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    return await load_principal(user["id"]) if user else None


async def _decide_shared(coordinator: Principal, year: int, key: str, on: dt.date) -> None:
    if await shared_decision(year) is not None:
        return
    points = SHARED_POINTS[key][: get_settings().shared_points_per_year]
    if len(points) != get_settings().shared_points_per_year:
        return  # an instance configured for more points gets none from the demo
    await record_shared_decision(
        coordinator,
        SharedDecisionInput(
            year=year,
            decision=DecisionInput(
                _not_after_today(on), "§ 187", f"KS {year - 1}/{year % 100 + 400}"
            ),
            points=points,
        ),
    )


async def _complete(preparer: Principal, plan_id: int, board_id: int, short: str) -> None:
    """Fill in every control as the preparer would, with the board's first control owner."""
    owners = await control_owner_choices(board_id)
    if not owners:
        return
    document = await plan_document(preparer, plan_id)
    for n, control in enumerate(document.controls):
        await update_control(
            preparer,
            control.id,
            ControlInput(
                title=control.title,
                purpose=control.purpose
                if control.shared
                else f"Förebygga att risken inträffar: {control.title.lower()}",
                method=control.method or METHODS[n % len(METHODS)],
                scope=SCOPES[n % len(SCOPES)],
                frequency=control.frequency
                or FREQUENCY_BY_TITLE.get(control.title, FREQUENCIES[n % len(FREQUENCIES)]),
                report_when=control.report_when or "Delår och helår",
                reported_to=control.reported_to or f"{short} via förvaltningschefen",
                owner_id=owners[0]["id"],
                process_id=None if control.shared else control.process_id,
                risk_ids=tuple(r.risk_id for r in control.risks),
            ),
        )


async def _adopt_year(board_ids: Mapping[str, int], year: int, adoptions: tuple[tuple, ...]) -> int:
    """Each board's plan for the year drafted, completed and adopted at its meeting."""
    loaded = 0
    for short, (month, day), paragraph, dnr in adoptions:
        board_id = board_ids[short]
        if await ControlPlan.exists().where(
            (ControlPlan.board == board_id) & (ControlPlan.year == year)
        ):
            continue
        preparer = await demo_principal(f"{short.lower()}-handlaggare")
        secretary = await demo_principal(f"{short.lower()}-sekreterare")
        if preparer is None or secretary is None:
            continue
        plan_id = await create_plan(preparer, board_id, year)
        await _complete(preparer, plan_id, board_id, short)
        await send_for_decision(preparer, plan_id)
        await adopt(
            secretary,
            plan_id,
            DecisionInput(
                _not_after_today(dt.date(year, month, day)), paragraph, f"{short} {year - 1}/{dnr}"
            ),
        )
        loaded += 1
    return loaded


async def load_plans(board_ids: Mapping[str, int], next_year_boards: list[str]) -> int:
    """Shared points for three years, last and this year's plans adopted, next year's drafted."""
    year = today().year
    coordinator = await demo_principal("samordnare")
    if coordinator is None:
        return 0
    loaded = 0
    async with write_transaction():
        await _decide_shared(coordinator, year - 1, "last", dt.date(year - 2, 11, 19))
        await _decide_shared(coordinator, year, "this", dt.date(year - 1, 11, 18))
        await _decide_shared(coordinator, year + 1, "next", dt.date(year, 11, 17))
        loaded += await _adopt_year(board_ids, year - 1, ADOPTIONS_LAST_YEAR)
        loaded += await _adopt_year(board_ids, year, ADOPTIONS)
        for short in next_year_boards:
            board_id = board_ids[short]
            preparer = await demo_principal(f"{short.lower()}-handlaggare")
            if preparer is None or await ControlPlan.exists().where(
                (ControlPlan.board == board_id) & (ControlPlan.year == year + 1)
            ):
                continue
            await create_plan(preparer, board_id, year + 1)
            loaded += 1
    return loaded


def report_line(year: int, next_year_boards: list[str]) -> str:
    """One line for the demo's printed report on the plans."""
    return (
        f"Internkontrollplaner: {year - 1} och {year} antagna för alla nämnder och bolag (TN "
        f"för sent {year - 1}, KFN för sent {year}, båda i februari); KS:s gemensamma "
        f"kontrollmoment beslutade för {year - 1}, {year} och {year + 1}; "
        f"utkast för {year + 1} hos {', '.join(next_year_boards)}."
    )

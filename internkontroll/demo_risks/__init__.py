"""The demo kommun's risk registers: last year and this year assessed, next year under way."""

# Everything is written through the register's own services as each board's demo preparer,
# so the audit trail, the treatment rule and the copied-year markers are the real ones.
# Years are relative to today, so the demo is always in mid-cycle.

from __future__ import annotations

from collections.abc import Mapping

from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.principal import Actor, Principal
from internkontroll.auth.services import load_principal
from internkontroll.db import write_transaction
from internkontroll.demo_risks.community import BMN, KFN, TN
from internkontroll.demo_risks.executive import BOST, KS
from internkontroll.demo_risks.model import DemoRisk, Score
from internkontroll.demo_risks.welfare import BUN, SN
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks.assessments import AssessmentInput, assess, start_year
from internkontroll.risks.register import RiskInput, create_risk, update_risk
from internkontroll.risks.scales import ensure_scale_version
from internkontroll.risks.tables import Risk
from internkontroll.timeutil import today

REGISTERS: Mapping[str, tuple[DemoRisk, ...]] = {
    "KS": KS,
    "BUN": BUN,
    "SN": SN,
    "BMN": BMN,
    "KFN": KFN,
    "TN": TN,
    "BOST": BOST,
}
PREPARER_SUFFIX = "handlaggare"


def started_next_year() -> list[str]:
    """The boards whose analysis for next year is under way in the demo."""
    return [short for short, risks in REGISTERS.items() if any(r.nxt for r in risks)]


def _swedish_list(items: list[str]) -> str:
    return " och ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def report_line(year: int) -> str:
    """One line for the demo's printed report on what the risk registers hold."""
    return (
        f"Riskregister: {year - 1} och {year} är bedömda för alla {len(REGISTERS)} nämnder och "
        f"bolag; riskanalysen för {year + 1} är påbörjad för "
        f"{_swedish_list(started_next_year())}."
    )


class _BoardLoader:
    """Writes one board's register year by year, as its preparer would have."""

    def __init__(
        self,
        principal: Principal,
        board_id: int,
        processes: Mapping[str, int],
        categories: Mapping[str, int],
    ) -> None:
        self.principal = principal
        self.board_id = board_id
        self.processes = processes
        self.categories = categories
        self.ids: dict[int, int] = {}

    def _input(self, risk: DemoRisk) -> RiskInput:
        return RiskInput(
            process_id=self.processes[risk.process],
            category_id=self.categories[risk.category],
            title=risk.title,
            description=risk.description,
            consequence=risk.consequence,
            responsible=risk.responsible,
        )

    async def enter(self, index: int, risk: DemoRisk, first_year: int) -> None:
        """Add a risk to the register from the given year."""
        self.ids[index] = await create_risk(
            self.principal, self.board_id, first_year, self._input(risk)
        )

    async def retire(self, index: int, risk: DemoRisk) -> None:
        """Take a risk out of the register; its past scoring stays."""
        await update_risk(self.principal, self.ids[index], self._input(risk), active=False)

    async def score(self, index: int, year: int, score: Score) -> None:
        """Score a risk for a year."""
        await assess(
            self.principal,
            self.ids[index],
            year,
            AssessmentInput(score.likelihood, score.impact, score.treatment, score.motivation),
        )

    async def load(self, risks: tuple[DemoRisk, ...], year: int) -> None:
        """Last year assessed, this year started from it, and next year where one is begun."""
        for index, risk in enumerate(risks):
            if risk.last:
                await self.enter(index, risk, year - 1)
                await self.score(index, year - 1, risk.last)
        for index, risk in enumerate(risks):
            if risk.retired:
                await self.retire(index, risk)
        # Starting from last year's copy leaves unchanged risks marked "oförändrad", as in use.
        await start_year(self.principal, self.board_id, year - 1)
        for index, risk in enumerate(risks):
            if risk.this is None:
                continue
            if risk.last is None:
                await self.enter(index, risk, year)
            if risk.this != risk.last:
                await self.score(index, year, risk.this)
        if not any(risk.nxt for risk in risks):
            return
        await start_year(self.principal, self.board_id, year)
        for index, risk in enumerate(risks):
            if risk.nxt is None:
                continue
            if index not in self.ids:
                await self.enter(index, risk, year + 1)
            await self.score(index, year + 1, risk.nxt)


async def _preparer(short_name: str) -> Principal | None:
    user = (
        await BaseUser.select(BaseUser.id)
        .where(BaseUser.username == f"{short_name.lower()}-{PREPARER_SUFFIX}")
        .first()
    )
    return await load_principal(user["id"]) if user else None


async def load_risk_registers(board_ids: Mapping[str, int], actor: Actor) -> int:
    """Give every demo board that has no risks yet its register; return how many got one."""
    year = today().year
    loaded = 0
    # One transaction: hundreds of small writes commit once, and a failure leaves no half register.
    async with write_transaction():
        categories = {
            row["name"]: row["id"]
            for row in await RiskCategory.select(RiskCategory.id, RiskCategory.name)
        }
        for short_name, risks in REGISTERS.items():
            board_id = board_ids[short_name]
            if await Risk.exists().where(Risk.board == board_id):
                continue
            principal = await _preparer(short_name)
            if principal is None:  # an administrator deactivated the demo preparer
                continue
            # The demo, not the first board's preparer, stores the default matrix all score on.
            await ensure_scale_version(actor)
            processes = {
                row["name"]: row["id"]
                for row in await Process.select(Process.id, Process.name).where(
                    Process.board == board_id
                )
            }
            await _BoardLoader(principal, board_id, processes, categories).load(risks, year)
            loaded += 1
    return loaded

"""Route-matrix rows for KS's overview, the shared points' report and trends."""

from __future__ import annotations

import httpx

from tests.route_probes import Probe

PROBES: list[Probe] = []


async def add_world(ids: dict[str, int]) -> None:
    """Add what these rows need to the matrix's world (ids gains the new keys)."""


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    return None


async def forged_traces() -> list[str]:
    """Tables where a forged request's text was stored (empty when none was)."""
    return []




"""Route-matrix rows for the reminders package: wheel (filled in by its slice)."""

from __future__ import annotations

import httpx

from tests.route_probes import Probe

PROBES: list[Probe] = []


async def add_world(ids: dict[str, int]) -> None:
    """Nothing to add yet."""


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    return None


async def forged_traces() -> list[str]:
    """Tables where a forged request's text was stored (empty when none was)."""
    return []

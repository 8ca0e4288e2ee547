"""What the risk analysis must take along from earlier years; later packages supply it.

Risks may not depend on controls, so the controls package registers a source here at start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CarryOverItem:
    """Something from an earlier year the board should weigh when scoring its risks."""

    kind: str  # "untested" or "deviation"
    title: str
    detail: str
    link: str
    risk_ids: tuple[int, ...]


CarryOverSource = Callable[[int, int], Awaitable[list[CarryOverItem]]]
_sources: list[CarryOverSource] = []


def register_carry_over(source: CarryOverSource) -> None:
    """Add a source of carry-over items (idempotent)."""
    if source not in _sources:
        _sources.append(source)


async def carry_over(board_id: int, year: int) -> list[CarryOverItem]:
    """Every registered source's items for a board's analysis of a year."""
    items: list[CarryOverItem] = []
    for source in _sources:
        items.extend(await source(board_id, year))
    return items

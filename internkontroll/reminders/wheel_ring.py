"""The årshjul drawn as a ring of the twelve months: shapes for the page's inline SVG.

Only geometry lives here; the template draws it. The ring repeats what the page's table of
milestones says, so the drawing is decoration with a short text alternative.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

from internkontroll.reminders.wheel import Wheel

SIZE = 380
CENTRE = SIZE / 2
OUTER = 130  # the month ring's outer edge
INNER = 88  # its inner edge
LABEL = (OUTER + INNER) / 2
MARK = OUTER + 14  # milestones of the year
STACK = 15  # each further milestone on the same day sits this much further out
AFTER = 12  # the year after's milestones (helår's follow-up, KS's review) start further out
GAP = 0.002  # turns
MONTH_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class Segment:
    """One month's arc."""

    path: str
    label: str
    label_x: float
    label_y: float
    current: bool


@dataclass(frozen=True)
class Marker:
    """A milestone's dot at its date."""

    x: float
    y: float
    signal: str
    after: bool  # in the year after the plan year
    title: str


@dataclass(frozen=True)
class Ring:
    """Everything the template draws."""

    size: int
    centre: float
    segments: list[Segment]
    markers: list[Marker]
    today: tuple[float, float] | None  # the hand's tip, when today is in the plan year


def _point(angle: float, radius: float) -> tuple[float, float]:
    # Angles in turns from the top (1 January), clockwise.
    radians = 2 * math.pi * angle - math.pi / 2
    return (
        round(CENTRE + radius * math.cos(radians), 2),
        round(CENTRE + radius * math.sin(radians), 2),
    )


def _turn(day: dt.date) -> float:
    days = 366 if calendar.isleap(day.year) else 365
    return (day.timetuple().tm_yday - 0.5) / days


def _arc(start: float, end: float) -> str:
    (ox1, oy1), (ox2, oy2) = _point(start, OUTER), _point(end, OUTER)
    (ix1, iy1), (ix2, iy2) = _point(start, INNER), _point(end, INNER)
    return (
        f"M {ox1} {oy1} A {OUTER} {OUTER} 0 0 1 {ox2} {oy2} "
        f"L {ix2} {iy2} A {INNER} {INNER} 0 0 0 {ix1} {iy1} Z"
    )


def ring(wheel: Wheel) -> Ring:
    """The ring of the wheel's plan year, its milestones and today's hand."""
    days = 366 if calendar.isleap(wheel.year) else 365
    segments = []
    for month in range(1, 13):
        first = dt.date(wheel.year, month, 1)
        last = first.replace(day=calendar.monthrange(wheel.year, month)[1])
        # A thin gap between months keeps the arcs apart.
        start = (first.timetuple().tm_yday - 1) / days + GAP
        end = last.timetuple().tm_yday / days - GAP
        x, y = _point((start + end) / 2, LABEL)
        current = (wheel.on.year, wheel.on.month) == (wheel.year, month)
        segments.append(Segment(_arc(start, end), MONTH_SHORT[month - 1], x, y, current))
    markers = []
    on_day: dict[dt.date, int] = {}
    for milestone in wheel.milestones:
        after = milestone.starts_on.year != wheel.year
        stacked = on_day.get(milestone.starts_on, 0)
        on_day[milestone.starts_on] = stacked + 1
        radius = MARK + stacked * STACK + (AFTER if after else 0)
        x, y = _point(_turn(milestone.starts_on), radius)
        title = f"{milestone.title}: {milestone.status_label}"
        markers.append(Marker(x, y, milestone.signal, after, title))
    today = _point(_turn(wheel.on), OUTER) if wheel.on.year == wheel.year else None
    return Ring(SIZE, CENTRE, segments, markers, today)

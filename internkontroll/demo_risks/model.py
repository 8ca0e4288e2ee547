"""The shape of a demo risk: its texts and its scoring last year, this year and next year."""

from __future__ import annotations

from dataclasses import dataclass

CONTROL = "control"
ACTION = "direct_action"
MONITOR = "monitor"
ACCEPT = "accept"


@dataclass(frozen=True)
class Score:
    """One year's scoring of a demo risk."""

    likelihood: int
    impact: int
    treatment: str
    motivation: str = ""


@dataclass(frozen=True)
class DemoRisk:
    """A demo risk with its scoring last year, this year and in next year's analysis."""

    process: str
    category: str
    title: str
    description: str
    consequence: str
    responsible: str
    # None: the risk is new this year.
    last: Score | None = None
    # None: the risk was retired after last year.
    this: Score | None = None
    # None: next year's analysis, where a board has begun it, keeps this year's copied scoring.
    nxt: Score | None = None
    retired: bool = False

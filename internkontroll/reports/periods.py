"""The reporting points of a year (delår, helår) and the period each report covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from internkontroll.controls.schedule import MONTH_NAMES, month_day
from internkontroll.errors import FieldError, ValidationFailed
from internkontroll.settings import get_settings

FINAL_KEY = "helar"


@dataclass(frozen=True)
class ReportingPeriod:
    """One reporting point: results performed from 1 January up to and including its end."""

    year: int
    key: str
    end: dt.date

    @property
    def start(self) -> dt.date:
        """Reports are cumulative from the start of the year: they never mix years."""
        return dt.date(self.year, 1, 1)

    @property
    def is_final(self) -> bool:
        """True for the year's follow-up (helår)."""
        return self.key == FINAL_KEY

    @property
    def label(self) -> str:
        """'Delår per 31 augusti 2026' or 'Helår 2026'."""
        if self.is_final:
            return f"Helår {self.year}"
        return f"Delår per {self.end.day} {MONTH_NAMES[self.end.month - 1]} {self.year}"

    @property
    def short_label(self) -> str:
        """'Delår' or 'Helår' (with the date when a year has several delår)."""
        if self.is_final:
            return "Helår"
        if self.key == "delar":
            return "Delår"
        return f"Delår {self.end.day}/{self.end.month}"

    def covers(self, day: dt.date) -> bool:
        """True if a result performed on the day counts in this period."""
        return self.start <= day <= self.end


def reporting_periods(year: int) -> list[ReportingPeriod]:
    """The year's reporting points in order; the last is always helår (31 December)."""
    points = get_settings().reporting_points
    interim = points[:-1]
    periods = []
    for index, (month, day) in enumerate(interim, start=1):
        key = "delar" if len(interim) == 1 else f"delar{index}"
        periods.append(ReportingPeriod(year, key, month_day(year, month, day)))
    periods.append(ReportingPeriod(year, FINAL_KEY, dt.date(year, 12, 31)))
    return periods


def period_keys() -> list[str]:
    """The keys a period may be given as, e.g. ['delar', 'helar']."""
    return [p.key for p in reporting_periods(2000)]


def reporting_period(year: int, key: str, field: str = "period") -> ReportingPeriod:
    """The period with the key, or a 422 naming the field and the keys there are."""
    for period in reporting_periods(year):
        if period.key == key:
            return period
    allowed = ", ".join(period_keys())
    raise ValidationFailed([FieldError(field, f"okänt rapporteringstillfälle; välj {allowed}")])


def current_period(year: int, day: dt.date) -> ReportingPeriod:
    """The latest reporting point reached on the day, or the first if none is yet."""
    reached = [p for p in reporting_periods(year) if p.end <= day]
    return reached[-1] if reached else reporting_periods(year)[0]

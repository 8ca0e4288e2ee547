"""Occasions from a frequency: periods, due dates, reporting points, leap years, settings."""

from __future__ import annotations

import datetime as dt

import pytest

from internkontroll.controls.schedule import (
    OPEN_ENDED_FREQUENCIES,
    month_day,
    occasion_slots,
    period_label,
)
from internkontroll.controls.tables import FREQUENCY_LABELS
from internkontroll.settings import SettingsError, load_settings, parse_reporting_points

DEFAULT_POINTS = ((8, 31), (12, 31))
FREQUENCIES = sorted(FREQUENCY_LABELS)
YEARS = (2000, 2023, 2024, 2026, 2027, 2028, 2100)
POINT_SETTINGS = (
    DEFAULT_POINTS,
    ((12, 31),),
    ((6, 30), (12, 31)),
    ((4, 30), (8, 31), (12, 31)),
    ((2, 29), (12, 31)),
    ((3, 31), (6, 30), (9, 30), (12, 31)),
)
D = dt.date


def rows(frequency: str, year: int = 2026, points=DEFAULT_POINTS) -> list[tuple]:
    """(key, start, end, due, reporting point) of every slot."""
    return [
        (s.key, s.period_start, s.period_end, s.due_on, s.reporting_point)
        for s in occasion_slots(frequency, year, points)
    ]


# ------------------------------------------------------------------ each frequency in 2026


def test_monthly_has_twelve_occasions_due_at_each_month_end():
    ends = [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
        D(2026, 6, 30),
        D(2026, 7, 31),
        D(2026, 8, 31),
        D(2026, 9, 30),
        D(2026, 10, 31),
        D(2026, 11, 30),
        D(2026, 12, 31),
    ]
    expected = [
        (
            f"M{m:02d}",
            D(2026, m, 1),
            ends[m - 1],
            ends[m - 1],
            D(2026, 8, 31) if m <= 8 else D(2026, 12, 31),
        )
        for m in range(1, 13)
    ]
    assert rows("monthly") == expected


def test_quarterly_has_four_occasions_and_q3_reports_at_year_end():
    assert rows("quarterly") == [
        ("Q1", D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 31), D(2026, 8, 31)),
        ("Q2", D(2026, 4, 1), D(2026, 6, 30), D(2026, 6, 30), D(2026, 8, 31)),
        # Due 30 September, after the delår point: reported in the helår report.
        ("Q3", D(2026, 7, 1), D(2026, 9, 30), D(2026, 9, 30), D(2026, 12, 31)),
        ("Q4", D(2026, 10, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
    ]


def test_four_monthly_has_three_tertials_and_t2_reports_at_the_delar():
    assert rows("four_monthly") == [
        ("T1", D(2026, 1, 1), D(2026, 4, 30), D(2026, 4, 30), D(2026, 8, 31)),
        ("T2", D(2026, 5, 1), D(2026, 8, 31), D(2026, 8, 31), D(2026, 8, 31)),
        ("T3", D(2026, 9, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
    ]


def test_half_yearly_splits_at_the_delar_point_by_default():
    assert rows("half_yearly") == [
        ("H1", D(2026, 1, 1), D(2026, 8, 31), D(2026, 8, 31), D(2026, 8, 31)),
        ("H2", D(2026, 9, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
    ]


def test_yearly_has_one_occasion_for_the_whole_year():
    assert rows("yearly") == [
        ("Y", D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31))
    ]


@pytest.mark.parametrize("frequency", ["continuous", "as_needed"])
def test_continuous_and_as_needed_get_one_open_ended_yearly_occasion(frequency):
    slots = occasion_slots(frequency, 2026, DEFAULT_POINTS)
    assert rows(frequency) == [
        ("Y", D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31))
    ]
    assert [s.open_ended for s in slots] == [True]


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_only_continuous_and_as_needed_are_open_ended(frequency):
    slots = occasion_slots(frequency, 2026, DEFAULT_POINTS)
    expected = frequency in {"continuous", "as_needed"}
    assert slots and {s.open_ended for s in slots} == {expected}
    assert (frequency in OPEN_ENDED_FREQUENCIES) == expected


@pytest.mark.parametrize("frequency", ["", "weekly", "Monthly", "daily "])
def test_an_unknown_or_empty_frequency_has_no_occasions(frequency):
    assert occasion_slots(frequency, 2026, DEFAULT_POINTS) == []


@pytest.mark.parametrize(
    ("frequency", "count"),
    [
        ("monthly", 12),
        ("quarterly", 4),
        ("four_monthly", 3),
        ("half_yearly", 2),
        ("yearly", 1),
        ("continuous", 1),
        ("as_needed", 1),
    ],
)
@pytest.mark.parametrize("points", POINT_SETTINGS)
def test_the_count_of_occasions_does_not_depend_on_the_reporting_points(frequency, count, points):
    assert len(occasion_slots(frequency, 2026, points)) == count


def test_every_frequency_of_the_model_is_scheduled():
    assert set(FREQUENCIES) == {
        "monthly",
        "quarterly",
        "four_monthly",
        "half_yearly",
        "yearly",
        "continuous",
        "as_needed",
    }


# ------------------------------------------------------------------ leap years


def test_february_is_due_on_the_29th_in_a_leap_year_and_the_28th_otherwise():
    feb_2028 = occasion_slots("monthly", 2028, DEFAULT_POINTS)[1]
    feb_2027 = occasion_slots("monthly", 2027, DEFAULT_POINTS)[1]
    assert (feb_2028.key, feb_2028.period_end, feb_2028.due_on) == (
        "M02",
        D(2028, 2, 29),
        D(2028, 2, 29),
    )
    assert (feb_2027.key, feb_2027.period_end, feb_2027.due_on) == (
        "M02",
        D(2027, 2, 28),
        D(2027, 2, 28),
    )
    assert occasion_slots("monthly", 2027, DEFAULT_POINTS)[2].period_start == D(2027, 3, 1)


@pytest.mark.parametrize(("year", "last_day"), [(2000, 29), (2100, 28), (2024, 29), (1900, 28)])
def test_century_leap_rules_apply_to_february(year, last_day):
    feb = occasion_slots("monthly", year, DEFAULT_POINTS)[1]
    assert feb.period_end == D(year, 2, last_day)


@pytest.mark.parametrize("year", [2027, 2028])
def test_half_yearly_keeps_the_delar_split_in_leap_and_common_years(year):
    assert rows("half_yearly", year) == [
        ("H1", D(year, 1, 1), D(year, 8, 31), D(year, 8, 31), D(year, 8, 31)),
        ("H2", D(year, 9, 1), D(year, 12, 31), D(year, 12, 31), D(year, 12, 31)),
    ]


def test_month_day_reads_29_february_as_the_28th_when_the_year_lacks_it():
    assert month_day(2027, 2, 29) == D(2027, 2, 28)
    assert month_day(2028, 2, 29) == D(2028, 2, 29)
    assert month_day(2100, 2, 29) == D(2100, 2, 28)
    assert month_day(2027, 8, 31) == D(2027, 8, 31)


def test_a_29_february_reporting_point_falls_on_the_28th_in_a_common_year():
    points = parse_reporting_points("REPORTING_POINTS", "02-29,12-31")
    slots_2027 = {s.key: s for s in occasion_slots("monthly", 2027, points)}
    assert slots_2027["M01"].reporting_point == D(2027, 2, 28)
    assert slots_2027["M02"].reporting_point == D(2027, 2, 28)  # due the same day as the point
    assert slots_2027["M03"].reporting_point == D(2027, 12, 31)
    slots_2028 = {s.key: s for s in occasion_slots("monthly", 2028, points)}
    assert slots_2028["M02"].reporting_point == D(2028, 2, 29)
    # With exactly two points the half-year splits at the delår, wherever it lies.
    assert rows("half_yearly", 2027, points)[0][:3] == ("H1", D(2027, 1, 1), D(2027, 2, 28))
    assert rows("half_yearly", 2027, points)[1][:3] == ("H2", D(2027, 3, 1), D(2027, 12, 31))


# ------------------------------------------------------------------ the year is covered


@pytest.mark.parametrize("points", POINT_SETTINGS)
@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_periods_cover_the_year_without_gaps_or_overlaps(frequency, year, points):
    slots = occasion_slots(frequency, year, points)
    assert slots
    assert slots[0].period_start == D(year, 1, 1)
    assert slots[-1].period_end == D(year, 12, 31)
    for earlier, later in zip(slots, slots[1:], strict=False):
        assert later.period_start == earlier.period_end + dt.timedelta(days=1)
    covered = sum((s.period_end - s.period_start).days + 1 for s in slots)
    assert covered == (D(year, 12, 31) - D(year, 1, 1)).days + 1
    assert len({s.key for s in slots}) == len(slots)
    point_dates = sorted(month_day(year, m, d) for m, d in points)
    for slot in slots:
        assert slot.period_start <= slot.period_end
        assert slot.due_on == slot.period_end
        # Reported at the first reporting point on or after the period's end.
        assert slot.reporting_point == min(p for p in point_dates if p >= slot.period_end)


# ------------------------------------------------------------------ other reporting points


def test_three_reporting_points_split_half_years_at_30_june():
    points = parse_reporting_points("REPORTING_POINTS", "04-30,08-31,12-31")
    assert rows("half_yearly", 2026, points) == [
        ("H1", D(2026, 1, 1), D(2026, 6, 30), D(2026, 6, 30), D(2026, 8, 31)),
        ("H2", D(2026, 7, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
    ]
    tertials = rows("four_monthly", 2026, points)
    assert [t[4] for t in tertials] == [D(2026, 4, 30), D(2026, 8, 31), D(2026, 12, 31)]
    quarters = rows("quarterly", 2026, points)
    assert [q[4] for q in quarters] == [
        D(2026, 4, 30),
        D(2026, 8, 31),
        D(2026, 12, 31),
        D(2026, 12, 31),
    ]


def test_a_delar_at_30_june_ends_the_first_half_year_there():
    points = parse_reporting_points("REPORTING_POINTS", "06-30,12-31")
    assert rows("half_yearly", 2026, points) == [
        ("H1", D(2026, 1, 1), D(2026, 6, 30), D(2026, 6, 30), D(2026, 6, 30)),
        ("H2", D(2026, 7, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
    ]


def test_only_a_helar_point_splits_half_years_at_30_june_and_reports_everything_at_year_end():
    points = parse_reporting_points("REPORTING_POINTS", "12-31")
    assert rows("half_yearly", 2026, points) == [
        ("H1", D(2026, 1, 1), D(2026, 6, 30), D(2026, 6, 30), D(2026, 12, 31)),
        ("H2", D(2026, 7, 1), D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
    ]
    assert {s.reporting_point for s in occasion_slots("monthly", 2026, points)} == {D(2026, 12, 31)}


# ------------------------------------------------------------------ labels


def test_period_labels_are_swedish():
    assert [period_label(f"M{m:02d}") for m in (1, 2, 12)] == ["januari", "februari", "december"]
    assert period_label("Q2") == "Kvartal 2"
    assert period_label("T3") == "Tertial 3"
    assert period_label("H1") == "Halvår 1"
    assert period_label("Y") == "Helår"
    assert period_label("X9") == "X9"  # an unknown key shows as itself


# ------------------------------------------------------------------ the REPORTING_POINTS setting


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08-31,12-31", ((8, 31), (12, 31))),
        ("12-31,08-31", ((8, 31), (12, 31))),
        (" 04-30 , 08-31,12-31 ", ((4, 30), (8, 31), (12, 31))),
        ("08-31,12-31,08-31", ((8, 31), (12, 31))),
        ("12-31", ((12, 31),)),
        ("02-29,12-31", ((2, 29), (12, 31))),
        ("03-31,06-30,09-30,12-31", ((3, 31), (6, 30), (9, 30), (12, 31))),
    ],
)
def test_reporting_points_parse_sorted_and_deduplicated(raw, expected):
    assert parse_reporting_points("REPORTING_POINTS", raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "08-31",  # no helår point
        "08-31,11-30",
        "03-31,05-31,06-30,08-31,12-31",  # five points
        "",
        " , ",
        "augusti",
        "08-31;12-31",
        "13-01,12-31",
        "02-30,12-31",
        "08-31,12-31-2026",
        "0831,12-31",
    ],
)
def test_bad_reporting_points_raise_a_settings_error_naming_the_setting(raw):
    with pytest.raises(SettingsError) as caught:
        parse_reporting_points("REPORTING_POINTS", raw)
    assert caught.value.name == "REPORTING_POINTS"
    assert "REPORTING_POINTS" in str(caught.value)


def _environ(**extra: str) -> dict[str, str]:
    return {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite:///x.sqlite", **extra}


def test_load_settings_reads_reporting_points_with_the_default():
    assert load_settings(_environ()).reporting_points == ((8, 31), (12, 31))
    assert load_settings(_environ(REPORTING_POINTS="06-30,12-31")).reporting_points == (
        (6, 30),
        (12, 31),
    )


@pytest.mark.parametrize("raw", ["08-31", "01-31,03-31,05-31,08-31,12-31", "snart"])
def test_load_settings_refuses_bad_reporting_points(raw):
    with pytest.raises(SettingsError) as caught:
        load_settings(_environ(REPORTING_POINTS=raw))
    assert caught.value.name == "REPORTING_POINTS"

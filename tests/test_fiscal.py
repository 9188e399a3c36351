import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from people.fiscal import (
    FiscalYear,
    Period,
    add_months,
    fiscal_year_bounds,
    fiscal_year_of,
    month_bounds,
    month_last_day,
    quarter_of,
)


@pytest.mark.parametrize(
    "day, year",
    [
        (datetime.date(2026, 4, 1), 2026),  # first day of FY2026
        (datetime.date(2026, 3, 31), 2025),  # last day of FY2025
        (datetime.date(2026, 12, 31), 2026),
        (datetime.date(2027, 1, 1), 2026),  # January still belongs to the year that began in April
        (datetime.date(2027, 3, 31), 2026),
        (datetime.date(2024, 2, 29), 2023),  # leap day
    ],
)
def test_it_assigns_each_day_to_the_year_that_began_the_previous_april(day, year):
    assert fiscal_year_of(day) == FiscalYear(year)


def test_a_fiscal_year_runs_from_april_first_to_march_thirty_first():
    fy = FiscalYear(2026)
    assert fy.first_day == datetime.date(2026, 4, 1)
    assert fy.last_day == datetime.date(2027, 3, 31)
    assert datetime.date(2027, 3, 31) in fy
    assert datetime.date(2027, 4, 1) not in fy
    assert datetime.date(2026, 3, 31) not in fy


def test_its_bounds_are_local_midnights_of_april_first_this_year_and_next():
    start, end = fiscal_year_bounds(FiscalYear(2026))
    tokyo = ZoneInfo("Asia/Tokyo")
    assert start == datetime.datetime(2026, 4, 1, 0, 0, tzinfo=tokyo)
    assert end == datetime.datetime(2027, 4, 1, 0, 0, tzinfo=tokyo)
    # 15:00 UTC on 31 March is already 1 April in Japan.
    assert start == datetime.datetime(2026, 3, 31, 15, 0, tzinfo=datetime.UTC)


def test_the_last_day_of_a_year_before_a_leap_february_is_still_march_31():
    assert FiscalYear(2027).last_day == datetime.date(2028, 3, 31)


@pytest.mark.parametrize(
    "year, label",
    [
        (2026, "令和8年度"),
        (2019, "令和元年度"),  # Reiwa began 2019-05-01; the whole fiscal year takes its name
        (2020, "令和2年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),  # 平成 began 1989-01-08, within FY1988: the year stays 昭和
    ],
)
def test_it_names_the_year_in_the_japanese_era(year, label):
    assert FiscalYear(year).japanese_era_label() == label


def test_its_label_is_the_era_year_alone_in_japanese_and_the_western_year_in_english():
    with translation.override("en"):
        assert str(FiscalYear(2026)) == "FY2026"
    with translation.override("ja"):
        assert str(FiscalYear(2026)) == "令和8年度"


# Quarters: 1 = April to June … 4 = January to March, the fourth spanning the calendar year.


@pytest.mark.parametrize(
    "day, year, quarter",
    [
        (datetime.date(2026, 4, 1), 2026, 1),  # the fiscal year's first day
        (datetime.date(2026, 6, 30), 2026, 1),
        (datetime.date(2026, 7, 1), 2026, 2),
        (datetime.date(2026, 12, 31), 2026, 3),
        (datetime.date(2027, 1, 1), 2026, 4),  # January: the year that began last April
        (datetime.date(2027, 3, 31), 2026, 4),  # the fiscal year's last day
        (datetime.date(2026, 3, 31), 2025, 4),
    ],
)
def test_each_day_falls_in_one_quarter_of_its_fiscal_year(day, year, quarter):
    assert quarter_of(day) == Period(year, quarter)


def test_a_quarter_is_three_months_and_the_fourth_spans_the_new_calendar_year():
    assert Period(2026, 2).months == [datetime.date(2026, 7, 1), datetime.date(2026, 8, 1),
                                      datetime.date(2026, 9, 1)]
    q4 = Period(2026, 4)
    assert q4.months == [datetime.date(2027, 1, 1), datetime.date(2027, 2, 1),
                         datetime.date(2027, 3, 1)]
    assert (q4.first_day, q4.last_day) == (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    assert Period(2026, 1).first_day == datetime.date(2026, 4, 1)


def test_a_whole_year_period_runs_april_to_march():
    year = Period(2026)
    assert len(year.months) == 12
    assert (year.first_day, year.last_day) == (datetime.date(2026, 4, 1),
                                               datetime.date(2027, 3, 31))
    assert year.bounds() == fiscal_year_bounds(FiscalYear(2026))


def test_a_quarters_bounds_are_local_midnights():
    tokyo = ZoneInfo("Asia/Tokyo")
    assert Period(2026, 4).bounds() == (datetime.datetime(2027, 1, 1, tzinfo=tokyo),
                                        datetime.datetime(2027, 4, 1, tzinfo=tokyo))


def test_the_quarter_before_the_first_is_the_fourth_of_the_year_before():
    assert Period(2026, 1).previous() == Period(2025, 4)
    assert Period(2026, 3).previous() == Period(2026, 2)
    # The last complete quarter on 26 November (Q3) is Q2; on 1 May (Q1), last year's Q4.
    assert quarter_of(datetime.date(2026, 11, 26)).previous() == Period(2026, 2)
    assert quarter_of(datetime.date(2026, 5, 1)).previous() == Period(2025, 4)


def test_there_is_no_fifth_quarter():
    with pytest.raises(ValueError):
        Period(2026, 5)
    with pytest.raises(ValueError):
        Period(2026).previous()


def test_its_quarter_label_names_the_fiscal_year():
    with translation.override("en"):
        assert Period(2026, 2).label() == "FY2026, quarter 2"
        assert Period(2026).label() == "FY2026"


def test_months_are_added_across_the_calendar_year():
    assert add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 1)
    assert add_months(datetime.date(2027, 1, 1), -1) == datetime.date(2026, 12, 1)
    assert month_last_day(datetime.date(2028, 2, 1)) == datetime.date(2028, 2, 29)
    assert month_bounds(datetime.date(2026, 12, 1)) == (
        datetime.datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
        datetime.datetime(2027, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo")))

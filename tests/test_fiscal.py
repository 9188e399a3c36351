import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from people.fiscal import FiscalYear, fiscal_year_bounds, fiscal_year_of


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

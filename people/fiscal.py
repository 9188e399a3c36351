"""The Japanese fiscal year (年度), April to March: the one place it is decided.

"New ID holder" and every annual obligation (training, briefing, drills) are counted
per fiscal year, so everything that asks "which year is this?" calls these functions.
"""

import datetime
from typing import NamedTuple

from django.utils import timezone

from core.dates import fiscal_year_label, wareki_fiscal_year

FISCAL_YEAR_START_MONTH = 4


class FiscalYear(NamedTuple):
    year: int  # the calendar year in which it starts: FY2026 runs 2026-04-01 .. 2027-03-31

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, FISCAL_YEAR_START_MONTH, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year + 1, FISCAL_YEAR_START_MONTH, 1) - datetime.timedelta(days=1)

    def __contains__(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day

    def japanese_era_label(self) -> str:
        return wareki_fiscal_year(self.year)

    def label(self) -> str:
        """令和8年度 in Japanese, FY2026 in English (core.dates)."""
        return fiscal_year_label(self.year)

    def __str__(self) -> str:
        return self.label()


def fiscal_year_of(day: datetime.date) -> FiscalYear:
    return FiscalYear(day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1)


def current_fiscal_year() -> FiscalYear:
    return fiscal_year_of(timezone.localdate())


def fiscal_year_bounds(year: FiscalYear) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of the fiscal year and of the next, in local time: [start, end).
    Timestamps are compared with these; dates with the year's first and last day."""
    start = timezone.make_aware(datetime.datetime.combine(year.first_day, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(
        year.last_day + datetime.timedelta(days=1), datetime.time()))
    return start, end

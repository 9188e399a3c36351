"""The Japanese fiscal year (年度), April to March, and its quarters: the one place they
are decided.

"New ID holder" and every annual obligation (training, briefing, drills) are counted
per fiscal year, and the terminals' logs are reviewed per quarter (1 = April to June …
4 = January to March), so everything that asks "which year, which quarter is this?"
calls these functions.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import fiscal_year_label, wareki_fiscal_year

FISCAL_YEAR_START_MONTH = 4
QUARTERS = (1, 2, 3, 4)
MONTHS_PER_QUARTER = 3


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
    return _start_of(year.first_day), _start_of(year.last_day + datetime.timedelta(days=1))


@dataclass(frozen=True)
class Period:
    """A fiscal year, or one quarter of it (1 = April to June … 4 = January to March)."""

    fiscal_year: int
    quarter: int | None = None

    def __post_init__(self):
        if self.quarter is not None and self.quarter not in QUARTERS:
            raise ValueError(f"no quarter {self.quarter}")

    @property
    def months(self) -> list[datetime.date]:
        """The first day of each month, in order."""
        first = FiscalYear(self.fiscal_year).first_day
        start = 0 if self.quarter is None else (self.quarter - 1) * MONTHS_PER_QUARTER
        count = 12 if self.quarter is None else MONTHS_PER_QUARTER
        return [add_months(first, start + n) for n in range(count)]

    @property
    def first_day(self) -> datetime.date:
        return self.months[0]

    @property
    def last_day(self) -> datetime.date:
        return month_last_day(self.months[-1])

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[first moment, first moment after) in local time, for timestamps."""
        return _start_of(self.first_day), _start_of(self.last_day + datetime.timedelta(days=1))

    def previous(self) -> "Period":
        """The quarter before this one (the fourth of the year before the first)."""
        if self.quarter is None:
            raise ValueError("a fiscal year has no previous quarter")
        if self.quarter > 1:
            return Period(self.fiscal_year, self.quarter - 1)
        return Period(self.fiscal_year - 1, QUARTERS[-1])

    def label(self) -> str:
        year = FiscalYear(self.fiscal_year).label()
        if self.quarter is None:
            return year
        return _("%(year)s, quarter %(quarter)d") % {"year": year, "quarter": self.quarter}


def quarter_of(day: datetime.date) -> Period:
    """The fiscal quarter `day` falls in."""
    months_into_year = (day.month - FISCAL_YEAR_START_MONTH) % 12
    return Period(fiscal_year_of(day).year, months_into_year // MONTHS_PER_QUARTER + 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of `month` (its first day) and of the next, in local time."""
    return _start_of(month), _start_of(add_months(month, 1))


def month_last_day(month: datetime.date) -> datetime.date:
    """The last day of the month that begins on `month`."""
    return add_months(month, 1) - datetime.timedelta(days=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month `count` months after (before, if negative) `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

"""Dates as Japanese offices write them (和暦) and read them back: the one place a date
is formatted for a person to read or parsed from what a person typed.

In Japanese, documents and the pages that stand for them date in the Japanese era
(令和8年11月23日, the first year of an era being 元年) and name fiscal years by it alone
(令和8年度); in English the Western date is shown. Offices write era dates as
令和8年6月1日, R8.6.1 or R8/6/1, often with full-width digits; those are read here too.

The era table is ours rather than a library's: four rows, each a start date fixed by
cabinet order, and the next change is years away and announced a month ahead. Dates
before 大正 are shown in the Western calendar: nothing here predates it.
"""

import datetime
import re
import unicodedata
from typing import NamedTuple

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _


class Era(NamedTuple):
    name: str  # 令和
    letter: str  # R, as in R8.6.1
    first_day: datetime.date


# Newest first. 平成 ran to 2019-04-30, 令和 from 2019-05-01.
ERAS = (
    Era("令和", "R", datetime.date(2019, 5, 1)),
    Era("平成", "H", datetime.date(1989, 1, 8)),
    Era("昭和", "S", datetime.date(1926, 12, 25)),
    Era("大正", "T", datetime.date(1912, 7, 30)),
)
FIRST_YEAR = "元"  # the first year of an era is 元年, not 1年


def era_of(day: datetime.date) -> tuple[Era, int] | None:
    """The era `day` falls in and its year of that era (1 for 元年); None before 大正."""
    for era in ERAS:
        if day >= era.first_day:
            return era, day.year - era.first_day.year + 1
    return None


def _era_year(number: int) -> str:
    return FIRST_YEAR if number == 1 else str(number)


def wareki(day: datetime.date | datetime.datetime) -> str:
    """令和8年11月23日 (令和元年5月1日 in an era's first year)."""
    day = _local_day(day)
    found = era_of(day)
    if found is None:
        return f"{day.year}年{day.month}月{day.day}日"
    era, number = found
    return f"{era.name}{_era_year(number)}年{day.month}月{day.day}日"


def wareki_fiscal_year(year: int) -> str:
    """令和8年度 for the fiscal year that starts in April 2026. A fiscal year during which
    the era changed is named by the new era (2019年度 is 令和元年度), as offices did."""
    found = era_of(datetime.date(year, 12, 31))
    if found is None:
        return f"{year}年度"
    era, number = found
    return f"{era.name}{_era_year(number)}年度"


def in_japanese() -> bool:
    """Whether dates are for a Japanese reader: the active language, else the site's."""
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith("ja")


def document_date(day: datetime.date | datetime.datetime | None) -> str:
    """A date on a paper or a document page: 和暦 in Japanese, the Western date otherwise."""
    if day is None:
        return ""
    day = _local_day(day)
    return wareki(day) if in_japanese() else formats.date_format(day, "DATE_FORMAT")


def document_datetime(moment: datetime.datetime | None) -> str:
    """A moment on a paper: 令和8年11月23日 9:05 in Japanese, the Western form otherwise."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    if not in_japanese():
        return formats.date_format(moment, "DATETIME_FORMAT")
    return f"{wareki(moment.date())} {moment.hour}:{moment:%M}"


def fiscal_year_label(year: int) -> str:
    """令和8年度 in Japanese, FY2026 otherwise."""
    return wareki_fiscal_year(year) if in_japanese() else f"FY{year}"


def _local_day(day: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(day, datetime.datetime):
        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return day


_ERA_BY_KEY = {key: era for era in ERAS for key in (era.name, era.letter)}
_ERA_DATE = re.compile(
    r"(?P<era>令和|平成|昭和|大正|[RHST])\s*(?P<year>元|\d{1,2})\s*"
    r"(?:年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"|[./-](?P<month2>\d{1,2})[./-](?P<day2>\d{1,2}))",
    re.IGNORECASE,
)


def parse_era_date(text: str) -> datetime.date | None:
    """An era date as typed (令和8年6月1日, 令和元年5月1日, R8.6.1, R8/6/1, H31.4.30, with
    full-width digits or the ㋿ sign); None when `text` is not written as an era date.
    Raises ValueError, with a message for the person who typed it, for a date that does
    not exist (R8.2.30) or lies outside its era (平成32年, 令和0年)."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = _ERA_DATE.fullmatch(text)
    if match is None:
        return None
    era = _ERA_BY_KEY[match["era"].upper() if len(match["era"]) == 1 else match["era"]]
    number = 1 if match["year"] == FIRST_YEAR else int(match["year"])
    month, day = (int(match["month"] or match["month2"]), int(match["day"] or match["day2"]))
    try:
        date = datetime.date(era.first_day.year + number - 1, month, day)
    except ValueError:
        raise ValueError(_("%(value)s is not a real date.") % {"value": text}) from None
    if number < 1 or era_of(date) != (era, number):
        raise ValueError(_era_refusal(text, era))
    return date


def _era_refusal(text: str, era: Era) -> str:
    later = ERAS[ERAS.index(era) - 1] if ERAS.index(era) > 0 else None
    if later is None:
        return (_("%(value)s is not a date of %(era)s, which began on %(first)s.")
                % {"value": text, "era": era.name, "first": wareki(era.first_day)})
    return (_("%(value)s is not a date of %(era)s, which ran from %(first)s to %(last)s.")
            % {"value": text, "era": era.name, "first": wareki(era.first_day),
               "last": wareki(later.first_day - datetime.timedelta(days=1))})

"""core.dates: 和暦 both ways, at the era boundaries, as typed in offices."""

import datetime

import pytest
from django.utils import translation

from core.dates import (
    document_date,
    document_datetime,
    fiscal_year_label,
    parse_era_date,
    wareki,
)

D = datetime.date


@pytest.mark.parametrize(
    "day, text",
    [
        (D(2026, 11, 23), "令和8年11月23日"),
        (D(2019, 4, 30), "平成31年4月30日"),  # the last day of 平成
        (D(2019, 5, 1), "令和元年5月1日"),  # the first of 令和: 元年, not 1年
        (D(2019, 12, 31), "令和元年12月31日"),
        (D(2020, 1, 1), "令和2年1月1日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
        (D(1912, 7, 29), "1912年7月29日"),  # before 大正: Western
    ],
)
def test_it_writes_a_date_in_the_japanese_era(day, text):
    assert wareki(day) == text


def test_a_moment_is_dated_by_its_day_in_japan():
    # 2019-04-30 15:30 UTC is already 1 May in Tokyo: the first day of 令和.
    moment = datetime.datetime(2019, 4, 30, 15, 30, tzinfo=datetime.UTC)
    assert wareki(moment) == "令和元年5月1日"
    with translation.override("ja"):
        assert document_datetime(moment) == "令和元年5月1日 0:30"


def test_a_document_date_is_wareki_in_japanese_and_western_in_english():
    with translation.override("ja"):
        assert document_date(D(2026, 11, 23)) == "令和8年11月23日"
        assert fiscal_year_label(2026) == "令和8年度"
        assert fiscal_year_label(2019) == "令和元年度"
    with translation.override("en"):
        assert document_date(D(2026, 11, 23)) == "Nov. 23, 2026"
        assert fiscal_year_label(2026) == "FY2026"
    assert document_date(None) == ""


@pytest.mark.parametrize(
    "text, day",
    [
        ("令和8年6月1日", D(2026, 6, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("R8.6.1", D(2026, 6, 1)),
        ("R8/6/1", D(2026, 6, 1)),
        ("r8.6.1", D(2026, 6, 1)),
        ("H31.4.30", D(2019, 4, 30)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("令和８年６月１日", D(2026, 6, 1)),  # full-width digits
        ("Ｒ８．６．１", D(2026, 6, 1)),  # full-width letter and stops
        ("㋿8年6月1日", D(2026, 6, 1)),  # the one-character era sign
        (" 令和 8 年 6 月 1 日 ", D(2026, 6, 1)),
        ("S64.1.7", D(1989, 1, 7)),
    ],
)
def test_it_reads_an_era_date_as_offices_type_it(text, day):
    assert parse_era_date(text) == day


@pytest.mark.parametrize("text", ["2026/6/1", "6月1日", "R8", "令和8年6月", "X8.6.1", ""])
def test_what_is_not_an_era_date_is_left_to_other_readers(text):
    assert parse_era_date(text) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("平成32年1月1日", "平成32年1月1日 is not a date of 平成, which ran from 平成元年1月8日 to "
                          "平成31年4月30日."),
        ("H31.5.1", "H31.5.1 is not a date of 平成, which ran from 平成元年1月8日 to 平成31年4月30日."),
        ("令和0年1月1日", "令和0年1月1日 is not a date of 令和, which began on 令和元年5月1日."),
        ("令和元年4月30日", "令和元年4月30日 is not a date of 令和, which began on 令和元年5月1日."),
        ("R8.2.30", "R8.2.30 is not a real date."),
        ("令和8年13月1日", "令和8年13月1日 is not a real date."),
    ],
)
def test_it_refuses_a_date_outside_its_era_or_that_does_not_exist(text, message):
    with translation.override("en"), pytest.raises(ValueError) as refused:
        parse_era_date(text)
    assert str(refused.value) == message


def test_the_refusal_is_in_japanese_for_a_japanese_reader():
    with translation.override("ja"), pytest.raises(ValueError) as refused:
        parse_era_date("平成32年1月1日")
    assert str(refused.value) == (
        "平成32年1月1日は平成の日付ではありません（平成は平成元年1月8日から平成31年4月30日まで）。")

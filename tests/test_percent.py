"""One way to show a percentage (core.numbers): 90%, not 90.00%, on pages, in PDFs and
in spreadsheets, checked against worked examples."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.conf import settings
from django.template import Context, Template

from core.exports import csv_bytes, xlsx_bytes
from core.numbers import Percent, percent


@pytest.mark.parametrize("part, whole, shown", [
    (Decimal("90.00"), 100, "90%"),
    (90, 100, "90%"),
    (Decimal("83.33"), 100, "83.3%"),
    (Decimal("79.96"), 100, "79.9%"),  # rounded down: never the 80% pass mark it missed
    (Decimal("0.00"), 100, "0%"),
    (1, 3, "33.3%"),
    (2, 3, "66.6%"),
    (0.95, 1, "95%"),
    (None, 100, "—"),
    (3, 0, "—"),  # nobody asked: no share
])
def test_worked_examples(part, whole, shown):
    assert percent(part, whole) == shown


def test_every_template_has_the_filter_without_loading_it():
    rendered = Template("{{ score|percent }} {{ picked|percent:asked }}").render(
        Context({"score": Decimal("90.00"), "picked": 1, "asked": 3}))
    assert rendered == "90% 33.3%"


def test_no_template_writes_a_percent_sign_after_a_raw_value():
    """A `%` straight after {{ … }} or {% … %} prints whatever the value holds (90.00%);
    the filter is the one way. A % inside an attribute (a CSS width) is not shown."""
    offenders = []
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if re.search(r"(\}\}|%\})%(?!\")", line):
                offenders.append(f"{template.relative_to(settings.BASE_DIR)}:{number}")
    assert offenders == []


def test_a_percentage_is_text_in_csv_and_a_formatted_number_in_xlsx():
    dataset = tablib.Dataset(headers=["score", "share"], title="正答率")
    dataset.append([Percent(Decimal("90.00")), Percent(1, 3)])
    dataset.append([Percent(None), None])

    assert csv_bytes(dataset).decode("utf-8-sig").splitlines() == [
        "score,share", "90%,33.3%", "—,"]

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(dataset))).active
    score, share = sheet["A2"], sheet["B2"]
    assert (score.value, score.number_format) == (0.9, "0%")
    assert share.value == pytest.approx(1 / 3) and share.number_format == "0.0%"
    assert sheet["A3"].value is None

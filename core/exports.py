"""The one way the site writes a spreadsheet: CSV that Excel opens as UTF-8, or an XLSX
workbook, with no cell that a spreadsheet program would run as a formula.

A cell that starts with =, +, -, @, a tab or a carriage return is a formula to Excel and
LibreOffice: a name typed as =HYPERLINK("http://...","詳細") becomes a link in the
coordinator's spreadsheet, and worse formulas exist (OWASP, "CSV injection"). So text
that starts so is written as text, each format in its own way:
- CSV has no types: the cell gets a leading apostrophe (OWASP's rule). The imports take
  it off again (core.spreadsheets.restored), so an export reads back as it was.
- XLSX has: the cell is a string cell marked "quote prefix", which is what Excel itself
  stores when someone types '=... : it shows =... and never evaluates it, with no
  apostrophe to see or to strip.
Numbers stay numbers (a negative number is a number, not text), and dates stay dates.
A percentage (core.numbers.Percent) is "90%" in CSV and the number 0.9 shown as 90% in
XLSX: it reads as the pages show it and still adds up.

And every file opens in Japanese Excel as the office reads it (`readable`, decided here
for every export): CSV in UTF-8 with a byte-order mark (without one Excel reads Shift_JIS
and every name is mojibake); a yes/no as はい/いいえ, a choice as its label, never its key;
a moment in local time, in XLSX a real date or date and time cell (Excel has no time
zones); a code with leading zeros (0300) kept as text; every sheet named after what it
lists, and columns as wide as what they hold (a Japanese character takes two).

Every export comes here: pages through `spreadsheet_response`, the timeline through
`csv_bytes` / `xlsx_bytes`, and the Wagtail admin's list and report downloads through
core.wagtail_exports (installed at start-up by ops.apps).
"""

import csv
import datetime
import decimal
import io
import unicodedata

import openpyxl
from django.db.models import Choices
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.numbers import Percent

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
NOT_TEXT = (bool, int, float, decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)
# A moment to the second (the audit trail needs them), in each format.
CSV_MOMENT, CSV_DAY = "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"
XLSX_MOMENT, XLSX_DAY = "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"
# A column's width in Excel's units (about one per Latin character, two per Japanese).
MIN_WIDTH, MAX_WIDTH = 8, 60
ROWS_MEASURED = 500


def readable(value):
    """A value as a person reads it, in either format: a yes/no as はい/いいえ, a choice
    as its label, a moment in local time (naive: a workbook cell has no time zone)."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Choices):
        return str(value.label)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def csv_cell(value):
    """What a CSV cell says for `value`."""
    value = readable(value)
    if isinstance(value, datetime.datetime):
        return value.strftime(CSV_MOMENT)
    if isinstance(value, datetime.date):
        return value.strftime(CSV_DAY)
    return neutralised(value)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralised(value):
    """A value for a CSV cell: text a spreadsheet would take for a formula gets a
    leading apostrophe, and a code with leading zeros is kept as text; numbers, dates
    and empty cells are left alone."""
    if value is None or isinstance(value, NOT_TEXT):
        return value
    if isinstance(value, Percent):
        return str(value)
    text = str(value)
    if is_zero_led_code(text):
        # Excel reads a CSV cell 0300 as the number 300: a department code, an employee
        # number or an LG code loses its zeros. ="0300" is the one CSV cell it keeps as
        # the text 0300; core.spreadsheets.restored reads it back as 0300.
        return f'="{text}"'
    return QUOTE + text if is_formula_like(text) else text


def is_zero_led_code(text: str) -> bool:
    return len(text) > 1 and text[0] == "0" and text.isascii() and text.isdigit()


def xlsx_value(value):
    """What an XLSX cell holds for `value`: a percentage as its fraction (formatted by
    `guard_xlsx_cell`), anything else not a number or a date as text."""
    if isinstance(value, Percent):
        return float(value.fraction) if value.fraction is not None else None
    if value is not None and not isinstance(value, NOT_TEXT):
        return str(value)
    return value


def guard_xlsx_cell(cell, value=None):
    """An openpyxl cell (WriteOnlyCell too) whose text is never a formula; `value`, the
    value before `xlsx_value`, gives a percentage or a date its number format."""
    if isinstance(value, Percent):
        cell.number_format = value.xlsx_number_format
    elif isinstance(value, datetime.datetime):
        cell.number_format = XLSX_MOMENT
    elif isinstance(value, datetime.date):
        cell.number_format = XLSX_DAY
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl makes "=..." a formula cell otherwise
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def csv_bytes(dataset) -> bytes:
    """A tablib Dataset as CSV in UTF-8 with a byte-order mark, which Excel needs to open
    it as UTF-8."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    if dataset.headers:
        writer.writerow([csv_cell(header) for header in dataset.headers])
    for row in dataset:
        writer.writerow([csv_cell(cell) for cell in row])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def xlsx_bytes(dataset) -> bytes:
    """A tablib Dataset as a one-sheet workbook, the header row frozen."""
    return xlsx_book_bytes([dataset])


def xlsx_book_bytes(datasets) -> bytes:
    """tablib Datasets as a workbook, one sheet each, in order, header rows frozen, each
    sheet named by its dataset's title, columns as wide as what they hold."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for dataset in datasets:
        if not dataset.title:
            # Excel would call it Sheet1: say what the sheet lists.
            raise ValueError("Every exported sheet needs a title.")
        # Excel's limits for a sheet's name: 31 characters, none of []:*?/\ .
        name = "".join(" " if c in "[]:*?/\\" else c for c in str(dataset.title))[:31]
        sheet = workbook.create_sheet(name)
        rows = [dataset.headers, *dataset] if dataset.headers else list(dataset)
        for row_number, row in enumerate(rows, start=1):
            for column_number, value in enumerate(row, start=1):
                value = readable(value)
                guard_xlsx_cell(
                    sheet.cell(row=row_number, column=column_number, value=xlsx_value(value)),
                    value,
                )
        if dataset.headers:
            sheet.freeze_panes = "A2"
        for column_number, width in enumerate(widths_of(rows), start=1):
            letter = openpyxl.utils.get_column_letter(column_number)
            sheet.column_dimensions[letter].width = width
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def widths_of(rows) -> list[int]:
    """Each column as wide as its widest cell among the first rows, within limits."""
    widths = []
    for row in rows[:ROWS_MEASURED]:
        for number, value in enumerate(row):
            if number == len(widths):
                widths.append(MIN_WIDTH)
            widths[number] = max(widths[number], display_width(csv_cell(value)) + 2)
    return [min(width, MAX_WIDTH) for width in widths]


def display_width(value) -> int:
    """How many Latin characters' room `value` takes: a wide (Japanese) character two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def spreadsheet_response(dataset, *, file_format: str, file_stem: str) -> HttpResponse:
    """`dataset` (a tablib.Dataset) as a download; 404 for a format not offered."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    exported = csv_bytes(dataset) if file_format == "csv" else xlsx_bytes(dataset)
    response = HttpResponse(exported, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{file_stem}.{file_format}"'
    return response

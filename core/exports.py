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

Every export comes here: pages through `spreadsheet_response`, the timeline through
`csv_bytes` / `xlsx_bytes`, and the Wagtail admin's list and report downloads through
core.wagtail_exports (installed at start-up by ops.apps).
"""

import csv
import datetime
import decimal
import io

import openpyxl
from django.http import Http404, HttpResponse

from core.numbers import Percent

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
NOT_TEXT = (bool, int, float, decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)


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
    value before `xlsx_value`, gives a percentage its number format."""
    if isinstance(value, Percent):
        cell.number_format = value.xlsx_number_format
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
        writer.writerow([neutralised(header) for header in dataset.headers])
    for row in dataset:
        writer.writerow([neutralised(cell) for cell in row])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def xlsx_bytes(dataset, *, column_widths=()) -> bytes:
    """A tablib Dataset as a one-sheet workbook, the header row frozen."""
    return xlsx_book_bytes([dataset], column_widths=column_widths)


def xlsx_book_bytes(datasets, *, column_widths=()) -> bytes:
    """tablib Datasets as a workbook, one sheet each, in order, header rows frozen."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for dataset in datasets:
        # Excel's limits for a sheet's name: 31 characters, none of []:*?/\ .
        name = "".join(" " if c in "[]:*?/\\" else c for c in dataset.title or "")[:31]
        sheet = workbook.create_sheet(name or None)
        rows = [dataset.headers, *dataset] if dataset.headers else list(dataset)
        for row_number, row in enumerate(rows, start=1):
            for column_number, value in enumerate(row, start=1):
                guard_xlsx_cell(
                    sheet.cell(row=row_number, column=column_number, value=xlsx_value(value)),
                    value,
                )
        if dataset.headers:
            sheet.freeze_panes = "A2"
        for column_number, width in enumerate(column_widths, start=1):
            letter = openpyxl.utils.get_column_letter(column_number)
            sheet.column_dimensions[letter].width = width
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def spreadsheet_response(dataset, *, file_format: str, file_stem: str) -> HttpResponse:
    """`dataset` (a tablib.Dataset) as a download; 404 for a format not offered."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    exported = csv_bytes(dataset) if file_format == "csv" else xlsx_bytes(dataset)
    response = HttpResponse(exported, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{file_stem}.{file_format}"'
    return response

"""Reading spreadsheet files as Japanese offices save them from Excel.

CSV files come in Shift_JIS (CP932), which Excel writes by default in Japanese, or in
UTF-8 with or without a byte-order mark; workbooks come as XLSX, dates as 2026/4/1 or as
date cells. The files are read here rather than by import-export's formats so that every
row keeps its line number in the file and a wrong encoding gets a message a coordinator
can act on.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import openpyxl
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.exceptions import InvalidFileException

from core import spreadsheets
from core.dates import parse_era_date
from core.text import fold_width

XLSX_SIGNATURE = b"PK\x03\x04"  # an XLSX workbook is a zip archive
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the Excel 97-2003 format, which we do not read
DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


class Encoding(models.TextChoices):
    AUTO = "auto", gettext_lazy("Automatic: UTF-8, otherwise Shift_JIS (CP932)")
    UTF8 = "utf-8", gettext_lazy("UTF-8")
    CP932 = "cp932", gettext_lazy("Shift_JIS (CP932)")


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says what to do about it."""


def cell_text(value) -> str:
    return "" if value is None else str(value).strip()


def normalised_text(value) -> str:
    """Codes and kana as typed in Japanese Excel: full-width digits and half-width
    katakana become their usual forms (NFKC)."""
    return fold_width(cell_text(value)).strip()


def parse_date(value) -> datetime.date | None:
    """A date as offices write it: 2026-04-01, 2026/4/1, an era date (令和8年6月1日,
    R8.6.1: core.dates), or an Excel date cell."""
    if isinstance(value, datetime.date):
        return value
    text = normalised_text(value)
    if not text:
        return None
    if (era_date := parse_era_date(text)) is not None:
        return era_date
    match = DATE.fullmatch(text)
    if match is None:
        raise ValueError(
            _("“%(value)s” is not a date. Write dates as 2026-04-01, 2026/4/1, "
              "令和8年4月1日 or R8.4.1.")
            % {"value": text}
        )
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(_("%(value)s is not a real date.") % {"value": text}) from None


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list]]  # (line in the file, cells)
    encoding: Encoding | None = None
    notices: list[str] = field(default_factory=list)


def read_sheet(content: bytes, encoding: str, *, max_rows: int | None = None,
               max_cells: int | None = None) -> Sheet:
    """The header and rows of a CSV or XLSX file; blank rows are left out. Every reader
    of an uploaded spreadsheet comes here, so the limits of core.spreadsheets (at most
    `max_rows` and `max_cells`, by default SPREADSHEET_MAX_ROWS and _CELLS) hold for them
    all."""
    try:
        if content.startswith(XLSX_SIGNATURE):
            return _read_xlsx(content, max_rows, max_cells)
        if content.startswith(XLS_SIGNATURE):
            raise FileRefused(
                _("This is an old-style .xls workbook. Save it as .xlsx or as CSV and upload "
                  "it again.")
            )
        return _read_csv(content, Encoding(encoding), max_rows, max_cells)
    except spreadsheets.SpreadsheetRefused as refused:
        raise FileRefused(str(refused)) from None


def _sheet(numbered_rows, **kwargs) -> Sheet:
    rows = [(line, cells) for line, cells in numbered_rows if _has_text(cells)]
    if not rows:
        raise FileRefused(_("The file is empty."))
    (_line, header), *rows = rows
    if not rows:
        raise FileRefused(_("The file has a line of column headings but no rows."))
    return Sheet([normalised_text(cell) for cell in header], rows, **kwargs)


def _has_text(cells) -> bool:
    """Whether any cell holds more than spaces (cell_text), in one pass over a CSV row's
    text: a million-row log has a million rows to look at."""
    try:
        return bool("".join(cells).strip())
    except TypeError:  # a workbook's dates and empty cells
        return any(cell_text(cell) for cell in cells)


def _read_csv(content: bytes, encoding: Encoding, max_rows: int | None,
              max_cells: int | None = None) -> Sheet:
    text, encoding = _decode(content, encoding)
    if "\x00" in text:
        # No spreadsheet writes NUL into a CSV file, and PostgreSQL cannot store it.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileRefused(
            _("Line %(line)d holds a NUL character, so this is not a CSV file saved from a "
              "spreadsheet. Save it from Excel as CSV and upload it again.") % {"line": line}
        )
    reader = csv.reader(spreadsheets.bounded_lines(text))
    # Most files hold no cell that an export neutralised: then none is looked at.
    restored = spreadsheets.restored if spreadsheets.may_need_restoring(text) else None

    def numbered_rows():
        line = 1
        for _position, cells in spreadsheets.bounded_rows(reader, row_limit=max_rows,
                                                             cell_limit=max_cells):
            yield line, [restored(cell) for cell in cells] if restored else cells
            line = reader.line_num + 1  # a quoted cell may span several lines

    try:
        return _sheet(numbered_rows(), encoding=encoding)
    except csv.Error as error:
        raise FileRefused(
            _("Line %(line)d cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None


def _decode(content: bytes, encoding: Encoding) -> tuple[str, Encoding]:
    if encoding == Encoding.AUTO:
        for candidate in (Encoding.UTF8, Encoding.CP932):
            try:
                return _decode(content, candidate)
            except FileRefused:
                continue
        raise FileRefused(
            _("The file is neither UTF-8 nor Shift_JIS (CP932) text. Save it from Excel as "
              "CSV and upload it again.")
        )
    if encoding == Encoding.CP932 and _is_utf8_text(content):
        # UTF-8 Japanese often decodes as CP932 without an error, as gibberish.
        raise FileRefused(
            _("This file is UTF-8 text, not Shift_JIS: choose UTF-8 or Automatic.")
        )
    try:
        # utf-8-sig drops the byte-order mark that Excel's “CSV UTF-8” writes.
        return content.decode("utf-8-sig" if encoding == Encoding.UTF8 else "cp932"), encoding
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        if encoding == Encoding.UTF8:
            message = _(
                "Line %(line)d is not UTF-8 text. Excel saves CSV files in Shift_JIS: choose "
                "Shift_JIS (CP932) or Automatic."
            )
        else:
            message = _("Line %(line)d is not Shift_JIS (CP932) text: choose UTF-8 or Automatic.")
        raise FileRefused(message % {"line": line}) from None


def _is_utf8_text(content: bytes) -> bool:
    if content.startswith(codecs.BOM_UTF8):
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not content.isascii()


def _read_xlsx(content: bytes, max_rows: int | None, max_cells: int | None = None) -> Sheet:
    """The first sheet of the workbook. Templates often carry other sheets (instructions,
    code lists), so they are ignored, and the preview says so."""
    spreadsheets.check_xlsx_archive(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            worksheet = workbook.worksheets[0]
            others = [name for name in workbook.sheetnames if name != worksheet.title]
            numbered_rows = [
                (line, [_excel_cell(value) for value in values])
                for line, values in spreadsheets.worksheet_rows(worksheet, row_limit=max_rows,
                                                                     cell_limit=max_cells)
            ]
        finally:
            workbook.close()
    # A damaged workbook fails in the zip (BadZipFile, zlib.error, EOFError), in its XML
    # (ParseError) or in openpyxl's reading of what the XML says (the others).
    except (zipfile.BadZipFile, zlib.error, EOFError, ParseError, InvalidFileException, KeyError,
            IndexError, ValueError, TypeError, OSError):
        raise FileRefused(
            _("The workbook cannot be read. Save it again from Excel as .xlsx, or as CSV.")
        ) from None
    notices = []
    if others:
        notices.append(
            _("Only the first sheet, “%(sheet)s”, was read. Other sheets were ignored: %(others)s.")
            % {"sheet": worksheet.title, "others": ", ".join(f"“{name}”" for name in others)}
        )
    return _sheet(numbered_rows, notices=notices)


def _excel_cell(value):
    """Dates stay dates; everything else becomes the text Excel shows (4301 not 4301.0)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return cell_text(spreadsheets.restored(value))

"""The rows of an uploaded XLSX or CSV file, read without letting a small file take the
server's memory. Every spreadsheet import reads through here (core.imports.files.read_sheet).

An XLSX workbook is a zip of XML, and both layers can lie about their size. A
41 KB workbook whose rows each hold one cell in column XFD (the last of 16,384) made
openpyxl build 8,000 rows of 16,384 cells: a minute of CPU and 1.2 GB. So the zip's
declared sizes are checked before openpyxl opens it (Python's zip reader never inflates
a member past its declared size), then the sheet's declared dimensions, and then, since
a sheet need not declare any or may declare too few, every row is read at most
`max_columns` + 1 wide and reading stops at the first row with a value past `max_rows`.
A CSV file is held to the same rows and columns.

The readers also take off the apostrophe that core.exports puts before a CSV cell that
a spreadsheet would take for a formula, so an export read back by its import gives the
same text.
"""

import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from core.exports import FORMULA_STARTS, QUOTE, is_zero_led_code


class SpreadsheetRefused(Exception):
    """The file is larger than the site reads; the message says so in the user's words."""



def max_rows() -> int:
    return settings.SPREADSHEET_MAX_ROWS


def max_columns() -> int:
    return settings.SPREADSHEET_MAX_COLUMNS


def check_xlsx_archive(content: bytes) -> None:
    """Refuses a workbook whose parts would inflate past SPREADSHEET_MAX_UNPACKED_BYTES,
    from the sizes the zip declares, before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # not a zip after all: the workbook reader says it cannot be read
    with archive:
        members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if len(members) > settings.SPREADSHEET_MAX_PARTS or \
            unpacked > settings.SPREADSHEET_MAX_UNPACKED_BYTES:
        raise SpreadsheetRefused(
            _("The workbook unpacks to more than %(megabytes)d MB, more than a list of "
              "%(rows)d rows needs. Save only the sheet to import, or save it as CSV.")
            % {"megabytes": settings.SPREADSHEET_MAX_UNPACKED_BYTES // (1024 * 1024),
               "rows": max_rows()}
        )


def check_size(*, rows: int | None, columns: int | None, row_limit: int | None = None) -> None:
    """Refuses a sheet of more rows or columns than the limits (None: not known)."""
    row_limit = row_limit or max_rows()
    if rows is not None and rows > row_limit:
        raise SpreadsheetRefused(
            _("The file has more than %(rows)d rows, the most that can be imported at once. "
              "Split it into smaller files.") % {"rows": row_limit}
        )
    if columns is not None and columns > max_columns():
        raise SpreadsheetRefused(
            _("The file has cells in more than %(columns)d columns, the most that is read. "
              "Delete the columns on the right that are not part of the list (a stray "
              "value far to the right counts too), and upload it again.")
            % {"columns": max_columns()}
        )


def _refuse_cells(cell_limit: int) -> None:
    raise SpreadsheetRefused(
        _("The file holds more than %(cells)d filled cells, the most that can be imported "
          "at once. Split it into smaller files.") % {"cells": cell_limit}
    )


def bounded_rows(rows, *, row_limit: int | None = None, cell_limit: int | None = None):
    """(line, cells) for each row of `rows` (an iterable of cell sequences), refusing,
    as soon as it is met, a value past the last column read, a value after the last row
    read, or more filled cells than SPREADSHEET_MAX_CELLS (which is what bounds the
    memory a file takes; an import of long, narrow files, such as terminal access logs,
    may pass a larger `cell_limit`). Blank rows past the limit are passed over: Excel keeps
    formatted empty rows."""
    row_limit = row_limit or max_rows()
    cell_limit = cell_limit or settings.SPREADSHEET_MAX_CELLS
    width, cell_budget = max_columns(), cell_limit
    for line, cells in enumerate(rows, 1):
        if len(cells) > width and any(_has_value(cell) for cell in cells[width:]):
            check_size(rows=None, columns=width + 1)
        filled = len(cells) - cells.count("") - cells.count(None)  # _has_value, in C
        if line > row_limit:
            if filled:
                check_size(rows=line, columns=None, row_limit=row_limit)
            continue
        cell_budget -= filled
        if cell_budget < 0:
            _refuse_cells(cell_limit)
        yield line, list(cells[:width])


def bounded_lines(text: str):
    """The lines of a CSV text for csv.reader, refusing a line with far more separators
    than the columns read: csv.reader would build the whole row (a line of 20 million
    commas is a list of 20 million cells) before bounded_rows could look at it. Commas
    inside quoted cells count too, hence the generous factor."""
    most = 20 * max_columns()
    for line in io.StringIO(text, newline=""):
        if line.count(",") > most:
            check_size(rows=None, columns=max_columns() + 1)
        yield line


def worksheet_rows(worksheet, *, row_limit: int | None = None, cell_limit: int | None = None):
    """The rows of an openpyxl read-only worksheet, within the limits: its declared
    dimensions are checked first, then every row as it is read (see bounded_rows)."""
    check_size(rows=worksheet.max_row, columns=worksheet.max_column, row_limit=row_limit)
    worksheet.reset_dimensions()  # some programs declare too small a sheet: read it all
    width = max_columns()
    spread_row = worksheet._get_row

    def bounded_row(cells, min_col=1, max_col=None, values_only=False):
        # openpyxl hands each row over as the cells the XML holds, then spreads them
        # into a tuple as wide as the row's last cell: 16,384 for a cell in column XFD.
        # A value that far right is refused here, before that tuple is built; the row
        # is spread no wider than the columns read.
        if any(cell["column"] > width and _has_value(cell["value"]) for cell in cells):
            check_size(rows=None, columns=width + 1)
        last = max((cell["column"] for cell in cells), default=0)
        return spread_row(cells, min_col, min(last, width) or None, values_only)

    # openpyxl's read-only sheet has no public hook for this (openpyxl 3.1); the tests
    # build a workbook without a dimension element to hold it to the behaviour.
    worksheet._get_row = bounded_row
    return bounded_rows(worksheet.iter_rows(values_only=True), row_limit=row_limit,
                        cell_limit=cell_limit)


def restored(value):
    """A cell as core.exports.neutralised found it: '=SUM(A1) is read as =SUM(A1), and
    ="0300" as 0300."""
    if isinstance(value, str) and value[:1] == QUOTE and value[1:2] in FORMULA_STARTS:
        return value[1:]
    if isinstance(value, str) and value[:2] == '="' and value[-1:] == '"' \
            and is_zero_led_code(value[2:-1]):
        return value[2:-1]
    return value


def may_need_restoring(text: str) -> bool:
    """Whether any cell of a CSV text may be one that `restored` changes."""
    return QUOTE in text or '="' in text


def _has_value(cell) -> bool:
    return cell is not None and cell != ""

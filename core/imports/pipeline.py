"""What every spreadsheet import shares: its kind, its rows as the preview shows them, its
result, reading the file into fields, and the all-or-nothing write.

An import supplies an ImportKind (its name and columns) and its row rules; it calls
`read_upload` to get the file's rows by field, checks them, and hands `checked_write` the
check and the write, which run in one transaction only when every row is right.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.imports.columns import Column, ColumnMatch, column_problems, match_columns
from core.imports.files import Encoding, FileRefused, cell_text, read_sheet


@dataclass(frozen=True)
class ImportKind:
    name: str  # the key its uploads and remembered columns are kept under
    columns: tuple[Column, ...]

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(column.heading for column in self.columns)


class RowAction(models.TextChoices):
    NEW = "new", pgettext_lazy("roster row", "New")
    UPDATE = "update", pgettext_lazy("roster row", "Update")
    UNCHANGED = "unchanged", pgettext_lazy("roster row", "Unchanged")
    ERROR = "error", pgettext_lazy("roster row", "Error")


@dataclass(frozen=True)
class ImportRow:
    line: int  # in the file
    cells: tuple  # as the preview shows them, under ImportResult.columns
    action: RowAction | None = None  # None: the import compares the file as a whole
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. defaults the import filled in
    changed_columns: tuple[str, ...] = ()


@dataclass
class ImportResult:
    file_name: str
    columns: tuple[str, ...] = ()
    encoding: Encoding | None = None  # the one a CSV file was read with
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    written: bool = False  # the import ran and committed, even if no row needed a change
    headers: list[str] = field(default_factory=list)  # the file's, once it could be read
    column_match: ColumnMatch | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter(row.action for row in self.rows)
        return {action.value: counts[action] for action in RowAction}

    @property
    def changes_anything(self) -> bool:
        return any(row.action in (RowAction.NEW, RowAction.UPDATE) for row in self.rows)


@dataclass
class Upload:
    """A file's rows, each cell under its field's key (None: not in the file)."""

    headers: list[str]
    match: ColumnMatch
    rows: list[tuple[int, list]]  # (line in the file, cells as read)

    def texts(self, cells, keys) -> dict[str, str | None]:
        """A row's cells as text, by field key (None: not in the file)."""
        return {key: None if (value := self.cell(cells, key)) is None else cell_text(value)
                for key in keys}

    def cell(self, cells, key):
        """The cell as read (a date cell stays a date); None when the file has no such
        column, "" when the row is shorter."""
        position = self.match.positions.get(key)
        if position is None:
            return None
        return cells[position] if position < len(cells) else ""

    def heading(self, key: str, default: str) -> str:
        position = self.match.positions.get(key)
        return default if position is None else self.headers[position]


def read_upload(kind: ImportKind, result: ImportResult, *, content: bytes, encoding: str,
                chosen: dict[str, int] | None = None,
                remembered: dict[str, str] | None = None) -> Upload | None:
    """The file's rows by field, or None when the file cannot be imported at all (its
    reason in result.file_errors). Also fills in result.encoding and result.notices."""
    try:
        sheet = read_sheet(content, encoding)
    except FileRefused as error:
        result.file_errors.append(str(error))
        return None
    result.encoding = sheet.encoding
    result.notices.extend(sheet.notices)
    match = match_columns(sheet.headers, kind.columns, chosen=chosen, remembered=remembered)
    result.headers, result.column_match = list(sheet.headers), match
    result.file_errors.extend(column_problems(match, kind.columns))
    if result.file_errors:
        return None
    if match.ignored:
        result.notices.append(
            _("Columns ignored: %(columns)s.") % {"columns": ", ".join(match.ignored)}
        )
    return Upload(headers=sheet.headers, match=match, rows=sheet.rows)


def checked_write(result: ImportResult, *, check: Callable[[], None],
                  write: Callable[[], None], dry_run: bool) -> ImportResult:
    """Check every row and, unless `dry_run` or a row is wrong, write them all, in one
    transaction: the check runs again inside it, so a confirm never trusts its preview,
    and a write that fails leaves nothing behind."""
    if dry_run:
        check()
        return result
    with transaction.atomic():
        check()
        if not result.has_errors:
            write()
            result.written = True
    return result

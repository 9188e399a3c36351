"""The roster import: departments (所属), staff (職員) and operator-ID grants (照合ID付与).

Coordinators upload the rosters they keep in Excel. `roster_import` is the one entry
point, for the admin views (directory.admin_views) and the benchmark alike: `files` reads
the file, `resources` checks its rows against the database with import-export, and this
module decides whether to write.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from import_export.results import RowResult

from people.access import require_roster_manager
from people.roster.files import LINE, RosterEncoding, RosterFileError, read_sheet
from people.roster.resources import (
    DepartmentResource,
    IdGrantResource,
    PersonResource,
    RosterResource,
)


class RosterKind(models.TextChoices):
    DEPARTMENTS = "departments", gettext_lazy("Department list")
    PEOPLE = "people", gettext_lazy("Staff list")
    ID_GRANTS = "id_grants", gettext_lazy("Operator ID grant list")


class RowAction(models.TextChoices):
    NEW = "new", pgettext_lazy("roster row", "New")
    UPDATE = "update", pgettext_lazy("roster row", "Update")
    UNCHANGED = "unchanged", pgettext_lazy("roster row", "Unchanged")
    ERROR = "error", pgettext_lazy("roster row", "Error")


ACTION_OF_IMPORT_TYPE = {
    RowResult.IMPORT_TYPE_NEW: RowAction.NEW,
    RowResult.IMPORT_TYPE_UPDATE: RowAction.UPDATE,
    RowResult.IMPORT_TYPE_SKIP: RowAction.UNCHANGED,
    RowResult.IMPORT_TYPE_INVALID: RowAction.ERROR,
    RowResult.IMPORT_TYPE_ERROR: RowAction.ERROR,
}


@dataclass(frozen=True)
class RosterRow:
    line: int
    action: RowAction
    cells: tuple
    errors: tuple[str, ...] = ()
    changed_columns: tuple[str, ...] = ()


@dataclass
class RosterImportResult:
    kind: RosterKind
    file_name: str
    columns: tuple[str, ...]
    encoding: RosterEncoding | None = None  # the one a CSV file was read with
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[RosterRow] = field(default_factory=list)
    written: bool = False  # the import ran and committed, even if no row needed a change

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter(row.action for row in self.rows)
        return {action.value: counts[action] for action in RowAction}

    @property
    def bad_rows(self) -> list[RosterRow]:
        return [row for row in self.rows if row.errors]

    @property
    def changes_anything(self) -> bool:
        return any(row.action in (RowAction.NEW, RowAction.UPDATE) for row in self.rows)


RESOURCES: dict[RosterKind, type[RosterResource]] = {
    RosterKind.DEPARTMENTS: DepartmentResource,
    RosterKind.PEOPLE: PersonResource,
    RosterKind.ID_GRANTS: IdGrantResource,
}


def roster_import(
    *,
    kind: str,
    content: bytes,
    file_name: str,
    encoding: str,
    by: AbstractBaseUser,
    dry_run: bool,
) -> RosterImportResult:
    """Check a roster file and, unless `dry_run`, import it.

    All or nothing: every row is checked before anything is written, and the writes are
    made in one transaction only if the file is readable, has every column, and no row is
    bad. Otherwise nothing at all is written. A preview (`dry_run=True`) never writes;
    the confirm step calls this again with the stored file, so the file is read and
    checked afresh rather than trusting the preview. Records that already match the file
    are not touched, so importing the same file twice changes nothing the second time.

    `kind` is a RosterKind, `encoding` a RosterEncoding (it only matters for CSV). Rows
    for organisations outside `by`'s scope are bad rows; anyone but a coordinator gets
    Http404, as from every view.
    """
    scope = require_roster_manager(by)
    kind = RosterKind(kind)
    resource = RESOURCES[kind](scope=scope)
    result = RosterImportResult(kind=kind, file_name=file_name, columns=resource.columns())
    try:
        sheet = read_sheet(content, encoding)
    except RosterFileError as error:
        result.file_errors.append(str(error))
        return result
    result.encoding = sheet.encoding
    result.notices.extend(sheet.notices)
    result.file_errors.extend(_column_errors(sheet.headers, result.columns))
    if result.file_errors:
        return result
    ignored = [header for header in sheet.headers if header and header not in result.columns]
    if ignored:
        result.notices.append(_("Columns ignored: %(columns)s.") % {"columns": ", ".join(ignored)})

    dataset = sheet.dataset()
    if dry_run:
        _check_rows(resource, dataset, result)
        return result
    try:
        with transaction.atomic():
            _check_rows(resource, dataset, result)
            if not result.has_errors:
                resource.write()
                result.written = True
    except IntegrityError:
        # Someone else imported or edited the same records between our check and write.
        result.written = False
        result.file_errors.append(
            _("The roster changed while this file was being imported, so nothing was "
              "imported. Upload the file again.")
        )
    return result


def _column_errors(headers: list[str], columns: tuple[str, ...]) -> list[str]:
    errors = []
    missing = [column for column in columns if column not in headers]
    if missing:
        errors.append(
            _("Columns missing from the file: %(missing)s. The first line must name the "
              "columns %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(columns)}
        )
    repeated = sorted(column for column, count in Counter(headers).items() if column and count > 1)
    if repeated:
        errors.append(
            _("Columns named twice: %(columns)s.") % {"columns": ", ".join(repeated)}
        )
    return errors


def _check_rows(resource: RosterResource, dataset, result: RosterImportResult) -> None:
    checked = resource.check(dataset)
    result.file_errors.extend(
        _("Unexpected error: %(error)s") % {"error": error.error} for error in checked.base_errors
    )
    for row, row_result in zip(dataset.dict, checked.rows, strict=True):
        action = ACTION_OF_IMPORT_TYPE[row_result.import_type]
        result.rows.append(
            RosterRow(
                line=row[LINE],
                action=action,
                cells=tuple(row[column] for column in result.columns),
                errors=_row_errors(resource, row_result),
                changed_columns=(
                    resource.changed_columns(row_result.instance)
                    if action == RowAction.UPDATE else ()
                ),
            )
        )


def _row_errors(resource: RosterResource, row_result) -> tuple[str, ...]:
    if row_result.errors:
        return tuple(
            _("Unexpected error: %(error)s") % {"error": error.error} for error in row_result.errors
        )
    error = row_result.validation_error
    if error is None:
        return ()
    if not hasattr(error, "error_dict"):
        return tuple(error.messages)
    return tuple(
        message if key == NON_FIELD_ERRORS else f"{resource.column_of(key)}: {message}"
        for key, messages in error.message_dict.items()
        for message in messages
    )

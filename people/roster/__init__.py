"""The roster import: departments (所属), staff (職員) and operator-ID grants (照合ID付与).

Coordinators upload the rosters they keep in Excel. `roster_import` is the one entry
point, for the admin views (directory.admin_views) and the benchmark alike: the site's
import pipeline (core.imports) reads the file and finds its columns, `resources` checks
its rows against the database with import-export, and this module decides whether to
write.
"""

from dataclasses import dataclass

import tablib
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.results import RowResult

from core.imports.columns import Column
from core.imports.pipeline import (
    ImportKind,
    ImportResult,
    ImportRow,
    RowAction,
    Upload,
    checked_write,
    read_upload,
)
from people.access import require_roster_manager
from people.roster.resources import (
    LINE,
    DepartmentResource,
    IdGrantResource,
    PersonResource,
    RosterResource,
)


class RosterKind(models.TextChoices):
    DEPARTMENTS = "departments", gettext_lazy("Department list")
    PEOPLE = "people", gettext_lazy("Staff list")
    ID_GRANTS = "id_grants", gettext_lazy("Operator ID grant list")


ACTION_OF_IMPORT_TYPE = {
    RowResult.IMPORT_TYPE_NEW: RowAction.NEW,
    RowResult.IMPORT_TYPE_UPDATE: RowAction.UPDATE,
    RowResult.IMPORT_TYPE_SKIP: RowAction.UNCHANGED,
    RowResult.IMPORT_TYPE_INVALID: RowAction.ERROR,
    RowResult.IMPORT_TYPE_ERROR: RowAction.ERROR,
}


@dataclass
class RosterImportResult(ImportResult):
    kind: RosterKind | None = None


RESOURCES: dict[RosterKind, type[RosterResource]] = {
    RosterKind.DEPARTMENTS: DepartmentResource,
    RosterKind.PEOPLE: PersonResource,
    RosterKind.ID_GRANTS: IdGrantResource,
}


def import_kind(kind: str) -> ImportKind:
    """A kind of roster file as the import pipeline knows it: its columns, keyed by the
    resource's field names, every one required but the resource's optional ones."""
    resource = RESOURCES[RosterKind(kind)]
    return ImportKind(name=f"roster:{RosterKind(kind).value}", columns=tuple(
        Column(name, resource.fields[name].column_name,
               required=name not in resource.optional_fields)
        for name in resource._meta.import_order
    ))


def roster_import(
    *,
    kind: str,
    content: bytes,
    file_name: str,
    encoding: str,
    by: AbstractBaseUser,
    dry_run: bool,
    chosen: dict[str, int] | None = None,
    remembered: dict[str, str] | None = None,
) -> RosterImportResult:
    """Check a roster file and, unless `dry_run`, import it.

    All or nothing: every row is checked before anything is written, and the writes are
    made in one transaction only if the file is readable, has every column, and no row is
    bad. Otherwise nothing at all is written. A preview (`dry_run=True`) never writes;
    the confirm step calls this again with the stored file, so the file is read and
    checked afresh rather than trusting the preview. Records that already match the file
    are not touched, so importing the same file twice changes nothing the second time.

    `kind` is a RosterKind, `encoding` an Encoding (it only matters for CSV); `chosen`
    and `remembered` say which column is which field (core.imports.columns). Rows
    for organisations outside `by`'s scope are bad rows; anyone but a coordinator gets
    Http404, as from every view.
    """
    scope = require_roster_manager(by)
    kind = RosterKind(kind)
    resource = RESOURCES[kind](scope=scope)
    result = RosterImportResult(kind=kind, file_name=file_name, columns=resource.columns())
    upload = read_upload(import_kind(kind), result, content=content, encoding=encoding,
                         chosen=chosen, remembered=remembered)
    if upload is None:
        return result
    dataset = _dataset(upload, resource)
    result.columns = resource.columns(present=upload.match.positions)
    try:
        return checked_write(result, check=lambda: _check_rows(resource, dataset, result),
                             write=resource.write, dry_run=dry_run)
    except IntegrityError:
        # Someone else imported or edited the same records between our check and write.
        result.written = False
        result.file_errors.append(
            _("The roster changed while this file was being imported, so nothing was "
              "imported. Upload the file again.")
        )
    return result


def _dataset(upload: Upload, resource: RosterResource) -> tablib.Dataset:
    """The file's rows under the resource's own headings, whichever columns held them.
    An optional column the file lacks is left out, so import-export leaves its field as
    the database holds it."""
    keys = [key for key in resource._meta.import_order if key in upload.match.positions]
    dataset = tablib.Dataset(headers=[*resource.columns(present=keys), LINE])
    for line, cells in upload.rows:
        dataset.append([*(upload.cell(cells, key) for key in keys), line])
    return dataset


def _check_rows(resource: RosterResource, dataset, result: RosterImportResult) -> None:
    checked = resource.check(dataset)
    result.file_errors.extend(
        _("Unexpected error: %(error)s") % {"error": error.error} for error in checked.base_errors
    )
    for row, row_result in zip(dataset.dict, checked.rows, strict=True):
        action = ACTION_OF_IMPORT_TYPE[row_result.import_type]
        result.rows.append(
            ImportRow(
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

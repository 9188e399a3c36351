"""A scenario's timeline as a spreadsheet: export it, and import it back all or nothing.

The spreadsheet holds every field of the timeline, so that export then import gives back
exactly the timeline that was exported. One row per expected action, the inject's columns
repeated on each of its rows, and one row for an inject without expected actions:

    番号 時刻 手段 発信者 宛先 件名 内容 予備 受信確認を受けて発出
    | 期待される対応 目標 担当役割 期限（分） 重み 計画の手順

Rows with the same 番号 are one inject (a continuation row may leave the inject's columns
empty). The English headers (no., time, channel, …) are read too. A file of the older
seven columns (時刻 … 期待される対応) still imports: each row is one inject, and the
preview says which defaults filled the missing columns. Files are read by the site's one
import pipeline (core.imports): CSV in UTF-8 or Shift_JIS (CP932), or the first sheet of
an XLSX workbook, every row keeping its line number for messages.

An import either appends the file's injects to the timeline or replaces the timeline with
them, as the coordinator chooses. Before anything is written the preview lists every
change field by field (old → new): on replace, the file's inject 番号 N is compared with
the timeline's Nth inject, which keeps that inject's identity when nothing changed.

Here: the import as a whole. columns.py: the columns and cell words; export.py: the
export; rows.py: reading rows into injects; changes.py: the preview's list of changes.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.imports.pipeline import ImportResult, checked_write, read_upload
from drills.models import Scenario
from drills.timeline.changes import TimelineChange
from drills.timeline.columns import HEADERS, KIND, ImportMode
from drills.timeline.export import timeline_csv, timeline_rows, timeline_xlsx
from drills.timeline.rows import timeline_check_rows

__all__ = ["HEADERS", "KIND", "ImportMode", "TimelineImportResult", "timeline_csv",
           "timeline_import", "timeline_rows", "timeline_xlsx"]


@dataclass
class TimelineImportResult(ImportResult):
    mode: str = ImportMode.REPLACE
    current: int = 0  # injects in the timeline before the import
    columns: tuple[str, ...] = HEADERS
    blocks: list[dict] = field(default_factory=list)  # the timeline after the import
    changes: list[TimelineChange] = field(default_factory=list)

    @property
    def replaces(self) -> bool:
        return self.mode == ImportMode.REPLACE

    @property
    def injects_in_file(self) -> int:
        return len(self.blocks) - (0 if self.replaces else self.current)

    @property
    def removed(self) -> list[str]:
        return [change.inject for change in self.changes if change.kind == "removed"]


def timeline_import(
    *, scenario: Scenario, content: bytes, file_name: str, encoding: str, dry_run: bool,
    mode: str = ImportMode.REPLACE, chosen: dict[str, int] | None = None,
    remembered: dict[str, str] | None = None,
) -> TimelineImportResult:
    """Check a timeline file and, unless `dry_run`, append it to the scenario's timeline
    or make it the timeline (`mode`); `chosen` and `remembered` say which column is which
    field (core.imports.columns).

    All or nothing: if the file cannot be read, lacks a column, or has any bad row,
    nothing is written. The real import locks the scenario and checks the file again
    against the timeline as it is then, so it never trusts an earlier preview. Access is
    the caller's to check (drills.access.get_scenario_for).
    """
    if mode not in (ImportMode.APPEND, ImportMode.REPLACE):
        raise ValueError(mode)
    result = TimelineImportResult(file_name=file_name, mode=mode, current=len(scenario.timeline))
    upload = read_upload(KIND, result, content=content, encoding=encoding, chosen=chosen,
                         remembered=remembered)
    if upload is None:
        return result
    absent = [column.heading for column in KIND.columns
              if column.key not in upload.match.positions and not column.required]
    if absent:
        result.notices.append(
            _("The file has no column %(columns)s: each row is one inject, and the preview "
              "says which defaults fill the rest.") % {"columns": ", ".join(absent)}
        )
    result.columns = tuple(upload.heading(column.key, column.heading) for column in KIND.columns)
    target = scenario

    def check():
        nonlocal target
        if not dry_run:
            target = Scenario.objects.select_for_update().get(pk=scenario.pk)
            result.current = len(target.timeline)
        timeline_check_rows(target, upload, result)

    def write():
        target.timeline = result.blocks
        target.save(update_fields=["timeline", "updated_at"])

    return checked_write(result, check=check, write=write, dry_run=dry_run)

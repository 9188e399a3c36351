"""The Wagtail admin's downloads (our viewsets' `?export=csv|xlsx` and Wagtail's own
reports), written the way the site's own are (core.exports).

Wagtail's SpreadsheetExportMixin, left alone, writes what a Japanese office cannot use: a
CSV without a byte-order mark (Excel reads it as Shift_JIS, so every name is mojibake),
headings that are field paths (`organisation.lg_code`), values as stored (`coordinator`,
`True`), times in UTC, and one sheet called "Sheet1" with columns too narrow for
Japanese. It also writes formula cells as they come, and a dotted path through an empty
relation raises half-way through a streamed CSV.

So the mixin is patched once, at start-up (ops.apps): that reaches every viewset and the
reports Wagtail registers itself, which no subclass of ours would. Each download then has:
- cells that are never formulas (core.exports.neutralised / guard_xlsx_cell);
- a heading per column from the models' verbose names, through relations
  (「組織 団体コード」);
- a choice's label, はい/いいえ for a yes/no, and local time (Asia/Tokyo);
- in CSV, UTF-8 with a byte-order mark; in XLSX, a sheet named after what it lists and
  columns as wide as their headings.
"""

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.exports import guard_xlsx_cell, neutralised, xlsx_value
from core.numbers import Percent

BOM = "\ufeff"
# A column's width in Excel's units: a Japanese character takes about two.
MIN_WIDTH, MAX_WIDTH = 10, 60
LOCAL_TIME = "%Y-%m-%d %H:%M"


def prepare_wagtail_exports() -> None:
    from wagtail.admin.views.mixins import SpreadsheetExportMixin as Mixin

    if getattr(Mixin, "prepared_for_excel", False):
        return
    preprocess = Mixin.preprocess_field_value
    xlsx_row = Mixin.generate_xlsx_row
    stream_csv = Mixin.stream_csv
    csv_response = Mixin.write_csv_response

    def to_row_dict(self, item):
        return {field: _value_at(item, field) for field in self.list_export}

    def preprocess_field_value(self, field, value, export_format):
        if isinstance(value, Percent):
            return neutralised(value) if export_format == self.FORMAT_CSV else xlsx_value(value)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            local = timezone.localtime(value)
            return (local.strftime(LOCAL_TIME) if export_format == self.FORMAT_CSV
                    else timezone.make_naive(local))
        if export_format == self.FORMAT_XLSX:
            value = preprocess(self, field, value, export_format)
            return xlsx_value(value)
        return neutralised(preprocess(self, field, value, export_format))

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        cells = xlsx_row(self, worksheet, row_dict, date_format=date_format)
        for cell, value in zip(cells, row_dict.values(), strict=True):
            yield guard_xlsx_cell(cell, value)

    def get_heading(self, queryset, field):
        override = self.export_headings.get(field)
        # A report may list plain objects, not a queryset.
        model = getattr(queryset, "model", None)
        return str(override) if override else _heading(model, field)

    def stream_csv_with_bom(self, queryset):
        yield BOM
        yield from stream_csv(self, queryset)

    def write_csv_response(self, queryset):
        response = csv_response(self, queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response

    def write_xlsx(self, queryset, output):
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter
        from wagtail.admin.views.mixins import ExcelDateFormatter

        workbook = Workbook(write_only=True, iso_dates=True)
        worksheet = workbook.create_sheet(
            title=_sheet_title(getattr(queryset, "model", None), self.get_filename()))
        headings = [self.get_heading(queryset, field) for field in self.list_export]
        for number, heading in enumerate(headings, start=1):
            worksheet.column_dimensions[get_column_letter(number)].width = _width(heading)
        worksheet.freeze_panes = "A2"
        worksheet.append(headings)
        date_format = ExcelDateFormatter().get()
        for item in queryset:
            worksheet.append(self.generate_xlsx_row(worksheet, self.to_row_dict(item),
                                                    date_format=date_format))
        workbook.save(output)

    Mixin.to_row_dict = to_row_dict
    Mixin.preprocess_field_value = preprocess_field_value
    Mixin.generate_xlsx_row = generate_xlsx_row
    Mixin.get_heading = get_heading
    Mixin.stream_csv = stream_csv_with_bom
    Mixin.write_csv_response = write_csv_response
    Mixin.write_xlsx = write_xlsx
    Mixin.prepared_for_excel = True


def _value_at(item, path: str):
    """The value at a dotted path, as a person reads it: a choice's label, はい/いいえ.
    A path through an empty relation is an empty cell (Wagtail raises, and a streamed
    CSV then ends half-way with no error anyone can see)."""
    from wagtail.coreutils import multigetattr

    *through, last = path.split(".")
    owner = item
    for part in through:
        owner = multigetattr(owner, part)
        if owner is None:
            return None
    value = multigetattr(owner, last)
    field = _model_field(type(owner), last)
    if field is not None and field.choices and not callable(value):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _model_field(model, name):
    meta = getattr(model, "_meta", None)
    if meta is None:
        return None
    try:
        return meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _heading(model, path: str) -> str:
    """「組織 団体コード」 for organisation.lg_code: each step's verbose name."""
    words = []
    for part in path.split("."):
        field = _model_field(model, part)
        if field is None:
            # A method, or a report of plain objects: its description, or the name in
            # words, through the catalogue (which has Wagtail's reports' words).
            attribute = getattr(model, part, None) if model is not None else None
            described = getattr(attribute, "short_description", "")
            words.append(str(described) if described else _(capfirst(part.replace("_", " "))))
            model = None
            continue
        words.append(str(getattr(field, "verbose_name", part)))
        model = field.related_model
    return capfirst(" ".join(words))


def _sheet_title(model, fallback: str) -> str:
    # Excel's limits for a sheet's name: 31 characters, none of []:*?/\ .
    name = str(model._meta.verbose_name_plural) if model is not None else fallback
    return "".join(" " if c in "[]:*?/\\" else c for c in name)[:31] or "Sheet1"


def _width(heading: str) -> int:
    units = sum(2 if ord(c) > 0x2E7F else 1 for c in heading) + 2
    return max(MIN_WIDTH, min(MAX_WIDTH, units))

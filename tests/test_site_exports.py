"""Every spreadsheet the site offers opens in Japanese Excel as the office reads it.

One table, one row per export (core.exports is the one pipeline they all go through): each
is downloaded through its URL as the role that uses it, in each format it is offered in,
and read back (openpyxl for XLSX; for CSV the byte-order mark, then the cells through
core.spreadsheets.restored, as the imports read them) to check:

- CSV starts with a UTF-8 byte-order mark (without it Excel reads Shift_JIS: mojibake);
- every heading is Japanese, and no cell is an enum key, True/False or None;
- times are local (Asia/Tokyo), never UTC or ISO with an offset; in XLSX they, and dates,
  are real date cells;
- a code with leading zeros (an employee number 00123) is still 00123;
- XLSX sheets are named (no 「Sheet1」 or 「Tablib Dataset」) and each column is at least
  as wide as its heading.

The Wagtail admin's list downloads are core.wagtail_exports' (tests/test_admin_exports.py).
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl.utils import get_column_letter

from core.exports import display_width
from core.spreadsheets import restored
from tests.test_analysis import flagged as flagged  # noqa: F401 - a fixture
from tests.test_drill_timeline import lookup as lookup  # noqa: F401 - a fixture
from tests.test_drill_timeline import with_scenario_permissions
from tests.test_terminal_coverage import quarter as quarter  # noqa: F401 - a fixture

BOM = "\ufeff".encode()
CODE = "00123"  # the operator's employee number in these tests
# The session of the closed_session fixture ends at 16:30 JST on 2026-11-20 (07:30 UTC);
# the attendance is recorded then.
RECORDED = datetime.datetime(2026, 11, 20, 16, 30)
UNNAMED_SHEETS = {"", "Sheet", "Sheet1", "Tablib Dataset"}
ENUM_KEY = re.compile(r"^[a-z]+(_[a-z]+)+$")  # records_viewed, new_assignment …
KEYS = {"present", "late", "absent", "roster", "qr", "phone", "meeting", "plan"}
NOT_READABLE = {"True", "False", "None"}
UTC_LOOKING = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|[+-]00:00$|UTC")


@dataclass(frozen=True)
class Export:
    name: str
    url: object  # (fixtures) -> the URL
    role: str  # the fixture person who downloads it
    needs: tuple = ()  # further fixtures the data comes from
    formats: tuple = ("csv", "xlsx")
    code_column: str = ""  # a column holding CODE
    date_columns: tuple = ()  # columns of dates or moments: date cells in XLSX
    moment: tuple = ()  # (column, naive local datetime) that one cell holds
    scenario_admin: bool = False


EXPORTS = [
    Export(
        "attendance", lambda f, fmt: reverse("training:attendance_export",
                                             args=[f["closed_session"].pk, fmt]),
        "coordinator", needs=("closed_session",), code_column="職員番号",
        date_columns=("記録日時",), moment=("記録日時", RECORDED),
    ),
    Export(
        "onward sharing dashboard",
        lambda f, fmt: reverse("training:sharing_dashboard_download", args=[fmt]),
        "coordinator", needs=("closed_session",), date_columns=("期限",),
    ),
    Export(
        "quiz item analysis",
        lambda f, fmt: reverse("training:quiz_analysis_export", args=[f["flagged"].pk, fmt]),
        "coordinator", needs=("flagged",),
    ),
    Export(
        "audit trail",
        lambda f, fmt: reverse("audit:trail_download", args=[fmt]) + "?department="
        + str(f["department_a"].pk),
        "coordinator", needs=("audited",), code_column="職員番号",
        date_columns=("日時",), moment=("日時", datetime.datetime(2026, 11, 26, 10, 0)),
    ),
    Export(
        "duty matrix", lambda f, fmt: reverse("overview:download", args=[fmt]),
        "coordinator", needs=("closed_session",),
    ),
    Export(
        "annual report workbook", lambda f, fmt: reverse("reports:annual_xlsx", args=[2026]),
        "coordinator", needs=("closed_session",), formats=("xlsx",),
    ),
    Export(
        "person record",
        lambda f, fmt: reverse("reports:person_record_csv", args=[f["operator"].pk, 2026]),
        "supervisor", needs=("closed_session",), formats=("csv",),
    ),
    Export(
        "terminal-log review coverage",
        lambda f, fmt: reverse("terminal_logs:coverage_xlsx", args=[2026]) + "?quarter=2",
        "coordinator", needs=("quarter",), formats=("xlsx",),
    ),
    Export(
        "drill timeline",
        lambda f, fmt: f"/admin/scenario/timeline/{f['lookup'].pk}/export/{fmt}/",
        "coordinator", needs=("lookup",), scenario_admin=True,
    ),
]


@pytest.fixture
def audited(clock, prefecture, department_a, operator, coordinator):
    """The operator looking at their department's records, now (2026-11-26 10:00 JST)."""
    from django.contrib.contenttypes.models import ContentType

    from audit import chain
    from audit.models import AuditEvent

    return chain.append(
        at=timezone.now(), action=AuditEvent.Action.RECORDS_VIEWED, actor=operator.user,
        actor_person=operator, content_type=ContentType.objects.get_for_model(department_a),
        object_id=str(department_a.pk), organisation=prefecture, department=department_a,
        subject=operator,
    )


CASES = [pytest.param(export, file_format, id=f"{export.name}-{file_format}")
         for export in EXPORTS for file_format in export.formats]


def test_every_export_of_the_site_is_in_the_table():
    """A new export view (a URL ending in a format, or named like one) must join the
    table above: otherwise nothing checks what Excel makes of it."""
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                namespace = f"{pattern.namespace}:" if pattern.namespace else ""
                yield from names(pattern, prefix + namespace)
            elif pattern.name:
                yield prefix + pattern.name, str(pattern.pattern)

    exported = {name for name, route in names(get_resolver())
                if "file_format" in route or route.endswith((".xlsx", "csv/"))}
    assert exported == {
        "training:attendance_export", "training:sharing_dashboard_download",
        "training:quiz_analysis_export", "audit:trail_download", "overview:download",
        "reports:annual_xlsx", "reports:person_record_csv", "scenario:timeline_export",
        "terminal_logs:coverage_xlsx",
    }


@pytest.mark.parametrize("export, file_format", CASES)
def test_the_export_opens_in_japanese_excel(request, login, operator, export, file_format):
    operator.employee_number = CODE
    operator.save()
    fixtures = {name: request.getfixturevalue(name)
                for name in ("clock", "department_a", "operator", *export.needs)}
    person = request.getfixturevalue(export.role)
    if export.scenario_admin:
        person = with_scenario_permissions(person)
    response = login(person).get(export.url(fixtures, file_format))
    assert response.status_code == 200, export.name
    if file_format == "csv":
        sheets = {"": csv_sheet(response.content)}
    else:
        sheets = xlsx_sheets(response.content)
    for title, (headings, rows, widths) in sheets.items():
        check_headings(headings)
        check_cells(rows)
        by_heading = [dict(zip(headings, row, strict=False)) for row in rows]
        if export.code_column:
            assert CODE in [row[export.code_column] for row in by_heading], export.name
        if file_format == "xlsx":
            assert title not in UNNAMED_SHEETS
            for heading, width in zip(headings, widths, strict=True):
                assert width >= min(display_width(heading), 60), (title, heading, width)
            for column in export.date_columns:
                values = [row[column] for row in by_heading if row[column] not in (None, "")]
                assert values and all(isinstance(v, datetime.datetime) for v in values), \
                    (column, values)
        if export.moment:
            column, local = export.moment
            expected = local if file_format == "xlsx" else local.strftime("%Y-%m-%d %H:%M:%S")
            assert expected in [row[column] for row in by_heading], (column, by_heading)


def csv_sheet(content: bytes):
    assert content.startswith(BOM)
    rows = [[restored(cell) for cell in row]
            for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    return rows[0], rows[1:], ()


def xlsx_sheets(content: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in workbook.worksheets:
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        headings = rows[0]
        widths = [sheet.column_dimensions[get_column_letter(n)].width
                  for n in range(1, len(headings) + 1)]
        sheets[sheet.title] = (headings, rows[1:], widths)
    return sheets


def check_headings(headings):
    for heading in headings:
        assert heading and any(ord(c) > 0x2000 for c in str(heading)), \
            f"not a Japanese heading: {heading!r} in {headings}"


def check_cells(rows):
    for row in rows:
        for value in row:
            assert not isinstance(value, bool), row
            if isinstance(value, str):
                assert value not in NOT_READABLE, row
                assert value not in KEYS and not ENUM_KEY.match(value), f"a key: {value!r}"
                assert not UTC_LOOKING.search(value), f"not local time: {value!r}"


# The pipeline's own rules, on one dataset


def test_the_pipeline_writes_values_as_the_office_reads_them():
    import tablib

    from core.exports import csv_bytes, xlsx_bytes
    from training.models import Attendance

    utc = datetime.datetime(2026, 11, 20, 7, 30, tzinfo=datetime.UTC)  # 16:30 in Tokyo
    dataset = tablib.Dataset(headers=["出欠", "確認済み", "記録日時", "期限", "所属コード"],
                             title="出欠")
    dataset.append([Attendance.Status.LATE, True, utc, datetime.date(2026, 12, 28), "0300"])
    dataset.append([Attendance.Status.PRESENT, False, None, None, "0301"])

    _headings, rows, _widths = csv_sheet(csv_bytes(dataset))
    assert rows == [["遅刻", "はい", "2026-11-20 16:30:00", "2026-12-28", "0300"],
                    ["出席", "いいえ", "", "", "0301"]]

    [(title, (_headings, rows, widths))] = xlsx_sheets(xlsx_bytes(dataset)).items()
    assert title == "出欠"
    assert rows[0] == ["遅刻", "はい", datetime.datetime(2026, 11, 20, 16, 30),
                       datetime.datetime(2026, 12, 28), "0300"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(dataset))).active
    assert (sheet["C2"].number_format, sheet["D2"].number_format) == (
        "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd")
    assert widths[2] >= len("2026-11-20 16:30:00")


def test_a_sheet_without_a_title_is_a_mistake_not_sheet1():
    import tablib

    from core.exports import xlsx_bytes

    with pytest.raises(ValueError, match="title"):
        xlsx_bytes(tablib.Dataset(["a"], headers=["列"]))

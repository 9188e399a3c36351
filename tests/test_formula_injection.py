"""Formula injection: no export writes a cell that a spreadsheet program would run.

Every CSV cell of text that starts with =, +, -, @, a tab or a carriage return gets a
leading apostrophe; every such XLSX cell is a string cell marked "quote prefix" (what
Excel stores when someone types '=...). Numbers stay numbers. The imports read the
apostrophe off again, so exports still import back unchanged.
"""

import copy
import csv
import datetime
import decimal
import io

import openpyxl
import pytest
import tablib
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from wagtail.log_actions import log

from core.exports import csv_bytes, neutralised, spreadsheet_response, xlsx_bytes
from drills.timeline import timeline_csv, timeline_import, timeline_xlsx
from people.models import Person
from tests.test_audit import event
from tests.test_drill_timeline import TIMELINE, injects
from tests.test_drill_timeline import lookup as lookup  # noqa: F401 - a fixture
from tests.test_people_admin import with_people_permissions
from tests.test_sessions import attend, invite, make_session, with_session_permissions

LINK = '=HYPERLINK("http://evil.example/","詳細")'
SUM = "-1+2"


@pytest.mark.parametrize("text", [LINK, SUM, "+81 96 333 2111", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("value", [
    -1, 2.5, decimal.Decimal("-3.5"), datetime.date(2026, 4, 1), None, True, "山田 花子",
    "a=b", "",
])
def test_numbers_dates_and_harmless_text_stay_as_they_are(value):
    assert neutralised(value) == value


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_cells(content: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for row in workbook.active.iter_rows() for cell in row]


def assert_csv_is_safe(content: bytes, *expected: str) -> None:
    cells = [cell for row in csv_rows(content) for cell in row]
    for text in expected:
        assert "'" + text in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def assert_xlsx_is_safe(content: bytes, *expected: str) -> None:
    cells = xlsx_cells(content)
    for text in expected:
        found = [cell for cell in cells if cell.value == text]
        assert found and all(cell.data_type == "s" and cell.quotePrefix for cell in found)
    formulas = [cell.value for cell in cells if cell.data_type == "f"]
    assert formulas == []


def test_both_formats_of_a_dataset_are_safe_and_numbers_stay_numbers():
    dataset = tablib.Dataset(headers=["名前", "点数"], title="点数")
    dataset.append([LINK, -1])
    dataset.append([SUM, 2])
    assert csv_rows(csv_bytes(dataset))[1:] == [["'" + LINK, "-1"], ["'" + SUM, "2"]]
    assert_xlsx_is_safe(xlsx_bytes(dataset), LINK, SUM)
    assert [cell.value for cell in xlsx_cells(xlsx_bytes(dataset))][2:] == [LINK, -1, SUM, 2]
    assert spreadsheet_response(dataset, file_format="csv", file_stem="x").content.startswith(
        "\ufeff".encode())


# Each export of the site


@pytest.fixture
def session(clock, prefecture, operator, colleague):
    operator.name, operator.kana = LINK, "@ヤマダ"
    operator.save()
    session = make_session(prefecture)
    invite(session, operator, colleague)
    attend(session, operator, note=SUM)
    return session


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_attendance_export_is_safe(login, session, coordinator, file_format):
    response = login(coordinator).get(
        reverse("training:attendance_export", args=[session.pk, file_format]))
    check = assert_csv_is_safe if file_format == "csv" else assert_xlsx_is_safe
    check(response.content, LINK, SUM, "@ヤマダ")


def test_the_attendance_export_imports_back_unchanged(login, session, coordinator):
    from training.sessions import attendance_import

    client = login(coordinator)
    exported = client.get(reverse("training:attendance_export", args=[session.pk, "csv"])).content
    filled = exported.decode("utf-8-sig").replace("colleague,,", "colleague,欠席,")
    with translation.override("en"):
        result = attendance_import(session=session, content=filled.encode(), file_name="a.csv",
                                   encoding="auto", by=coordinator, now=session.starts_at,
                                   dry_run=True)
    assert not result.has_errors, result.rows
    assert [(row.employee_number, row.note, row.action) for row in result.rows] == [
        ("operator", SUM, "unchanged"), ("colleague", "", "new"),
    ]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_sharing_dashboard_export_is_safe(login, closed_session, department_a, coordinator,
                                              file_format):
    department_a.name = LINK
    department_a.save()
    response = login(coordinator).get(
        reverse("training:sharing_dashboard_download", args=[file_format]))
    assert response.status_code == 200
    check = assert_csv_is_safe if file_format == "csv" else assert_xlsx_is_safe
    check(response.content, LINK)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_audit_trail_export_is_safe(clock, login, coordinator, prefecture, department_a,
                                        operator, file_format):
    from django.utils import timezone

    operator.name = LINK
    operator.save()
    event(prefecture, department_a, at=timezone.now(), subject=operator)
    response = login(coordinator).get(reverse("audit:trail_download", args=[file_format]),
                                      {"department": department_a.pk})
    check = assert_csv_is_safe if file_format == "csv" else assert_xlsx_is_safe
    check(response.content, LINK)


@pytest.fixture
def hostile_timeline(lookup):  # noqa: F811 - the fixture imported above
    timeline = copy.deepcopy(TIMELINE)
    timeline[0]["value"].update(subject=LINK, message=SUM)
    lookup.timeline = timeline
    lookup.save()
    return lookup


def test_the_timeline_exports_are_safe(hostile_timeline):
    # Every time cell starts with "+": in CSV it is written '+0:00, in XLSX it is text.
    assert_csv_is_safe(timeline_csv(hostile_timeline), LINK, SUM, "+0:00")
    assert_xlsx_is_safe(timeline_xlsx(hostile_timeline), LINK, SUM, "+0:00")


@pytest.mark.parametrize("export, file_name", [(timeline_csv, "t.csv"), (timeline_xlsx, "t.xlsx")])
def test_a_safe_timeline_export_imports_back_unchanged(hostile_timeline, export, file_name):
    before = injects(hostile_timeline)
    with translation.override("en"):
        result = timeline_import(scenario=hostile_timeline, content=export(hostile_timeline),
                                 file_name=file_name, encoding="auto", dry_run=False)
    assert result.written, result.bad_rows or result.file_errors
    assert injects(hostile_timeline) == before
    assert before[0]["subject"] == LINK and before[0]["message"] == SUM


# The Wagtail admin's downloads: our list exports and Wagtail's own reports


def streamed(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("model", ["person", "idgrant", "roleassignment"])
def test_the_people_admin_exports_are_safe(login, coordinator, supervisor, operator, model,
                                           file_format):
    Person.objects.filter(pk__in=[operator.pk, supervisor.pk]).update(name=LINK, kana=SUM)
    response = login(with_people_permissions(coordinator)).get(
        f"/admin/{model}/?export={file_format}")
    assert response.status_code == 200
    check = assert_csv_is_safe if file_format == "csv" else assert_xlsx_is_safe
    check(streamed(response), LINK)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_attendance_admin_export_is_safe(login, session, coordinator, file_format):
    response = login(with_session_permissions(coordinator)).get(
        f"/admin/attendance/?export={file_format}")
    check = assert_csv_is_safe if file_format == "csv" else assert_xlsx_is_safe
    check(streamed(response), LINK)


def test_no_admin_download_bypasses_the_guard():
    """The guard sits on Wagtail's SpreadsheetExportMixin, so it covers every list and
    report download (quiz results, sessions, questions, Wagtail's own reports, form
    submissions) unless a view writes its rows its own way: none may."""
    from django.urls import get_resolver
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    get_resolver().url_patterns  # noqa: B018 - loads every admin view
    assert SpreadsheetExportMixin.prepared_for_excel

    def subclasses(cls):
        for subclass in cls.__subclasses__():
            yield subclass
            yield from subclasses(subclass)

    writers = ("preprocess_field_value", "generate_xlsx_row", "write_csv_row", "stream_csv",
               "write_xlsx", "as_spreadsheet")
    own_writers = {
        (view.__module__, view.__name__, name)
        for view in subclasses(SpreadsheetExportMixin) for name in writers
        if name in vars(view) and not view.__module__.startswith("wagtail.")
        and name != "as_spreadsheet"  # audit.admin_exports records, then calls super()
    }
    assert own_writers == set()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_wagtails_own_site_history_report_is_safe(client, operator, file_format):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.jp", "x" * 16)
    operator.name = LINK
    operator.save()
    log(instance=operator, action="wagtail.edit", user=admin)
    client.force_login(admin)
    response = client.get(f"/admin/reports/site-history/?export={file_format}")
    assert response.status_code == 200
    check = assert_csv_is_safe if file_format == "csv" else assert_xlsx_is_safe
    check(streamed(response), LINK)

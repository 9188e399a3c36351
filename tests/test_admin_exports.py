"""Every spreadsheet download of the Wagtail admin, found by walking the URL patterns, so a
viewset added later is covered without anyone listing it here (issue 15, point 14).

A download streams its rows: a value that fails half-way (a dotted path through an empty
relation, as `organisation.lg_code` of a role tied to a department) used to end the file
early behind a 200. So each download is read to the end and its rows are counted.
"""

import csv
import datetime
import io

import openpyxl
import pytest
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from people.models import RoleAssignment
from tests.conftest import class_views_without_arguments

JST = datetime.timezone(datetime.timedelta(hours=9))


def export_urls():
    """(address, list_export) of every URL without arguments whose view exports."""
    for address, callback, view_class in class_views_without_arguments():
        if issubclass(view_class, SpreadsheetExportMixin):
            columns = getattr(callback, "view_initkwargs", {}).get("list_export",
                                                                  view_class.list_export)
            if columns:
                yield address, columns


def test_the_walk_finds_our_viewsets_and_wagtails_reports(db):
    found = {url for url, _columns in export_urls()}
    assert {"/admin/roleassignment/", "/admin/person/", "/admin/attendance/",
            "/admin/reports/site-history/"} <= found


def read_rows(response, file_format):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if file_format == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_admin_export_downloads_whole(client, django_user_model, closed_session,
                                            coordinator, evaluator, drill, file_format):
    # The fixtures give roles of both scopes (department and organisation), a closed
    # session with attendance and onward sharing, a scenario and a drill.
    assert RoleAssignment.objects.filter(department__isnull=False).exists()
    assert RoleAssignment.objects.filter(organisation__isnull=False).exists()
    client.force_login(django_user_model.objects.create_superuser("root", "", "x"))
    failures = []
    for url, _columns in sorted(set((url, tuple(c)) for url, c in export_urls())):
        response = client.get(url, {"export": file_format})
        if response.status_code != 200:
            failures.append((url, response.status_code))
            continue
        rows = read_rows(response, file_format)
        if not rows:
            failures.append((url, "empty"))
    assert failures == []


def test_the_roles_export_leaves_the_empty_scope_blank(client, django_user_model, supervisor,
                                                       coordinator):
    client.force_login(django_user_model.objects.create_superuser("root", "", "x"))
    rows = read_rows(client.get("/admin/roleassignment/", {"export": "csv"}), "csv")
    assert sorted(rows[1:]) == [
        ["430005", coordinator.employee_number, coordinator.name, "取りまとめ担当", "", "430005"],
        ["430005", supervisor.employee_number, supervisor.name, "所属長", "A01", ""],
    ]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_admin_export_opens_in_japanese_excel(client, django_user_model, closed_session,
                                                    coordinator, drill, file_format):
    """Issue 18: a byte-order mark (else Excel reads UTF-8 as Shift_JIS), headings in
    words rather than field paths, a named sheet with readable widths."""
    client.force_login(django_user_model.objects.create_superuser("root", "", "x"))
    failures = []
    for url, _columns in sorted(set((url, tuple(c)) for url, c in export_urls())):
        response = client.get(url, {"export": file_format})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if file_format == "csv":
            if not body.startswith("\ufeff".encode()):
                failures.append((url, "no byte-order mark"))
            headings = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(body)).active
            headings = [cell.value for cell in sheet[1]]
            if sheet.title == "Sheet1":
                failures.append((url, "sheet named Sheet1"))
            if sheet.column_dimensions["A"].width < 10:
                failures.append((url, "narrow columns"))
        paths = [h for h in headings if "." in str(h) or "_" in str(h)]
        if paths:
            failures.append((url, paths))
    assert failures == []


def test_values_read_as_a_person_reads_them(client, django_user_model, closed_session):
    """Choices as their labels, yes/no in words, times in Japan's time zone, and a code's
    leading zeros kept (Excel reads a CSV cell 0300 as 300)."""
    from people.models import Department

    Department.objects.filter(code="A01").update(code="0300")
    client.force_login(django_user_model.objects.create_superuser("root", "", "x"))
    departments = read_rows(client.get("/admin/department/", {"export": "csv"}), "csv")
    assert ["430005", '="0300"', "県北広域本部福祉課", "いいえ"] in [row for row in departments]
    sessions = read_rows(client.get("/admin/trainingsession/", {"export": "xlsx"}), "xlsx")
    held = closed_session.starts_at
    assert any(held.astimezone(JST).replace(tzinfo=None) in row for row in sessions[1:])

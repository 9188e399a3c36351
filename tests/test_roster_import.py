"""The roster import: people.roster.roster_import and its two-step admin views.

Files are generated here rather than kept as fixtures, so each test shows the rows it
feeds in. Messages are checked in English; the service runs under translation.override.
"""

import datetime
import io
import re
import tempfile

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from core.imports.files import Encoding
from core.imports.pipeline import RowAction
from people.access import scope_for
from people.models import Department, IdGrant, Person
from people.roster import roster_import

DEPARTMENT_HEADER = ["団体コード", "所属コード", "所属名"]
PEOPLE_HEADER = ["団体コード", "職員番号", "氏名", "フリガナ", "メールアドレス", "所属コード"]
GRANT_HEADER = ["団体コード", "職員番号", "付与日", "失効日", "付与理由"]
PREFECTURE = "430005"
CITY = "431001"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def upload_folder(tmp_path, monkeypatch):
    """Uploads waiting for confirmation go to a folder of the test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def csv_file(rows, encoding="utf-8"):
    return "".join(",".join(str(cell) for cell in row) + "\r\n" for row in rows).encode(encoding)


def xlsx_file(*sheets):
    """A workbook with one sheet per (title, rows) pair, in order."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def run(content, *, by, kind="people", dry_run=False, encoding="auto", file_name="roster.csv"):
    return roster_import(
        kind=kind, content=content, file_name=file_name, encoding=encoding, by=by.user,
        dry_run=dry_run,
    )


def people_rows(*rows):
    return [PEOPLE_HEADER, *rows]


def staff(number, name="木村 拓也", department="A01", organisation=PREFECTURE):
    return [organisation, number, name, "キムラ タクヤ", f"{number}@pref.example.jp", department]


def actions(result):
    return [(row.line, row.action) for row in result.rows]


def errors(result):
    return {row.line: " ".join(row.errors) for row in result.rows if row.errors}


def imported(*numbers):
    return set(
        Person.objects.filter(employee_number__in=numbers).values_list("employee_number", flat=True)
    )


def table_state():
    return (
        sorted(Department.objects.values_list("id", "organisation_id", "code", "name")),
        sorted(Person.objects.values_list(
            "id", "organisation_id", "department_id", "employee_number", "name", "kana", "email",
            "job_title",
        )),
        sorted(IdGrant.objects.values_list(
            "id", "person_id", "granted_on", "revoked_on", "reason"
        )),
    )


# Reading files


def test_a_shift_jis_file_imports_with_automatic_encoding(coordinator, department_a):
    # 髙 and 﨑 are variants only CP932 (not plain Shift_JIS) has; names keep them as typed.
    content = csv_file(people_rows(staff("1001", name="髙橋 﨑子")), encoding="cp932")

    result = run(content, by=coordinator)

    assert result.written and result.encoding == Encoding.CP932
    person = Person.objects.get(employee_number="1001")
    assert (person.name, person.kana) == ("髙橋 﨑子", "キムラ タクヤ")
    assert person.department == department_a
    assert person.organisation == department_a.organisation


def test_codes_stored_in_other_widths_match_the_files_codes(coordinator, department_a):
    from tests.conftest import make_person

    # A department code and an employee number typed with full-width characters elsewhere
    # (the admin): the file's A01 and 1002 are the same codes (core.text.fold_width).
    Department.objects.filter(pk=department_a.pk).update(code="Ａ０１")
    existing = make_person("kimura", department_a, name="木村 拓也", number="１００２")

    result = run(csv_file(people_rows(staff("1001"), staff("1002"))), by=coordinator)

    assert errors(result) == {} and result.written
    assert actions(result) == [(2, RowAction.NEW), (3, RowAction.UPDATE)]
    assert Person.objects.get(employee_number="1001").department_id == department_a.pk
    assert Person.objects.filter(name="木村 拓也").count() == 2  # 1001, and the one updated
    assert Person.objects.get(pk=existing.pk).email == "1002@pref.example.jp"


def test_a_utf8_file_with_a_byte_order_mark_imports(coordinator, department_a):
    content = csv_file(people_rows(staff("1001")), encoding="utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")

    result = run(content, by=coordinator, encoding="utf-8")

    assert result.written and result.file_errors == []
    assert Person.objects.filter(employee_number="1001").exists()


def test_shift_jis_read_as_utf8_gets_a_clear_message(coordinator, department_a):
    content = csv_file(people_rows(staff("1001")), encoding="cp932")

    result = run(content, by=coordinator, encoding="utf-8")

    assert result.has_errors and result.rows == [] and not result.written
    assert result.file_errors == [
        "Line 1 is not UTF-8 text. Excel saves CSV files in Shift_JIS: choose "
        "Shift_JIS (CP932) or Automatic."
    ]


def test_utf8_read_as_shift_jis_gets_a_clear_message(coordinator, department_a):
    result = run(csv_file(people_rows(staff("1001"))), by=coordinator, encoding="cp932")

    assert result.file_errors == [
        "This file is UTF-8 text, not Shift_JIS: choose UTF-8 or Automatic."
    ]


def test_a_file_in_neither_encoding_is_refused(coordinator, department_a):
    result = run(csv_file(people_rows(staff("1001")), encoding="utf-16"), by=coordinator)

    assert result.file_errors == [
        "The file is neither UTF-8 nor Shift_JIS (CP932) text. Save it from Excel as CSV and "
        "upload it again."
    ]


def test_an_old_xls_workbook_is_refused(coordinator):
    result = run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), by=coordinator,
                 file_name="roster.xls")

    assert result.file_errors == [
        "This is an old-style .xls workbook. Save it as .xlsx or as CSV and upload it again."
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"\r\n,,,\r\n", "The file is empty."),
        (csv_file([PEOPLE_HEADER]), "The file has a line of column headings but no rows."),
    ],
)
def test_an_empty_file_is_refused(coordinator, content, message):
    result = run(content, by=coordinator)

    assert result.file_errors == [message] and result.rows == [] and not result.written


def test_missing_columns_are_reported_once_before_any_row(coordinator, department_a):
    header = ["団体コード", "職員番号", "氏名", "所属コード"]
    content = csv_file([header, [PREFECTURE, "1001", "木村 拓也", "A01"]])

    result = run(content, by=coordinator)

    assert result.file_errors == [
        "Columns missing from the file: フリガナ, メールアドレス. The first line must name the "
        "columns 団体コード, 職員番号, 氏名, フリガナ, メールアドレス, 所属コード, 職名."
    ]
    assert result.rows == [] and not imported("1001")


def test_extra_columns_are_ignored_and_named(coordinator, department_a):
    content = csv_file([[*PEOPLE_HEADER, "備考"], [*staff("1001"), "新任"]])

    result = run(content, by=coordinator)

    assert result.written
    assert result.notices == ["Columns ignored: 備考."]


def test_a_workbook_is_read_from_its_first_sheet_and_the_preview_says_so(
    coordinator, department_a
):
    content = xlsx_file(
        ("職員", people_rows(staff("1001"), staff(1002))),  # a number cell, as Excel keeps it
        ("記入例", people_rows(staff("9999", name="記入 例"))),
        ("コード表", [["所属コード", "所属名"], ["A01", "福祉課"]]),
    )

    result = run(content, by=coordinator, file_name="roster.xlsx")

    assert result.written and result.encoding is None
    assert result.notices == [
        "Only the first sheet, “職員”, was read. Other sheets were ignored: “記入例”, “コード表”."
    ]
    assert actions(result) == [(2, RowAction.NEW), (3, RowAction.NEW)]
    assert imported("1001", "1002", "9999") == {"1001", "1002"}


def test_line_numbers_are_the_files_own_despite_blank_lines(coordinator, department_a):
    content = csv_file(people_rows(staff("1001"), [], ["", "", ""], staff("1002", department="Z9")))

    result = run(content, by=coordinator, dry_run=True)

    assert actions(result) == [(2, RowAction.NEW), (5, RowAction.ERROR)]


# Bad rows


def test_a_repeated_employee_number_is_a_bad_row(coordinator, department_a):
    content = csv_file(people_rows(staff("1001"), staff("1002"), staff("１００１", name="別人")))

    result = run(content, by=coordinator)

    assert errors(result) == {4: "Line 2 has the same 団体コード + 職員番号."}
    assert not result.written and not imported("1001", "1002")


def test_an_unknown_department_is_a_bad_row(coordinator, department_a):
    result = run(csv_file(people_rows(staff("1001", department="X99"))), by=coordinator)

    assert errors(result) == {
        2: "所属コード: 熊本県 has no department with the code “X99”. Import the departments first."
    }
    assert not result.written


def test_a_department_of_another_organisation_is_a_bad_row(coordinator, department_a,
                                                          city_department):
    result = run(csv_file(people_rows(staff("1001", department="K01"))), by=coordinator)

    assert errors(result) == {
        2: "所属コード: 熊本県 has no department with the code “K01”. Import the departments first."
    }


def test_an_unknown_organisation_is_a_bad_row(coordinator, department_a):
    result = run(csv_file(people_rows(staff("1001", organisation="999999"))), by=coordinator)

    assert errors(result) == {2: "団体コード: No organisation has the code 999999."}


@pytest.mark.parametrize(
    "granted_on, message",
    [
        ("2026/02/30", "付与日: 2026/02/30 is not a real date."),
        ("2026/13/1", "付与日: 2026/13/1 is not a real date."),
        ("4月1日", "付与日: “4月1日” is not a date. Write dates as 2026-04-01, 2026/4/1, "
                   "令和8年4月1日 or R8.4.1."),
        ("平成32年1月1日", "付与日: 平成32年1月1日 is not a date of 平成, which ran from "
                          "平成元年1月8日 to 平成31年4月30日."),
        ("令和0年1月1日", "付与日: 令和0年1月1日 is not a date of 令和, which began on 令和元年5月1日."),
        ("R8.2.30", "付与日: R8.2.30 is not a real date."),
        ("Ｒ８．２．３０", "付与日: R8.2.30 is not a real date."),  # named as read, width folded
    ],
)
def test_a_malformed_or_impossible_date_is_a_bad_row(coordinator, operator, granted_on, message):
    content = csv_file([GRANT_HEADER, [PREFECTURE, "operator", granted_on, "", ""]])

    result = run(content, by=coordinator, kind="id_grants")

    assert errors(result) == {2: message}
    assert not result.written


def test_era_dates_import_as_offices_type_them(coordinator, operator):
    content = csv_file([
        GRANT_HEADER,
        [PREFECTURE, "operator", "H31.4.1", "平成31年4月30日", "その他"],
        [PREFECTURE, "operator", "令和元年5月1日", "R2/3/31", "その他"],
        [PREFECTURE, "operator", "R2.4.1", "令和３年３月３１日", "その他"],  # full-width digits
    ])

    result = run(content, by=coordinator, kind="id_grants")

    assert errors(result) == {} and result.written
    assert list(IdGrant.objects.filter(person=operator, granted_on__lt=datetime.date(2022, 1, 1))
                .order_by("granted_on").values_list("granted_on", "revoked_on")) == [
        (datetime.date(2019, 4, 1), datetime.date(2019, 4, 30)),
        (datetime.date(2019, 5, 1), datetime.date(2020, 3, 31)),
        (datetime.date(2020, 4, 1), datetime.date(2021, 3, 31)),
    ]


def test_a_grant_revoked_before_it_was_granted_is_a_bad_row(coordinator, operator):
    content = csv_file([GRANT_HEADER, [PREFECTURE, "operator", "2026/4/1", "2026/3/31", ""]])

    result = run(content, by=coordinator, kind="id_grants")

    assert errors(result) == {
        2: "失効日: The ID is revoked on 2026-03-31, before it was granted on 2026-04-01."
    }


def test_blank_cells_and_an_invalid_email_are_bad_rows(coordinator, department_a):
    rows = [
        [PREFECTURE, "1001", "", "", "not-an-address", "A01"],
        [PREFECTURE, "1002", "木村 拓也", "", "", ""],
        ["", "1003", "木村 拓也", "", "", "A01"],
    ]

    result = run(csv_file(people_rows(*rows)), by=coordinator)

    assert errors(result) == {
        2: "氏名: This field cannot be blank. メールアドレス: Enter a valid email address.",
        3: "所属コード: The cell is empty.",
        4: "団体コード: The cell is empty.",
    }


def test_one_bad_row_among_good_ones_means_nothing_is_written(coordinator, department_a):
    before = table_state()
    content = csv_file(people_rows(staff("1001"), staff("1002"), staff("1003", department="X")))

    result = run(content, by=coordinator, dry_run=False)

    assert result.has_errors and not result.written
    assert [row.action for row in result.rows] == [RowAction.NEW, RowAction.NEW, RowAction.ERROR]
    assert table_state() == before


def test_a_city_coordinator_cannot_import_rows_for_the_prefecture(
    city_coordinator, city_department, department_a
):
    content = csv_file(people_rows(
        staff("2001", organisation=CITY, department="K01"),
        staff("1001", organisation=PREFECTURE, department="A01"),
    ))

    result = run(content, by=city_coordinator)

    assert errors(result) == {3: "団体コード: 熊本県 (430005) is outside your scope."}
    assert not result.written and not Person.objects.filter(employee_number="2001").exists()


@pytest.mark.parametrize("role", ["supervisor", "evaluator"])
def test_a_city_coordinator_who_supervises_or_evaluates_in_the_prefecture_cannot_import_there(
    city_coordinator, city_department, department_a, prefecture, role
):
    """Supervising a department, or evaluating drills, of another organisation gives no
    right to change its roster: imports act only where the user coordinates."""
    from people.models import RoleAssignment

    RoleAssignment.objects.create(
        person=city_coordinator, role=role,
        **({"department": department_a} if role == "supervisor" else
           {"organisation": prefecture}),
    )
    for kind, content in (
        ("people", csv_file(people_rows(staff("1001", organisation=PREFECTURE)))),
        ("departments", csv_file([DEPARTMENT_HEADER, [PREFECTURE, "Z99", "新設課"]])),
    ):
        result = run(content, by=city_coordinator, kind=kind)

        assert errors(result) == {2: "団体コード: 熊本県 (430005) is outside your scope."}
        assert not result.written
    assert not Person.objects.filter(employee_number="1001").exists()
    assert not Department.objects.filter(code="Z99").exists()


def test_a_city_coordinator_who_supervises_in_the_prefecture_cannot_import_its_id_grants(
    city_coordinator, department_a, operator
):
    from people.models import RoleAssignment

    RoleAssignment.objects.create(person=city_coordinator, role="supervisor",
                                  department=department_a)
    result = run(csv_file([GRANT_HEADER, [PREFECTURE, "operator", "2026/4/10", "2026/11/1", ""]]),
                 by=city_coordinator, kind="id_grants")

    assert errors(result) == {2: "団体コード: 熊本県 (430005) is outside your scope."}
    assert IdGrant.objects.get(person=operator).revoked_on is None


def test_a_prefecture_coordinator_imports_for_a_municipality(coordinator, city_department):
    result = run(csv_file(people_rows(staff("2001", organisation=CITY, department="K01"))),
                 by=coordinator)

    assert result.written
    assert Person.objects.get(employee_number="2001").organisation.lg_code == CITY


def test_only_coordinators_may_import(operator, department_a):
    from django.http import Http404

    with pytest.raises(Http404):
        run(csv_file(people_rows(staff("1001"))), by=operator)


# The three kinds, updates and re-runs


def test_the_three_kinds_import_in_turn(coordinator, prefecture, city):
    departments = csv_file([
        DEPARTMENT_HEADER,
        [PREFECTURE, "C01", "市町村課"],  # exists already, same name
        [PREFECTURE, "D01", "危機管理防災課"],
        [CITY, "K02", "中央区役所区民課"],
    ])
    result = run(departments, by=coordinator, kind="departments")
    assert actions(result) == [(2, RowAction.UNCHANGED), (3, RowAction.NEW), (4, RowAction.NEW)]
    assert Department.objects.get(organisation__lg_code=CITY, code="K02").name == "中央区役所区民課"

    people = csv_file(people_rows(
        staff("1001", department="D01"),
        [CITY, "2001", "ﾔﾏﾓﾄ 太郎", "ﾔﾏﾓﾄ ﾀﾛｳ", "", "K02"],  # half-width kana, as Excel users type
    ))
    result = run(people, by=coordinator)
    assert actions(result) == [(2, RowAction.NEW), (3, RowAction.NEW)]
    yamamoto = Person.objects.get(employee_number="2001")
    assert yamamoto.kana == "ヤマモト タロウ" and yamamoto.organisation == city

    grants = xlsx_file(("付与", [
        GRANT_HEADER,
        [PREFECTURE, "1001", datetime.datetime(2026, 4, 1), None, "新規配属"],
        [CITY, 2001, "2025/4/1", "2026-03-31", "transfer"],
        [CITY, "2001", "2026-04-01", "", ""],
    ]))
    result = run(grants, by=coordinator, kind="id_grants", file_name="grants.xlsx")
    assert result.file_errors == [] and result.written
    assert sorted(
        IdGrant.objects.values_list("person__employee_number", "granted_on", "revoked_on", "reason")
    ) == [
        ("1001", datetime.date(2026, 4, 1), None, "new_assignment"),
        ("2001", datetime.date(2025, 4, 1), datetime.date(2026, 3, 31), "transfer"),
        ("2001", datetime.date(2026, 4, 1), None, "new_assignment"),
    ]


def test_a_reason_must_be_a_known_label_or_code(coordinator, operator):
    content = csv_file([GRANT_HEADER, [PREFECTURE, "operator", "2026/5/1", "", "昇任"]])

    result = run(content, by=coordinator, kind="id_grants")

    assert errors(result) == {
        2: "付与理由: “昇任” is not a reason for a grant. Use one of: New assignment, "
        "Transfer from another department, Reissue, Other."
    }


def test_a_changed_row_is_an_update_naming_the_changed_columns(coordinator, operator, department_b):
    row = [PREFECTURE, "operator", "山田 花子", "ヤマダ ハナコ", "hanako@pref.example.jp", "B01"]

    result = run(csv_file(people_rows(row)), by=coordinator)

    assert [(r.action, r.changed_columns) for r in result.rows] == [
        (RowAction.UPDATE, ("所属コード", "メールアドレス"))
    ]
    operator.refresh_from_db()
    assert operator.department == department_b and operator.email == "hanako@pref.example.jp"
    assert operator.user is not None  # the login account stays linked


def test_a_file_with_the_job_title_column_sets_titles(coordinator, operator, department_a):
    header = [*PEOPLE_HEADER, "職名"]
    operator_row = [PREFECTURE, "operator", "山田 花子", "ヤマダ ハナコ", operator.email, "A01"]

    result = run(csv_file([header, [*staff("1001"), "主事"], [*operator_row, "主任"]]),
                 by=coordinator)

    assert [(r.action, r.changed_columns) for r in result.rows] == [
        (RowAction.NEW, ()), (RowAction.UPDATE, ("職名",)),
    ]
    assert "職名" in result.columns and result.rows[0].cells[-1] == "主事"
    assert Person.objects.get(employee_number="1001").job_title == "主事"
    operator.refresh_from_db()
    assert operator.job_title == "主任"


def test_the_job_title_column_is_found_in_any_width_and_its_cells_are_folded(
    coordinator, department_a
):
    header = [*PEOPLE_HEADER, "職名"]
    header[-1] = " 職名 "

    run(csv_file([header, [*staff("1001"), "ｼｽﾃﾑ担当主査"]]), by=coordinator)

    assert Person.objects.get(employee_number="1001").job_title == "システム担当主査"


def test_a_file_without_the_job_title_column_leaves_titles_as_they_are(
    coordinator, operator, department_a
):
    operator.job_title = "主任"
    operator.save(update_fields=["job_title"])
    operator_row = [PREFECTURE, "operator", "山田 花子", "ヤマダ ハナコ", operator.email, "A01"]

    result = run(csv_file(people_rows(operator_row, staff("1001"))), by=coordinator)

    assert "職名" not in result.columns
    assert [row.action for row in result.rows] == [RowAction.UNCHANGED, RowAction.NEW]
    operator.refresh_from_db()
    assert operator.job_title == "主任"
    assert Person.objects.get(employee_number="1001").job_title == ""


def test_a_blank_job_title_cell_clears_the_title(coordinator, operator, department_a):
    operator.job_title = "主任"
    operator.save(update_fields=["job_title"])
    operator_row = [PREFECTURE, "operator", "山田 花子", "ヤマダ ハナコ", operator.email, "A01"]

    run(csv_file([[*PEOPLE_HEADER, "職名"], [*operator_row, ""]]), by=coordinator)

    operator.refresh_from_db()
    assert operator.job_title == ""


def test_a_job_title_too_long_is_refused_in_japanese_naming_the_cell(coordinator, department_a):
    before = table_state()
    rows = [[*staff("1001"), "主事"], [*staff("1002"), "危機管理" * 13]]

    with translation.override("ja"):
        result = run(csv_file([[*PEOPLE_HEADER, "職名"], *rows]), by=coordinator)

    assert not result.written
    assert list(errors(result)) == [3]
    assert errors(result)[3].startswith("職名: ")
    assert "50 文字以下" in errors(result)[3]
    assert table_state() == before


def test_the_upload_page_lists_the_job_title_column_as_optional(login, coordinator):
    client = login(admin_user(coordinator, language="ja"))

    page = client.get(reverse("roster_import"))

    assert "所属コード, 職名（任意）" in page.content.decode()


def test_importing_the_same_file_again_changes_nothing(coordinator, operator, department_b):
    content = csv_file(people_rows(staff("1001"), staff("1002", department="B01")))
    grants = csv_file([GRANT_HEADER, [PREFECTURE, "1001", "2026/4/1", "", "再発行"]])
    run(content, by=coordinator)
    run(grants, by=coordinator, kind="id_grants")
    before = table_state()

    with CaptureQueriesContext(connection) as queries:
        again = run(content, by=coordinator)
        grants_again = run(grants, by=coordinator, kind="id_grants")

    assert [row.action for row in again.rows + grants_again.rows] == [RowAction.UNCHANGED] * 3
    assert table_state() == before
    writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])]
    assert writes == []


def test_the_number_of_queries_does_not_grow_with_the_rows(coordinator, department_a, operator):
    scope_for(coordinator.user)  # computed once and kept on the user object

    def queries_for(numbers):
        content = csv_file(people_rows(*(staff(number) for number in numbers)))
        with CaptureQueriesContext(connection) as queries:
            result = run(content, by=coordinator)
        assert result.written and len(result.rows) == len(numbers)
        return len(queries)

    # organisations, departments, people; savepoint, bulk insert, release
    assert queries_for([f"1{i:03}" for i in range(3)]) == 6
    assert queries_for([f"2{i:03}" for i in range(60)]) == 6


# The admin views


def admin_user(person, *, language="en"):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    profile = UserProfile.get_for_user(person.user)
    profile.preferred_language = language
    profile.save()
    return person


def upload(client, content, *, kind="people", encoding="auto", name="roster.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(
        reverse("roster_import"), {"kind": kind, "encoding": encoding, "file": file}
    )


def confirm_token(response):
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match and match.group(1)


def test_a_coordinator_previews_every_row_then_confirms(
    login, coordinator, department_a, upload_folder
):
    client = login(admin_user(coordinator))
    assert client.get(reverse("roster_import")).status_code == 200

    response = upload(client, csv_file(people_rows(staff("1001"), staff("1002"))))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<td>2</td>" in body and "<td>3</td>" in body and "1002@pref.example.jp" in body
    assert "2 new, 0 to update, 0 unchanged, 0 with problems" in body
    assert "Character encoding: UTF-8" in body
    assert not imported("1001", "1002")  # nothing is written by the preview
    assert len(list(upload_folder.iterdir())) == 1  # the file waits on the server

    token = confirm_token(response)
    response = client.post(reverse("roster_import_confirm"), {"token": token})

    assert response.status_code == 302 and response.url == reverse("roster_import")
    assert Person.objects.filter(employee_number__in=["1001", "1002"]).count() == 2
    page = client.get(response.url).content.decode()
    assert "Imported roster.csv: 2 new, 0 updated, 0 unchanged." in page

    # The token is spent, and the stored file is gone.
    assert list(upload_folder.iterdir()) == []
    response = client.post(reverse("roster_import_confirm"), {"token": token}, follow=True)
    assert "That upload is no longer waiting to be imported." in response.content.decode()


def test_a_file_that_changes_nothing_offers_no_confirm(login, coordinator, operator):
    client = login(admin_user(coordinator))
    row = [PREFECTURE, "operator", "山田 花子", "ヤマダ ハナコ", "", "A01"]

    response = upload(client, csv_file(people_rows(row)))

    assert confirm_token(response) is None
    assert "Every row already matches the roster" in response.content.decode()


def test_a_file_with_a_bad_row_offers_no_confirm_and_a_forged_one_writes_nothing(
    login, coordinator, department_a
):
    client = login(admin_user(coordinator))
    response = upload(client, csv_file(people_rows(staff("1001"), staff("1002", department="X"))))

    body = response.content.decode()
    assert confirm_token(response) is None and 'action="/admin/roster/import/confirm/"' not in body
    assert "Nothing has been imported." in body and "Rows with problems" in body

    response = client.post(
        reverse("roster_import_confirm"), {"token": "偽造", "kind": "people", "encoding": "auto"}
    )

    assert response.status_code == 302 and not imported("1001", "1002")


def test_the_confirm_step_checks_the_stored_file_again(
    login, coordinator, department_a, department_b
):
    client = login(admin_user(coordinator))
    response = upload(client, csv_file(people_rows(staff("1001"), staff("1002", department="B01"))))
    token = confirm_token(response)
    assert token
    department_b.delete()  # the department named on line 3 has gone since the preview

    # The kind posted alongside the token is ignored: the session says what was uploaded.
    response = client.post(
        reverse("roster_import_confirm"), {"token": token, "kind": "departments"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing has been imported." in body and "has no department with the code" in body
    assert not imported("1001", "1002")


def test_a_token_is_no_use_in_another_coordinators_session(
    login, coordinator, city_coordinator, department_a
):
    mine = login(admin_user(coordinator))
    token = confirm_token(upload(mine, csv_file(people_rows(staff("1001")))))
    other = Client()
    other.force_login(admin_user(city_coordinator).user)

    response = other.post(reverse("roster_import_confirm"), {"token": token})

    assert response.status_code == 302 and not imported("1001")


def test_a_city_coordinator_sees_prefecture_rows_refused_in_the_preview(
    login, city_coordinator, city_department, department_a
):
    client = login(admin_user(city_coordinator))

    response = upload(client, csv_file(people_rows(staff("1001"))))

    assert "熊本県 (430005) is outside your scope." in response.content.decode()
    assert confirm_token(response) is None


@pytest.mark.parametrize("fixture", ["operator", "supervisor", "outsider"])
def test_others_with_admin_access_get_404(request, login, fixture):
    client = login(admin_user(request.getfixturevalue(fixture)))

    assert client.get(reverse("roster_import")).status_code == 404
    assert client.post(reverse("roster_import_confirm"), {"token": "x"}).status_code == 404
    assert "Import a roster" not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("fixture", ["operator", "supervisor", "outsider"])
def test_others_without_admin_access_never_reach_the_import(request, login, fixture):
    client = login(request.getfixturevalue(fixture))

    response = client.get(reverse("roster_import"))

    # Wagtail sends anyone without wagtailadmin.access_admin to its login page.
    assert response.status_code == 302 and response.url.startswith(reverse("wagtailadmin_login"))


def test_the_menu_offers_the_import_to_coordinators(login, coordinator):
    body = login(admin_user(coordinator)).get(reverse("wagtailadmin_home")).content.decode()

    assert "Import a roster" in body and reverse("roster_import") in body


# The list views of the people models


@pytest.fixture
def superuser(django_user_model, operator, city):
    return django_user_model.objects.create_superuser("admin", password="x")


@pytest.mark.parametrize("viewset", ["organisation", "department", "person", "idgrant"])
def test_each_list_filters_and_exports(client, superuser, viewset):
    client.force_login(superuser)
    index = reverse(f"{viewset}:index")

    assert client.get(index).status_code == 200
    assert client.get(index, {"q": "熊本"}).status_code == 200
    xlsx = client.get(index, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.max_row >= 2


def test_the_people_list_exports_csv_and_searches_in_japanese(client, superuser):
    client.force_login(superuser)

    export = client.get(reverse("person:index"), {"export": "csv"})
    found = client.get(reverse("person:index"), {"q": "山田"}).content.decode()
    missed = client.get(reverse("person:index"), {"q": "鈴木"}).content.decode()

    assert "山田 花子,ヤマダ ハナコ" in b"".join(export.streaming_content).decode("utf-8-sig")
    assert "山田 花子" in found and "山田 花子" not in missed

"""Importing a filled-in paper sign-in sheet: preview every row, then record all or nothing.

Files are generated here, so each test shows the rows it feeds in. Service messages are
checked in English; the pages in Japanese.
"""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tests.conftest import make_person
from tests.test_sessions import START, attend, invite, make_session
from training.models import Attendance
from training.sessions import attendance_import

HEADER = ["職員番号", "出欠", "備考"]


def csv_file(rows, encoding="utf-8"):
    return "".join(",".join(row) + "\r\n" for row in rows).encode(encoding)


@pytest.fixture
def session(prefecture, operator, colleague):
    session = make_session(prefecture)
    invite(session, operator, colleague)
    return session


def check(session, content, *, by, dry_run=True, encoding="auto"):
    with translation.override("en"):
        return attendance_import(
            session=session, content=content, file_name="受付簿.csv", encoding=encoding,
            by=by, now=START, dry_run=dry_run,
        )


def problems(result):
    return {row.line: list(row.errors) for row in result.rows if row.errors}


def test_a_good_sheet_is_previewed_without_writing_and_then_recorded(session, coordinator):
    content = csv_file([HEADER, ["operator", "出席", ""], ["colleague", "欠席（届出あり）", "窓口当番"]])

    preview = check(session, content, by=coordinator)
    assert not preview.has_errors
    assert [(r.line, r.employee_number, r.name, r.action) for r in preview.rows] == [
        (2, "operator", "山田 花子", "new"), (3, "colleague", "佐藤 次郎", "new"),
    ]
    assert not Attendance.objects.exists()

    result = check(session, content, by=coordinator, dry_run=False)
    assert result.written
    recorded = {a.person.employee_number: a for a in Attendance.objects.select_related("person")}
    assert recorded["operator"].status == "present"
    assert (recorded["colleague"].status, recorded["colleague"].note) == ("excused", "窓口当番")
    assert all(a.method == "import" and a.recorded_by == coordinator and a.recorded_at == START
               for a in recorded.values())


def test_a_shift_jis_file_from_excel_is_read(session, coordinator):
    content = csv_file([HEADER, ["operator", "遅刻", "電車遅延"]], encoding="cp932")
    result = check(session, content, by=coordinator, dry_run=False)
    assert result.encoding == "cp932"
    assert Attendance.objects.get().status == "late"


def test_a_workbook_is_read(session, coordinator):
    workbook = openpyxl.Workbook()
    for row in [HEADER, ["operator", "出席", None]]:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    assert check(session, stream.getvalue(), by=coordinator, dry_run=False).written


@pytest.mark.parametrize("word, status", [
    ("出席", "present"), ("遅刻", "late"), ("欠席", "absent"), ("欠席（届出あり）", "excused"),
    ("欠席(届出あり)", "excused"), ("present", "present"), ("Late", "late"),
    ("ABSENT", "absent"), ("excused", "excused"), (" 出席 ", "present"),
])
def test_statuses_in_japanese_or_english(session, coordinator, word, status):
    check(session, csv_file([HEADER, ["operator", word, ""]]), by=coordinator, dry_run=False)
    assert Attendance.objects.get().status == status


def test_full_width_employee_numbers_are_read(prefecture, coordinator, department_a):
    person = make_person("p1", department_a, name="全角 太郎", number="4301")
    session = make_session(prefecture)
    invite(session, person)
    assert check(session, csv_file([HEADER, ["４３０１", "出席", ""]]), by=coordinator,
                 dry_run=False).written


def test_bad_rows_are_all_listed_and_nothing_is_written(session, coordinator, outsider, holder_b):
    content = csv_file([
        HEADER,
        ["operator", "出席", ""],
        ["99999", "出席", ""],  # nobody has this number
        ["outsider", "出席", ""],  # the city's employee number, not the prefecture's
        ["holder_b", "出席", ""],  # on the staff, not invited
        ["colleague", "出た", ""],  # not a status
        ["operator", "遅刻", ""],  # a second row for operator
        ["", "出席", ""],
        ["colleague", "", "x" * 201],
    ])
    result = check(session, content, by=coordinator, dry_run=False)

    assert result.has_errors and not result.written
    assert problems(result) == {
        2: ["The employee number operator appears on more than one line."],
        3: ["熊本県 has no staff member with the employee number “99999”."],
        4: ["熊本県 has no staff member with the employee number “outsider”."],
        5: ["木村 亮 (holder_b) is not invited to this session."],
        6: ["The employee number colleague appears on more than one line.",
            "“出た” is not an attendance status. Use one of: 出席, 遅刻, 欠席, 欠席（届出あり）."],
        7: ["The employee number operator is already on line 2."],
        8: ["The employee number is empty."],
        9: ["The employee number colleague is already on line 6.",
            "The attendance cell is empty.",
            "The note is longer than 200 characters."],
    }
    assert not Attendance.objects.exists()


@pytest.fixture
def holder_b(department_b):
    return make_person("holder_b", department_b, name="木村 亮", granted_on=datetime.date(2024, 6, 1))


def test_missing_columns_are_reported(session, coordinator):
    result = check(session, csv_file([["職員番号", "備考"], ["operator", ""]]), by=coordinator)
    assert result.file_errors == [
        "Columns missing from the file: 出欠. The first line must name the columns "
        "職員番号, 出欠, 備考."
    ]
    assert not result.rows


def test_a_file_that_is_not_a_sheet_is_reported(session, coordinator):
    result = check(session, b"\xff\xfe\x00garbage\x81", by=coordinator, dry_run=False)
    assert result.file_errors and not result.written


def test_rows_already_recorded_the_same_are_left_alone(session, coordinator, operator, colleague):
    unchanged = attend(session, operator, status="present", method="qr")
    attend(session, colleague, status="absent", method="roster")
    content = csv_file([HEADER, ["operator", "出席", ""], ["colleague", "欠席（届出あり）", "届出あり"]])
    result = check(session, content, by=coordinator, dry_run=False)
    assert [row.action for row in result.rows] == ["unchanged", "update"]
    unchanged.refresh_from_db()
    assert unchanged.method == "qr"
    assert Attendance.objects.get(person=colleague).method == "import"


# The pages


def upload(client, session, content, name="受付簿.csv"):
    return client.post(reverse("training:attendance_import", args=[session.pk]), {
        "file": SimpleUploadedFile(name, content), "encoding": "auto",
    })


def test_upload_preview_and_confirm(clock, login, session, coordinator):
    client = login(coordinator)
    assert client.get(reverse("training:attendance_import", args=[session.pk])).status_code == 200
    response = upload(client, session, csv_file([HEADER, ["operator", "出席", ""]]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "山田 花子" in body and "新規" in body
    assert not Attendance.objects.exists()
    token = response.context["token"]

    response = client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                           {"token": token})
    assert response["Location"] == reverse("training:session_manage", args=[session.pk])
    assert Attendance.objects.get().method == "import"

    # The stored file is used once.
    client.post(reverse("training:attendance_import_confirm", args=[session.pk]), {"token": token})
    assert Attendance.objects.count() == 1


def test_a_bad_sheet_shows_every_problem_and_offers_no_confirm(clock, login, session, coordinator):
    response = upload(login(coordinator), session, csv_file([HEADER, ["99999", "出席", ""]]))
    body = response.content.decode()
    assert response.status_code == 400
    assert "何も取り込んでいません" in body
    assert "熊本県 に職員番号「99999」の職員はいません。" in body
    assert "attendance_import_confirm" not in body and 'name="token"' not in body


def test_the_confirm_step_checks_the_file_again(clock, login, session, coordinator, operator):
    client = login(coordinator)
    response = upload(client, session, csv_file([HEADER, ["operator", "出席", ""], ["colleague", "出席", ""]]))
    session.invitations.filter(person=operator).delete()  # uninvited between preview and confirm

    response = client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                           {"token": response.context["token"]})
    assert response.status_code == 400
    assert "開催通知を受けていません" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_forged_token_imports_nothing(clock, login, session, coordinator):
    client = login(coordinator)
    upload(client, session, csv_file([HEADER, ["operator", "出席", ""]]))
    response = client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                           {"token": "guessed"}, follow=True)
    assert "取り込み待ちではありません" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_token_for_another_session_imports_nothing(clock, login, prefecture, session, coordinator, operator):
    other = make_session(prefecture, title="別の研修会")
    invite(other, operator)
    client = login(coordinator)
    token = upload(client, session, csv_file([HEADER, ["operator", "出席", ""]])).context["token"]
    client.post(reverse("training:attendance_import_confirm", args=[other.pk]), {"token": token})
    assert not Attendance.objects.exists()


def test_an_exported_sheet_filled_in_imports_back(clock, login, session, coordinator):
    client = login(coordinator)
    exported = client.get(reverse("training:attendance_export", args=[session.pk, "csv"])).content
    filled = exported.decode("utf-8-sig").replace("colleague,,", "colleague,欠席,").replace(
        "operator,,", "operator,出席,")
    response = upload(client, session, filled.encode("utf-8-sig"))
    client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                {"token": response.context["token"]})
    assert sorted(Attendance.objects.values_list("status", flat=True)) == ["absent", "present"]


@pytest.mark.parametrize("who", ["operator", "supervisor", "city_coordinator", "outsider"])
def test_only_coordinators_import(clock, login, request, session, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("training:attendance_import", args=[session.pk])).status_code == 404
    response = upload(client, session, csv_file([HEADER, ["operator", "出席", ""]]))
    assert response.status_code == 404
    response = client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                           {"token": "x"})
    assert response.status_code == 404
    assert not Attendance.objects.exists()

"""The one spreadsheet import pipeline (core.imports): matching a file's columns, the
column-mapping step every import offers, the remembered choice, and abandoned uploads.

Each of the three imports (roster, drill timeline, sign-in sheet) is walked once with a
file whose headings are shuffled and renamed; the pages are in Japanese.
"""

import datetime
import io
import os
import re
import tempfile

import pytest
from django.test import Client
from django.urls import reverse

from core.imports.columns import Column, match_columns
from core.imports.store import FILE_PREFIX, remove_abandoned_uploads
from core.models import ColumnMapping
from drills.timeline import ImportMode
from people.models import Person
from tests.test_attendance_import import session as session  # noqa: F401 - a fixture
from tests.test_drill_timeline import injects, with_scenario_permissions
from tests.test_drill_timeline import lookup as lookup  # noqa: F401 - a fixture
from tests.test_roster_import import PREFECTURE, admin_user
from training.models import Attendance


@pytest.fixture(autouse=True)
def upload_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def csv_file(rows):
    return "".join(",".join(str(cell) for cell in row) + "\r\n" for row in rows).encode()


def named(content, name):
    file = io.BytesIO(content)
    file.name = name
    return file


def upload_token(response):
    match = re.search(r'name="upload" value="([^"]+)"', response.content.decode())
    return match and match.group(1)


def confirm_token(response):
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match and match.group(1)


def choice(response, **headings):
    """The mapping form's post: each field key set to the column with that heading."""
    form = response.context["columns_form"]
    return {key: str(form.headers.index(heading)) for key, heading in headings.items()}


# Matching columns


COLUMNS = (Column("number", "職員番号", aliases=("employee number",)),
           Column("status", "出欠"), Column("note", "備考", required=False))


def test_headings_match_in_any_order_width_and_case():
    match = match_columns(["備考", "ＥＭＰＬＯＹＥＥ  Number", "出欠"], COLUMNS)
    assert match.positions == {"note": 0, "number": 1, "status": 2}
    assert not match.needs_choice and match.ignored == []


def test_an_unknown_heading_is_missing_and_a_repeated_one_is_ambiguous():
    assert [c.key for c in match_columns(["番号", "出欠"], COLUMNS).missing] == ["number"]
    match = match_columns(["職員番号", "出欠", "出欠"], COLUMNS)
    assert [c.key for c in match.repeated] == ["status"] and match.needs_choice


def test_a_remembered_heading_fills_only_what_the_headings_leave_open():
    match = match_columns(["番号", "出欠", "メモ"], COLUMNS,
                          remembered={"number": "番号", "status": "メモ", "note": "メモ"})
    # 出欠 is found by its heading; メモ is free, so the remembered note takes it.
    assert match.positions == {"number": 0, "status": 1, "note": 2}
    assert not match.needs_choice


# The roster, with its columns renamed and shuffled

RENAMED_PEOPLE = ["メール", "課", "名前", "番号", "団体", "カナ", "旧所属"]


def people_row(number, name="木村 拓也"):
    return [f"{number}@pref.example.jp", "A01", name, number, PREFECTURE, "キムラ タクヤ", "総務課"]


def roster_upload(client, content, kind="people"):
    return client.post(reverse("roster_import"), {
        "kind": kind, "encoding": "auto", "file": named(content, "roster.csv"),
    })


PEOPLE_CHOICE = dict(organisation="団体", employee_number="番号", name="名前", kana="カナ",
                     email="メール", department="課")


def test_a_roster_with_other_headings_imports_after_the_columns_are_chosen(
    login, coordinator, department_a
):
    client = login(admin_user(coordinator, language="ja"))
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))

    body = response.content.decode()
    assert response.status_code == 200 and "columns_form" in response.context
    assert confirm_token(response) is None and "どの列が" in body  # Which column is which?
    assert not Person.objects.filter(employee_number="1001").exists()

    response = client.post(reverse("roster_import"), {
        "upload": upload_token(response), **choice(response, **PEOPLE_CHOICE)})

    assert response.status_code == 200 and response.context["result"].totals["new"] == 1
    assert "<td>2</td>" in response.content.decode()  # every row with its line in the file
    response = client.post(reverse("roster_import_confirm"), {"token": confirm_token(response)})
    assert response.status_code == 302
    person = Person.objects.get(employee_number="1001")
    assert (person.name, person.email) == ("木村 拓也", "1001@pref.example.jp")


def test_the_choice_is_remembered_for_the_user_and_kind_only(
    login, coordinator, city_coordinator, department_a
):
    client = login(admin_user(coordinator, language="ja"))
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))
    client.post(reverse("roster_import"), {
        "upload": upload_token(response), **choice(response, **PEOPLE_CHOICE)})
    assert ColumnMapping.objects.get(kind="roster:people").headings["email"] == "メール"

    # The same layout again, another day: straight to the preview.
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1002")]))
    assert "columns_form" not in response.context and confirm_token(response)
    assert "Columns ignored" not in response.content.decode()
    assert "旧所属" in response.content.decode()  # the column no field uses is named

    # Another kind of file, and another coordinator, are asked.
    response = roster_upload(client, csv_file([["団体", "所属", "名称"], [PREFECTURE, "B9", "課"]]),
                             kind="departments")
    assert "columns_form" in response.context
    other = Client()
    other.force_login(admin_user(city_coordinator, language="ja").user)
    response = roster_upload(other, csv_file([RENAMED_PEOPLE, people_row("1003")]))
    assert "columns_form" in response.context and confirm_token(response) is None


def test_a_required_field_left_unchosen_writes_nothing_and_says_so(
    login, coordinator, department_a
):
    client = login(admin_user(coordinator, language="ja"))
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))
    posted = choice(response, **PEOPLE_CHOICE)
    posted["email"] = ""

    response = client.post(reverse("roster_import"), {"upload": upload_token(response), **posted})

    body = response.content.decode()
    assert "メールアドレス を含む列を選んでください" in body.replace("“", "").replace("”", "")
    assert confirm_token(response) is None and not ColumnMapping.objects.exists()
    assert not Person.objects.filter(employee_number="1001").exists()


def test_one_column_chosen_for_two_fields_writes_nothing(login, coordinator, department_a):
    client = login(admin_user(coordinator, language="ja"))
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))
    posted = choice(response, **{**PEOPLE_CHOICE, "kana": "名前"})

    response = client.post(reverse("roster_import"), {"upload": upload_token(response), **posted})

    assert "選ばれています" in response.content.decode()
    assert confirm_token(response) is None
    assert not Person.objects.filter(employee_number="1001").exists()


def test_a_token_of_the_mapping_step_is_no_confirm(login, coordinator, department_a):
    client = login(admin_user(coordinator, language="ja"))
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))

    response = client.post(reverse("roster_import_confirm"), {"token": upload_token(response)})

    assert response.status_code == 302
    assert not Person.objects.filter(employee_number="1001").exists()


# The drill timeline


RENAMED_TIMELINE = ["内容の本文", "時間", "件名", "手段", "送り手", "受け手", "対応"]


def test_a_timeline_with_other_headings_replaces_after_the_columns_are_chosen(
    login, lookup, coordinator  # noqa: F811
):
    client = login(with_scenario_permissions(coordinator))
    content = csv_file([RENAMED_TIMELINE, ["連絡があった。", "+0:00", "第一報", "phone", "統制官",
                                           "所属長", ""]])
    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/", {
        "file": named(content, "t.csv"), "encoding": "auto", "mode": ImportMode.REPLACE})
    assert "columns_form" in response.context and not response.context.get("token")
    # 件名 and 手段 are the site's own headings: already chosen.
    form = response.context["columns_form"]
    assert form["subject"].value() == "2" and form["offset"].value() == ""

    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/", {
        "upload": upload_token(response),
        **choice(response, message="内容の本文", offset="時間", subject="件名", channel="手段",
                 sender="送り手", role="受け手", expected_action="対応")})
    token = response.context["token"]
    assert token and len(injects(lookup)) == 3  # nothing yet

    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/confirm/",
                           {"token": token, "confirm": "on"})
    assert response.status_code == 302
    [only] = injects(lookup)
    assert (only["subject"], only["sender"], only["message"]) == ("第一報", "統制官", "連絡があった。")


def test_a_wrong_choice_of_columns_is_refused_row_by_row(login, lookup, coordinator):  # noqa: F811
    client = login(with_scenario_permissions(coordinator))
    content = csv_file([RENAMED_TIMELINE, ["連絡があった。", "+0:00", "第一報", "phone", "統制官",
                                           "所属長", ""]])
    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/", {
        "file": named(content, "t.csv"), "encoding": "auto", "mode": ImportMode.REPLACE})
    # The message column is chosen as the time: the row is bad, nothing can be confirmed.
    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/", {
        "upload": upload_token(response),
        **choice(response, message="時間", offset="内容の本文", subject="件名", channel="手段",
                 sender="送り手", role="受け手", expected_action="対応")})

    assert response.context["token"] is None
    assert response.context["result"].bad_rows[0].line == 2
    assert len(injects(lookup)) == 3


# The sign-in sheet


def test_a_signin_sheet_with_other_headings_is_recorded_after_the_columns_are_chosen(
    clock, login, session, coordinator  # noqa: F811
):
    client = login(coordinator)
    address = reverse("training:attendance_import", args=[session.pk])
    content = csv_file([["メモ", "氏名", "出席", "番号"], ["", "山田 花子", "出席", "operator"]])
    response = client.post(address, {"file": named(content, "受付簿.csv"), "encoding": "auto"})
    assert "columns_form" in response.context and not response.context.get("token")

    response = client.post(address, {"upload": upload_token(response),
                                     **choice(response, employee_number="番号",
                                              attendance="出席", note="メモ")})
    assert response.status_code == 200 and "山田 花子" in response.content.decode()
    response = client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                           {"token": response.context["token"]})

    assert response.status_code == 302
    assert Attendance.objects.get().status == "present"


def test_another_session_cannot_use_the_upload(clock, login, session, coordinator):  # noqa: F811
    from tests.test_sessions import make_session

    client = login(coordinator)
    other = make_session(session.organisation, title="別の研修会")
    content = csv_file([["番号", "出欠"], ["operator", "出席"]])
    response = client.post(reverse("training:attendance_import", args=[session.pk]),
                           {"file": named(content, "受付簿.csv"), "encoding": "auto"})

    response = client.post(reverse("training:attendance_import", args=[other.pk]), {
        "upload": upload_token(response), "employee_number": "0", "attendance": "1"})

    assert response.status_code == 302 and not Attendance.objects.exists()


# Abandoned uploads


def test_an_abandoned_upload_is_removed_after_a_day(login, coordinator, department_a,
                                                   upload_folder):
    client = login(admin_user(coordinator, language="ja"))
    response = roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))
    [stored] = upload_folder.iterdir()
    assert stored.name.startswith(FILE_PREFIX)
    other_file = upload_folder / "someone-elses.tmp"  # not ours: never touched
    other_file.write_bytes(b"x")
    uploaded_at = datetime.datetime.fromtimestamp(stored.stat().st_mtime, tz=datetime.UTC)
    os.utime(other_file, (0, 0))

    assert remove_abandoned_uploads(now=uploaded_at + datetime.timedelta(hours=23)) == 0
    assert stored.exists()
    assert remove_abandoned_uploads(now=uploaded_at + datetime.timedelta(hours=25)) == 1
    assert not stored.exists() and other_file.exists()

    response = client.post(reverse("roster_import"), {
        "upload": upload_token(response), **choice(response, **PEOPLE_CHOICE)}, follow=True)
    assert "すでに取り込み待ちではありません" in response.content.decode()
    assert not Person.objects.filter(employee_number="1001").exists()


def test_every_new_upload_removes_the_abandoned_ones(login, coordinator, department_a,
                                                    upload_folder):
    client = login(admin_user(coordinator, language="ja"))
    roster_upload(client, csv_file([RENAMED_PEOPLE, people_row("1001")]))
    [old] = upload_folder.iterdir()
    day_and_more = (datetime.datetime.now(tz=datetime.UTC)
                    - datetime.timedelta(hours=25)).timestamp()
    os.utime(old, (day_and_more, day_and_more))

    # Another kind: the people file is not replaced by it, only removed for its age.
    roster_upload(client, csv_file([["団体", "所属", "名称"], [PREFECTURE, "B9", "課"]]),
                  kind="departments")

    assert not old.exists() and len(list(upload_folder.iterdir())) == 1


def test_a_preview_offers_to_choose_the_columns_again(login, coordinator, department_a):
    """The headings matched, but not as meant: 氏名 holds the kana, and フリガナ the name."""
    client = login(admin_user(coordinator, language="ja"))
    header = ["団体コード", "職員番号", "フリガナ", "氏名", "メールアドレス", "所属コード"]
    response = roster_upload(client, csv_file([header, [PREFECTURE, "1001", "木村 拓也",
                                                        "キムラ タクヤ", "k@pref.example.jp",
                                                        "A01"]]))
    assert confirm_token(response) and "どの列がどの項目かを選ぶ" in response.content.decode()

    response = client.post(reverse("roster_import"), {"upload": upload_token(response),
                                                      "choose": "1"})
    form = response.context["columns_form"]
    assert form["name"].value() == "3" and form["kana"].value() == "2"  # as the headings say

    response = client.post(reverse("roster_import"), {
        "upload": upload_token(response),
        **choice(response, organisation="団体コード", employee_number="職員番号", name="フリガナ",
                 kana="氏名", email="メールアドレス", department="所属コード")})
    client.post(reverse("roster_import_confirm"), {"token": confirm_token(response)})

    person = Person.objects.get(employee_number="1001")
    assert (person.name, person.kana) == ("木村 拓也", "キムラ タクヤ")

"""A scenario's timeline as a spreadsheet: drills.timeline's export and all-or-nothing
import, and its two-step admin views.

Files are generated here, so each test shows the rows it feeds in. Messages are checked in
English under translation.override; everything else is checked on data.
"""

import datetime
import io
import tempfile

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from drills.models import Scenario
from drills.timeline import HEADERS, timeline_csv, timeline_import, timeline_rows, timeline_xlsx

ENGLISH_HEADERS = ["time", "channel", "from", "to", "subject", "message", "expected action"]


@pytest.fixture(autouse=True)
def upload_folder(tmp_path, monkeypatch):
    """Uploads waiting for confirmation go to a folder of the test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def objective(code, title):
    return {"type": "objective", "value": {"code": code, "title": title, "description": ""}}


def inject(offset, channel, sender, role, subject, message, *actions, contingency=False):
    return {"type": "inject", "value": {
        "offset": offset, "channel": channel, "sender": sender, "role": role,
        "subject": subject, "message": message, "contingency": contingency,
        "expected_actions": [
            {"description": description, "objective": code, "role": who,
             "deadline_minutes": minutes, "weight": weight, "plan_step": step}
            for description, code, who, minutes, weight, step in actions
        ],
    }}


TIMELINE = [
    inject("+0:00", "monitoring", "24時間監視窓口", "市町村課 住基ネット担当", "【通報】著名人の照会",
           "8時47分、著名人の本人確認情報が照会されました。\n確認してください。",
           ("市町村課長へ報告する", "1", "市町村課 住基ネット担当", 15, 2, "step-1")),
    inject("+0:05", "media", "新聞社 記者", "市町村課長", "報道機関からの問合せ",
           "「=県の職員が照会したのは本当ですか」"),
    inject("+1:10", "phone", "J-LIS全国センター", "市町村課長", "停止の確認",
           "照合IDは停止しましたか。",
           ("照合IDの停止を指示する", "2", "市町村課 システム管理者", 5, 3, "step-2"),
           contingency=True),
]


@pytest.fixture
def lookup(plan, prefecture):
    """熊本県's scenario: three injects, one a contingency, each with at most one expected
    action; the actions test the plan fixture's steps."""
    return Scenario.objects.create(
        organisation=prefecture, title="著名人の照会", incident_type="unauthorised_lookup",
        summary="24時間監視からの通報。",
        objectives=[objective("1", "初動報告"), objective("2", "照合IDの停止")],
        timeline=TIMELINE,
    )


def csv_file(rows, encoding="utf-8"):
    def cell(value):
        value = str(value)
        return f'"{value}"' if any(c in value for c in ',"\n') else value

    return "".join(",".join(cell(c) for c in row) + "\r\n" for row in rows).encode(encoding)


def xlsx_file(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def import_(scenario, content, *, dry_run=False, file_name="timeline.csv", encoding="auto"):
    with translation.override("en"):
        return timeline_import(scenario=scenario, content=content, file_name=file_name,
                               encoding=encoding, dry_run=dry_run)


def injects(scenario):
    """The timeline's injects as plain data, without the ids Wagtail gives them."""
    scenario.refresh_from_db()
    return [
        {**block["value"], "expected_actions": [
            item["value"] if "value" in item else item
            for item in block["value"]["expected_actions"]
        ]}
        for block in scenario.timeline.raw_data
    ]


ROW = ["+0:00", "phone", "統制官", "所属長", "第一報", "連絡があった。", ""]


# Export


def test_the_csv_export_has_the_japanese_columns_and_a_row_per_inject(lookup):
    content = timeline_csv(lookup)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "時刻,手段,発信者,宛先,件名,内容,期待される対応"
    dataset = timeline_rows(lookup)
    assert dataset.headers == list(HEADERS)
    assert [row[0] for row in dataset] == ["+0:00", "+0:05", "+1:10"]
    assert dataset[0][2:5] == ("24時間監視窓口", "市町村課 住基ネット担当", "【通報】著名人の照会")
    assert dataset[0][5] == "8時47分、著名人の本人確認情報が照会されました。\n確認してください。"
    assert dataset[0][6] == "市町村課長へ報告する"
    assert dataset[1][6] == ""


def test_several_expected_actions_are_joined_in_the_last_column(lookup):
    lookup.timeline = [inject("+0:00", "phone", "統制官", "所属長", "第一報", "連絡",
                              ("報告する", "1", "所属長", 10, 1, ""),
                              ("記録する", "1", "所属長", 10, 1, ""))]
    lookup.save()
    assert timeline_rows(lookup)[0][6] == "報告する / 記録する"


def test_the_workbook_export_keeps_every_cell_as_text(lookup):
    workbook = openpyxl.load_workbook(io.BytesIO(timeline_xlsx(lookup)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert rows[1][0] == "+0:00"
    assert rows[2][5] == "「=県の職員が照会したのは本当ですか」"  # not a formula
    assert len(rows) == 4


@pytest.mark.parametrize("export, file_name", [(timeline_csv, "t.csv"), (timeline_xlsx, "t.xlsx")])
def test_an_exported_timeline_imports_back_unchanged(lookup, export, file_name):
    before = injects(lookup)
    result = import_(lookup, export(lookup), file_name=file_name)
    assert result.written, result.bad_rows or result.file_errors
    assert injects(lookup) == before
    assert before[2]["contingency"] and before[0]["expected_actions"][0]["plan_step"] == "step-1"


def test_several_expected_actions_also_survive_the_round_trip(lookup):
    lookup.timeline = [inject("+0:00", "phone", "統制官", "所属長", "第一報", "連絡",
                              ("報告する", "1", "所属長", 10, 1, "step-1"),
                              ("記録する", "2", "担当", 20, 2, ""))]
    lookup.save()
    before = injects(lookup)
    assert import_(lookup, timeline_csv(lookup)).written
    assert injects(lookup) == before


# Import


def test_bad_rows_are_refused_with_their_line_numbers_and_nothing_changes(lookup):
    before, updated_at = injects(lookup), lookup.updated_at
    content = csv_file([
        HEADERS,
        ROW,
        ["朝9時", "phone", "統制官", "所属長", "第二報", "連絡", ""],
        ["+0:10", "伝書鳩", "統制官", "所属長", "第三報", "連絡", ""],
        ["+0:15", "email", "統制官", "所属長", "", "連絡", ""],
        ["+0:20", "email", "統制官", "所属長", "第五報", "", ""],
    ])
    result = import_(lookup, content)
    assert not result.written and result.has_errors
    assert [row.line for row in result.rows] == [2, 3, 4, 5, 6]
    errors = {row.line: " ".join(row.errors) for row in result.bad_rows}
    assert set(errors) == {3, 4, 5, 6}
    assert "時刻" in errors[3] and "“朝9時” is not a time from the start" in errors[3]
    assert "+H:MM" in errors[3]
    assert "手段" in errors[4] and "“伝書鳩” is not a channel" in errors[4]
    assert "件名" in errors[5] and "cannot be empty" in errors[5]
    assert "内容" in errors[6] and "cannot be empty" in errors[6]
    lookup.refresh_from_db()
    assert injects(lookup) == before and lookup.updated_at == updated_at


def test_a_good_file_replaces_the_whole_timeline(lookup):
    content = csv_file([
        HEADERS,
        ["0:05", "電話", "統制官", "所属長", "第二報", "折り返しの電話", "市町村課へ報告する"],
        ["+0:00", "Walk-in", "統制官", "所属長", "第一報", "窓口に来た", ""],
    ])
    preview = import_(lookup, content, dry_run=True)
    assert not preview.has_errors and not preview.written
    assert preview.replaced == 3
    assert preview.removed == ["【通報】著名人の照会", "報道機関からの問合せ", "停止の確認"]
    assert len(injects(lookup)) == 3  # the preview writes nothing

    assert import_(lookup, content).written
    assert injects(lookup) == [
        {"offset": "+0:05", "channel": "phone", "sender": "統制官", "role": "所属長",
         "subject": "第二報", "message": "折り返しの電話", "contingency": False,
         "expected_actions": [{"description": "市町村課へ報告する", "objective": "1",
                               "role": "所属長", "deadline_minutes": 10, "weight": 1,
                               "plan_step": ""}]},
        {"offset": "+0:00", "channel": "walk_in", "sender": "統制官", "role": "所属長",
         "subject": "第一報", "message": "窓口に来た", "contingency": False,
         "expected_actions": []},
    ]


def test_full_width_digits_and_english_headers_are_read(lookup):
    content = csv_file([
        [h.upper() for h in ENGLISH_HEADERS],
        ["＋１：０５", "E-mail", "統制官", "所属長", "第一報", "連絡", ""],
        ["０：３０", "monitoring", "統制官", "所属長", "第二報", "連絡", ""],
    ])
    assert import_(lookup, content).written
    assert [inject["offset"] for inject in injects(lookup)] == ["+1:05", "+0:30"]
    assert [inject["channel"] for inject in injects(lookup)] == ["email", "monitoring"]


@pytest.mark.parametrize("encoding", ["auto", "cp932"])
def test_a_shift_jis_csv_from_excel_is_read(lookup, encoding):
    content = csv_file([HEADERS, ["+0:00", "電話", "統制官", "所属長", "第一報", "住基ネットの照会", ""]],
                       encoding="cp932")
    result = import_(lookup, content, encoding=encoding)
    assert result.written and result.encoding == "cp932"
    assert injects(lookup)[0]["message"] == "住基ネットの照会"


def test_a_workbook_with_excel_time_cells_is_read(lookup):
    content = xlsx_file([HEADERS, [datetime.time(0, 5), "phone", "統制官", "所属長", "第一報", "連絡", None]])
    result = import_(lookup, content, file_name="timeline.xlsx")
    assert result.written, result.bad_rows
    assert injects(lookup)[0]["offset"] == "+0:05"


def test_a_file_without_every_column_is_refused(lookup):
    result = import_(lookup, csv_file([HEADERS[:6], ROW[:6]]))
    assert not result.written and not result.rows
    assert "期待される対応" in result.file_errors[0]


def test_an_expected_action_needs_an_objective_to_belong_to(lookup):
    lookup.objectives = []
    lookup.save()
    result = import_(lookup, csv_file([HEADERS, [*ROW[:6], "報告する"]]))
    assert not result.written
    assert "no objectives" in result.bad_rows[0].errors[0]


def test_the_preview_says_what_is_kept_and_what_is_assumed(lookup):
    rows = [list(row) for row in timeline_rows(lookup)]
    rows[1][6] = "見解を統一して答える"
    result = import_(lookup, csv_file([HEADERS, *rows]), dry_run=True)
    notes = [" ".join(row.notes) for row in result.rows]
    assert "as in the current timeline" in notes[0]
    assert "New expected action: objective 1, by 市町村課長, due 10 minutes" in notes[1]
    assert "Contingency" in notes[2]


# The admin views


def with_scenario_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="drills", content_type__model="scenario"),
    )
    return person


def upload(client, scenario, content, name="timeline.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(f"/admin/scenario/timeline/{scenario.pk}/",
                       {"file": file, "encoding": "auto"})


def test_a_coordinator_previews_then_confirms_an_import(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    assert client.get(f"/admin/scenario/timeline/{lookup.pk}/").status_code == 200
    content = csv_file([HEADERS, ROW, ["+0:30", "email", "統制官", "所属長", "第二報", "続報", ""]])
    response = upload(client, lookup, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert "第一報" in body and "第二報" in body
    assert len(injects(lookup)) == 3  # nothing yet

    token = response.context["token"]
    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/confirm/", {"token": token})
    assert response.status_code == 302
    assert [inject["subject"] for inject in injects(lookup)] == ["第一報", "第二報"]
    # The upload is used once.
    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/confirm/", {"token": token})
    assert response.status_code == 302 and len(injects(lookup)) == 2


def test_a_file_with_a_bad_row_cannot_be_confirmed(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    response = upload(client, lookup, csv_file([HEADERS, ROW, ["朝9時", *ROW[1:]]]))
    assert response.status_code == 200
    assert response.context["token"] is None
    assert response.context["result"].bad_rows[0].line == 3
    assert "朝9時" in response.content.decode()
    assert len(injects(lookup)) == 3


def test_a_scenario_edited_after_the_preview_must_be_previewed_again(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    token = upload(client, lookup, csv_file([HEADERS, ROW])).context["token"]
    Scenario.objects.get(pk=lookup.pk).save()  # someone saves the scenario meanwhile
    response = client.post(f"/admin/scenario/timeline/{lookup.pk}/confirm/", {"token": token})
    assert response.status_code == 302
    assert len(injects(lookup)) == 3


def test_the_admin_exports_csv_and_excel(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    response = client.get(f"/admin/scenario/timeline/{lookup.pk}/export/csv/")
    assert response.status_code == 200
    assert response.content == timeline_csv(lookup)
    assert "attachment" in response["Content-Disposition"]
    response = client.get(f"/admin/scenario/timeline/{lookup.pk}/export/xlsx/")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert client.get(f"/admin/scenario/timeline/{lookup.pk}/export/pdf/").status_code == 404


@pytest.mark.parametrize("who", ["city_coordinator", "operator"])
def test_others_get_404_for_the_timeline_views(request, login, lookup, who):
    client = login(with_scenario_permissions(request.getfixturevalue(who)))
    base = f"/admin/scenario/timeline/{lookup.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}export/csv/").status_code == 404
    assert client.get(f"{base}export/xlsx/").status_code == 404
    assert upload(client, lookup, csv_file([HEADERS, ROW])).status_code == 404
    assert client.post(f"{base}confirm/", {"token": "x"}).status_code == 404
    assert len(injects(lookup)) == 3


def test_someone_without_admin_access_is_refused(login, lookup, outsider):
    client = login(outsider)
    response = client.get(f"/admin/scenario/timeline/{lookup.pk}/export/csv/")
    assert response.status_code in (302, 403, 404)
    assert "著名人" not in response.content.decode()


def test_a_coordinator_without_the_change_permission_may_export_but_not_import(login, lookup, coordinator):
    coordinator.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="drills", codename="view_scenario"),
    )
    client = login(coordinator)
    assert client.get(f"/admin/scenario/timeline/{lookup.pk}/export/csv/").status_code == 200
    response = client.get(f"/admin/scenario/timeline/{lookup.pk}/")
    assert response.status_code == 302 and response["Location"] == "/admin/"  # Wagtail's refusal
    assert upload(client, lookup, csv_file([HEADERS, ROW])).status_code == 302
    assert len(injects(lookup)) == 3

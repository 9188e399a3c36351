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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drills.blocks import format_offset
from drills.models import Scenario
from drills.timeline import (
    HEADERS,
    ImportMode,
    timeline_csv,
    timeline_import,
    timeline_rows,
    timeline_xlsx,
)

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


def import_(scenario, content, *, dry_run=False, file_name="timeline.csv", encoding="auto",
            mode=ImportMode.REPLACE):
    with translation.override("en"):
        return timeline_import(scenario=scenario, content=content, file_name=file_name,
                               encoding=encoding, dry_run=dry_run, mode=mode)


def injects(scenario):
    """The timeline's injects as plain data, without the ids Wagtail gives them; an inject
    stored before chaining existed reads as not chained."""
    scenario.refresh_from_db()
    return [
        {"after_acknowledgement_of": "", **block["value"], "expected_actions": [
            item["value"] if "value" in item else item
            for item in block["value"]["expected_actions"]
        ]}
        for block in scenario.timeline.raw_data
    ]


OLD_HEADERS = ["時刻", "手段", "発信者", "宛先", "件名", "内容", "期待される対応"]
ROW = ["+0:00", "phone", "統制官", "所属長", "第一報", "連絡があった。", ""]


# Export


def test_the_csv_export_has_a_column_for_every_field_and_a_row_per_expected_action(lookup):
    content = timeline_csv(lookup)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("番号,時刻,手段,発信者,宛先,件名,内容,予備,受信確認を受けて発出,"
                        "期待される対応,目標,担当役割,期限（分）,重み,計画の手順")
    dataset = timeline_rows(lookup)
    assert dataset.headers == list(HEADERS)
    assert [row[:2] for row in dataset] == [("1", "+0:00"), ("2", "+0:05"), ("3", "+1:10")]
    assert dataset[0][3:6] == ("24時間監視窓口", "市町村課 住基ネット担当", "【通報】著名人の照会")
    assert dataset[0][6] == "8時47分、著名人の本人確認情報が照会されました。\n確認してください。"
    assert dataset[0][9:] == ("市町村課長へ報告する", "1", "市町村課 住基ネット担当", "15", "2", "step-1")
    assert dataset[1][9:] == ("", "", "", "", "", "")
    assert dataset[2][7] == "はい"


def test_several_expected_actions_are_rows_of_the_same_inject(lookup):
    lookup.timeline = [inject("+0:00", "phone", "統制官", "所属長", "第一報", "連絡",
                              ("報告する", "1", "所属長", 10, 1, ""),
                              ("記録する", "2", "担当", 20, 3, "step-2"))]
    lookup.save()
    rows = list(timeline_rows(lookup))
    assert [row[0] for row in rows] == ["1", "1"]
    assert rows[0][1:9] == rows[1][1:9]
    assert rows[1][9:] == ("記録する", "2", "担当", "20", "3", "step-2")


def test_the_workbook_export_keeps_every_cell_as_text(lookup):
    workbook = openpyxl.load_workbook(io.BytesIO(timeline_xlsx(lookup)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert rows[1][1] == "+0:00"
    assert rows[2][6] == "「=県の職員が照会したのは本当ですか」"  # not a formula
    assert len(rows) == 4


@pytest.mark.parametrize("export, file_name", [(timeline_csv, "t.csv"), (timeline_xlsx, "t.xlsx")])
def test_an_exported_timeline_imports_back_unchanged(lookup, export, file_name):
    before = injects(lookup)
    result = import_(lookup, export(lookup), file_name=file_name)
    assert result.written, result.bad_rows or result.file_errors
    assert result.changes == []
    assert injects(lookup) == [{**inject, "after_acknowledgement_of": ""} for inject in before]
    assert before[2]["contingency"] and before[0]["expected_actions"][0]["plan_step"] == "step-1"


def test_two_expected_actions_keep_every_field_through_the_round_trip(lookup):
    """The bug of issue 15: the two actions came back as one, without their objective,
    deadline, weight and plan step, and the preview said nothing changed."""
    lookup.timeline = [inject("+0:00", "phone", "統制官", "所属長", "第一報", "連絡",
                              ("報告する", "1", "所属長", 15, 2, "step-1"),
                              ("記録する", "2", "担当", 20, 3, "step-2"))]
    lookup.save()
    before = injects(lookup)
    preview = import_(lookup, timeline_csv(lookup), dry_run=True)
    assert preview.changes == []
    assert import_(lookup, timeline_csv(lookup)).written
    assert injects(lookup) == before
    assert len(injects(lookup)[0]["expected_actions"]) == 2
    # Into another scenario (a copy for next year's drill), where no inject matches:
    # the old import made the two actions one, "報告する / 記録する", with defaults.
    copy = Scenario.objects.create(organisation=lookup.organisation, title="翌年度",
                                   incident_type=lookup.incident_type, summary="写し",
                                   objectives=list(lookup.objectives.raw_data))
    assert import_(copy, timeline_csv(lookup)).written
    assert injects(copy) == before


# The property: export → import is the identity for any timeline

JAPANESE = "あいうえお漢字訓練連絡網報告住基ネット照会ｶﾀｶﾅ　ー、。「」・①"
ALPHABET = JAPANESE + "ABCxyz0189 =+-@,\"/:%<>&"
TEXT = st.text(ALPHABET, min_size=1, max_size=30).map(str.strip).filter(
    lambda text: text and not text.startswith("'"))
LONG_TEXT = st.lists(TEXT, min_size=1, max_size=3).map("\n".join)
OFFSETS = st.integers(0, 99 * 3600 + 59 * 60 + 59).map(
    lambda seconds: format_offset(datetime.timedelta(seconds=seconds)))


def timeline_of(draw):
    """A timeline of 1–5 injects with unique subjects, each with 0–3 expected actions,
    some chained to another inject."""
    count = draw(st.integers(1, 5))
    subjects = draw(st.lists(TEXT, min_size=count, max_size=count, unique=True))
    blocks = []
    for index, subject in enumerate(subjects):
        others = [other for other in subjects if other != subject]
        actions = draw(st.lists(st.fixed_dictionaries({
            "description": TEXT, "objective": st.sampled_from(["1", "2"]), "role": TEXT,
            "deadline_minutes": st.integers(0, 600), "weight": st.integers(1, 10),
            "plan_step": st.sampled_from(["", "step-1", "step-2"]),
        }), max_size=3))
        blocks.append({"type": "inject", "id": f"inject-{index}", "value": {
            "offset": draw(OFFSETS), "channel": draw(st.sampled_from(["phone", "email",
                                                                      "monitoring", "media",
                                                                      "walk_in"])),
            "sender": draw(TEXT), "role": draw(TEXT), "subject": subject,
            "message": draw(LONG_TEXT), "contingency": draw(st.booleans()),
            "after_acknowledgement_of": draw(st.one_of(st.just(""), st.sampled_from(others)))
            if others else "",
            "expected_actions": [
                {"type": "item", "id": f"action-{index}-{position}", "value": action}
                for position, action in enumerate(actions)
            ],
        }})
    return blocks


@given(data=st.data(), as_xlsx=st.booleans())
@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_export_then_import_gives_back_every_field_of_any_timeline(lookup, data, as_xlsx):
    timeline = timeline_of(data.draw)
    lookup.timeline = timeline
    lookup.save()
    lookup.refresh_from_db()
    export, name = (timeline_xlsx, "t.xlsx") if as_xlsx else (timeline_csv, "t.csv")
    content = export(lookup)
    preview = import_(lookup, content, file_name=name, dry_run=True)
    assert not preview.has_errors, (preview.file_errors, preview.bad_rows)
    assert preview.changes == []
    assert import_(lookup, content, file_name=name).written
    lookup.refresh_from_db()
    assert list(lookup.timeline.raw_data) == timeline


# Import


def test_bad_rows_are_refused_with_their_line_numbers_and_nothing_changes(lookup):
    before, updated_at = injects(lookup), lookup.updated_at
    content = csv_file([
        OLD_HEADERS,
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


def full_row(number, subject, *, action="", objective="1", role="所属長", deadline="10",
             weight="1", step="", contingency="", after="", offset="+0:00", message="連絡"):
    return [number, offset, "電話", "統制官", "所属長", subject, message, contingency, after,
            action, objective if action else "", role if action else "",
            deadline if action else "", weight if action else "", step]


def test_bad_cells_of_the_new_columns_are_refused_in_japanese_and_nothing_changes(lookup):
    before, updated_at = injects(lookup), lookup.updated_at
    content = csv_file([
        HEADERS,
        full_row("1", "第一報", action="報告する", deadline="十分", contingency="たぶん"),
        full_row("1", "第一報（続き）", action="記録する"),
        full_row("2", "第二報", action="連絡する", objective="9", weight="0", step="step-x"),
        full_row("3", "第三報", after="第九報"),
    ])
    with translation.override("ja"):
        result = timeline_import(scenario=lookup, content=content, file_name="t.csv",
                                 encoding="auto", dry_run=False)
    assert not result.written
    errors = {row.line: " ".join(row.errors) for row in result.bad_rows}
    assert set(errors) == {2, 3, 4, 5}
    assert "予備" in errors[2] and "はい" in errors[2]
    assert "期限" in errors[2] and "整数" in errors[2]
    assert "番号1" in errors[3] and "2行目" in errors[3]
    assert "目標" in errors[4] and "「9」" in errors[4]
    assert "重み" in errors[4] and "計画の手順" in errors[4]
    assert "受信確認を受けて発出" in errors[5] and "第九報" in errors[5]
    assert injects(lookup) == before
    lookup.refresh_from_db()
    assert lookup.updated_at == updated_at


def test_a_file_in_the_old_seven_columns_replaces_the_timeline_with_defaults(lookup):
    content = csv_file([
        OLD_HEADERS,
        ["0:05", "電話", "統制官", "所属長", "第二報", "折り返しの電話", "市町村課へ報告する"],
        ["+0:00", "Walk-in", "統制官", "所属長", "第一報", "窓口に来た", ""],
    ])
    preview = import_(lookup, content, dry_run=True)
    assert not preview.has_errors and not preview.written
    assert preview.current == 3
    assert preview.removed == ["1. 【通報】著名人の照会", "2. 報道機関からの問合せ", "3. 停止の確認"]
    assert "番号" in preview.notices[0]
    assert "objective 1, by 所属長, due 10 minutes after the inject, weight 1" in (
        preview.rows[0].notes[0])
    assert len(injects(lookup)) == 3  # the preview writes nothing

    assert import_(lookup, content).written
    assert injects(lookup) == [
        {"offset": "+0:05", "channel": "phone", "sender": "統制官", "role": "所属長",
         "subject": "第二報", "message": "折り返しの電話", "contingency": False,
         "after_acknowledgement_of": "",
         "expected_actions": [{"description": "市町村課へ報告する", "objective": "1",
                               "role": "所属長", "deadline_minutes": 10, "weight": 1,
                               "plan_step": ""}]},
        {"offset": "+0:00", "channel": "walk_in", "sender": "統制官", "role": "所属長",
         "subject": "第一報", "message": "窓口に来た", "contingency": False,
         "after_acknowledgement_of": "", "expected_actions": []},
    ]


def test_the_preview_lists_every_change_field_by_field(lookup):
    rows = [list(row) for row in timeline_rows(lookup)]
    rows[0][12] = "20"  # the first action's deadline
    rows[0][14] = "step-2"  # and its plan step
    rows[1][6] = "「県の職員ですか」"  # the second inject's message
    rows[2][7] = ""  # the third is no longer a contingency
    rows.append(list(rows[0]))  # a second expected action for the first inject
    rows[-1][9:12] = ["記者会見を準備する", "2", "広報"]
    rows = [rows[0], rows[3], rows[1], rows[2]]
    result = import_(lookup, csv_file([HEADERS, *rows]), dry_run=True)
    assert not result.has_errors, result.bad_rows
    changes = {(change.inject, change.what): (change.old, change.new) for change in result.changes}
    first = "1. 【通報】著名人の照会"
    assert changes[(first, "expected action 1: 期限（分）")] == ("15", "20")
    # A plan step is shown by its words, not its id.
    assert changes[(first, "expected action 1: 計画の手順")] == (
        "熊本県: 静脈認証装置の紛失 1. 所属長へ報告する", "熊本県: 静脈認証装置の紛失 2. 市町村課へ第一報")
    added = changes[(first, "expected action 2: added")]
    assert added[0] == "" and "記者会見を準備する" in added[1] and "広報" in added[1]
    assert changes[("2. 報道機関からの問合せ", "内容")] == (
        "「=県の職員が照会したのは本当ですか」", "「県の職員ですか」")
    assert changes[("3. 停止の確認", "予備")] == ("はい", "")
    assert len(result.changes) == 5


def test_append_adds_the_files_injects_after_the_current_ones(lookup):
    before = injects(lookup)
    content = csv_file([HEADERS, full_row("1", "第四報", action="報告する", after="停止の確認")])
    preview = import_(lookup, content, dry_run=True, mode=ImportMode.APPEND)
    assert [(change.inject, change.what) for change in preview.changes] == [
        ("4. 第四報", "added")]
    assert import_(lookup, content, mode=ImportMode.APPEND).written
    after = injects(lookup)
    assert after[:3] == before
    assert after[3]["subject"] == "第四報" and after[3]["after_acknowledgement_of"] == "停止の確認"


def test_an_inject_waits_for_a_subject_typed_in_other_widths_as_the_subject_is_written(
        lookup):
    content = csv_file([HEADERS, full_row("1", "第1報（ID）"),
                        full_row("2", "第2報", after="第１報（ＩＤ）")])
    assert import_(lookup, content).written
    assert injects(lookup)[1]["after_acknowledgement_of"] == "第1報（ID）"


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
    content = csv_file([OLD_HEADERS, ["+0:00", "電話", "統制官", "所属長", "第一報", "住基ネットの照会", ""]],
                       encoding="cp932")
    result = import_(lookup, content, encoding=encoding)
    assert result.written and result.encoding == "cp932"
    assert injects(lookup)[0]["message"] == "住基ネットの照会"


def test_a_workbook_with_excel_time_and_number_cells_is_read(lookup):
    content = xlsx_file([HEADERS, [1, datetime.time(0, 5), "phone", "統制官", "所属長", "第一報",
                                   "連絡", None, None, "報告する", 1, "所属長", 15, 2.0, None]])
    result = import_(lookup, content, file_name="timeline.xlsx")
    assert result.written, result.bad_rows
    [only] = injects(lookup)
    assert only["offset"] == "+0:05"
    assert only["expected_actions"][0]["deadline_minutes"] == 15
    assert only["expected_actions"][0]["weight"] == 2


def test_a_file_without_every_column_is_refused(lookup):
    result = import_(lookup, csv_file([OLD_HEADERS[:6], ROW[:6]]))
    assert not result.written and not result.rows
    assert "期待される対応" in result.file_errors[0]


def test_an_expected_action_needs_an_objective_to_belong_to(lookup):
    lookup.objectives = []
    lookup.save()
    result = import_(lookup, csv_file([OLD_HEADERS, [*ROW[:6], "報告する"]]))
    assert not result.written
    assert "no objectives" in result.bad_rows[0].errors[0]


# The admin views


def with_scenario_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="drills", content_type__model="scenario"),
    )
    return person


def upload(client, scenario, content, name="timeline.csv", mode="replace"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(f"/admin/scenario/timeline/{scenario.pk}/",
                       {"file": file, "encoding": "auto", "mode": mode})


def confirm(client, scenario, token, *, ticked=True):
    return client.post(f"/admin/scenario/timeline/{scenario.pk}/confirm/",
                       {"token": token, **({"confirm": "on"} if ticked else {})})


def test_a_coordinator_previews_then_confirms_an_import(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    assert client.get(f"/admin/scenario/timeline/{lookup.pk}/").status_code == 200
    content = csv_file([OLD_HEADERS, ROW, ["+0:30", "email", "統制官", "所属長", "第二報", "続報", ""]])
    response = upload(client, lookup, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert "第一報" in body and "第二報" in body
    assert 'name="confirm"' in body and "cannot be undone" not in body  # Japanese page
    assert len(injects(lookup)) == 3  # nothing yet

    token = response.context["token"]
    response = confirm(client, lookup, token)
    assert response.status_code == 302
    assert [inject["subject"] for inject in injects(lookup)] == ["第一報", "第二報"]
    # The upload is used once.
    response = confirm(client, lookup, token)
    assert response.status_code == 302 and len(injects(lookup)) == 2


def test_replacing_without_the_box_ticked_writes_nothing(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    before, updated_at = injects(lookup), lookup.updated_at
    token = upload(client, lookup, csv_file([OLD_HEADERS, ROW])).context["token"]
    response = confirm(client, lookup, token, ticked=False)
    assert response.status_code == 200
    assert "チェック" in response.content.decode()  # 「…チェックを入れてください」
    assert injects(lookup) == before
    lookup.refresh_from_db()
    assert lookup.updated_at == updated_at
    assert confirm(client, lookup, token).status_code == 302  # the upload still waits
    assert [inject["subject"] for inject in injects(lookup)] == ["第一報"]


def test_appending_needs_no_box_and_the_preview_shows_each_change(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    rows = [list(row) for row in timeline_rows(lookup)]
    response = upload(client, lookup, csv_file([HEADERS, rows[1]]), mode="append")
    body = response.content.decode()
    assert 'name="confirm"' not in body and 'id="timeline-changes"' in body
    assert "4. 報道機関からの問合せ" in body
    assert confirm(client, lookup, response.context["token"], ticked=False).status_code == 302
    assert len(injects(lookup)) == 4

    rows[1][5] = "報道機関からの再度の問合せ"
    response = upload(client, lookup, csv_file([HEADERS, *rows]), mode="replace")
    body = response.content.decode()
    assert "報道機関からの再度の問合せ" in body and "<del>報道機関からの問合せ</del>" in body
    assert "4. 報道機関からの問合せ" in body  # the appended one goes: listed as removed


def test_a_file_with_a_bad_row_cannot_be_confirmed(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    response = upload(client, lookup, csv_file([OLD_HEADERS, ROW, ["朝9時", *ROW[1:]]]))
    assert response.status_code == 200
    assert response.context["token"] is None
    assert response.context["result"].bad_rows[0].line == 3
    assert "朝9時" in response.content.decode()
    assert len(injects(lookup)) == 3


def test_a_scenario_edited_after_the_preview_must_be_previewed_again(login, lookup, coordinator):
    client = login(with_scenario_permissions(coordinator))
    token = upload(client, lookup, csv_file([OLD_HEADERS, ROW])).context["token"]
    Scenario.objects.get(pk=lookup.pk).save()  # someone saves the scenario meanwhile
    response = confirm(client, lookup, token)
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
    assert upload(client, lookup, csv_file([OLD_HEADERS, ROW])).status_code == 404
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
    assert upload(client, lookup, csv_file([OLD_HEADERS, ROW])).status_code == 302
    assert len(injects(lookup)) == 3

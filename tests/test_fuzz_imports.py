"""Fuzzing the three file imports through their pages: the roster import, the paper
sign-in sheet import and a drill scenario's timeline import.

Each file is uploaded, previewed and, when the preview offers it, confirmed. The preview
writes nothing; the confirm step writes every row as the file has it or nothing at all.
Support and strategies: tests/test_fuzz_support.py.
"""

import io
import re
import tempfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.imports.files import cell_text
from drills.models import Scenario
from people.models import Person
from tests.test_drill_timeline import with_scenario_permissions
from tests.test_fuzz_support import (
    FUZZ,
    SCRIPT,
    assert_escaped,
    body,
    csv_bytes,
    date_strategy,
    raw_file_strategy,
    refused_for_nul,
    rolled_back,
    row_counts,
    text_strategy,
    xlsx_bytes,
)
from tests.test_roster_import import GRANT_HEADER, PEOPLE_HEADER, PREFECTURE, admin_user
from tests.test_sessions import invite, make_session
from training.models import Attendance

TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def upload_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def named(content, name):
    file = io.BytesIO(content)
    file.name = name
    return file


def sheet(rows, as_xlsx, encoding="utf-8"):
    """The rows as a CSV file or a workbook (which cannot hold control characters)."""
    if as_xlsx:
        return xlsx_bytes([[ILLEGAL_CHARACTERS_RE.sub("", str(c)) for c in row] for row in rows]), "x.xlsx"
    return csv_bytes(rows, encoding, errors="replace"), "x.csv"


def corrupt_sheet_workbook():
    """A workbook whose first sheet is not XML."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a"], ["b"]])))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = b"<worksheet><sheetData><row><c r='A1' t='s'><v>99</v></c></row><oops"
            target.writestr(item, data)
    return stream.getvalue()


FILES = st.one_of(raw_file_strategy(), st.just(None).map(lambda _: corrupt_sheet_workbook()))


# The roster


def roster_upload(client, content, name, kind="people", encoding="auto"):
    return client.post(reverse("roster_import"),
                       {"kind": kind, "encoding": encoding, "file": named(content, name)})


def roster_confirm(client, response):
    match = TOKEN.search(body(response))
    if match is None:
        return None
    return client.post(reverse("roster_import_confirm"), {"token": match.group(1)})


@given(content=FILES, kind=st.sampled_from(["people", "departments", "id_grants"]),
       encoding=st.sampled_from(["auto", "utf-8", "cp932"]),
       name=st.sampled_from(["roster.csv", "roster.xlsx"]))
@FUZZ
def test_roster_junk_files_are_refused(login, coordinator, department_a, content, kind,
                                       encoding, name):
    client = login(admin_user(coordinator))
    with rolled_back():
        before = row_counts()
        response = roster_upload(client, content, name, kind, encoding)
        assert response.status_code == 200
        assert roster_confirm(client, response) is None
        assert row_counts() == before


@given(name=text_strategy(), kana=text_strategy(),
       email=st.one_of(st.sampled_from(["", "kimura@pref.example.jp"]), text_strategy()),
       number=st.one_of(st.just("5001"), text_strategy()), as_xlsx=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
@FUZZ
def test_roster_people_cells(login, coordinator, department_a, name, kana, email, number,
                             as_xlsx, encoding):
    client = login(admin_user(coordinator))
    content, file_name = sheet(
        [PEOPLE_HEADER, [PREFECTURE, number, name, kana, email, "A01"]], as_xlsx, encoding
    )
    with rolled_back():
        before = row_counts()
        response = roster_upload(client, content, file_name)
        assert response.status_code == 200
        assert_escaped(body(response), name)
        assert row_counts() == before  # the preview writes nothing
        confirmed = roster_confirm(client, response)
        if confirmed is None or confirmed.status_code != 302:
            assert row_counts() == before
            return
        event("saved")
        person = Person.objects.order_by("-pk").first()
        written = [person.employee_number, person.name, person.kana, person.email]
        typed = [cell_text(number), cell_text(name), cell_text(kana), cell_text(email)]
        # Names are stored as typed (trimmed); codes and kana after NFKC.
        assert written[1] == typed[1], (written, typed)
        assert "\x00" not in "".join(written)
        page = client.get(reverse("people:person", args=[person.pk]))
        assert_escaped(body(page), name)


@given(granted_on=date_strategy(), revoked_on=date_strategy(), reason=text_strategy(),
       as_xlsx=st.booleans())
@FUZZ
def test_roster_grant_dates(login, coordinator, operator, granted_on, revoked_on, reason,
                            as_xlsx):
    client = login(admin_user(coordinator))
    content, file_name = sheet(
        [GRANT_HEADER, [PREFECTURE, "operator", granted_on, revoked_on, reason]], as_xlsx
    )
    with rolled_back():
        before = row_counts()
        response = roster_upload(client, content, file_name, kind="id_grants")
        assert response.status_code == 200
        assert row_counts() == before
        confirmed = roster_confirm(client, response)
        if confirmed is None or confirmed.status_code != 302:
            assert row_counts() == before


def test_roster_file_over_the_limit_is_refused(login, coordinator, department_a):
    client = login(admin_user(coordinator))
    before = row_counts()
    content = b"x" * (20 * 1024 * 1024 + 1)
    response = roster_upload(client, content, "big.csv")
    assert response.status_code == 200
    assert "20 MB" in body(response) and row_counts() == before


def test_roster_file_just_under_the_limit_is_read_or_refused(login, coordinator, department_a):
    """20 MB of junk one byte under the limit: the form lets it through to the reader."""
    client = login(admin_user(coordinator))
    before = row_counts()
    content = (b"\xff\xfe" + b"\x00\x81" * (10 * 1024 * 1024))[: 20 * 1024 * 1024]
    response = roster_upload(client, content, "big.csv")
    assert response.status_code == 200
    assert roster_confirm(client, response) is None and row_counts() == before


# The paper sign-in sheet


@pytest.fixture
def session(prefecture, operator, colleague):
    session = make_session(prefecture)
    invite(session, operator, colleague)
    return session


def sheet_upload(client, session, content, name="受付簿.csv", encoding="auto"):
    return client.post(reverse("training:attendance_import", args=[session.pk]), {
        "file": SimpleUploadedFile(name, content), "encoding": encoding,
    })


def sheet_confirm(client, session, response):
    token = response.context.get("token") if response.context else None
    if not token:
        return None
    return client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                       {"token": token})


@given(content=FILES, encoding=st.sampled_from(["auto", "utf-8", "cp932"]),
       name=st.sampled_from(["受付簿.csv", "受付簿.xlsx"]))
@FUZZ
def test_signin_sheet_junk_files_are_refused(clock, login, session, coordinator, content,
                                             encoding, name):
    client = login(coordinator)
    with rolled_back():
        before = row_counts()
        response = sheet_upload(client, session, content, name, encoding)
        assert response.status_code in (200, 400)
        assert sheet_confirm(client, session, response) is None
        assert row_counts() == before


@given(number=st.one_of(st.just("operator"), text_strategy()),
       status=st.one_of(st.sampled_from(["出席", "遅刻", "欠席", "欠席（届出あり）"]), text_strategy()),
       note=text_strategy(), as_xlsx=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
@FUZZ
def test_signin_sheet_cells(clock, login, session, coordinator, number, status, note, as_xlsx,
                            encoding):
    client = login(coordinator)
    content, file_name = sheet([["職員番号", "出欠", "備考"], [number, status, note]], as_xlsx,
                               encoding)
    with rolled_back():
        before = row_counts()
        response = sheet_upload(client, session, content, file_name)
        assert response.status_code in (200, 400)
        assert_escaped(body(response), note)
        assert row_counts() == before
        confirmed = sheet_confirm(client, session, response)
        if confirmed is None or confirmed.status_code != 302:
            assert row_counts() == before
            return
        event("saved")
        attendance = Attendance.objects.get()
        assert attendance.note == cell_text(note) if not as_xlsx else True
        assert "\x00" not in attendance.note
        page = client.get(reverse("training:session_manage", args=[session.pk]))
        assert_escaped(body(page), note)


def test_signin_sheet_over_the_limit_is_refused(clock, login, session, coordinator):
    before = row_counts()
    response = sheet_upload(login(coordinator), session, b"x" * (512 * 1024 + 1))
    assert response.status_code == 200 and "512 KB" in body(response)
    assert row_counts() == before


@given(token=st.text(st.characters(codec="ascii"), max_size=40))
@FUZZ
def test_signin_sheet_forged_tokens(clock, login, session, coordinator, token):
    client = login(coordinator)
    with rolled_back():
        before = row_counts()
        response = sheet_upload(client, session, csv_bytes([["職員番号", "出欠", "備考"],
                                                           ["operator", "出席", ""]]))
        assert response.context["token"]
        response = client.post(
            reverse("training:attendance_import_confirm", args=[session.pk]), {"token": token}
        )
        if refused_for_nul(response):
            assert row_counts() == before
            return
        assert response.status_code == 302
        assert row_counts() == before


def test_signin_sheet_a_non_ascii_forged_token_is_refused(clock, login, session, coordinator):
    client = login(coordinator)
    sheet_upload(client, session, csv_bytes([["職員番号", "出欠", "備考"], ["operator", "出席", ""]]))
    response = client.post(reverse("training:attendance_import_confirm", args=[session.pk]),
                           {"token": "偽造"})
    assert response.status_code == 302 and not Attendance.objects.exists()


# A scenario's timeline

# The seven columns a file must have; the others fall back to their defaults.
TIMELINE_HEADER = ["時刻", "手段", "発信者", "宛先", "件名", "内容", "期待される対応"]


@pytest.fixture
def scenario_client(login, scenario, coordinator):
    return login(with_scenario_permissions(coordinator))


def timeline_upload(client, scenario, content, name="timeline.csv", encoding="auto"):
    return client.post(f"/admin/scenario/timeline/{scenario.pk}/",
                       {"file": named(content, name), "encoding": encoding,
                        "mode": "replace"})


def timeline_confirm(client, scenario, response):
    token = response.context.get("token") if response.context else None
    if not token:
        return None
    return client.post(f"/admin/scenario/timeline/{scenario.pk}/confirm/",
                       {"token": token, "confirm": "on"})


@given(content=FILES, encoding=st.sampled_from(["auto", "utf-8", "cp932"]),
       name=st.sampled_from(["t.csv", "t.xlsx"]))
@FUZZ
def test_timeline_junk_files_are_refused(scenario_client, scenario, content, encoding, name):
    with rolled_back():
        before = Scenario.objects.values("timeline", "updated_at").get(pk=scenario.pk)
        response = timeline_upload(scenario_client, scenario, content, name, encoding)
        assert response.status_code == 200
        assert timeline_confirm(scenario_client, scenario, response) is None
        assert Scenario.objects.values("timeline", "updated_at").get(pk=scenario.pk) == before


@given(offset=st.one_of(st.sampled_from(["+0:00", "+99:59", "-0:01", "+100000:00", "1e400",
                                         "+0:60", "２：３０", "", "+0:00:00"]), text_strategy()),
       channel=st.one_of(st.just("phone"), text_strategy()),
       sender=st.one_of(st.just("統制官"), text_strategy()),
       subject=st.one_of(st.just("第一報"), text_strategy()),
       message=st.one_of(st.just("連絡があった。"), text_strategy()),
       action=text_strategy(), as_xlsx=st.booleans())
@FUZZ
def test_timeline_cells(scenario_client, scenario, offset, channel, sender, subject, message,
                        action, as_xlsx):
    content, file_name = sheet(
        [TIMELINE_HEADER, [offset, channel, sender, "所属長", subject, message, action]], as_xlsx
    )
    with rolled_back():
        before = Scenario.objects.values("timeline", "updated_at").get(pk=scenario.pk)
        response = timeline_upload(scenario_client, scenario, content, file_name)
        assert response.status_code == 200
        assert_escaped(body(response), subject)
        assert Scenario.objects.values("timeline", "updated_at").get(pk=scenario.pk) == before
        confirmed = timeline_confirm(scenario_client, scenario, response)
        if confirmed is None or confirmed.status_code != 302:
            assert Scenario.objects.values("timeline", "updated_at").get(pk=scenario.pk) == before
            return
        event("saved")
        scenario.refresh_from_db()
        [block] = scenario.timeline.raw_data
        if not as_xlsx:
            assert block["value"]["subject"] == cell_text(subject)
            assert block["value"]["message"] == cell_text(message)
        edit = scenario_client.get(f"/admin/scenario/edit/{scenario.pk}/")
        assert edit.status_code == 200


def test_a_script_subject_is_imported_and_shown_escaped(scenario_client, scenario):
    content = csv_bytes([TIMELINE_HEADER, ["+0:00", "phone", SCRIPT, "所属長", SCRIPT, SCRIPT, ""]])
    response = timeline_upload(scenario_client, scenario, content)
    assert_escaped(body(response), SCRIPT)
    assert timeline_confirm(scenario_client, scenario, response).status_code == 302
    scenario.refresh_from_db()
    assert scenario.timeline.raw_data[0]["value"]["subject"] == SCRIPT


def test_timeline_file_over_the_limit_is_refused(scenario_client, scenario):
    response = timeline_upload(scenario_client, scenario, b"x" * (5 * 1024 * 1024 + 1))
    assert response.status_code == 200 and "5 MB" in body(response)


# NUL in a CSV file: refused as a whole file by core.imports.files, which all three
# imports read with, before any cell reaches the database.


def test_roster_nul_in_a_name_is_refused(login, coordinator, department_a):
    client = login(admin_user(coordinator))
    before = row_counts()
    response = roster_upload(client, csv_bytes(
        [PEOPLE_HEADER, [PREFECTURE, "5001", "木村\x00拓也", "キムラ", "k@example.jp", "A01"]]),
        "roster.csv")
    assert "NUL" in body(response) and roster_confirm(client, response) is None
    assert row_counts() == before


def test_signin_sheet_nul_in_a_cell_is_refused(clock, login, session, coordinator):
    before = row_counts()
    response = sheet_upload(login(coordinator), session, csv_bytes(
        [["職員番号", "出欠", "備考"], ["operator\x00", "出席", "a\x00b"]]))
    assert response.status_code == 400 and "NUL" in body(response)
    assert row_counts() == before


def test_timeline_nul_in_a_message_is_refused(scenario_client, scenario):
    response = timeline_upload(scenario_client, scenario, csv_bytes(
        [TIMELINE_HEADER, ["+0:00", "phone", "統制官", "所属長", "件名", "本文\x00", ""]]))
    assert "NUL" in body(response) and not response.context["token"]

"""Training sessions: invitations, an invitee's list and calendar entry, the coordinator's
session page and roster, the sign-in sheet, exports, a supervisor's department view and
the admin.

`make_session` and `invite` are imported by the other session test modules.
"""

import datetime
import io
import shutil
import subprocess
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.conftest import make_person
from training.models import Attendance, Invitation, TrainingSession
from training.sessions import RosterEntry, attendance_record_roster, invitations_send

JST = ZoneInfo("Asia/Tokyo")
START = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the clock fixture's moment
TODAY = START.date()
TITLE = "令和8年度 住基ネット担当者研修会"


def make_session(organisation, *, starts_at=START, departments=(), **fields):
    session = TrainingSession.objects.create(
        organisation=organisation, starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        **{"title": TITLE, "venue": "県庁本館 地下大会議室", "capacity": 100, **fields},
    )
    session.departments.set(departments)
    return session


def invite(session, *people):
    for person in people:
        Invitation.objects.create(session=session, person=person, invited_at=START)


def attend(session, person, status="present", method="qr", note=""):
    return Attendance.objects.create(
        session=session, person=person, status=status, method=method, note=note,
        recorded_at=START,
    )


@pytest.fixture
def session(prefecture):
    return make_session(prefecture)


@pytest.fixture
def holder_b(department_b):
    return make_person("holder_b", department_b, name="木村 亮", kana="キムラ リョウ",
                       granted_on=datetime.date(2024, 6, 1))


def invited_names(session):
    return sorted(session.invitations.values_list("person__name", flat=True))


# Invitations


def test_invitations_go_to_the_id_holders_of_every_department_when_none_is_chosen(
    session, operator, colleague, supervisor, other_supervisor, holder_b, outsider
):
    revoked = make_person("revoked", operator.department, name="元 担当", granted_on="2024-04-01")
    revoked.id_grants.update(revoked_on=datetime.date(2026, 10, 1))

    sent = invitations_send(session=session, today=TODAY)

    # Not the supervisors (no ID), not the revoked holder, not the city's outsider.
    assert invited_names(session) == sorted([operator.name, colleague.name, holder_b.name])
    assert (sent.created, sent.total, sent.over_capacity) == (3, 3, 0)


def test_invitations_go_to_the_chosen_departments_only(
    prefecture, department_b, operator, colleague, holder_b
):
    session = make_session(prefecture, departments=[department_b])
    invitations_send(session=session, today=TODAY)
    assert invited_names(session) == [holder_b.name]


def test_a_session_for_new_id_holders_invites_this_years_grants_only(
    prefecture, operator, colleague
):
    session = make_session(prefecture, audience=TrainingSession.Audience.NEW_ID_HOLDERS)
    invitations_send(session=session, today=TODAY)
    assert invited_names(session) == [operator.name]  # granted 2026-04-10; colleague in 2023


def test_sending_again_invites_only_those_not_yet_invited(session, operator, colleague, department_b):
    invitations_send(session=session, today=TODAY)
    first = dict(session.invitations.values_list("person_id", "pk"))
    newcomer = make_person("newcomer", department_b, name="新人 太郎", granted_on="2026-11-01")

    sent = invitations_send(session=session, today=TODAY)

    assert (sent.created, sent.total) == (1, 3)
    again = dict(session.invitations.values_list("person_id", "pk"))
    assert {k: v for k, v in again.items() if k != newcomer.pk} == first


def test_more_invitees_than_seats_are_all_invited_and_counted(prefecture, operator, colleague, holder_b):
    session = make_session(prefecture, capacity=2)
    sent = invitations_send(session=session, today=TODAY)
    assert (sent.total, sent.capacity, sent.over_capacity) == (3, 2, 1)
    assert session.invitations.count() == 3


def test_invitations_for_a_past_session_are_refused(session, operator):
    with translation.override("en"), pytest.raises(ValidationError, match="already taken place"):
        invitations_send(session=session, today=TODAY + datetime.timedelta(days=1))
    assert not Invitation.objects.exists()


def test_the_send_button_invites_and_warns_when_over_capacity(
    clock, login, prefecture, coordinator, operator, colleague
):
    session = make_session(prefecture, capacity=1)
    url = reverse("training:invitations_send", args=[session.pk])
    response = login(coordinator).post(url, follow=True)
    body = response.content.decode()
    assert session.invitations.count() == 2
    assert "新たに2人" in body
    assert "定員は1人" in body


@pytest.mark.parametrize("who", ["operator", "supervisor", "city_coordinator", "outsider"])
def test_only_the_sessions_coordinators_send_invitations(clock, login, request, session, who):
    person = request.getfixturevalue(who)
    response = login(person).post(reverse("training:invitations_send", args=[session.pk]))
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_sending_invitations_needs_a_post(clock, login, session, coordinator):
    response = login(coordinator).get(reverse("training:invitations_send", args=[session.pk]))
    assert response.status_code == 405


# An invitee's sessions and calendar entry


def test_an_invitee_sees_date_venue_modules_and_attendance(
    clock, login, home_page, prefecture, session, operator
):
    from cms.models import TrainingIndexPage, TrainingModulePage

    index = home_page.add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training-430005", organisation=prefecture))
    module = index.add_child(instance=TrainingModulePage(title="本人確認情報の保護", slug="m1"))
    session.modules.add(module)
    invite(session, operator)
    client = login(operator)

    body = client.get(reverse("training:sessions")).content.decode()
    assert TITLE in body
    assert "県庁本館 地下大会議室" in body
    assert "2026年11月26日 10:00–12:00" in body
    assert reverse("training:reading", args=[module.pk]) in body
    assert "未記録" in body
    assert reverse("training:session_calendar", args=[session.pk]) in body

    attend(session, operator, status="late")
    assert "遅刻" in client.get(reverse("training:sessions")).content.decode()


def test_the_list_shows_only_ones_own_invitations(clock, login, session, operator, outsider):
    invite(session, operator)
    body = login(outsider).get(reverse("training:sessions")).content.decode()
    assert TITLE not in body


@pytest.mark.parametrize("sessions", [1, 4])
def test_the_list_uses_a_constant_number_of_queries(
    clock, login, prefecture, operator, sessions, django_assert_num_queries
):
    for n in range(sessions):
        invited_to = make_session(prefecture, title=f"研修会{n}")
        invite(invited_to, operator)
        attend(invited_to, operator)
    client = login(operator)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles and ID grant in one query), invitations with their sessions,
    # their live modules, attendance
    with django_assert_num_queries(6):
        assert client.get(reverse("training:sessions")).status_code == 200


def test_a_coordinator_sees_the_sessions_they_run(clock, login, session, city, coordinator, city_coordinator):
    city_session = make_session(city, title="熊本市 担当者研修会")
    body = login(coordinator).get(reverse("training:sessions")).content.decode()
    assert reverse("training:session_manage", args=[session.pk]) in body
    assert reverse("training:session_manage", args=[city_session.pk]) in body  # prefecture-wide
    body = login(city_coordinator).get(reverse("training:sessions")).content.decode()
    assert reverse("training:session_manage", args=[city_session.pk]) in body
    assert reverse("training:session_manage", args=[session.pk]) not in body


def unfolded(content):
    """The content lines of an iCalendar file, with folded lines joined (RFC 5545 3.1)."""
    assert content.endswith("\r\n")
    return content[:-2].replace("\r\n ", "").split("\r\n")


def test_the_calendar_entry_is_valid_icalendar_in_utc(clock, login, session, operator):
    invite(session, operator)
    response = login(operator).get(reverse("training:session_calendar", args=[session.pk]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode()
    assert all(len(line.encode()) <= 75 for line in content.split("\r\n"))
    lines = unfolded(content)
    assert lines[:6] == [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kunren//training sessions//JA",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
    ]
    assert lines[-2:] == ["END:VEVENT", "END:VCALENDAR"]
    # 10:00 and 12:00 in Japan are 01:00 and 03:00 UTC.
    assert "DTSTART:20261126T010000Z" in lines
    assert "DTEND:20261126T030000Z" in lines
    assert "DTSTAMP:20261126T010000Z" in lines
    assert f"SUMMARY:{TITLE}" in lines
    assert "LOCATION:県庁本館 地下大会議室" in lines
    assert f"UID:training-session-{session.pk}-430005@kunren" in lines


def test_the_calendar_uid_is_stable_and_text_is_escaped_and_folded(clock, login, prefecture, operator):
    from training.session_documents import session_calendar

    long_venue = "熊本県庁 本館地下大会議室; 入口は東側, 受付で職員証を提示してください" * 2
    session = make_session(prefecture, venue=long_venue)
    first = session_calendar(session=session, now=START)
    later = session_calendar(session=session, now=START + datetime.timedelta(days=3))

    uid = [line for line in unfolded(first) if line.startswith("UID:")]
    assert uid == [line for line in unfolded(later) if line.startswith("UID:")]
    location = next(line for line in unfolded(first) if line.startswith("LOCATION:"))
    assert location == "LOCATION:" + long_venue.replace(";", "\\;").replace(",", "\\,")
    assert max(len(line.encode()) for line in first.split("\r\n")) <= 75
    assert any(line.startswith(" ") for line in first.split("\r\n"))  # it was folded
    first.encode("utf-8").decode("utf-8")  # no character split across a fold


@pytest.mark.parametrize("who", ["colleague", "outsider", "supervisor"])
def test_someone_not_invited_gets_404_for_the_calendar_entry(clock, login, request, session, operator, who):
    invite(session, operator)
    person = request.getfixturevalue(who)
    response = login(person).get(reverse("training:session_calendar", args=[session.pk]))
    assert response.status_code == 404


def test_the_coordinator_may_download_the_calendar_entry(clock, login, session, coordinator):
    response = login(coordinator).get(reverse("training:session_calendar", args=[session.pk]))
    assert response.status_code == 200


# The coordinator's session page and roster


def test_the_session_page_shows_details_invited_count_and_links(
    clock, login, prefecture, coordinator, operator, colleague
):
    session = make_session(prefecture, capacity=1)
    invite(session, operator, colleague)
    body = login(coordinator).get(reverse("training:session_manage", args=[session.pk])).content.decode()
    assert TITLE in body
    assert "2人に通知、定員1人" in body
    assert "定員超過" in body
    for name in ("checkin_display", "signin_sheet", "attendance_import"):
        assert reverse(f"training:{name}", args=[session.pk]) in body
    assert reverse("training:attendance_export", args=[session.pk, "csv"]) in body
    assert reverse("training:attendance_export", args=[session.pk, "xlsx"]) in body
    assert operator.name in body and colleague.name in body


def test_a_prefecture_coordinator_runs_a_citys_session(clock, login, city, coordinator):
    city_session = make_session(city)
    response = login(coordinator).get(reverse("training:session_manage", args=[city_session.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["operator", "supervisor", "city_coordinator", "outsider", "evaluator"])
def test_only_coordinators_of_the_organisation_open_the_session_page(
    clock, login, request, session, operator, who
):
    invite(session, operator)
    person = request.getfixturevalue(who)
    client = login(person)
    assert client.get(reverse("training:session_manage", args=[session.pk])).status_code == 404
    # Read-only people cannot save the roster either.
    response = client.post(reverse("training:session_manage", args=[session.pk]), {
        "person": [operator.pk], f"status-{operator.pk}": "present",
    })
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def roster_post(*rows):
    data = {"person": [str(person_id) for person_id, _status, _note in rows]}
    for person_id, status, note in rows:
        data[f"status-{person_id}"] = status
        data[f"note-{person_id}"] = note
    return data


def test_saving_the_roster_records_every_row(clock, login, session, coordinator, operator, colleague, holder_b):
    invite(session, operator, colleague, holder_b)
    url = reverse("training:session_manage", args=[session.pk])
    response = login(coordinator).post(url, roster_post(
        (operator.pk, "present", ""),
        (colleague.pk, "excused", "窓口当番のため"),
        (holder_b.pk, "", ""),  # not recorded yet
    ))
    assert response.status_code == 302
    recorded = {a.person_id: a for a in Attendance.objects.all()}
    assert set(recorded) == {operator.pk, colleague.pk}
    assert recorded[colleague.pk].status == "excused"
    assert recorded[colleague.pk].note == "窓口当番のため"
    assert all(a.method == "roster" and a.recorded_by == coordinator for a in recorded.values())
    assert all(a.recorded_at == START for a in recorded.values())


def test_saving_the_roster_keeps_unchanged_rows_as_they_were_recorded(
    clock, login, session, coordinator, operator, colleague
):
    invite(session, operator, colleague)
    checked_in = attend(session, operator, status="present", method="qr")
    clock.move_to(START + datetime.timedelta(minutes=30))
    login(coordinator).post(reverse("training:session_manage", args=[session.pk]), roster_post(
        (operator.pk, "present", ""), (colleague.pk, "absent", ""),
    ))
    checked_in.refresh_from_db()
    assert (checked_in.method, checked_in.recorded_at, checked_in.recorded_by) == ("qr", START, None)
    assert Attendance.objects.get(person=colleague).method == "roster"


@pytest.mark.parametrize("tampered", [
    lambda operator, colleague, outsider: (colleague.pk, "attended", ""),  # not a status
    lambda operator, colleague, outsider: (outsider.pk, "present", ""),  # not invited
    lambda operator, colleague, outsider: (operator.pk, "late", ""),  # the same person twice
    lambda operator, colleague, outsider: (colleague.pk, "present", "x" * 201),  # note too long
])
def test_a_tampered_roster_writes_nothing(clock, login, session, coordinator, operator, colleague, outsider, tampered):
    invite(session, operator, colleague)
    response = login(coordinator).post(reverse("training:session_manage", args=[session.pk]), roster_post(
        (operator.pk, "present", ""), tampered(operator, colleague, outsider),
    ))
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_roster_with_a_person_id_that_is_not_a_number_writes_nothing(clock, login, session, coordinator, operator):
    invite(session, operator)
    response = login(coordinator).post(reverse("training:session_manage", args=[session.pk]), {
        "person": [str(operator.pk), "1 OR 1=1"], f"status-{operator.pk}": "present",
    })
    assert response.status_code == 400
    assert "開催通知を受けていない人" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_refused_roster_keeps_what_was_entered(clock, login, session, coordinator, operator, colleague):
    invite(session, operator, colleague)
    response = login(coordinator).post(reverse("training:session_manage", args=[session.pk]), roster_post(
        (operator.pk, "excused", "出張"), (colleague.pk, "bogus", ""),
    ))
    body = response.content.decode()
    assert 'value="excused" selected' in body
    assert 'value="出張"' in body


def test_recorded_attendance_cannot_be_cleared(session, coordinator, operator):
    invite(session, operator)
    attend(session, operator)
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be cleared"):
        attendance_record_roster(session=session, entries=[RosterEntry(operator.pk, "", "")],
                                 by=coordinator, now=START)
    assert Attendance.objects.get().status == "present"


@pytest.mark.parametrize("invitees", [2, 12])
def test_the_session_page_uses_a_constant_number_of_queries(
    clock, login, session, coordinator, department_a, invitees, django_assert_num_queries
):
    for n in range(invitees):
        person = make_person(f"staff{n}", department_a, name=f"職員{n}", granted_on="2026-05-01")
        invite(session, person)
        attend(session, person)
    client = login(coordinator)
    client.get(reverse("training:session_manage", args=[session.pk]))  # warm the caches
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles and ID grant in one query), the session with its organisation
    # and quiz, attendances, invitations with people and departments, the session's
    # departments, its modules
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(13):
        assert client.get(reverse("training:session_manage", args=[session.pk])).status_code == 200


# The sign-in sheet


pdftotext = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)


def pdf_pages(content):
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content,
                          capture_output=True, check=True).stdout.decode()
    return text.split("\f")


@pdftotext
def test_the_sign_in_sheet_lists_every_invitee_with_a_signature_column(
    clock, login, session, coordinator, operator, colleague, holder_b
):
    invite(session, operator, colleague, holder_b)
    response = login(coordinator).get(reverse("training:signin_sheet", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_pages(response.content)[0]
    for expected in ("受付簿", TITLE, "県庁本館 地下大会議室", "令和8年11月26日 10:00–12:00",
                     "所属", "氏名", "フリガナ", "職員番号", "署名",
                     operator.name, operator.kana, colleague.name, holder_b.name, "holder_b",
                     "県北広域本部福祉課", "球磨地域振興局用地課"):
        assert expected in text, expected


@pdftotext
def test_the_sign_in_sheet_has_job_titles_and_breaks_no_word_in_its_narrow_columns(
    clock, login, session, coordinator, department_a
):
    """Long departments, titles and names are widened to rather than broken (they came
    out as 「総括責/任者」); each prints whole on one line."""
    from core.pdf_words import pieces
    from people.models import Department

    long_department = Department.objects.create(
        organisation=department_a.organisation, code="Z99",
        name="総務部 危機管理防災課情報政策室")
    people = [
        make_person("long1", long_department, name="勅使河原 三郎太", kana="テシガワラ サブロウタ"),
        make_person("long2", department_a, name="山田 花子", kana="ヤマダ ハナコ"),
    ]
    people[0].job_title = "危機管理防災課長補佐"
    people[1].job_title = "主事"
    for person in people:
        person.save(update_fields=["job_title"])
    invite(session, *people)

    response = login(coordinator).get(reverse("training:signin_sheet", args=[session.pk]))

    text = pdf_pages(response.content)[0]
    assert "職名" in text
    text_lines = text.splitlines()
    words = ["危機管理防災課情報政策室", "危機管理防災課長補佐", "勅使河原",
             "三郎太", "テシガワラ", "サブロウタ", "主事", "県北広域本部福祉課"]
    for word in words:
        assert pieces(word) == [word]  # one piece, so it must not break
        assert any(word in line for line in text_lines), word


@pdftotext
def test_a_long_sign_in_sheet_repeats_its_header_and_numbers_its_pages(
    clock, login, session, coordinator, department_a
):
    for n in range(40):
        invite(session, make_person(f"staff{n:02}", department_a, name=f"職員{n:02}", kana=f"ショクイン{n:02}"))
    response = login(coordinator).get(reverse("training:signin_sheet", args=[session.pk]))
    pages = [page for page in pdf_pages(response.content) if page.strip()]
    assert len(pages) >= 2
    assert all("署名" in page for page in pages)
    assert pages[0].rstrip().endswith("1") and pages[1].rstrip().endswith("2")
    assert "職員39" in pages[-1]


@pytest.mark.parametrize("who", ["operator", "supervisor", "city_coordinator", "outsider"])
def test_only_coordinators_print_the_sign_in_sheet(clock, login, request, session, who):
    response = login(request.getfixturevalue(who)).get(reverse("training:signin_sheet", args=[session.pk]))
    assert response.status_code == 404


# Exports


def test_the_csv_export_opens_in_excel_and_has_the_import_columns(
    clock, login, session, coordinator, operator, colleague
):
    operator.job_title = "主事"
    operator.save(update_fields=["job_title"])
    invite(session, operator, colleague)
    attend(session, operator, status="late", note="電車遅延")
    response = login(coordinator).get(reverse("training:attendance_export", args=[session.pk, "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "職員番号,出欠,備考,氏名,フリガナ,所属,職名,記録方法,記録日時"
    # By department, then kana: サトウ before ヤマダ.
    assert lines[1] == "colleague,,,佐藤 次郎,サトウ ジロウ,県北広域本部福祉課,,,"
    assert lines[2] == "operator,遅刻,電車遅延,山田 花子,ヤマダ ハナコ,県北広域本部福祉課,主事,QRコードで受付,2026-11-26 10:00:00"


def test_the_xlsx_export_is_a_workbook(clock, login, session, coordinator, operator):
    invite(session, operator)
    attend(session, operator)
    response = login(coordinator).get(reverse("training:attendance_export", args=[session.pk, "xlsx"]))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("職員番号", "出欠", "備考")
    assert rows[1][:2] == ("operator", "出席")


@pytest.mark.parametrize("who", ["operator", "supervisor", "city_coordinator", "outsider"])
def test_only_coordinators_export_attendance(clock, login, request, session, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("training:attendance_export", args=[session.pk, "csv"])).status_code == 404


def test_an_unknown_export_format_is_404(clock, login, session, coordinator):
    response = login(coordinator).get(reverse("training:attendance_export", args=[session.pk, "pdf"]))
    assert response.status_code == 404


# A supervisor's department


def test_a_supervisor_reads_their_departments_attendance(
    clock, login, session, supervisor, department_a, operator, colleague, holder_b
):
    invite(session, operator, colleague, holder_b)
    attend(session, operator, status="present")
    attend(session, colleague, status="excused", method="roster", note="病欠")
    client = login(supervisor)
    url = reverse("training:session_department", args=[session.pk, department_a.pk])
    assert url in client.get(reverse("training:sessions")).content.decode()
    body = client.get(url).content.decode()
    assert "山田 花子" in body and "出席" in body
    assert "佐藤 次郎" in body and "欠席（届出あり）" in body and "病欠" in body
    assert holder_b.name not in body  # another department
    assert "<form" not in body.split("<main")[1]  # read-only
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("who", ["other_supervisor", "operator", "outsider", "city_coordinator"])
def test_others_get_404_for_a_departments_attendance(clock, login, request, session, department_a, who):
    url = reverse("training:session_department", args=[session.pk, department_a.pk])
    assert login(request.getfixturevalue(who)).get(url).status_code == 404


def test_a_department_page_of_another_organisations_session_is_404(clock, login, city, supervisor, department_a):
    city_session = make_session(city)
    url = reverse("training:session_department", args=[city_session.pk, department_a.pk])
    assert login(supervisor).get(url).status_code == 404


# The admin


def with_session_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label="training",
            content_type__model__in=["trainingsession", "attendance"],
        ),
    )
    return person


def test_the_admin_lists_only_the_sessions_a_coordinator_runs(clock, login, session, city, city_coordinator):
    city_session = make_session(city, title="熊本市 担当者研修会")
    client = login(with_session_permissions(city_coordinator))
    body = client.get("/admin/trainingsession/").content.decode()
    assert "熊本市 担当者研修会" in body
    assert TITLE not in body
    assert reverse("training:session_manage", args=[city_session.pk]) in body
    assert client.get(f"/admin/trainingsession/edit/{session.pk}/").status_code == 404
    assert client.get(f"/admin/trainingsession/delete/{session.pk}/").status_code == 404
    assert client.get(f"/admin/trainingsession/history/{session.pk}/").status_code == 404


@pytest.mark.parametrize("reach, accepted", [("all", True), ("own", False)])
def test_a_session_covers_a_module_of_another_organisation_only_if_shared_with_every_one(
    clock, login, home_page, prefecture, city, city_coordinator, reach, accepted
):
    from cms.models import TrainingIndexPage, TrainingModulePage

    index = home_page.add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training-430005", organisation=prefecture))
    module = index.add_child(instance=TrainingModulePage(title="県の研修資料", slug="m", body=[],
                                                         reach=reach))
    client = login(with_session_permissions(city_coordinator))
    assert (module.title in client.get("/admin/trainingsession/new/").content.decode()) is accepted
    response = client.post("/admin/trainingsession/new/", {
        "organisation": city.pk, "title": "市の研修会", "starts_at": "2026-12-20 13:30",
        "ends_at": "2026-12-20 16:30", "venue": "市役所", "capacity": "30",
        "audience": "id_holders", "modules": [module.pk], "briefing_due_days": "30"})
    assert TrainingSession.objects.filter(modules=module).exists() is accepted
    assert response.status_code == (302 if accepted else 200)


def test_the_admin_export_lists_sessions_as_csv(clock, login, session, coordinator):
    client = login(with_session_permissions(coordinator))
    response = client.get("/admin/trainingsession/?export=csv")
    content = b"".join(response.streaming_content).decode()
    assert TITLE in content and "430005" in content


def test_a_coordinator_schedules_a_session_in_the_admin(
    clock, login, prefecture, coordinator, department_a, city_department
):
    client = login(with_session_permissions(coordinator))
    form = {
        "organisation": prefecture.pk, "title": TITLE, "venue": "県庁",
        "starts_at": "2026-12-10 13:30", "ends_at": "2026-12-10 16:00", "capacity": 100,
        "audience": "id_holders", "departments": [city_department.pk], "briefing_due_days": 30,
    }
    response = client.post("/admin/trainingsession/new/", form)
    assert response.status_code == 200  # the form again, with the error
    assert not TrainingSession.objects.exists()

    form["departments"] = [department_a.pk]
    assert client.post("/admin/trainingsession/new/", form).status_code == 302
    session = TrainingSession.objects.get()
    assert list(session.departments.all()) == [department_a]
    assert session.starts_at == datetime.datetime(2026, 12, 10, 13, 30, tzinfo=JST)
    assert not session.invitations.exists()  # invitations are sent from the session page


def test_a_municipality_coordinator_cannot_schedule_for_the_prefecture(clock, login, prefecture, city_coordinator):
    client = login(with_session_permissions(city_coordinator))
    response = client.post("/admin/trainingsession/new/", {
        "organisation": prefecture.pk, "title": TITLE, "venue": "県庁",
        "starts_at": "2026-12-10 13:30", "ends_at": "2026-12-10 16:00", "capacity": 100,
        "audience": "id_holders", "briefing_due_days": 30,
    })
    assert response.status_code == 200
    assert not TrainingSession.objects.exists()


def test_people_without_the_coordinator_role_are_kept_out_of_the_admin_lists(clock, login, session, supervisor):
    client = login(with_session_permissions(supervisor))
    assert client.get("/admin/trainingsession/").status_code == 302  # Wagtail's "permission denied"
    assert client.get("/admin/attendance/").status_code == 302


def test_the_attendance_list_exports_and_is_read_only(clock, login, session, city, coordinator, city_coordinator, operator, outsider):
    city_session = make_session(city, title="熊本市 担当者研修会")
    invite(session, operator)
    invite(city_session, outsider)
    attendance = attend(session, operator)
    attend(city_session, outsider)

    client = login(with_session_permissions(city_coordinator))
    response = client.get("/admin/attendance/?export=csv")
    content = b"".join(response.streaming_content).decode()
    assert outsider.name in content and operator.name not in content
    assert "2026-11-26 10:00" in content  # Japanese time, not UTC

    client = login(with_session_permissions(coordinator))
    response = client.get("/admin/attendance/?export=xlsx")
    assert response.status_code == 200
    assert client.get(f"/admin/attendance/edit/{attendance.pk}/").status_code == 302
    assert client.get("/admin/attendance/new/").status_code == 302

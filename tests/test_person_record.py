"""A person's training record (個人別研修履歴), issue 17 point 1: one page per person and
fiscal year, who may open it, its audit, its CSV, its query count, and the bad input
(a year with no data, an unknown year, a revoked ID, a move)."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from people.models import IdGrant, Person
from tests.conftest import DRILL_T0, make_person
from training.models import (
    Attempt,
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    Certificate,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def url(person, year, kind=""):
    name = "reports:person_record" + (f"_{kind}" if kind else "")
    return reverse(name, args=[person.pk, year])


@pytest.fixture
def colleague_year(clock, closed_session, plan, drill, operator, colleague, supervisor,
                   coordinator):
    """FY2026 for the colleague: missed the 2026-11-20 session, briefed by the operator,
    confirmed by the supervisor on their behalf; the plan acknowledged on paper; a quiz
    passed at the second attempt; a certificate; a drill played as 所属長; an improvement
    item to answer for."""
    from drills import runs
    from drills.improvements import item_create
    from training.reading import acknowledgement_record

    sharing = closed_session.sharings.get(department=colleague.department)
    obligation = sharing.obligations.get(person=colleague)
    briefing = Briefing.objects.create(
        sharing=sharing, briefed_by=operator, held_on=datetime.date(2026, 11, 25),
        method="meeting", recorded_by=operator,
        recorded_at=datetime.datetime(2026, 11, 25, 9, 0, tzinfo=TOKYO),
    )
    briefing.obligations.add(obligation)
    BriefingConfirmation.objects.create(
        obligation=obligation, confirmed_at=datetime.datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO),
        recorded_by=supervisor, on_behalf=True, note="紙の確認票に署名",
    )
    acknowledgement_record(person=colleague, page=plan,
                           revision_id=plan.get_latest_revision().pk,
                           today=datetime.date(2026, 11, 26), recorded_by=supervisor,
                           note="紙の確認票")
    from training.models import Quiz

    closed_session.quiz = Quiz.objects.create(organisation=closed_session.organisation,
                                              title="確認テスト")
    closed_session.save(update_fields=["quiz"])
    started = datetime.datetime(2026, 11, 21, 10, 0, tzinfo=TOKYO)
    for number, (score, passed) in enumerate([(60, False), (90, True)], start=1):
        attempt = Attempt.objects.create(
            quiz=closed_session.quiz, session=closed_session, person=colleague, number=number,
            started_at=started + datetime.timedelta(hours=number),
            deadline=started + datetime.timedelta(hours=number, minutes=20),
            submitted_at=started + datetime.timedelta(hours=number, minutes=15),
            score_percent=score, passed=passed,
        )
    Certificate.objects.create(
        person=colleague, session=closed_session, attempt=attempt, code="ABCD-EFGH-JKLM",
        issued_on=datetime.date(2026, 11, 22), expires_on=datetime.date(2027, 11, 21),
    )
    drill = runs.drill_start(drill=drill, now=DRILL_T0)
    runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), now=DRILL_T0,
                          person=colleague)
    runs.drill_end(drill=drill, now=DRILL_T0 + datetime.timedelta(minutes=30))
    item_create(
        drill=drill, by=coordinator, now=DRILL_T0 + datetime.timedelta(minutes=40),
        issue="第一報が遅れた", corrective_action="連絡網を更新する", element="plan",
        department=colleague.department, start_on=datetime.date(2026, 12, 1),
        due_on=datetime.date(2027, 1, 29), point_of_contact=colleague,
    )
    return colleague


# What the page shows


def test_it_shows_every_section_of_the_fiscal_year(login, supervisor, colleague_year):
    response = login(supervisor).get(url(colleague_year, 2026))
    assert response.status_code == 200
    page = response.content.decode()
    for expected in [
        "佐藤 次郎",  # whose record
        "令和5年4月1日",  # the ID grant held this year
        "熊本県 緊急時対応計画書", "紙の確認票",  # the plan, acknowledged on paper…
        "田中 一郎",  # …recorded by the supervisor on their behalf
        "現在の必読資料",  # what they must read today: the plan, acknowledged
        "令和8年度 住基ネット担当者研修",  # the session they were invited to
        "山田 花子",  # who briefed them
        "紙の確認票に署名",  # the confirmation on their behalf
        "確認テスト", "90%", "60%",  # both attempts
        "令和9年11月21日",  # the certificate's expiry
        "所属長",  # the drill role
        "第一報が遅れた",  # the improvement item
    ]:
        assert expected in page, expected
    assert "No records for this fiscal year" not in page
    assert "この年度の記録はありません" not in page


def test_it_defaults_to_the_current_fiscal_year_from_the_directory(login, supervisor,
                                                                    colleague):
    client = login(supervisor)
    page = client.get(reverse("people:person", args=[colleague.pk])).content.decode()
    assert url(colleague, 2026) in page
    # The switcher: back to the colleague's first grant (FY2023), or five years.
    switcher = client.get(url(colleague, 2026)).content.decode().split(
        'id="fiscal-years"')[1].split("</nav>")[0]
    assert '<strong aria-current="page">2026</strong>' in switcher
    for year in (2025, 2024, 2023, 2022):
        assert url(colleague, year) in switcher
    assert url(colleague, 2027) not in switcher


def test_the_attendee_sees_the_briefing_they_gave(login, operator, colleague_year):
    page = login(operator).get(url(operator, 2026)).content.decode()
    assert 'id="briefings-given"' in page
    given = page.split('id="briefings-given"')[1].split("</section>")[0]
    assert "令和8年11月25日" in given and "県北広域本部福祉課" in given
    assert "<td>1</td>" in given  # one colleague briefed


def test_a_year_with_no_data_says_so_not_zeros(login, supervisor, colleague_year):
    # FY2019: long before the colleague's 2023 grant; nothing else happened then.
    response = login(supervisor).get(url(colleague_year, 2019))
    assert response.status_code == 200
    page = response.content.decode()
    assert "この年度の記録はありません" in page
    assert 'id="id-grants"' not in page and "0件" not in page


@pytest.mark.parametrize("year", [0, 10000, 99999999])
def test_an_unknown_fiscal_year_says_no_records(login, supervisor, colleague, year):
    response = login(supervisor).get(url(colleague, year))
    assert response.status_code == 200
    assert "この年度の記録はありません" in response.content.decode()


def test_a_year_not_yet_begun_has_no_records(login, supervisor, colleague_year):
    page = login(supervisor).get(url(colleague_year, 2027)).content.decode()
    assert "この年度の記録はありません" in page


def test_an_id_revoked_mid_year_is_shown_with_its_date(login, supervisor, colleague):
    IdGrant.objects.filter(person=colleague).update(revoked_on=datetime.date(2026, 9, 30))
    page = login(supervisor).get(url(colleague, 2026)).content.decode()
    grants = page.split('id="id-grants"')[1].split("</section>")[0]
    assert "令和8年9月30日" in grants
    assert "年度中に取消" in grants


def test_a_move_noted_by_the_records_is_shown(login, coordinator, colleague_year, department_b):
    obligation = BriefingObligation.objects.get(person=colleague_year)
    BriefingObligation.objects.filter(pk=obligation.pk).update(
        dropped_at=datetime.datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO), dropped_reason="moved_out")
    Person.objects.filter(pk=colleague_year.pk).update(department=department_b)
    page = login(coordinator).get(url(colleague_year, 2026)).content.decode()
    department = page.split('id="department"')[1].split("</section>")[0]
    assert "球磨地域振興局用地課" in department  # the current department
    moves = department.split('id="moves"')[1]
    assert "2026年12月1日" in moves and "県北広域本部福祉課" in moves


# Fiscal-year boundary: 31 March belongs to the year before, 1 April to the new one.


def test_a_grant_on_1_april_is_new_in_that_year_and_absent_from_the_year_before(
        login, clock, coordinator, department_a):
    clock.move_to(datetime.datetime(2027, 4, 1, 9, 0, tzinfo=TOKYO))
    newcomer = make_person("newcomer", department_a, name="木村 新", kana="キムラ シン",
                           granted_on=datetime.date(2027, 4, 1))
    client = login(coordinator)
    assert "この年度の記録はありません" in client.get(url(newcomer, 2026)).content.decode()
    page = client.get(url(newcomer, 2027)).content.decode()
    assert "令和9年4月1日" in page and "今年度新規" in page


def test_an_id_revoked_on_1_april_was_held_for_none_of_the_new_year(
        login, clock, coordinator, colleague):
    clock.move_to(datetime.datetime(2027, 4, 2, 9, 0, tzinfo=TOKYO))
    IdGrant.objects.filter(person=colleague).update(revoked_on=datetime.date(2027, 4, 1))
    client = login(coordinator)
    assert "この年度の記録はありません" in client.get(url(colleague, 2027)).content.decode()
    page = client.get(url(colleague, 2026)).content.decode()
    assert "令和9年4月1日" in page and "年度中に取消" in page


def test_an_id_revoked_on_31_march_is_revoked_in_that_year_not_the_next(
        login, clock, coordinator, colleague):
    clock.move_to(datetime.datetime(2027, 4, 1, 9, 0, tzinfo=TOKYO))
    IdGrant.objects.filter(person=colleague).update(revoked_on=datetime.date(2027, 3, 31))
    client = login(coordinator)
    page = client.get(url(colleague, 2026)).content.decode()
    assert "令和9年3月31日" in page and "年度中に取消" in page
    # Revoked at the end of 31 March: held for none of FY2027.
    assert "この年度の記録はありません" in client.get(url(colleague, 2027)).content.decode()


# Who sees it


def test_the_person_sees_their_own_record_and_no_read_is_audited(login, colleague_year):
    before = AuditEvent.objects.count()
    assert login(colleague_year).get(url(colleague_year, 2026)).status_code == 200
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("reader", ["supervisor", "coordinator"])
def test_the_supervisor_and_the_coordinator_see_it(login, request, colleague, reader):
    assert login(request.getfixturevalue(reader)).get(url(colleague, 2026)).status_code == 200


@pytest.mark.parametrize("reader", ["operator", "other_supervisor", "evaluator",
                                    "city_coordinator"])
def test_it_refuses_everyone_else_with_404(login, request, colleague, reader):
    client = login(request.getfixturevalue(reader))
    for kind in ("", "pdf", "csv"):
        assert client.get(url(colleague, 2026, kind)).status_code == 404


def test_a_municipality_coordinator_sees_their_own_staff_not_the_prefectures(
        login, city_coordinator, outsider, colleague):
    client = login(city_coordinator)
    assert client.get(url(outsider, 2026)).status_code == 200
    assert client.get(url(colleague, 2026)).status_code == 404


def test_an_unknown_person_is_404(login, coordinator):
    assert login(coordinator).get(reverse("reports:person_record", args=[999999, 2026])
                                  ).status_code == 404


def test_the_anonymous_are_sent_to_log_in(client, colleague):
    response = client.get(url(colleague, 2026))
    assert response.status_code == 302 and "/login/" in response["Location"]


# Opening it is audited


@pytest.mark.parametrize(("kind", "action"), [
    ("", AuditEvent.Action.RECORDS_VIEWED),
    ("pdf", AuditEvent.Action.RECORDS_EXPORTED),
    ("csv", AuditEvent.Action.RECORDS_EXPORTED),
])
def test_opening_it_is_one_audited_read_about_the_person(login, clock, supervisor, colleague,
                                                          kind, action):
    client = login(supervisor)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    assert client.get(url(colleague, 2026, kind)).status_code == 200
    written = list(AuditEvent.objects.exclude(pk__in=before))
    assert [(e.actor_id, e.action, e.subject_id) for e in written] == [
        (supervisor.user.pk, action, colleague.pk)]


# CSV


def test_the_csv_lists_each_record_with_its_section(login, supervisor, colleague_year):
    response = login(supervisor).get(url(colleague_year, 2026, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["区分", "日時", "内容", "詳細", "その他"]
    sections = {row[0] for row in rows[1:]}
    assert {"照合IDの付与履歴", "確認した必読資料", "研修会", "受けた伝達研修",
            "確認テストの受験", "修了証", "参加した訓練", "担当する改善項目"} <= sections
    attempts = [row for row in rows if row[0] == "確認テストの受験"]
    assert [row[4].split(" / ")[-1] for row in attempts] == ["不合格", "合格"]


def test_the_page_and_the_csv_show_the_same_sections_with_the_same_columns(
        login, clock, supervisor, colleague_year):
    from django.utils import timezone, translation

    from reports.person_record import person_record_build
    from reports.person_record_sections import record_sections

    client = login(supervisor)
    page = client.get(url(colleague_year, 2026)).content.decode()
    rows = list(csv.reader(io.StringIO(
        client.get(url(colleague_year, 2026, "csv")).content.decode("utf-8-sig"))))
    with translation.override("ja"):
        sections = record_sections(person_record_build(
            person=colleague_year, year=2026, today=timezone.localdate()))
    assert len(sections) == 10 and page.count("<table>") == 10
    for section in sections:
        shown = page.split(f'id="{section.key}"')[1].split("</section>")[0]
        assert f"<h2>{section.title}</h2>" in shown
        assert "".join(f"<th>{header}</th>" for header in section.headers) in shown
        assert shown.count("<tr>") == 1 + max(len(section.rows), 1)
        assert sum(row[0] == section.title for row in rows) == len(section.rows)


def test_the_csv_of_a_year_without_data_says_so(login, supervisor, colleague):
    response = login(supervisor).get(url(colleague, 2019, "csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "この年度の記録はありません。"


# Links from the lists that name people


def test_the_attendance_list_links_to_each_record_where_the_reader_may_open_it(
        login, coordinator, closed_session, operator):
    page = login(coordinator).get(
        reverse("training:session_manage", args=[closed_session.pk])).content.decode()
    assert url(operator, 2026) in page


def test_a_departments_attendance_links_the_supervisor_to_each_record(
        login, supervisor, closed_session, department_a, operator, colleague):
    page = login(supervisor).get(reverse(
        "training:session_department", args=[closed_session.pk, department_a.pk])
    ).content.decode()
    assert url(operator, 2026) in page and url(colleague, 2026) in page


def test_the_onward_sharing_page_links_to_the_colleagues_record(
        login, supervisor, closed_session, department_a, colleague):
    sharing = closed_session.sharings.get(department=department_a)
    page = login(supervisor).get(
        reverse("training:sharing_department", args=[sharing.pk])).content.decode()
    assert url(colleague, 2026) in page


def test_the_directory_does_not_offer_a_colleagues_record_to_an_operator(
        login, operator, colleague):
    page = login(operator).get(reverse("people:directory")).content.decode()
    assert url(colleague, 2026) not in page
    assert url(operator, 2026) in page  # their own


def test_the_admin_person_page_links_to_the_record(login, coordinator, colleague):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=coordinator.user.pk).update(is_superuser=True)
    page = login(coordinator).get(reverse("person:edit", args=[colleague.pk])).content.decode()
    assert url(colleague, 2026) in page


# Query count


def _more_of_everything(colleague_year, closed_session, operator, extra):
    """`extra` more sessions with attendance, attempts and acknowledgements-free rows."""
    from training.models import Attendance, Invitation, TrainingSession

    for n in range(extra):
        session = TrainingSession.objects.create(
            organisation=closed_session.organisation, title=f"補講{n}",
            starts_at=datetime.datetime(2026, 12, 1 + n, 13, 0, tzinfo=TOKYO),
            ends_at=datetime.datetime(2026, 12, 1 + n, 15, 0, tzinfo=TOKYO),
            venue="県庁", capacity=10,
        )
        Invitation.objects.create(session=session, person=colleague_year,
                                  invited_at=session.starts_at - datetime.timedelta(days=7))
        Attendance.objects.create(session=session, person=colleague_year, status="present",
                                  method="roster", recorded_at=session.ends_at)
        Attempt.objects.create(
            quiz=closed_session.quiz, session=session, person=colleague_year, number=10 + n,
            started_at=session.ends_at, deadline=session.ends_at + datetime.timedelta(minutes=20),
            submitted_at=session.ends_at + datetime.timedelta(minutes=10), score_percent=50,
            passed=False,
        )
        IdGrant.objects.create(person=colleague_year, granted_on=datetime.date(2020, 4, 1 + n),
                               revoked_on=datetime.date(2021, 3, 31))


# The queries of one request, whatever the number of rows:
#  the session, the user; the reader's scope (their person, roles, current grant: one
#  query);
#  the person whose record it is;
#  ID grants, acknowledgements;
#  the reading due today (this year only): the person with their grant, their roles,
#  the required reading's stamp (its pages and baselines held since the first request:
#  training.reading.required_reading), their acknowledgements;
#  invitations, attendance, briefing obligations, the
#  briefings that discharged them, their briefers, briefings given, attempts,
#  certificates, drill participations, improvement items;
#  the audit trail's write: the subject, a savepoint, the chain head, the event, the
#  head's hash, the savepoint released.
RECORD_PAGE_QUERIES = 26


def test_the_page_takes_a_constant_number_of_queries(login, supervisor, colleague_year,
                                                     closed_session, operator,
                                                     django_assert_num_queries):
    client = login(supervisor)
    path = url(colleague_year, 2026)
    client.get(path)  # the first request after logging in also reads the login's records
    with django_assert_num_queries(RECORD_PAGE_QUERIES):
        assert client.get(path).status_code == 200
    _more_of_everything(colleague_year, closed_session, operator, extra=5)
    with django_assert_num_queries(RECORD_PAGE_QUERIES):
        page = client.get(path).content.decode()
    assert "補講4" in page and page.count("不合格") == 6

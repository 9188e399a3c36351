"""What the load mix's pages no longer compute (issue 20, tests/bench_mix.py): the home
page's next step read only up to the first open duty, the briefings to give counted only
when there is a sharing to brief for, and scopes without the conditions that hold nothing.
Each answer stays what it was; the next request after a change shows the change."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from people.access import NO_SCOPE, scope_for
from training.checklist import checklist_for, next_step_for
from training.models import Attendance, Invitation, TrainingSession
from training.models.quizzes import Attempt
from training.reading import acknowledgement_record, obligations_for

JST = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 26)  # the clock fixture's day
HOME = reverse("home")
# The tables the checklist's lines after the reading and the plan are read from (and the
# briefings to give, counted).
LATER_LINES = ('"training_attendance"', '"training_invitation"', '"training_attempt"',
               '"training_certificate"',
               '"training_briefingconfirmation"')


@pytest.fixture
def session(prefecture):
    return TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 住基ネット担当者研修会",
        starts_at=datetime.datetime(2026, 6, 10, 10, tzinfo=JST),
        ends_at=datetime.datetime(2026, 6, 10, 12, tzinfo=JST),
        venue="県庁 審議会室", capacity=100,
    )


def acknowledge_plan(person, plan):
    plan.refresh_from_db()
    acknowledgement_record(person=person, page=plan, revision_id=plan.live_revision_id,
                           today=TODAY)


def first_open(person):
    return next((item for item in checklist_for(
        person, obligations_for(person, today=TODAY), today=TODAY)
        if item.required and not item.is_done), None)


def next_step(person):
    return next_step_for(person, obligations_for(person, today=TODAY), today=TODAY)


def next_step_section(client):
    body = client.get(HOME).content.decode()
    start = body.index('id="next-step"')
    return body[start:body.index("</section>", start)]


def test_the_next_step_is_the_checklists_first_open_duty(clock, plan, operator, session):
    assert next_step(operator) == first_open(operator)
    assert next_step(operator).key == "plan"
    acknowledge_plan(operator, plan)
    assert next_step(operator) == first_open(operator)
    assert next_step(operator).key == "session"
    Invitation.objects.create(session=session, person=operator,
                              invited_at=datetime.datetime(2026, 5, 1, tzinfo=JST))
    Attendance.objects.create(session=session, person=operator, status="present",
                              method="roster", recorded_at=session.starts_at)
    assert next_step(operator) == first_open(operator)
    assert next_step(operator).key == "quiz"


def test_with_the_plan_open_the_home_page_reads_no_later_duty(
    clock, login, plan, operator, django_assert_num_queries
):
    client = login(operator)
    client.get(HOME)  # the session's renewal, the catalogue's copy taken
    # Session, user, scope (person, roles and ID grant in one query), the required
    # reading's stamp (the catalogue held), the person's acknowledgements, own plan,
    # briefings waiting, whether there is a sharing to brief for.
    with django_assert_num_queries(8) as captured:
        assert client.get(HOME).status_code == 200
    # The table each query reads: the first column's (SELECT "table"."id", ...), or an
    # existence check's (SELECT 1 AS "a" FROM "table" ...).
    read_from = {match.group(1) for query in captured.captured_queries
                 if (match := re.match(r'SELECT (?:1 AS "a" FROM )?("\w+")', query["sql"]))}
    assert '"training_departmentsharing"' in read_from  # whether there is one to brief for
    assert read_from & set(LATER_LINES) == set()


def test_the_next_step_moves_on_the_next_request_after_the_plan_is_read(
    clock, login, plan, operator
):
    client = login(operator)
    assert "緊急時対応計画書の確認" in next_step_section(client)
    plan.refresh_from_db()
    response = client.post(reverse("training:reading", args=[plan.pk]),
                           {"revision": plan.live_revision_id})
    assert response.status_code == 302
    step = next_step_section(client)
    assert "研修会への出席" in step and "今年度の研修会はまだありません" in step


def test_the_next_step_is_each_persons_own(clock, login, plan, operator, colleague):
    acknowledge_plan(colleague, plan)
    assert "緊急時対応計画書の確認" in next_step_section(login(operator))
    assert "研修会への出席" in next_step_section(login(colleague))


def test_the_quiz_due_date_is_shown_once_it_is_the_next_step(
    clock, login, plan, operator, session
):
    acknowledge_plan(operator, plan)
    Invitation.objects.create(session=session, person=operator,
                              invited_at=datetime.datetime(2026, 5, 1, tzinfo=JST))
    Attendance.objects.create(session=session, person=operator, status="present",
                              method="roster", recorded_at=session.starts_at)
    step = next_step_section(login(operator))
    assert first_open(operator).detail in step
    assert Attempt.objects.count() == 0


# Scopes


def attempt_of(person, session):
    from training.models import Quiz

    quiz = Quiz.objects.get_or_create(organisation=session.organisation, title="確認テスト")[0]
    return Attempt.objects.create(
        quiz=quiz, session=session, person=person, number=1,
        started_at=datetime.datetime(2026, 6, 11, 9, tzinfo=JST),
        deadline=datetime.datetime(2026, 6, 11, 9, 20, tzinfo=JST),
    )


def test_a_scope_without_person_or_roles_sees_nothing(operator, session):
    attempt_of(operator, session)
    assert NO_SCOPE.departments().count() == 0
    assert NO_SCOPE.people().count() == 0
    assert Attempt.objects.filter(NO_SCOPE.personal_records()).count() == 0


def test_an_operators_scope_is_their_department_and_their_own_records(
    operator, colleague, department_a, department_b, session
):
    from tests.conftest import make_person

    elsewhere = make_person("elsewhere", department_b, name="他部署 職員")
    own = attempt_of(operator, session)
    attempt_of(colleague, session)
    scope = scope_for(operator.user)
    assert list(scope.departments()) == [department_a]
    assert set(scope.people()) == {operator, colleague}
    assert elsewhere not in scope.people()
    assert list(Attempt.objects.filter(scope.personal_records())) == [own]


def test_a_supervisors_scope_adds_the_departments_they_supervise(
    supervisor, operator, department_a, department_b, session
):
    from tests.conftest import make_person

    elsewhere = make_person("elsewhere", department_b, name="他部署 職員")
    theirs = attempt_of(elsewhere, session)
    scope = scope_for(supervisor.user)
    assert set(scope.departments()) >= {supervisor.department}
    assert (theirs in Attempt.objects.filter(scope.personal_records())) == (
        department_b.pk in scope.supervised_department_ids)


def fresh_scope(person):
    """The scope as the next request reads it (scope_for keeps it on the user object)."""
    from django.contrib.auth import get_user_model

    return scope_for(get_user_model().objects.get(pk=person.user_id))


def test_the_compiled_scope_query_answers_for_each_user_and_day(
    clock, operator, colleague, supervisor, department_a
):
    from people.models import IdGrant, RoleAssignment

    # The query is compiled once, with stand-ins: each user and each day get their own.
    assert fresh_scope(operator).person == operator
    assert fresh_scope(colleague).person == colleague
    assert fresh_scope(operator).id_granted_on == datetime.date(2026, 4, 10)
    assert fresh_scope(colleague).id_granted_on == datetime.date(2023, 4, 1)
    assert fresh_scope(supervisor).supervised_department_ids == {department_a.pk}
    assert fresh_scope(operator).person.department == department_a
    assert fresh_scope(operator).person.organisation == department_a.organisation
    IdGrant.objects.filter(person=operator).update(revoked_on=datetime.date(2026, 11, 27))
    assert fresh_scope(operator).id_granted_on == datetime.date(2026, 4, 10)
    clock.move_to(datetime.datetime(2026, 11, 27, 9, tzinfo=JST))
    assert fresh_scope(operator).id_granted_on is None
    # A role given shows on the next request.
    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_a)
    assert fresh_scope(operator).supervised_department_ids == {department_a.pk}
    assert fresh_scope(colleague).supervised_department_ids == frozenset()

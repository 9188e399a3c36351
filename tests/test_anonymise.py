"""Anonymising a leaver (people.lifecycle.person_anonymise) and its admin page.

The leaver's name and contact details go, wherever the site copied them; their records
stay, so that every count, statistic and score is the same before and after.
"""

import datetime
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import Permission
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from wagtail.log_actions import log

from audit.models import AuditEvent
from people import lifecycle
from people.fiscal import fiscal_year_of
from people.lifecycle import person_anonymise
from people.models import IdGrant, Person, RoleAssignment
from tests.conftest import DRILL_T0, PASSWORD, make_person

TODAY = datetime.date(2026, 11, 26)  # the clock fixture's day


def anonymise(person, by):
    return person_anonymise(person=person, by=by.user, today=TODAY)


def reloaded(person):
    return Person.objects.select_related("user").get(pk=person.pk)


# What goes


def test_it_removes_the_name_and_contact_details(clock, operator, coordinator):
    operator.email = "hanako@example.jp"
    operator.save()
    operator.user.email, operator.user.first_name, operator.user.last_name = (
        "hanako@example.jp", "花子", "山田"
    )
    operator.user.save()

    anonymise(operator, coordinator)

    person = reloaded(operator)
    assert person.name == f"退職者 #{person.pk}"
    assert (person.kana, person.email) == ("", "")
    assert person.employee_number == f"anon-{person.pk}"
    assert person.anonymised_on == TODAY
    # Still where they were, so that department counts stay right.
    assert (person.department, person.organisation) == (operator.department, operator.organisation)
    user = person.user
    assert user.username == f"anonymised-{user.pk}"
    assert (user.email, user.first_name, user.last_name) == ("", "", "")
    assert not user.is_active
    assert not user.has_usable_password()


def test_the_leaver_can_no_longer_log_in(clock, operator, coordinator):
    signed_in = Client()
    signed_in.force_login(operator.user)
    assert signed_in.get("/").status_code == 200

    anonymise(operator, coordinator)

    assert not Session.objects.filter(
        session_key=signed_in.session.session_key
    ).exists()
    assert signed_in.get("/").status_code == 302  # sent to the login page
    for username in ("operator", f"anonymised-{operator.user.pk}"):
        client = Client()
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 200  # the form again, not a redirect home
        assert "_auth_user_id" not in client.session


def test_other_sessions_are_kept(clock, operator, colleague, coordinator):
    other = Client()
    other.force_login(colleague.user)

    anonymise(operator, coordinator)

    assert other.get("/").status_code == 200


def test_id_grants_end_on_the_leaving_day_and_their_history_stays(clock, operator, coordinator):
    old = IdGrant.objects.create(person=operator, granted_on=datetime.date(2020, 4, 1),
                                 revoked_on=datetime.date(2021, 3, 31))
    future = IdGrant.objects.create(person=operator, granted_on=datetime.date(2027, 4, 1))
    current = operator.id_grants.get(granted_on=datetime.date(2026, 4, 10))

    anonymise(operator, coordinator)

    current.refresh_from_db(), old.refresh_from_db(), future.refresh_from_db()
    assert current.revoked_on == TODAY
    assert old.revoked_on == datetime.date(2021, 3, 31)
    assert future.revoked_on == future.granted_on  # never becomes active
    yesterday = TODAY - datetime.timedelta(days=1)
    assert operator in Person.objects.id_holders(yesterday)
    assert operator not in Person.objects.id_holders(TODAY)
    assert operator not in Person.objects.id_holders(datetime.date(2027, 5, 1))


def test_roles_are_removed(clock, supervisor, coordinator):
    anonymise(supervisor, coordinator)

    assert not RoleAssignment.objects.filter(person=supervisor).exists()


def test_copies_of_the_name_and_address_are_replaced(
    clock, closed_session, operator, colleague, supervisor, coordinator, drill
):
    from drills import runs
    from drills.hotwash import hot_wash_submit
    from training.models import Notice

    label = f"退職者 #{colleague.pk}"
    colleague.email = "jiro@example.jp"
    colleague.save()
    sharing = closed_session.sharings.get()
    # As training.sharing_reminders writes them: colleagues listed by name, one a line.
    to_supervisor = Notice.objects.create(
        key="supervisor:x", kind="supervisor_due", recipient=supervisor, sharing=sharing,
        message="未確認の職員:\n- 佐藤 次郎", sent_at=DRILL_T0,
    )
    to_colleague = Notice.objects.create(
        key="colleague:x", kind="colleague_before_due", recipient=colleague, sharing=sharing,
        message="伝達研修を受けてください。", sent_at=DRILL_T0, emailed_to="jiro@example.jp",
    )
    drill = runs.drill_start(drill=drill, now=DRILL_T0)
    player = runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"),
                                   now=DRILL_T0, person=colleague)
    entry = runs.log_record(participant=player, text="佐藤次郎が所属長へ報告（jiro@example.jp）",
                            now=DRILL_T0 + datetime.timedelta(minutes=2))
    runs.drill_end(drill=drill, now=DRILL_T0 + datetime.timedelta(minutes=30))
    player.refresh_from_db()
    answer = hot_wash_submit(participant=player, went_well="佐藤 次郎の初動が早かった",
                             to_improve="", confidence=4, anonymous=False,
                             now=DRILL_T0 + datetime.timedelta(minutes=31))
    log(instance=colleague, action="wagtail.edit", user=coordinator.user)
    AccessLog.objects.create(username="colleague", user_agent="x", ip_address="127.0.0.1",
                             http_accept="*/*", path_info="/login/")
    AccessAttempt.objects.create(username="colleague", user_agent="x", ip_address="127.0.0.1",
                                 http_accept="*/*", path_info="/login/", get_data="",
                                 post_data="username=colleague", failures_since_start=1)
    # A namesake in another organisation keeps their name.
    namesake = make_person("namesake", _city_department(), name="佐藤 次郎")
    city_log = log(instance=namesake, action="wagtail.edit", user=coordinator.user)

    anonymise(colleague, coordinator)

    to_supervisor.refresh_from_db(), to_colleague.refresh_from_db()
    assert to_supervisor.message == f"未確認の職員:\n- {label}"
    assert to_colleague.emailed_to == ""
    player.refresh_from_db(), entry.refresh_from_db(), answer.refresh_from_db()
    assert player.display_name == label
    assert entry.text == f"{label}が所属長へ報告（{label}）"
    assert answer.went_well == f"{label}の初動が早かった"
    from wagtail.models import ModelLogEntry

    labels = set(ModelLogEntry.objects.values_list("label", flat=True))
    assert label in labels
    assert "佐藤 次郎" in labels  # the namesake's
    city_log.refresh_from_db()
    assert city_log.label == "佐藤 次郎"
    assert not AccessAttempt.objects.filter(username="colleague").exists()
    assert AccessLog.objects.filter(username=f"anonymised-{colleague.user.pk}").count() == 1
    assert not AccessLog.objects.filter(username="colleague").exists()


def _city_department():
    from people.models import Department, Organisation

    city, _ = Organisation.objects.get_or_create(
        lg_code="431001", defaults={"name": "熊本市", "kind": "municipality"}
    )
    department, _ = Department.objects.get_or_create(organisation=city, code="K01",
                                                     defaults={"name": "区民課"})
    return department


def test_a_certificate_reminder_forgets_the_address(clock, operator, coordinator):
    from training.models.certificates import CertificateReminder

    certificate = _certificate(operator)
    reminder = CertificateReminder.objects.create(
        certificate=certificate, sent_at=DRILL_T0, sent_to="hanako@example.jp"
    )

    anonymise(operator, coordinator)

    reminder.refresh_from_db()
    assert reminder.sent_to == ""
    certificate.refresh_from_db()
    assert certificate.person_id == operator.pk  # still theirs, still verifiable


def _certificate(person):
    from training.certificates import certificate_issue
    from training.models import Attempt, Attendance, Quiz, TrainingSession

    tokyo = DRILL_T0.tzinfo
    session = TrainingSession.objects.create(
        organisation=person.organisation, title="研修", venue="県庁", capacity=10,
        starts_at=datetime.datetime(2026, 10, 1, 13, 0, tzinfo=tokyo),
        ends_at=datetime.datetime(2026, 10, 1, 16, 0, tzinfo=tokyo),
        quiz=Quiz.objects.create(organisation=person.organisation, title="確認テスト"),
    )
    Attendance.objects.create(session=session, person=person, status="present",
                              method="roster", recorded_at=session.ends_at)
    attempt = Attempt.objects.create(
        quiz=session.quiz, session=session, person=person, number=1,
        started_at=session.ends_at, deadline=session.ends_at + datetime.timedelta(minutes=20),
        submitted_at=session.ends_at + datetime.timedelta(minutes=10), score_percent=90,
        passed=True,
    )
    return certificate_issue(attempt=attempt, today=datetime.date(2026, 10, 1))


# What stays


def test_counts_statistics_and_scores_are_the_same_afterwards(
    clock, closed_session, operator, colleague, supervisor, coordinator, evaluator, drill,
    department_a,
):
    """The operator attended the session, took its quiz, and played the drill; the
    colleague did not attend and is to be briefed. Everything computed from their
    records is computed again after the operator is anonymised."""
    from drills import runs
    from drills.scoring import drill_score
    from drills.trends import organisation_trends
    from training.analysis import quiz_analysis
    from training.models import (
        Attempt,
        AttemptQuestion,
        Attendance,
        Choice,
        DepartmentSharing,
        Question,
        Quiz,
    )
    from training.sharing import department_status, sharings_with_counts

    quiz = Quiz.objects.create(organisation=closed_session.organisation, title="確認テスト")
    closed_session.quiz = quiz
    closed_session.save(update_fields=["quiz"])
    question = Question.objects.create(organisation=quiz.organisation, category="基本",
                                       text="照合IDの管理は？", explanation="本人のみ。")
    right = Choice.objects.create(question=question, text="本人のみ", is_correct=True)
    wrong = Choice.objects.create(question=question, text="誰でも", order=1)
    for number, (person, score, picked) in enumerate(
        [(operator, 100, right), (colleague, 40, wrong), (supervisor, 70, right)], start=1
    ):
        attempt = Attempt.objects.create(
            quiz=quiz, session=closed_session, person=person, number=1,
            started_at=closed_session.ends_at, deadline=closed_session.ends_at,
            submitted_at=closed_session.ends_at, score_percent=Decimal(score),
            passed=score >= 80,
        )
        AttemptQuestion.objects.create(attempt=attempt, question=question, position=number,
                                       choice_order=[right.pk, wrong.pk], answer=[picked.pk],
                                       is_correct=picked.is_correct)

    drill = runs.drill_start(drill=drill, now=DRILL_T0)
    player = runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"),
                                   now=DRILL_T0, person=operator)
    entry = runs.log_record(participant=player, text="所属長へ報告した",
                            now=DRILL_T0 + datetime.timedelta(minutes=4))
    runs.action_tick(drill=drill, action_id=drill.actions.get().pk, by=evaluator,
                     now=DRILL_T0 + datetime.timedelta(minutes=5), log_entry_id=entry.pk)
    runs.objective_rate(drill=drill, objective_id=drill.objectives.get().pk, rating="S",
                        notes="", by=evaluator, now=DRILL_T0 + datetime.timedelta(minutes=6))
    ended = DRILL_T0 + datetime.timedelta(minutes=30)
    runs.drill_end(drill=drill, now=ended)
    now = ended + datetime.timedelta(minutes=5)
    yesterday = TODAY - datetime.timedelta(days=1)

    def figures():
        sharing = DepartmentSharing.objects.get(session=closed_session)
        counted = sharings_with_counts(DepartmentSharing.objects.all(), today=TODAY).get()
        score = drill_score(drill, now=now)
        return {
            "attended": Attendance.objects.filter(
                session=closed_session, status__in=Attendance.ATTENDED).count(),
            "department status": department_status(sharing, today=TODAY).counts,
            "sharing counts": {field: getattr(counted, field) for field in
                               ("attended", "to_brief", "briefed", "confirmed", "dropped",
                                "overdue", "is_overdue")},
            "quiz analysis": quiz_analysis(quiz=quiz),
            "quiz analysis, department A": quiz_analysis(quiz=quiz,
                                                         department_id=department_a.pk),
            "drill score": (score.overall, [objective.score for objective in score.objectives]),
            "trends": organisation_trends([closed_session.organisation], now=now),
            "people counts": list(Person.objects.counts_by(
                "department", day=yesterday, fiscal_year=fiscal_year_of(yesterday))),
        }

    before = figures()
    assert before["attended"] == 1
    assert before["drill score"][0] is not None

    anonymise(operator, coordinator)

    assert figures() == before


def test_records_keep_pointing_at_the_person(clock, closed_session, operator, coordinator):
    from training.models import Attendance, Invitation

    attendance = Attendance.objects.get(person=operator)
    invitations = Invitation.objects.filter(person=operator).count()

    anonymise(operator, coordinator)

    assert Attendance.objects.get(pk=attendance.pk).person_id == operator.pk
    assert Invitation.objects.filter(person=operator).count() == invitations


# Refusals


def test_it_refuses_a_person_already_anonymised(clock, operator, coordinator):
    anonymise(operator, coordinator)

    with pytest.raises(ValidationError, match="匿名化済み"):
        anonymise(operator, coordinator)
    assert reloaded(operator).anonymised_on == TODAY


def test_it_refuses_ones_own_record(clock, coordinator):
    with pytest.raises(ValidationError, match="自分自身の記録は匿名化できません"):
        anonymise(coordinator, coordinator)
    assert reloaded(coordinator).name == "高橋 恵"


def test_it_is_all_or_nothing(clock, monkeypatch, operator, coordinator):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(lifecycle, "_scrub_copies", fail)

    with pytest.raises(RuntimeError):
        anonymise(operator, coordinator)

    person = reloaded(operator)
    assert (person.name, person.kana, person.anonymised_on) == ("山田 花子", "ヤマダ ハナコ", None)
    assert person.user.username == "operator" and person.user.is_active
    assert person.user.check_password(PASSWORD)
    assert operator.id_grants.get().revoked_on is None


# The admin page


def with_admin_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="people"),
    )
    return person


CONFIRM = {"confirm": "on"}  # the box of templates/includes/irreversible.html


def anonymise_url(person):
    return reverse("person:anonymise", args=[person.pk])


def test_the_confirmation_page_says_what_goes_and_what_stays(
    clock, login, coordinator, operator
):
    response = login(with_admin_permissions(coordinator)).get(anonymise_url(operator))

    assert response.status_code == 200
    page = response.content.decode()
    assert "山田 花子" in page
    assert f"退職者 #{operator.pk}" in page
    assert f'action="{anonymise_url(operator)}"' in page
    assert reloaded(operator).anonymised_on is None  # a GET changes nothing


def test_anonymising_without_ticking_the_box_changes_nothing(clock, login, coordinator,
                                                             operator):
    client = login(with_admin_permissions(coordinator))
    page = client.get(anonymise_url(operator)).content.decode()
    assert 'id="anonymise-confirm"' in page and "山田 花子さんを匿名化します" in page

    response = client.post(anonymise_url(operator))

    assert response["Location"] == anonymise_url(operator)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "退職者を匿名化することを確認するチェックボックスをオンにしてください。"]
    assert reloaded(operator).anonymised_on is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PERSON_ANONYMISED).exists()


def test_posting_anonymises_and_says_so(clock, login, coordinator, operator):
    response = login(with_admin_permissions(coordinator)).post(anonymise_url(operator), CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == reverse("person:index")
    assert [m.level for m in get_messages(response.wsgi_request)] == [SUCCESS]
    assert reloaded(operator).anonymised_on == TODAY
    recorded = AuditEvent.objects.get(action=AuditEvent.Action.PERSON_ANONYMISED)
    assert recorded.subject == operator and recorded.actor_person == coordinator


def test_a_municipality_coordinator_anonymises_their_own_staff(
    clock, login, city_coordinator, outsider
):
    client = login(with_admin_permissions(city_coordinator))
    response = client.post(anonymise_url(outsider), CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person", args=[outsider.pk])
    assert reloaded(outsider).anonymised_on == TODAY


def test_a_second_post_is_refused_with_a_message(clock, login, coordinator, operator):
    client = login(with_admin_permissions(coordinator))
    client.post(anonymise_url(operator), CONFIRM, follow=True)  # shows the success message

    response = client.post(anonymise_url(operator), CONFIRM)

    assert response["Location"] == anonymise_url(operator)
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]
    page = client.get(anonymise_url(operator)).content.decode()
    assert f'action="{anonymise_url(operator)}"' not in page  # nothing left to confirm


@pytest.mark.parametrize("role", ["city_coordinator", "supervisor", "other_supervisor",
                                  "evaluator", "colleague"])
def test_anyone_else_gets_404(clock, request, login, operator, role):
    client = login(with_admin_permissions(request.getfixturevalue(role)))

    assert client.get(anonymise_url(operator)).status_code == 404
    assert client.post(anonymise_url(operator)).status_code == 404
    assert reloaded(operator).anonymised_on is None


def test_the_admin_offers_the_action_on_the_list_and_the_edit_page(
    clock, login, coordinator, operator, colleague
):
    client = login(with_admin_permissions(coordinator))
    anonymise(colleague, coordinator)

    listing = client.get(reverse("person:index")).content.decode()
    edit = client.get(reverse("person:edit", args=[operator.pk])).content.decode()

    assert anonymise_url(operator) in listing
    assert anonymise_url(colleague) not in listing  # already anonymised
    assert anonymise_url(operator) in edit


def test_the_person_page_offers_the_action_to_the_coordinators_of_their_organisation(
    clock, login, city_coordinator, outsider, supervisor
):
    """A municipality's coordinator may not open the admin's people lists, so the staff
    directory's person page is where they find the action."""
    page = login(city_coordinator).get(reverse("people:person", args=[outsider.pk]))
    assert anonymise_url(outsider) in page.content.decode()

    anonymise(outsider, city_coordinator)
    page = login(city_coordinator).get(reverse("people:person", args=[outsider.pk]))
    assert anonymise_url(outsider) not in page.content.decode()  # already anonymised


def test_the_person_page_does_not_offer_it_to_a_supervisor(clock, login, supervisor, operator):
    page = login(supervisor).get(reverse("people:person", args=[operator.pk]))
    assert page.status_code == 200 and anonymise_url(operator) not in page.content.decode()


def test_the_page_lists_the_plans_whose_contact_tree_names_the_leaver(
    clock, login, coordinator, operator, home_page, prefecture, city
):
    from cms.models import EmergencyPlanPage
    from tests.conftest import PLAN_BODY

    contact_tree = {"type": "contact_tree", "id": "tree", "value": {
        "title": "緊急連絡網",
        "contacts": [{"role": "担当者", "name": "山田 花子", "phone": "096-000-0000",
                      "backup": ""}],
    }}
    home_page.add_child(instance=EmergencyPlanPage(
        title="熊本県 緊急時対応計画書", slug="plan-430005", organisation=prefecture,
        required_for="id_holders", body=[*PLAN_BODY, contact_tree],
    ))
    # Another organisation's plan naming a namesake is not the leaver's.
    home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city,
        required_for="id_holders", body=[*PLAN_BODY, contact_tree],
    ))

    page = login(with_admin_permissions(coordinator)).get(anonymise_url(operator))

    assert "熊本県 緊急時対応計画書" in page.content.decode()
    assert "熊本市 緊急時対応計画書" not in page.content.decode()
    anonymise(operator, coordinator)
    plan = EmergencyPlanPage.objects.get(slug="plan-430005")
    assert "山田 花子" in str(plan.body.raw_data)  # edited content: left to its editors


# The registry: higher apps say what anonymising must reach (tests/test_registries.py:
# people.lifecycle names none of them)


def test_a_registered_model_is_scrubbed_and_listed(clock, monkeypatch, closed_session,
                                                    operator, coordinator):
    """A fake app registers a model nobody registers for real: its free text is rewritten
    in the leaver's organisation, its snapshot is replaced, its line is on the preview."""
    from dataclasses import replace

    from training.models import TrainingSession

    monkeypatch.setattr(lifecycle, "registry", replace(
        lifecycle.registry, free_texts=[], snapshots=[], kept_records=[]))
    lifecycle.register_free_texts(TrainingSession, "venue", organisation="organisation")
    lifecycle.register_snapshot(TrainingSession, person="attendances__person",
                                name=("title",))
    lifecycle.register_kept_records(lambda person: f"fake records of {person.pk}")
    TrainingSession.objects.filter(pk=closed_session.pk).update(venue="山田花子の席")
    preview = lifecycle.anonymisation_preview(person=operator, today=TODAY)
    assert preview.kept_records == [f"fake records of {operator.pk}"]

    anonymise(operator, coordinator)

    closed_session.refresh_from_db()
    label = f"退職者 #{operator.pk}"
    assert closed_session.venue == f"{label}の席"
    assert closed_session.title == label


def test_the_apps_register_what_they_keep_and_the_page_lists_it(
    clock, login, closed_session, coordinator, operator
):
    from drills.models import LogEntry, Participant
    from training.models import Notice

    registered = {entry.model for entry in lifecycle.registry.free_texts}
    assert {Notice, LogEntry, Participant} <= registered
    assert Participant in {entry.model for entry in lifecycle.registry.snapshots}

    page = login(with_admin_permissions(coordinator)).get(anonymise_url(operator))

    text = page.content.decode()
    assert "出欠記録 1 件" in text and "参加した訓練 0 件" in text

"""Required reading and the quiz on the onward-sharing ladder (training.duty_reminders):
when each is due, each rung on its day, each notice recorded once, one e-mail per person
for everything, and the fiscal-year boundary.

Worked dates, default ladder (7 working days before, supervisor at due, coordinators 7
working days after; reading and quiz due 30 days after):
- the plan is published on 2026-11-26 (the clock); the operator's ID dates from
  2026-04-10, so they are obliged from 2026-11-26 and it is due 2026-12-28 (30 days on is
  Saturday 12-26: the next working day, people.calendar): the operator hears on
  2026-12-17, the supervisor on 2026-12-28, the coordinator on 2027-01-13 (年末年始 and
  成人の日, 01-11, are not working days).
"""

import datetime
import functools

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import reminders
from tests.conftest import make_person
from tests.reminders import JST, department_with_staff, session_held, with_email
from training import tasks
from training.duty_reminders import training_reminders_send
from training.models import (
    Acknowledgement,
    Attempt,
    Attendance,
    Notice,
    Quiz,
    ReminderLadder,
)

Kind = Notice.Kind


run_on = functools.partial(reminders.run_on, job=training_reminders_send)


def quiz_session(prefecture, department, *, held: datetime.datetime, attendees):
    return session_held([department], starts_at=held, attendees=attendees,
                        quiz=Quiz.objects.create(organisation=prefecture, title="確認テスト"))


@pytest.fixture
def reading(clock, plan, operator, supervisor, coordinator):
    return plan


def test_each_reading_rung_goes_out_on_its_day_and_not_the_day_before(reading, clock):
    assert run_on(clock, datetime.date(2026, 12, 16)) == set()
    assert run_on(clock, datetime.date(2026, 12, 17)) == {(Kind.READING_DUE, "operator")}
    assert run_on(clock, datetime.date(2026, 12, 25)) == set()
    assert run_on(clock, datetime.date(2026, 12, 28)) == {(Kind.READING_SUPERVISOR, "supervisor")}
    assert run_on(clock, datetime.date(2027, 1, 12)) == set()
    assert run_on(clock, datetime.date(2027, 1, 13)) == {
        (Kind.READING_COORDINATOR, "coordinator")}


def test_running_twice_records_each_notice_once(reading, clock):
    # A job that missed days sends every rung due, once.
    assert run_on(clock, datetime.date(2027, 1, 13)) == {
        (Kind.READING_DUE, "operator"), (Kind.READING_SUPERVISOR, "supervisor"),
        (Kind.READING_COORDINATOR, "coordinator")}
    assert run_on(clock, datetime.date(2027, 1, 13)) == set()
    assert run_on(clock, datetime.date(2027, 1, 14)) == set()
    assert Notice.objects.count() == 3


def test_a_later_id_grant_counts_from_the_grant(clock, plan, supervisor, department_a):
    # Granted on 2026-12-10, after the plan was published: 30 days on is Saturday 2027-01-09,
    # and Monday 01-11 is 成人の日, so due 2027-01-12, told 7 working days before: 2026-12-25
    # (年末年始 is not counted).
    make_person("newcomer", department_a, name="木村 陽", granted_on=datetime.date(2026, 12, 10))
    assert run_on(clock, datetime.date(2026, 12, 24)) == set()
    assert run_on(clock, datetime.date(2026, 12, 25)) == {(Kind.READING_DUE, "newcomer")}


def test_an_acknowledged_plan_reminds_nobody(reading, clock, operator):
    Acknowledgement.objects.create(person=operator, page=reading,
                                   revision=reading.latest_revision,
                                   acknowledged_at=timezone.now(), language="ja")
    assert run_on(clock, datetime.date(2027, 1, 5)) == set()


def test_an_organisations_own_ladder_decides_the_reading_dates(reading, clock, prefecture):
    ReminderLadder.objects.create(organisation=prefecture, days_before_due=0, reading_days=10,
                                  supervisor_days_after_due=3, coordinator_days_after_due=5)
    # 10 days on is Sunday 2026-12-06: due Monday 12-07.
    assert run_on(clock, datetime.date(2026, 12, 6)) == set()
    assert run_on(clock, datetime.date(2026, 12, 7)) == {(Kind.READING_DUE, "operator")}
    assert run_on(clock, datetime.date(2026, 12, 10)) == {(Kind.READING_SUPERVISOR, "supervisor")}


def test_the_supervisor_is_told_who_and_what(reading, clock, supervisor):
    run_on(clock, datetime.date(2026, 12, 28))
    notice = Notice.objects.get(recipient=supervisor)
    assert notice.sharing is None
    assert "山田 花子" in notice.message and "熊本県 緊急時対応計画書" in notice.message
    assert "2026年12月28日" in notice.message


def test_an_attendee_who_has_not_passed_is_reminded_of_the_quiz(clock, prefecture,
                                                               department_a, operator):
    # Held 2026-11-20: 30 days on is Sunday 12-20, so due 2026-12-21, told from 2026-12-10.
    quiz_session(prefecture, department_a, attendees=[operator],
                 held=datetime.datetime(2026, 11, 20, 13, 30, tzinfo=JST))
    assert run_on(clock, datetime.date(2026, 12, 9)) == set()
    assert run_on(clock, datetime.date(2026, 12, 10)) == {(Kind.QUIZ_DUE, "operator")}


def test_a_passed_quiz_reminds_nobody(clock, prefecture, department_a, operator, supervisor):
    session = quiz_session(prefecture, department_a, attendees=[operator],
                           held=datetime.datetime(2026, 11, 20, 13, 30, tzinfo=JST))
    started = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=JST)
    Attempt.objects.create(quiz=session.quiz, session=session, person=operator, number=1,
                           started_at=started, deadline=started + datetime.timedelta(minutes=20),
                           submitted_at=started, score_percent=90, passed=True)
    assert run_on(clock, datetime.date(2027, 1, 31)) == set()


def test_on_1_april_last_years_quiz_is_no_longer_a_duty(clock, prefecture, department_a,
                                                        operator, supervisor, coordinator):
    # Held 2027-03-01 (fiscal 2026): due 2027-03-31; the coordinators would hear 04-09.
    quiz_session(prefecture, department_a, attendees=[operator],
                 held=datetime.datetime(2027, 3, 1, 13, 30, tzinfo=JST))
    assert run_on(clock, datetime.date(2027, 3, 31)) == {
        (Kind.QUIZ_DUE, "operator"), (Kind.QUIZ_SUPERVISOR, "supervisor")}
    assert run_on(clock, datetime.date(2027, 4, 1)) == set()
    assert run_on(clock, datetime.date(2027, 4, 9)) == set()
    assert set(Notice.objects.values_list("key", flat=True)) == {
        f"quiz-person:quiz:2026:{operator.pk}:{operator.pk}",
        f"quiz-supervisor:quiz:2026:{operator.pk}:{supervisor.pk}",
    }


def test_one_e_mail_for_reading_and_quiz_together(reading, clock, prefecture, department_a,
                                                 operator):
    with_email(operator)
    # Held 2026-11-24: the quiz is due 2026-12-24, so on 12-21 its supervisor rung waits.
    quiz_session(prefecture, department_a, attendees=[operator],
                 held=datetime.datetime(2026, 11, 24, 13, 30, tzinfo=JST))
    assert run_on(clock, datetime.date(2026, 12, 21)) == {
        (Kind.READING_DUE, "operator"), (Kind.QUIZ_DUE, "operator")}
    [message] = mail.outbox
    assert message.to == ["operator@example.lg.jp"]
    assert message.subject == "研修のお知らせ：2件 / Training reminders: 2"
    japanese, english = message.body.split("-" * 40)
    assert "熊本県 緊急時対応計画書" in japanese and "確認テスト" not in english
    assert "http://127.0.0.1:8000/training/" in english
    assert "http://127.0.0.1:8000/training/quizzes/" in english


def test_the_daily_task_sends_reading_and_quiz_reminders(reading, clock):
    clock.move_to(datetime.datetime(2026, 12, 21, 7, 0, tzinfo=JST))
    assert tasks.send_sharing_reminders() == 1
    assert tasks.send_sharing_reminders() == 0


def test_the_queries_do_not_grow_with_the_people(reading, clock, prefecture, coordinator,
                                                 department_a, operator):
    def count_on(day):
        with CaptureQueriesContext(connection) as queries:
            clock.move_to(datetime.datetime(day.year, day.month, day.day, 7, 0, tzinfo=JST))
            training_reminders_send(now=timezone.now())
        return len([q for q in queries.captured_queries
                    if not q["sql"].lstrip().upper().startswith(("INSERT", "SAVEPOINT",
                                                                 "RELEASE"))])

    # Reading and the quiz both outstanding, for more people the second time.
    session = quiz_session(prefecture, department_a, attendees=[operator],
                           held=datetime.datetime(2026, 11, 20, 13, 30, tzinfo=JST))
    # The run with nothing new to send: the reads only.
    run_on(clock, datetime.date(2027, 1, 5))
    few = count_on(datetime.date(2027, 1, 6))
    for n in range(3):
        _department, attendee = department_with_staff(prefecture, f"9{n}")
        Attendance.objects.create(session=session, person=attendee, status="present",
                                  method="roster", recorded_at=session.ends_at)
    run_on(clock, datetime.date(2027, 1, 6))
    assert count_on(datetime.date(2027, 1, 7)) == few


def test_a_briefed_colleague_is_reminded_of_the_quiz_where_briefing_counts(
    clock, closed_session, prefecture, operator, colleague, supervisor
):
    from training.models import BriefingObligation, CoursePolicy
    from training.sharing import BriefingForm, briefing_confirm, briefing_record

    closed_session.quiz = Quiz.objects.create(organisation=prefecture, title="確認テスト")
    closed_session.save()
    obligation = BriefingObligation.objects.get(person=colleague)
    briefing_record(
        sharing=obligation.sharing,
        form=BriefingForm(briefed_by=operator, held_on=timezone.localdate(), method="meeting",
                          obligation_ids=[obligation.pk], material_ids=[]),
        may_brief_as_supervisor=False, recorded_by=operator, now=timezone.now(),
    )
    # Confirmed on 2026-11-26: 30 days on is Saturday 12-26, so due 2026-12-28, told from
    # 2026-12-21. The operator, who attended on 2026-11-20, is due Monday 2026-12-21 (30
    # days on is a Sunday) and told from 2026-12-14.
    briefing_confirm(obligation=obligation, by=colleague, on_behalf=False, note="",
                     now=timezone.now())
    quiz = {(kind, who) for kind, who in run_on(clock, datetime.date(2026, 12, 21))
            if kind == Kind.QUIZ_DUE}
    assert quiz == {(Kind.QUIZ_DUE, "operator")}  # briefing does not count: no policy
    CoursePolicy.objects.create(organisation=prefecture, fiscal_year=2026,
                                briefed_online_counts=True)
    assert (Kind.QUIZ_DUE, "colleague") in run_on(clock, datetime.date(2026, 12, 21))


def test_an_anonymised_person_is_not_named_in_the_supervisors_notice(reading, clock,
                                                                    operator, coordinator,
                                                                    supervisor):
    from people.lifecycle import person_anonymise

    run_on(clock, datetime.date(2026, 12, 28))
    person_anonymise(person=operator, by=coordinator, today=datetime.date(2026, 12, 28))
    assert "山田 花子" not in Notice.objects.get(recipient=supervisor).message


def test_the_coordinator_sets_the_reading_and_quiz_days_on_the_same_ladder(
    clock, login, coordinator, prefecture
):
    from django.urls import reverse

    url = reverse("training:sharing_reminder_ladder", args=[prefecture.pk])
    client = login(coordinator)
    assert "必読の期限" in client.get(url).content.decode()
    days = {"days_before_due": 7, "supervisor_days_after_due": 0,
            "coordinator_days_after_due": 7}
    client.post(url, {**days, "reading_days": 14, "quiz_days": 21})
    ladder = ReminderLadder.objects.get(organisation=prefecture)
    assert (ladder.reading_days, ladder.quiz_days) == (14, 21)
    # A form without them (as before they existed) keeps them.
    client.post(url, {**days, "days_before_due": 3})
    ladder.refresh_from_db()
    assert (ladder.days_before_due, ladder.reading_days, ladder.quiz_days) == (3, 14, 21)


def test_the_person_sees_the_notice_among_those_sent_to_them(reading, clock, login, operator):
    from django.urls import reverse

    run_on(clock, datetime.date(2026, 12, 21))
    page = login(operator).get(reverse("training:sharing")).content.decode()
    assert "必読ページの督促" in page  # the kind, readable
    assert "「熊本県 緊急時対応計画書」を読み" in page


@pytest.fixture
def for_new_id_holders(clock, home_page, prefecture):
    """A module required of the fiscal year's new ID holders, published on 2026-11-26."""
    from cms.models import TrainingIndexPage, TrainingModulePage

    index = home_page.add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training", organisation=prefecture))
    module = index.add_child(instance=TrainingModulePage(
        title="新任者向け 住基ネットの基礎", slug="basics", body=[],
        required_for="new_id_holders"))
    module.save_revision().publish()
    return module


def test_across_1_april_last_years_new_holder_reading_stops_and_this_years_starts_its_own(
    for_new_id_holders, clock, department_a, supervisor, coordinator,
):
    # Granted 2027-03-01 (new in fiscal 2026): due 03-31; the coordinators would hear 04-09.
    make_person("march", department_a, name="三月 新任", granted_on=datetime.date(2027, 3, 1))
    # New in fiscal 2026 from 2026-05-01, never read it (due on Saturday 2026-12-26, moved
    # to Monday 12-28 by the office calendar, so its ladder ran out by 2027-01-13), left in
    # January and was given an ID again on 1 April: new again, a new duty.
    returner = make_person("returner", department_a, name="再任 戻",
                           granted_on=datetime.date(2026, 5, 1))
    returner.id_grants.update(revoked_on=datetime.date(2027, 1, 31))
    assert run_on(clock, datetime.date(2027, 1, 13)) == {
        (Kind.READING_DUE, "returner"), (Kind.READING_SUPERVISOR, "supervisor"),
        (Kind.READING_COORDINATOR, "coordinator")}
    returner.id_grants.create(granted_on=datetime.date(2027, 4, 1))
    # Granted on 1 April: new in fiscal 2027, due on Saturday 05-01, which Golden Week
    # moves to Thursday 05-06; told 7 working days before, from 04-21 (04-29 is 昭和の日).
    make_person("april", department_a, name="四月 新任", granted_on=datetime.date(2027, 4, 1))

    assert run_on(clock, datetime.date(2027, 3, 31)) == {
        (Kind.READING_DUE, "march"), (Kind.READING_SUPERVISOR, "supervisor")}
    assert run_on(clock, datetime.date(2027, 4, 1)) == set()
    assert run_on(clock, datetime.date(2027, 4, 9)) == set()  # no escalation about "march"
    assert run_on(clock, datetime.date(2027, 4, 20)) == set()
    assert run_on(clock, datetime.date(2027, 4, 21)) == {
        (Kind.READING_DUE, "april"), (Kind.READING_DUE, "returner")}
    assert run_on(clock, datetime.date(2027, 5, 6)) == {(Kind.READING_SUPERVISOR, "supervisor")}
    assert run_on(clock, datetime.date(2027, 5, 6)) == set()
    # The supervisor's notice of 6 May names both new holders; each notice exists once.
    assert Notice.objects.filter(kind=Kind.READING_SUPERVISOR,
                                 sent_at__date__gte=datetime.date(2027, 4, 1)).count() == 2
    # An ID granted again is named in the key; a first grant's key is as it always was,
    # so that notices recorded before this rule are not sent again.
    page, baseline = for_new_id_holders.pk, 0
    april = Notice.objects.get(kind=Kind.READING_DUE, recipient__user__username="april")
    assert april.key == f"reading-person:reading:{page}:{baseline}:{april.recipient_id}:" \
                        f"{april.recipient_id}"
    assert set(Notice.objects.filter(kind=Kind.READING_DUE, recipient=returner)
               .values_list("key", flat=True)) == {
        f"reading-person:reading:{page}:{baseline}:{returner.pk}:{returner.pk}",
        f"reading-person:reading:{page}:{baseline}:{returner.pk}:2027-04-01:{returner.pk}"}

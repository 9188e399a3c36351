"""Onward-sharing reminders: the ladder's timing, once only, one e-mail per person, and a
fixed number of queries however many departments there are.

The `closed_session` fixture's colleague is due on 2026-12-28 (30 days after the close is
Saturday 12-26, so the next working day: people.calendar). With the default ladder (7
working days before, the supervisor at the due date, the coordinators 7 working days
after) that is: the colleague and the operator (who attended) on 2026-12-17, the
supervisor on 2026-12-28, the coordinator on 2027-01-13 (年末年始 and 成人の日, 01-11,
are not working days).
"""

import datetime
import functools
import importlib
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule

from core.models import OutgoingMail
from core.outbox import outbox_send
from core.schedules import ensure_schedules
from people.models import IdGrant
from tests import reminders
from tests.conftest import make_person
from tests.reminders import JST, department_with_staff, session_held, with_email
from training import sharing_reminders
from training.models import (
    Attendance,
    BriefingObligation,
    DepartmentSharing,
    Notice,
    ReminderLadder,
    TrainingSession,
)
from training.sharing import (
    BriefingForm,
    attendance_close,
    briefing_confirm,
    briefing_record,
    department_confirm,
    obligations_sync,
    report_submit,
)
from training.sharing_reminders import reminders_send

Kind = Notice.Kind


run_on = functools.partial(reminders.run_on, job=reminders_send)


def closed_session_for(departments, *, attendees, title="令和8年度 追加研修", day=21):
    """Another session held on 2026-11-`day` for `departments`, closed now."""
    session = session_held(departments, attendees=attendees, title=title,
                           starts_at=datetime.datetime(2026, 11, day, 13, 30, tzinfo=JST))
    attendance_close(session=session, now=timezone.now())
    return session


def brief(sharing, obligation, *, by):
    briefing_record(
        sharing=sharing,
        form=BriefingForm(briefed_by=by, held_on=timezone.localdate(), method="meeting",
                          obligation_ids=[obligation.pk], material_ids=[]),
        may_brief_as_supervisor=False, recorded_by=by, now=timezone.now(),
    )


# The ladder's timing


def test_each_rung_goes_out_on_its_day_and_not_the_day_before(
    clock, closed_session, operator, supervisor, coordinator
):
    assert run_on(clock, datetime.date(2026, 12, 16)) == set()
    assert run_on(clock, datetime.date(2026, 12, 17)) == {
        (Kind.COLLEAGUE_BEFORE_DUE, "colleague"), (Kind.BRIEFER_BEFORE_DUE, "operator"),
    }
    assert run_on(clock, datetime.date(2026, 12, 25)) == set()
    assert run_on(clock, datetime.date(2026, 12, 28)) == {(Kind.SUPERVISOR_DUE, "supervisor")}
    assert run_on(clock, datetime.date(2027, 1, 12)) == set()
    assert run_on(clock, datetime.date(2027, 1, 13)) == {
        (Kind.COORDINATOR_OVERDUE, "coordinator")
    }
    sharing = closed_session.sharings.get()
    assert set(Notice.objects.values_list("key", flat=True)) == {
        f"colleague:{sharing.obligations.get().pk}",
        f"briefer:{sharing.pk}:2026-12-28:{operator.pk}",
        f"supervisor:{sharing.pk}:2026-12-28:{supervisor.pk}",
        f"coordinator:{sharing.pk}:2026-12-28:{coordinator.pk}",
    }


def test_an_organisations_own_ladder_moves_every_rung(clock, closed_session, prefecture,
                                                     coordinator):
    ReminderLadder.objects.create(organisation=prefecture, days_before_due=14,
                                  supervisor_days_after_due=3, coordinator_days_after_due=10)
    # Due 2026-12-28, in working days: 14 before is 12-08; 3 after is 2027-01-06 (年末年始
    # is not counted); 10 after is 2027-01-18 (nor is 成人の日, 01-11).
    assert run_on(clock, datetime.date(2026, 12, 7)) == set()
    assert {kind for kind, _who in run_on(clock, datetime.date(2026, 12, 8))} == {
        Kind.COLLEAGUE_BEFORE_DUE, Kind.BRIEFER_BEFORE_DUE,
    }
    assert run_on(clock, datetime.date(2027, 1, 5)) == set()
    assert run_on(clock, datetime.date(2027, 1, 6)) == {(Kind.SUPERVISOR_DUE, "supervisor")}
    assert run_on(clock, datetime.date(2027, 1, 15)) == set()
    assert run_on(clock, datetime.date(2027, 1, 18)) == {(Kind.COORDINATOR_OVERDUE, "coordinator")}


def test_another_organisations_ladder_changes_nothing_here(clock, closed_session, city):
    ReminderLadder.objects.create(organisation=city, days_before_due=30)
    assert run_on(clock, datetime.date(2026, 12, 16)) == set()


def test_a_job_that_missed_days_sends_every_rung_that_is_due(clock, closed_session, coordinator):
    assert run_on(clock, datetime.date(2027, 1, 13)) == {
        (Kind.COLLEAGUE_BEFORE_DUE, "colleague"), (Kind.BRIEFER_BEFORE_DUE, "operator"),
        (Kind.SUPERVISOR_DUE, "supervisor"), (Kind.COORDINATOR_OVERDUE, "coordinator"),
    }


# Once only, and one e-mail per person


def test_running_again_sends_nothing_twice(clock, closed_session, operator, colleague,
                                           supervisor, coordinator):
    with_email(operator, colleague, supervisor, coordinator)
    assert len(run_on(clock, datetime.date(2027, 1, 13))) == 4
    assert len(mail.outbox) == 4
    assert reminders_send(now=timezone.now()) == 0
    clock.move_to(datetime.datetime(2027, 1, 14, 7, 0, tzinfo=JST))
    assert reminders_send(now=timezone.now()) == 0
    assert outbox_send() == 0
    assert Notice.objects.count() == 4 and len(mail.outbox) == 4


def test_a_notice_another_worker_recorded_first_is_not_sent_again(
    monkeypatch, clock, closed_session, operator, colleague
):
    with_email(operator, colleague)
    assert len(run_on(clock, datetime.date(2026, 12, 21))) == 2
    # As if a second worker read the notices sent before the first one committed them.
    monkeypatch.setattr(sharing_reminders, "_keys_sent", lambda sessions: set())
    assert reminders_send(now=timezone.now()) == 0
    assert outbox_send() == 0
    assert Notice.objects.count() == 2 and len(mail.outbox) == 2


def test_a_message_sent_again_after_its_sender_died_keeps_its_message_id(
    clock, closed_session, operator, colleague
):
    """As when a sender dies after the mail server took the messages and before it
    marked them sent: once its claim runs out they go again under the same Message-IDs,
    by which the copy can be dropped (core.mail)."""
    with_email(operator, colleague)
    run_on(clock, datetime.date(2026, 12, 21))
    first = {m.to[0]: m.message()["Message-ID"] for m in mail.outbox}
    OutgoingMail.objects.update(sent_at=None)
    assert reminders_send(now=timezone.now()) == 0  # the notices stand: nothing new
    assert outbox_send() == 2
    again = {m.to[0]: m.message()["Message-ID"] for m in mail.outbox[2:]}
    assert again == first and len(set(first.values())) == 2
    assert all(value.endswith("@127.0.0.1>") for value in first.values())


def test_one_e_mail_per_person_however_many_notices(clock, closed_session, department_a,
                                                    operator, colleague):
    with_email(operator, colleague)
    closed_session_for([department_a], attendees=[operator])
    run_on(clock, datetime.date(2026, 12, 21))
    assert Notice.objects.filter(recipient=operator).count() == 2
    assert Notice.objects.filter(recipient=colleague).count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "colleague@example.lg.jp", "operator@example.lg.jp",
    ]
    to_operator = next(m for m in mail.outbox if m.to == ["operator@example.lg.jp"])
    assert to_operator.subject.endswith(" / Onward sharing of training: 2 reminders")
    assert "令和8年度 住基ネット担当者研修" in to_operator.body
    assert "令和8年度 追加研修" in to_operator.body


def test_the_message_is_in_japanese_then_english_and_links_to_the_site(
    clock, closed_session, operator, colleague
):
    with_email(colleague)
    run_on(clock, datetime.date(2026, 12, 21))
    message = mail.outbox[0]
    assert message.to == ["colleague@example.lg.jp"]
    japanese, english = message.body.split("-" * 40)
    assert "佐藤 次郎 様" in japanese and "2026年12月28日" in japanese
    assert "- 山田 花子" in japanese  # the attendee who can brief them
    assert "Dear 佐藤 次郎," in english and "by Dec. 28, 2026" in english
    assert "- 山田 花子" in english
    assert "http://127.0.0.1:8000/training/sharing/" in english
    notice = Notice.objects.get(recipient=colleague)
    assert notice.sent_at == timezone.now() and notice.emailed_to == "colleague@example.lg.jp"
    assert notice.message.index("2026年12月28日") < notice.message.index("Dec. 28, 2026")


def test_the_briefer_is_told_who_is_still_to_be_briefed(clock, closed_session, operator):
    run_on(clock, datetime.date(2026, 12, 21))
    message = Notice.objects.get(recipient=operator).message
    assert "- 佐藤 次郎" in message and "Dec. 28, 2026" in message


def test_someone_without_an_e_mail_address_still_gets_the_notice(clock, closed_session,
                                                                   operator, colleague):
    with_email(operator)
    run_on(clock, datetime.date(2026, 12, 21))
    assert Notice.objects.get(recipient=colleague).emailed_to == ""
    assert Notice.objects.get(recipient=operator).emailed_to == "operator@example.lg.jp"
    assert [message.to for message in mail.outbox] == [["operator@example.lg.jp"]]


def test_a_failed_send_keeps_the_notices_and_the_retry_sends_them(
    monkeypatch, clock, closed_session, operator, colleague
):
    with_email(operator, colleague)
    clock.move_to(datetime.datetime(2026, 12, 21, 7, 0, tzinfo=JST))

    def refuse(message, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert reminders_send(now=timezone.now()) == 2
    assert outbox_send() == 0
    assert Notice.objects.count() == 2  # recorded, whatever the mail server does
    assert set(OutgoingMail.objects.values_list("attempts", "last_error", "sent_at")) == {
        (1, "ConnectionRefusedError: SMTP server down", None)}
    monkeypatch.undo()
    assert reminders_send(now=timezone.now()) == 0
    assert outbox_send() == 0  # not before its next attempt is due
    clock.shift(datetime.timedelta(minutes=1))
    assert outbox_send() == 2
    assert len(mail.outbox) == 2


def test_one_refused_address_does_not_keep_the_others_from_being_reminded(
    monkeypatch, clock, closed_session, operator, colleague
):
    with_email(operator, colleague)
    clock.move_to(datetime.datetime(2026, 12, 21, 7, 0, tzinfo=JST))
    send = mail.EmailMessage.send

    def refuse_the_colleague(message, *args, **kwargs):
        if message.to == ["colleague@example.lg.jp"]:
            raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return send(message, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse_the_colleague)
    assert reminders_send(now=timezone.now()) == 2
    outbox_send()
    assert set(Notice.objects.values_list("recipient", flat=True)) == {operator.pk, colleague.pk}
    assert [message.to for message in mail.outbox] == [["operator@example.lg.jp"]]
    refused = OutgoingMail.objects.get(to="colleague@example.lg.jp")
    assert refused.sent_at is None and refused.attempts == 1
    assert "no such user" in refused.last_error


# Who is left out


def test_a_briefed_colleague_is_asked_to_confirm_and_nobody_to_brief_them(
    clock, closed_session, operator, colleague
):
    sharing = closed_session.sharings.get()
    brief(sharing, sharing.obligations.get(), by=operator)
    assert run_on(clock, datetime.date(2026, 12, 21)) == {(Kind.COLLEAGUE_BEFORE_DUE, "colleague")}
    # (Recording the briefing notified the colleague already: issue 17.)
    message = Notice.objects.get(kind=Kind.COLLEAGUE_BEFORE_DUE).message
    assert "Please confirm on the training site that you received the briefing" in message
    assert "山田 花子" not in message  # nobody is named to brief them


def test_a_complete_department_hears_nothing(clock, closed_session, operator, supervisor,
                                             coordinator):
    sharing = closed_session.sharings.get()
    obligation = sharing.obligations.get()
    brief(sharing, obligation, by=operator)
    briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True, note="紙で確認",
                     now=timezone.now())
    department_confirm(sharing=sharing, by=supervisor, now=timezone.now())
    report_submit(sharing=sharing, by=supervisor, now=timezone.now(),
                  render_pdf=lambda status, **kwargs: b"%PDF")
    assert run_on(clock, datetime.date(2027, 1, 4)) == set()


def test_confirmed_colleagues_without_a_report_still_go_up_the_ladder(
    clock, closed_session, operator, supervisor, coordinator
):
    sharing = closed_session.sharings.get()
    obligation = sharing.obligations.get()
    brief(sharing, obligation, by=operator)
    briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True, note="紙で確認",
                     now=timezone.now())
    assert run_on(clock, datetime.date(2026, 12, 21)) == set()
    assert run_on(clock, datetime.date(2026, 12, 28)) == {(Kind.SUPERVISOR_DUE, "supervisor")}
    message = Notice.objects.get(kind=Kind.SUPERVISOR_DUE).message
    assert "The department report has not been submitted." in message
    assert "Not yet confirmed as briefed" not in message


def test_a_dropped_colleague_gets_no_notice_and_nobody_is_told_to_brief_them(
    clock, closed_session, colleague
):
    IdGrant.objects.filter(person=colleague).update(revoked_on=datetime.date(2026, 11, 27))
    clock.move_to(datetime.datetime(2026, 11, 28, 7, 0, tzinfo=JST))
    obligations_sync(now=timezone.now())
    assert BriefingObligation.objects.get().dropped_reason == "id_revoked"
    assert run_on(clock, datetime.date(2026, 12, 21)) == set()
    # The report is still missing, so the supervisor hears of it at the due date.
    assert run_on(clock, datetime.date(2026, 12, 28)) == {(Kind.SUPERVISOR_DUE, "supervisor")}


def test_a_past_fiscal_years_sharing_is_left_alone(clock, closed_session, coordinator):
    # 2027-04-01 starts fiscal year 2027; the session was held in fiscal year 2026.
    assert run_on(clock, datetime.date(2027, 4, 1)) == set()


def test_a_colleague_who_joins_after_the_report_starts_the_ladder_again(
    clock, closed_session, department_a, operator, supervisor
):
    sharing = closed_session.sharings.get()
    obligation = sharing.obligations.get()
    brief(sharing, obligation, by=operator)
    briefing_confirm(obligation=obligation, by=supervisor, on_behalf=True, note="紙で確認",
                     now=timezone.now())
    department_confirm(sharing=sharing, by=supervisor, now=timezone.now())
    report_submit(sharing=sharing, by=supervisor, now=timezone.now(),
                  render_pdf=lambda status, **kwargs: b"%PDF")
    clock.move_to(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST))
    make_person("newcomer", department_a, name="新人 太郎", granted_on=datetime.date(2026, 12, 1))
    obligations_sync(now=timezone.now())  # 30 days on is 12-31, in 年末年始: due 2027-01-04
    assert run_on(clock, datetime.date(2026, 12, 27)) == set()
    assert run_on(clock, datetime.date(2026, 12, 28)) == {
        (Kind.COLLEAGUE_BEFORE_DUE, "newcomer"), (Kind.BRIEFER_BEFORE_DUE, "operator"),
    }
    assert run_on(clock, datetime.date(2027, 1, 3)) == set()
    assert run_on(clock, datetime.date(2027, 1, 4)) == {(Kind.SUPERVISOR_DUE, "supervisor")}
    assert Notice.objects.get(kind=Kind.SUPERVISOR_DUE).key.endswith(
        f":2027-01-04:{supervisor.pk}"
    )


# Cost


def test_the_queries_do_not_grow_with_the_departments(clock, prefecture, coordinator):
    def queries_of_a_run_with_nothing_new():
        clock.move_to(datetime.datetime(2027, 1, 4, 7, 0, tzinfo=JST))
        assert reminders_send(now=timezone.now()) > 0
        with CaptureQueriesContext(connection) as queries:
            assert reminders_send(now=timezone.now()) == 0
        clock.move_to(datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST))
        return len(queries)

    first, attendee = department_with_staff(prefecture, "D01")
    closed_session_for([first], attendees=[attendee], title="研修 1", day=20)
    one_department = queries_of_a_run_with_nothing_new()

    more = [department_with_staff(prefecture, f"D{n:02}") for n in range(2, 6)]
    closed_session_for([department for department, _ in more],
                       attendees=[attendee for _, attendee in more], title="研修 2", day=21)
    assert DepartmentSharing.objects.count() == 5
    # The notices already sent, the incomplete sharings, their outstanding obligations,
    # the attendances, the supervisors and coordinators, the ladders, the organisations'
    # calendars (two: the organisations, their closed days). Whose office is open today is
    # asked only when there is something to send.
    assert queries_of_a_run_with_nothing_new() == one_department == 8


# The schedule and the real worker


def test_the_daily_schedule_exists(clock, db):
    from django.apps import apps

    Schedule.objects.filter(name="sharing-reminders").delete()
    migration = importlib.import_module("training.migrations.0006_sharing_reminder_schedule")
    migration.create_schedules(apps, None)
    ensure_schedules()
    schedule = Schedule.objects.get(name="sharing-reminders")
    assert schedule.func == "training.tasks.send_sharing_reminders"
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reminders(task_worker, prefecture, department_a, operator,
                                           colleague):
    # The worker runs on the real clock, so the session is held just before now, and
    # due in 3 days: inside the default 7-day window.
    now = timezone.now()
    session = TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 住基ネット担当者研修",
        starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1),
        venue="県庁本館", capacity=50, briefing_due_days=3,
    )
    session.departments.set([department_a])
    Attendance.objects.create(session=session, person=operator, status="present",
                              method="roster", recorded_at=session.ends_at)
    attendance_close(session=session, now=now)

    assert task_worker("training.tasks.send_sharing_reminders") == 2
    assert set(Notice.objects.values_list("kind", "recipient")) == {
        (Kind.COLLEAGUE_BEFORE_DUE, colleague.pk), (Kind.BRIEFER_BEFORE_DUE, operator.pk),
    }
    assert task_worker("training.tasks.send_sharing_reminders") == 0


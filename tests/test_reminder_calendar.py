"""Every scheduled reminder follows the office calendar (people.calendar): the ladder's rungs
count working days, nobody is sent anything on a day their own organisation is closed, and
the next working day's run sends whatever fell due meanwhile, once.

Each job is run every day of a stretch, as django-q2 runs it, and the test reads on which
day each notice went out. The expected days are read off a 2026–27 calendar by hand:
年末年始 is 12-29 … 01-03, 成人の日 is 2027-01-11, Golden Week 2027 is 04-29 (昭和の日) and
05-03 … 05-05, with the weekend of 05-01 between.
"""

import datetime
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.outbox import outbox_send
from drills import runs
from drills.improvements import improvement_reminders_send, item_create
from drills.models import ImprovementReminder
from people.calendar import offices_open_on
from people.models import ClosedDay
from tests.conftest import DRILL_T0, make_person
from tests.reminders import JST
from tests.test_certificates import certificate_expiring, make_session
from training.certificates import certificates_remind
from training.duty_reminders import training_reminders_send
from training.models import Notice
from training.models.certificates import CertificateReminder

D = datetime.date


def days(first: datetime.date, last: datetime.date):
    while first <= last:
        yield first
        first += datetime.timedelta(days=1)


def run_daily(clock, first, last, *, job, sent) -> dict[datetime.date, set]:
    """Run `job` at 07:00 every day from `first` to `last`; {day: what `sent()` names as
    new that day}, for the days anything went out."""
    by_day = defaultdict(set)
    for day in days(first, last):
        clock.move_to(datetime.datetime(day.year, day.month, day.day, 7, 0, tzinfo=JST))
        before = sent()
        job()
        outbox_send()
        if new := sent() - before:
            by_day[day] = new
    return dict(by_day)


def notices():
    return {(notice.kind, notice.recipient.user.username)
            for notice in Notice.objects.select_related("recipient__user")}


def training_daily(clock, first, last):
    return run_daily(clock, first, last, sent=notices,
                     job=lambda: training_reminders_send(now=timezone.now()))


Kind = Notice.Kind


# Who is open on a day


def test_offices_open_on_a_day_are_those_of_organisations_not_closed(prefecture, city):
    city.closed_at_new_year = False
    city.save()
    ClosedDay.objects.create(organisation=city, day=D(2026, 12, 10), name="庁舎停電")
    both = {prefecture.pk, city.pk}
    with CaptureQueriesContext(connection) as queries:
        assert offices_open_on(D(2026, 12, 9), both) == both
    assert len(queries) == 1
    assert offices_open_on(D(2026, 12, 10), both) == {prefecture.pk}  # the city's closed day
    assert offices_open_on(D(2026, 12, 29), both) == {city.pk}  # it stays open at New Year
    assert offices_open_on(D(2027, 1, 4), both) == both
    with CaptureQueriesContext(connection) as queries:
        assert offices_open_on(D(2027, 5, 4), both) == set()  # みどりの日
        assert offices_open_on(D(2026, 12, 12), both) == set()  # a Saturday
        assert offices_open_on(D(2026, 12, 9), set()) == set()
    assert len(queries) == 0


# Onward sharing, required reading and the quiz (training.reminders)


def test_the_sharing_ladder_counts_working_days_over_the_new_year(clock, closed_session,
                                                                  coordinator):
    # The colleague is due Monday 2026-12-28: told 7 working days before (12-17), the
    # supervisor at the due date, the coordinators 7 working days after, past 年末年始 and
    # 成人の日: 2027-01-13.
    assert training_daily(clock, D(2026, 12, 10), D(2027, 1, 20)) == {
        D(2026, 12, 17): {(Kind.COLLEAGUE_BEFORE_DUE, "colleague"),
                          (Kind.BRIEFER_BEFORE_DUE, "operator")},
        D(2026, 12, 28): {(Kind.SUPERVISOR_DUE, "supervisor")},
        D(2027, 1, 13): {(Kind.COORDINATOR_OVERDUE, "coordinator")},
    }
    assert Notice.objects.count() == 4  # each once


def test_an_organisation_open_at_new_year_counts_those_days(clock, closed_session, prefecture,
                                                            coordinator):
    prefecture.closed_at_new_year = False
    prefecture.save()
    # 7 working days after 12-28: 12-29, 12-30, 12-31, 01-04, 01-05, 01-06, 01-07.
    assert training_daily(clock, D(2026, 12, 14), D(2027, 1, 20)) == {
        D(2026, 12, 17): {(Kind.COLLEAGUE_BEFORE_DUE, "colleague"),
                          (Kind.BRIEFER_BEFORE_DUE, "operator")},
        D(2026, 12, 28): {(Kind.SUPERVISOR_DUE, "supervisor")},
        D(2027, 1, 7): {(Kind.COORDINATOR_OVERDUE, "coordinator")},
    }


def test_a_closed_day_moves_the_rung_past_it(clock, closed_session, prefecture, coordinator):
    # Closed on Friday 01-08 as well: the 7th working day after 12-28 becomes 01-14. (The
    # first run sends the rungs already due, once.)
    ClosedDay.objects.create(organisation=prefecture, day=D(2027, 1, 8), name="庁舎停電")
    assert training_daily(clock, D(2027, 1, 4), D(2027, 1, 20)) == {
        D(2027, 1, 4): {(Kind.COLLEAGUE_BEFORE_DUE, "colleague"),
                        (Kind.BRIEFER_BEFORE_DUE, "operator"),
                        (Kind.SUPERVISOR_DUE, "supervisor")},
        D(2027, 1, 14): {(Kind.COORDINATOR_OVERDUE, "coordinator")},
    }


def test_a_due_date_closed_after_it_was_set_holds_its_rung_to_the_next_working_day(
    clock, closed_session, prefecture, coordinator,
):
    # The colleague's due date, 12-28, was set when the session closed; the office then
    # declares 12-28 closed. The supervisor's rung (at the due date) falls on a closed day:
    # nothing goes out that day, and it is sent on 01-04, the next working day, once. The
    # coordinators' 7 working days now end on 01-13 still (12-28 was not one of them).
    ClosedDay.objects.create(organisation=prefecture, day=D(2026, 12, 28), name="庁舎移転")
    assert training_daily(clock, D(2026, 12, 14), D(2027, 1, 20)) == {
        D(2026, 12, 17): {(Kind.COLLEAGUE_BEFORE_DUE, "colleague"),
                          (Kind.BRIEFER_BEFORE_DUE, "operator")},
        D(2027, 1, 4): {(Kind.SUPERVISOR_DUE, "supervisor")},
        D(2027, 1, 13): {(Kind.COORDINATOR_OVERDUE, "coordinator")},
    }
    assert Notice.objects.count() == 4


def test_required_reading_across_golden_week(clock, plan, department_a, supervisor,
                                            coordinator):
    # Granted Wednesday 2027-04-07 (after the plan was published): 30 days on is 05-07
    # (Friday, a working day), so due then: told 7 working days before, 04-22 (04-29 and
    # 05-03 … 05-05 are not counted); the coordinators 7 working days after, 05-18.
    make_person("april", department_a, name="四月 新任", granted_on=D(2027, 4, 7))
    assert training_daily(clock, D(2027, 4, 15), D(2027, 5, 20)) == {
        D(2027, 4, 22): {(Kind.READING_DUE, "april")},
        D(2027, 5, 7): {(Kind.READING_SUPERVISOR, "supervisor")},
        D(2027, 5, 18): {(Kind.READING_COORDINATOR, "coordinator")},
    }


# The improvement plan (drills.improvements)


@pytest.fixture
def golden_week_item(drill, clock, coordinator, department_a, colleague, supervisor):
    """An item of the ended drill due on 2027-05-03 (憲法記念日), the colleague its point of
    contact."""
    runs.drill_start(drill=drill, now=DRILL_T0)
    runs.drill_end(drill=drill, now=DRILL_T0 + datetime.timedelta(minutes=30))
    return item_create(
        drill=drill, by=coordinator, now=DRILL_T0 + datetime.timedelta(minutes=40),
        issue="第一報が遅れた", corrective_action="連絡網を更新する", element="plan",
        department=department_a, point_of_contact=colleague, start_on=D(2026, 11, 26),
        due_on=D(2027, 5, 3),
    )


def test_an_improvement_item_due_in_golden_week(clock, golden_week_item, coordinator):
    def sent():
        return {(reminder.key.split(":")[0], reminder.recipient.user.username)
                for reminder in ImprovementReminder.objects.select_related("recipient__user")}

    # 7 working days before 05-03 is 04-21; the due rung falls in Golden Week and goes out
    # on 05-06; the coordinators 5 working days after: 05-06, 07, 10, 11, 12.
    assert run_daily(clock, D(2027, 4, 15), D(2027, 5, 20), sent=sent,
                     job=lambda: improvement_reminders_send(now=timezone.now())) == {
        D(2027, 4, 21): {("before_due", "supervisor"), ("before_due", "colleague")},
        D(2027, 5, 6): {("due", "supervisor"), ("due", "colleague")},
        D(2027, 5, 12): {("overdue", "coordinator")},
    }
    assert ImprovementReminder.objects.count() == 5


# Certificate reminders (training.certificates)


def certificate_reminders_daily(clock, first, last):
    return run_daily(
        clock, first, last,
        sent=lambda: set(CertificateReminder.objects.values_list("sent_to", flat=True)),
        job=lambda: certificates_remind(today=timezone.localdate()),
    )


def test_a_certificate_reminder_due_in_golden_week_waits_for_it_to_end(clock, operator):
    operator.email = "hanako@example.lg.jp"
    operator.save()
    # Expires 2027-06-01: within the 30 days from Sunday 05-02, so first due then.
    certificate_expiring(operator, make_session(operator.organisation), D(2027, 6, 1))
    assert certificate_reminders_daily(clock, D(2027, 4, 28), D(2027, 5, 10)) == {
        D(2027, 5, 6): {"hanako@example.lg.jp"},
    }


def test_certificate_reminders_at_new_year_follow_each_organisation(clock, operator, city,
                                                                    outsider):
    city.closed_at_new_year = False
    city.save()
    operator.email, outsider.email = "hanako@example.lg.jp", "ken@example.lg.jp"
    operator.save()
    outsider.save()
    # Both expire 2027-01-28: first due on 12-29. The city stays open at New Year.
    for person in (operator, outsider):
        certificate_expiring(person, make_session(person.organisation), D(2027, 1, 28))
    assert certificate_reminders_daily(clock, D(2026, 12, 27), D(2027, 1, 6)) == {
        D(2026, 12, 29): {"ken@example.lg.jp"},
        D(2027, 1, 4): {"hanako@example.lg.jp"},
    }



def test_a_quiz_due_at_a_year_end_that_falls_on_a_weekend_is_due_the_friday_before():
    # Fiscal 2028 ends on Saturday 2029-03-31: the supervisor's rung at the due date must
    # go out before 1 April, when the year's quiz is nobody's duty any more.
    from people.calendar import OfficeCalendar
    from training.quiz_due import quiz_due_on

    assert quiz_due_on(D(2029, 3, 10), quiz_days=30, calendar=OfficeCalendar()) == D(2029, 3, 30)
    assert quiz_due_on(D(2029, 3, 10), quiz_days=30) == D(2029, 3, 31)  # no calendar: the day
    assert quiz_due_on(D(2027, 3, 1), quiz_days=30, calendar=OfficeCalendar()) == D(2027, 3, 31)

"""When the fiscal year's quiz is someone's duty, and by when it is due.

The quiz becomes a person's duty on the earliest of:

- the day of a session of the fiscal year with a quiz that they attended;
- the day they confirmed a briefing on such a session, where the course policy of the
  session's organisation lets briefing plus online study count;
- the day their ID was granted, where that policy lets online study alone count for
  mid-year ID holders and a session of their organisation with a quiz was held earlier in
  the fiscal year (training.routes: the session is over, so online study is their route).

It is due `ReminderLadder.quiz_days` after that day, and never after the fiscal year's
last day: on 1 April the quiz of the year before is no longer anyone's duty, so a due
date beyond it would promise time that does not exist. The reminder ladder
(training.duty_reminders) and the "my training" checklist read the same dates.
"""

import datetime

from django.db.models import Min
from django.utils import timezone

from people.calendar import office_calendar
from people.fiscal import fiscal_year_of
from people.models import IdGrant
from training.models import (
    Attempt,
    Attendance,
    BriefingConfirmation,
    CoursePolicy,
    TrainingSession,
)
from training.reminders import ladders


def quiz_duty_starts(*, today: datetime.date, person_ids=None) -> dict[int, datetime.date]:
    """{person id: the day the quiz became their duty} for everyone (or `person_ids`)
    whose duty it is today and who has passed no quiz of the fiscal year; a fixed number
    of queries however many people."""
    year = fiscal_year_of(today)
    in_year = {"starts_at__date__gte": year.first_day, "starts_at__date__lte": year.last_day}
    sessions = TrainingSession.objects.filter(quiz__isnull=False, **in_year)
    attempts = Attempt.objects.filter(session__in=sessions, passed=True)
    attendances = Attendance.objects.filter(session__in=sessions, status__in=Attendance.ATTENDED,
                                            session__starts_at__date__lte=today)
    confirmations = BriefingConfirmation.objects.filter(
        obligation__sharing__session__in=sessions, obligation__dropped_at__isnull=True)
    grants = IdGrant.objects.active_on(today).filter(granted_on__gte=year.first_day)
    if person_ids is not None:
        attempts = attempts.filter(person_id__in=person_ids)
        attendances = attendances.filter(person_id__in=person_ids)
        confirmations = confirmations.filter(obligation__person_id__in=person_ids)
        grants = grants.filter(person_id__in=person_ids)
    passed = set(attempts.values_list("person_id", flat=True))
    since = {}

    def began(person_id, day):
        if person_id not in passed:
            since[person_id] = min(since.get(person_id, day), day)

    for person_id, starts_at in attendances.values_list("person_id", "session__starts_at"):
        began(person_id, timezone.localdate(starts_at))
    briefing_counts, online_only = set(), set()
    for organisation_id, briefed, online in CoursePolicy.objects.filter(
        fiscal_year=year.year
    ).values_list("organisation_id", "briefed_online_counts", "online_only_counts"):
        if briefed:
            briefing_counts.add(organisation_id)
        if online:
            online_only.add(organisation_id)
    if briefing_counts:
        for person_id, confirmed_at in confirmations.filter(
            obligation__sharing__session__organisation__in=briefing_counts,
        ).values_list("obligation__person_id", "confirmed_at"):
            began(person_id, timezone.localdate(confirmed_at))
    if online_only:
        first_session = {
            organisation_id: timezone.localdate(first)
            for organisation_id, first in sessions.filter(organisation__in=online_only)
            .values("organisation_id").annotate(first=Min("starts_at"))
            .values_list("organisation_id", "first")
        }
        for person_id, organisation_id, granted_on in grants.filter(
            person__organisation__in=first_session, granted_on__lte=today,
        ).values_list("person_id", "person__organisation_id", "granted_on"):
            if first_session[organisation_id] < granted_on:
                began(person_id, granted_on)
    return since


def quiz_due_on(started_on: datetime.date, *, quiz_days: int, calendar=None) -> datetime.date:
    """`quiz_days` after the duty started, moved off a day the office is closed (with the
    organisation's people.calendar), and by the end of the fiscal year at the latest: with
    a calendar, by its last working day, so that the rung at the due date is not held
    past 1 April, when the year's quiz is nobody's duty any more."""
    due = started_on + datetime.timedelta(days=quiz_days)
    last_day = fiscal_year_of(started_on).last_day
    if calendar is not None:
        due = calendar.working_day_on_or_after(due)
        last_day = calendar.add_working_days(last_day + datetime.timedelta(days=1), -1)
    return min(due, last_day)


def quiz_due_for(person, *, today: datetime.date) -> datetime.date | None:
    """The day `person`'s quiz is due, or None when it is not their duty (or is passed)."""
    started_on = quiz_duty_starts(today=today, person_ids=[person.pk]).get(person.pk)
    if started_on is None:
        return None
    return quiz_due_on(started_on, quiz_days=ladders([person.organisation_id])(
        person.organisation_id).quiz_days, calendar=office_calendar(person.organisation_id))

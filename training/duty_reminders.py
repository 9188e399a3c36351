"""Overdue required reading and unpassed quizzes, on the onward-sharing ladder.

What is outstanding, for whom, due when (the rungs are training.reminders'):

- Required reading: a page a person must read (training.reading: Reader.must_read) whose
  baseline revision they have not acknowledged. They became obliged on the later of the
  day their current ID was granted and the day the baseline revision was published (the
  page's first publication when no revision asked for re-acknowledgement); it is due
  `ReminderLadder.reading_days` after that. A new baseline is a new duty (its key names
  the revision), so a re-acknowledgement climbs the ladder again.
- The quiz: someone who attended a session of this fiscal year with a quiz, or was
  briefed on one and confirmed it where the coordinator's course policy counts briefing
  plus online study (training.routes), and has passed no quiz of the fiscal year. It is
  due `ReminderLadder.quiz_days` after the earliest such session or confirmation. The key
  names the fiscal year: on 1 April last year's quiz is no longer anyone's duty.
  (Mid-year ID holders on the online-only route are not reminded: their duty has no
  event to count from other than the grant, which the reading already reminds them of.)

A due date that falls on a day the person's organisation is closed moves to its next
working day (people.calendar), as the onward-sharing due dates do.

Both are read in a fixed number of queries however many people there are.
"""

import datetime
from collections.abc import Iterator
from functools import partial

from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry

from core.outbox import sent_together
from people.calendar import office_calendars
from people.fiscal import fiscal_year_of
from people.models import Person
from training.models import (
    Acknowledgement,
    Attempt,
    Attendance,
    BriefingConfirmation,
    CoursePolicy,
    Notice,
    TrainingSession,
)
from training.reading import Reader, baselines, readers, required_pages
from training.reminders import (
    QUIZ,
    READING,
    Outstanding,
    Reminder,
    Rung,
    Rungs,
    by_recipient,
    climb,
    keys_recorded,
    ladders,
    notify,
    role_holders,
)
from training.sharing_reminders import sharing_reminders

Kind = Notice.Kind


@sent_together
def training_reminders_send(*, now: datetime.datetime) -> int:
    """The daily run: onward sharing, required reading and the quiz together, so that a
    recipient gets one e-mail however many notices; returns how many were recorded."""
    today = timezone.localdate(now)
    reminders, already_sent = sharing_reminders(now=now)
    duties = [*reading_reminders(today=today), *quiz_reminders(today=today)]
    already_sent |= keys_recorded(reminder.key for reminder in duties)
    return sum(notify(group, now=now)
               for group in by_recipient([*reminders, *duties], already_sent))


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _climb_all(outstanding: list[Outstanding], rungs: Rungs, *, today) -> Iterator[Reminder]:
    people = [item.person for item in outstanding]
    supervisors, coordinators = role_holders({p.department_id for p in people},
                                             {p.organisation_id for p in people})
    ladder_of = ladders({p.organisation_id for p in people})
    for item in outstanding:
        yield from climb(item, rungs, ladder=ladder_of(item.person.organisation_id),
                         supervisors=supervisors[item.person.department_id],
                         coordinators=coordinators[item.person.organisation_id], today=today)


# Required reading


def reading_outstanding(*, today: datetime.date) -> list[tuple[Outstanding, object]]:
    """(outstanding duty, its page) for every unread required page of every ID holder."""
    pages = required_pages()
    if not pages:
        return []
    page_ids = [page.pk for page, _organisation in pages]
    baseline = baselines(page_ids)
    published = dict(
        PageLogEntry.objects.filter(action="wagtail.publish",
                                    revision_id__in=[r for r in baseline.values() if r])
        .values_list("revision_id", "timestamp")
    )
    people = list(
        readers(Person.objects.all(), today=today)
        .filter(current_grant_on__isnull=False)
        .select_related("department")
        .order_by("pk")
    )
    latest = {
        (row["person_id"], row["page_id"]): row["latest"]
        # By page only: a prefecture's ID holders are too many ids for one SQLite query.
        for row in Acknowledgement.objects.filter(page_id__in=page_ids)
        .values("person_id", "page_id").annotate(latest=Max("revision_id"))
    }
    outstanding = []
    for person in people:
        reader = Reader.of(person, today=today)
        for page, organisation_id in pages:
            if not reader.must_read(page, organisation_id):
                continue
            if latest.get((person.pk, page.pk), -1) >= baseline[page.pk]:
                continue
            published_at = published.get(baseline[page.pk]) or page.first_published_at
            since = max(person.current_grant_on,
                        timezone.localdate(published_at) if published_at else today)
            outstanding.append((Outstanding(
                key=f"reading:{page.pk}:{baseline[page.pk]}:{person.pk}", person=person,
                due_on=since,  # the ladder's reading_days are added by reading_reminders
            ), page))
    return outstanding


def reading_reminders(*, today: datetime.date) -> list[Reminder]:
    items = reading_outstanding(today=today)
    organisation_ids = {item.person.organisation_id for item, _page in items}
    ladder_of, calendars = ladders(organisation_ids), office_calendars(organisation_ids)
    pages = {item.key: page for item, page in items}
    due = [
        Outstanding(key=item.key, person=item.person,
                    due_on=calendars[item.person.organisation_id].due_date(
                        item.due_on, ladder_of(item.person.organisation_id).reading_days))
        for item, _page in items
    ]

    def text(template):
        return lambda item: partial(_reading_text, template, item, pages[item.key])

    rungs = Rungs(
        person=Rung("reading-person", Kind.READING_DUE, text(_person_reading)),
        supervisor=Rung("reading-supervisor", Kind.READING_SUPERVISOR, text(_others_reading)),
        coordinator=Rung("reading-coordinator", Kind.READING_COORDINATOR,
                         text(_escalated_reading)),
        topic=READING,
    )
    return list(_climb_all(due, rungs, today=today))


def _person_reading():
    return _("Please read “%(page)s” on the training site and acknowledge it, by %(due)s.")


def _others_reading():
    return _("%(person)s (%(department)s) has not yet acknowledged “%(page)s”, due by "
             "%(due)s.")


def _escalated_reading():
    return _("Escalation: %(person)s (%(department)s) has still not acknowledged "
             "“%(page)s”, due by %(due)s.")


def _reading_text(template, item: Outstanding, page) -> str:
    return template() % {"page": page.title, "due": _day(item.due_on),
                         "person": item.person.name, "department": item.person.department.name}


# The quiz


def quiz_outstanding(*, today: datetime.date) -> list[Outstanding]:
    """Whoever may take a quiz of this fiscal year and has passed none, with the day the
    ladder's quiz_days count from (not yet added)."""
    year = fiscal_year_of(today)
    in_year = {"starts_at__date__gte": year.first_day, "starts_at__date__lte": year.last_day}
    sessions = TrainingSession.objects.filter(quiz__isnull=False, **in_year)
    passed = set(Attempt.objects.filter(session__in=sessions, passed=True)
                 .values_list("person_id", flat=True))
    since = {}
    for person_id, starts_at in (
        Attendance.objects.filter(session__in=sessions, status__in=Attendance.ATTENDED,
                                  session__starts_at__date__lte=today)
        .exclude(person_id__in=passed).values_list("person_id", "session__starts_at")
    ):
        day = timezone.localdate(starts_at)
        since[person_id] = min(since.get(person_id, day), day)
    briefing_counts = set(CoursePolicy.objects.filter(
        fiscal_year=year.year, briefed_online_counts=True
    ).values_list("organisation_id", flat=True))
    if briefing_counts:
        for person_id, confirmed_at in (
            BriefingConfirmation.objects.filter(
                obligation__sharing__session__in=sessions,
                obligation__sharing__session__organisation__in=briefing_counts,
                obligation__dropped_at__isnull=True,
            ).exclude(obligation__person_id__in=passed)
            .values_list("obligation__person_id", "confirmed_at")
        ):
            day = timezone.localdate(confirmed_at)
            since[person_id] = min(since.get(person_id, day), day)
    ids = sorted(since)
    people = []
    for start in range(0, len(ids), 900):  # SQLite limits the parameters of one query
        people += Person.objects.filter(pk__in=ids[start:start + 900]).select_related(
            "department").order_by("pk")
    return [Outstanding(key=f"quiz:{year.year}:{person.pk}", person=person,
                        due_on=since[person.pk]) for person in people]


def quiz_reminders(*, today: datetime.date) -> list[Reminder]:
    items = quiz_outstanding(today=today)
    organisation_ids = {item.person.organisation_id for item in items}
    ladder_of, calendars = ladders(organisation_ids), office_calendars(organisation_ids)
    due = [
        Outstanding(key=item.key, person=item.person,
                    due_on=calendars[item.person.organisation_id].due_date(
                        item.due_on, ladder_of(item.person.organisation_id).quiz_days))
        for item in items
    ]

    def text(template):
        return lambda item: partial(_quiz_text, template, item)

    rungs = Rungs(
        person=Rung("quiz-person", Kind.QUIZ_DUE, text(_person_quiz)),
        supervisor=Rung("quiz-supervisor", Kind.QUIZ_SUPERVISOR, text(_others_quiz)),
        coordinator=Rung("quiz-coordinator", Kind.QUIZ_COORDINATOR, text(_escalated_quiz)),
        topic=QUIZ,
    )
    return list(_climb_all(due, rungs, today=today))


def _person_quiz():
    return _("Please take the training quiz of this fiscal year on the training site and "
             "pass it, by %(due)s.")


def _others_quiz():
    return _("%(person)s (%(department)s) has not yet passed the training quiz, due by "
             "%(due)s.")


def _escalated_quiz():
    return _("Escalation: %(person)s (%(department)s) has still not passed the training "
             "quiz, due by %(due)s.")


def _quiz_text(template, item: Outstanding) -> str:
    return template() % {"due": _day(item.due_on), "person": item.person.name,
                         "department": item.person.department.name}

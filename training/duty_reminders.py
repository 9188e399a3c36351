"""Overdue required reading and unpassed quizzes, on the onward-sharing ladder.

What is outstanding, for whom, due when (the rungs are training.reminders'):

- Required reading: a page a person must read (training.reading: Reader.must_read) whose
  baseline revision they have not acknowledged. They became obliged on the later of the
  day their current ID was granted and the day the baseline revision was published (the
  page's first publication when no revision asked for re-acknowledgement); it is due
  `ReminderLadder.reading_days` after that. A new baseline is a new duty (its key names
  the revision), so a re-acknowledgement climbs the ladder again; so is an ID granted
  again (the key then names the grant's day; a first grant's key does not, as before):
  someone given an ID again, in a later fiscal year, is a new ID holder again and their
  reading starts a ladder of its own. Reading is not a duty of
  the fiscal year, except through the audience "new ID holders of this fiscal year": on
  1 April last year's new holders no longer must read it, and their ladder stops.
- The quiz: someone who attended a session of this fiscal year with a quiz, was briefed
  on one and confirmed it, or was given their ID after one (the last two where the
  coordinator's course policy lets that route count), and has passed no quiz of the
  fiscal year. Due `ReminderLadder.quiz_days` after the earliest such day, by the year's
  last working day at the latest (training.quiz_due). The key names the fiscal year: on 1 April last
  year's quiz is no longer anyone's duty.

A due date that falls on a day the person's organisation is closed moves to its next
working day (people.calendar), as the onward-sharing due dates do; the rungs count that
organisation's working days from it (training.reminders).

Both are read in a fixed number of queries however many people there are.
"""

import datetime
from collections.abc import Iterator
from functools import partial

from django.db.models import Max, Min
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry

from core.outbox import sent_together
from people.calendar import office_calendars
from people.fiscal import fiscal_year_of
from people.models import IdGrant, Person
from training.models import (
    Acknowledgement,
    Notice,
)
from training.quiz_due import quiz_due_on, quiz_duty_starts
from training.reading import Reader, readers, required_baselines, required_pages
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
               for group in by_recipient([*reminders, *duties], already_sent, today=today))


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _climb_all(outstanding: list[Outstanding], rungs: Rungs, *, today,
               calendars) -> Iterator[Reminder]:
    people = [item.person for item in outstanding]
    supervisors, coordinators = role_holders({p.department_id for p in people},
                                             {p.organisation_id for p in people})
    ladder_of = ladders({p.organisation_id for p in people})
    for item in outstanding:
        yield from climb(item, rungs, ladder=ladder_of(item.person.organisation_id),
                         calendar=calendars[item.person.organisation_id],
                         supervisors=supervisors[item.person.department_id],
                         coordinators=coordinators[item.person.organisation_id], today=today)


# Required reading


def reading_outstanding(*, today: datetime.date) -> list[tuple[Outstanding, object]]:
    """(outstanding duty, its page) for every unread required page of every ID holder."""
    pages = required_pages()
    if not pages:
        return []
    page_ids = [page.pk for page, _organisation in pages]
    baseline = required_baselines(page_ids)
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
    # By person, over every grant: as the acknowledgements, too many ids for one query.
    first_grant = dict(IdGrant.objects.values("person_id").annotate(first=Min("granted_on"))
                       .values_list("person_id", "first"))
    outstanding = []
    for person in people:
        reader = Reader.of(person, today=today)
        again = ("" if person.current_grant_on == first_grant.get(person.pk)
                 else f":{person.current_grant_on.isoformat()}")
        for page, organisation_id in pages:
            if not reader.must_read(page, organisation_id):
                continue
            if latest.get((person.pk, page.pk), -1) >= baseline[page.pk]:
                continue
            published_at = published.get(baseline[page.pk]) or page.first_published_at
            since = max(person.current_grant_on,
                        timezone.localdate(published_at) if published_at else today)
            outstanding.append((Outstanding(
                key=f"reading:{page.pk}:{baseline[page.pk]}:{person.pk}{again}", person=person,
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
    return list(_climb_all(due, rungs, today=today, calendars=calendars))


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
    """Whoever the quiz of this fiscal year is a duty of and has passed none, with the day
    it became their duty (training.quiz_due; the ladder's quiz_days not yet added)."""
    year = fiscal_year_of(today)
    since = quiz_duty_starts(today=today)
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
        Outstanding(key=item.key, person=item.person, due_on=quiz_due_on(
            item.due_on, quiz_days=ladder_of(item.person.organisation_id).quiz_days,
            calendar=calendars[item.person.organisation_id]))
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
    return list(_climb_all(due, rungs, today=today, calendars=calendars))


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

"""The escalation ladder every training reminder climbs, whatever it is about.

A source (onward sharing in training.sharing_reminders; required reading and the quiz in
training.duty_reminders) says what is outstanding, for whom and due when; the rungs of
the organisation's ReminderLadder decide who hears about it on which day:

- the person, `days_before_due` working days before it is due;
- their department's supervisors, `supervisor_days_after_due` working days after it;
- their organisation's coordinators, `coordinator_days_after_due` working days after it.

Working days are the ladder's organisation's (people.calendar.OfficeCalendar.reminder_day),
and nobody is sent anything on a day their own organisation is closed (by_recipient): the
next working day's run sends every rung that fell due meanwhile.

(Onward sharing adds a rung of its own: the attendees who can brief the colleague.)

The drills' improvement plan (drills.improvements) and the terminals' look-up review
(terminal_logs.review) climb ladders of their own, but find their supervisors and
coordinators (role_holders) and group their reminders by recipient (by_recipient) here.

Every notice is a Notice row keyed by rung, subject and recipient, so running the job
again records nothing twice; a recipient gets one e-mail per run however many notices
and sources, written to the outbox (core.outbox) in the transaction that records them.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.mail import LANGUAGE_SEPARATOR, LANGUAGES, in_each_language
from core.outbox import notices_record
from people.calendar import OfficeCalendar, offices_open_on
from people.models import Person, RoleAssignment
from training.models import DepartmentSharing, Notice, ReminderLadder

Role = RoleAssignment.Role


@dataclass(frozen=True)
class Topic:
    """What a group of notices is about: the e-mail's subject and the page to open."""

    name: str
    subject: Callable[[int], str]  # for n notices, in the active language
    url_name: str
    link: object  # lazy text with %(url)s


SHARING = Topic(
    "sharing",
    lambda n: ngettext("Onward sharing of training: %(count)d reminder",
                       "Onward sharing of training: %(count)d reminders", n) % {"count": n},
    "training:sharing", _("Your onward sharing: %(url)s"),
)
READING = Topic(
    "reading",
    lambda n: ngettext("Required reading: %(count)d reminder",
                       "Required reading: %(count)d reminders", n) % {"count": n},
    "training:mine", _("Your training: %(url)s"),
)
QUIZ = Topic(
    "quiz",
    lambda n: ngettext("Training quiz: %(count)d reminder",
                       "Training quiz: %(count)d reminders", n) % {"count": n},
    "training:my_quizzes", _("Your quizzes: %(url)s"),
)


@dataclass(frozen=True)
class Reminder:
    """A notice to send: `describe()` writes its text in the active language."""

    key: str
    kind: str
    recipient: Person
    describe: Callable[[], str]
    topic: Topic = SHARING
    sharing: DepartmentSharing | None = None


@dataclass(frozen=True)
class Outstanding:
    """One person's duty still open: what the rungs need to know about it."""

    key: str  # names the duty and its subject, e.g. "reading:12:340:7"
    person: Person
    due_on: datetime.date


@dataclass(frozen=True)
class Rung:
    name: str
    kind: str
    describe: Callable[[Outstanding], Callable[[], str]]


@dataclass(frozen=True)
class Rungs:
    """The three rungs of one kind of duty, each with its kind of notice and its text."""

    person: Rung
    supervisor: Rung
    coordinator: Rung
    topic: Topic


def climb(item: Outstanding, rungs: Rungs, *, ladder: ReminderLadder,
          calendar: OfficeCalendar, supervisors: list[Person], coordinators: list[Person],
          today: datetime.date) -> Iterator[Reminder]:
    """The reminders the ladder calls for by `today` about one outstanding duty."""
    on = partial(calendar.reminder_day, item.due_on)
    steps = [
        (rungs.person, on(-ladder.days_before_due), [item.person]),
        (rungs.supervisor, on(ladder.supervisor_days_after_due), supervisors),
        (rungs.coordinator, on(ladder.coordinator_days_after_due), coordinators),
    ]
    for rung, from_day, recipients in steps:
        if today < from_day:
            continue
        for recipient in recipients:
            yield Reminder(
                key=f"{rung.name}:{item.key}:{recipient.pk}", kind=rung.kind,
                recipient=recipient, describe=rung.describe(item), topic=rungs.topic,
            )


def ladders(organisation_ids) -> Callable[[int], ReminderLadder]:
    """Each organisation's ladder (the defaults where it set none), in one query."""
    own = {ladder.organisation_id: ladder
           for ladder in ReminderLadder.objects.filter(organisation__in=organisation_ids)}
    return lambda organisation_id: own.get(organisation_id) or ReminderLadder(
        organisation_id=organisation_id)


def role_holders(department_ids, organisation_ids) -> tuple[dict, dict]:
    """({department id: supervisors}, {organisation id: coordinators}), in one query."""
    supervisors, coordinators = defaultdict(list), defaultdict(list)
    for role in (
        RoleAssignment.objects.filter(
            Q(role=Role.SUPERVISOR, department__in=department_ids)
            | Q(role=Role.COORDINATOR, organisation__in=organisation_ids)
        )
        .select_related("person")
        .order_by("person__kana", "person__employee_number")
    ):
        if role.role == Role.SUPERVISOR:
            supervisors[role.department_id].append(role.person)
        else:
            coordinators[role.organisation_id].append(role.person)
    return supervisors, coordinators


def keys_recorded(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    recorded = set()
    # In slices: SQLite limits the parameters of one query.
    for start in range(0, len(keys), 900):
        recorded |= set(Notice.objects.filter(key__in=keys[start:start + 900])
                        .values_list("key", flat=True))
    return recorded


def by_recipient(reminders: Iterable[Reminder], already_sent: set[str], *,
                 today: datetime.date) -> list[list[Reminder]]:
    """The reminders not yet sent, grouped by recipient, leaving out whoever's office is
    closed `today`: theirs stay unrecorded, so the next working day's run sends them."""
    grouped = defaultdict(dict)
    for reminder in reminders:
        if reminder.key not in already_sent:
            grouped[reminder.recipient.pk][reminder.key] = reminder
    groups = [list(group.values()) for group in grouped.values()]
    open_offices = offices_open_on(today, {group[0].recipient.organisation_id
                                           for group in groups})
    return [group for group in groups if group[0].recipient.organisation_id in open_offices]


def notify(reminders: list[Reminder], *, now: datetime.datetime) -> int:
    """Record one recipient's notices and write their e-mail to the outbox, unless
    another worker recorded them first (core.outbox.notices_record)."""
    recipient = reminders[0].recipient
    texts = dict(zip(LANGUAGES, in_each_language(
        lambda: [reminder.describe() for reminder in reminders]
    ), strict=True))
    notices = [
        Notice(
            key=reminder.key, kind=reminder.kind, recipient=recipient, sharing=reminder.sharing,
            message=LANGUAGE_SEPARATOR.join(texts[language][i] for language in LANGUAGES),
            sent_at=now, emailed_to=recipient.email,
        )
        for i, reminder in enumerate(reminders)
    ]
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    topics = list(dict.fromkeys(reminder.topic for reminder in reminders))
    count = len(reminders)

    def subject():
        if len(topics) == 1:
            return topics[0].subject(count)
        return ngettext("Training reminders: %(count)d", "Training reminders: %(count)d",
                        count) % {"count": count}

    return notices_record(notices, to=recipient.email, subject=subject, body=lambda: (
        render_to_string("training/reminder_email.txt", {
            "recipient": recipient, "texts": texts[translation.get_language()],
            "links": [str(topic.link) % {"url": base + reverse(topic.url_name)}
                      for topic in topics],
        })))

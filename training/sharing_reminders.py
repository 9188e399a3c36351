"""Onward-sharing reminders: the escalation ladder, run daily by django-q2.

For each department sharing of this fiscal year's closed sessions, the ladder of the
session's organisation (its ReminderLadder, or the defaults when it has none) decides
who hears about it and when, counting from the due date:

1. `days_before_due` working days before an obligation is due, the colleague it
   concerns, told to get briefed or, once briefed, to confirm receipt;
2. at the same time, while any colleague due that day is not yet briefed, every
   attendee of the department, who can brief them;
3. `supervisor_days_after_due` working days after the due date, the department's
   supervisors, while the sharing is incomplete: a colleague is still outstanding (live
   and not confirmed) or the department report is not in;
4. `coordinator_days_after_due` working days after it, the coordinators of the session's
   organisation, while it is still incomplete.

Working days are the session's organisation's, and nobody hears anything on a day their
own organisation is closed (training.reminders, people.calendar).

For rungs 3 and 4 the due date is the earliest one among the outstanding colleagues,
or the sharing's own when only the report is missing; so a colleague who joins after
the report was submitted starts the ladder again, with their own due date.

Every notice is a Notice row: what the person sees in the app. Its key names the rung,
what it is about and the recipient, so running the job again sends nothing twice. A
recipient gets one e-mail per run however many notices they have, written to the outbox
(core.outbox) in the transaction that records them and sent after it commits.

The facts are read in a fixed number of queries however many departments there are;
only the writes, one transaction per recipient, grow with the notices sent.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.outbox import sent_together
from people.calendar import OfficeCalendar, office_calendars
from people.fiscal import fiscal_year_of
from people.models import Person, RoleAssignment
from training.models import (
    Attendance,
    BriefingObligation,
    DepartmentReport,
    DepartmentSharing,
    Notice,
    ReminderLadder,
    TrainingSession,
)
from training.reminders import SHARING, Reminder, by_recipient, ladders, notify, role_holders
from training.sharing import obligations_with_facts

Kind = Notice.Kind
Role = RoleAssignment.Role

# Japanese first, English below, in the e-mail and in the notice the app shows.


@dataclass(frozen=True)
class SharingFacts:
    """What the ladder needs to know about one sharing, read in bulk."""

    sharing: DepartmentSharing
    ladder: ReminderLadder
    calendar: OfficeCalendar  # the session's organisation's: the rungs count its working days
    # Live and unconfirmed, annotated by obligations_with_facts, ordered by name.
    outstanding: list[BriefingObligation]
    attendees: list[Person]
    supervisors: list[Person]
    coordinators: list[Person]

    @property
    def is_incomplete(self) -> bool:
        return bool(self.outstanding) or not self.sharing.has_report

    @property
    def escalation_due_on(self) -> datetime.date:
        """The due date the supervisor and coordinator rungs count from."""
        return min((o.due_on for o in self.outstanding), default=self.sharing.due_on)


@sent_together
def reminders_send(*, now: datetime.datetime) -> int:
    """Record every onward-sharing notice the ladders call for today that no one was sent
    yet, each recipient's e-mail in the outbox; returns how many notices were recorded.
    (The daily job runs this source with the others: training.duty_reminders.)"""
    reminders, already_sent = sharing_reminders(now=now)
    return sum(notify(group, now=now) for group in by_recipient(
        reminders, already_sent, today=timezone.localdate(now)))


def sharing_reminders(*, now: datetime.datetime) -> tuple[list[Reminder], set[str]]:
    """The onward-sharing reminders due today, and the keys of those already recorded."""
    today = timezone.localdate(now)
    fiscal_year = fiscal_year_of(today)
    # Like obligations_sync: a past year's sharings stay as they were at its end.
    sessions = TrainingSession.objects.filter(
        attendance_closed_at__isnull=False,
        starts_at__date__gte=fiscal_year.first_day, starts_at__date__lte=fiscal_year.last_day,
    )
    reminders = [reminder for facts in _sharing_facts(sessions)
                 for reminder in _ladder(facts, today=today)]
    return reminders, _keys_sent(sessions)


# Reading the facts


def _keys_sent(sessions) -> set[str]:
    return set(Notice.objects.filter(sharing__session__in=sessions).values_list("key", flat=True))


def _sharing_facts(sessions) -> Iterator[SharingFacts]:
    """The facts of every incomplete sharing of `sessions`, in seven queries."""
    outstanding_filter = Q(dropped_at__isnull=True, is_confirmed=False)
    outstanding_here = obligations_with_facts(
        BriefingObligation.objects.filter(sharing=OuterRef("pk"))
    ).filter(outstanding_filter)
    sharings = list(
        DepartmentSharing.objects.filter(session__in=sessions)
        .annotate(has_report=Exists(DepartmentReport.objects.filter(sharing=OuterRef("pk"))))
        .filter(Q(Exists(outstanding_here)) | Q(has_report=False))
        .select_related("session", "department")
        .order_by("pk")
    )
    if not sharings:
        return
    outstanding = defaultdict(list)
    for obligation in (
        obligations_with_facts(BriefingObligation.objects.filter(sharing__session__in=sessions))
        .filter(outstanding_filter)
        .select_related("person")
        .order_by("person__kana", "person__employee_number", "pk")
    ):
        outstanding[obligation.sharing_id].append(obligation)
    attendees = defaultdict(list)
    for attendance in (
        Attendance.objects.filter(session__in=sessions, status__in=Attendance.ATTENDED)
        .select_related("person")
        .order_by("person__kana", "person__employee_number")
    ):
        attendees[attendance.session_id, attendance.person.department_id].append(
            attendance.person
        )
    department_ids = {sharing.department_id for sharing in sharings}
    organisation_ids = {sharing.session.organisation_id for sharing in sharings}
    supervisors, coordinators = role_holders(department_ids, organisation_ids)
    ladder_of, calendars = ladders(organisation_ids), office_calendars(organisation_ids)
    for sharing in sharings:
        organisation_id = sharing.session.organisation_id
        yield SharingFacts(
            sharing=sharing,
            ladder=ladder_of(organisation_id),
            calendar=calendars[organisation_id],
            outstanding=outstanding[sharing.pk],
            attendees=attendees[sharing.session_id, sharing.department_id],
            supervisors=supervisors[sharing.department_id],
            coordinators=coordinators[organisation_id],
        )


# The ladder


def _ladder(facts: SharingFacts, *, today: datetime.date) -> Iterator[Reminder]:
    yield from _colleague_reminders(facts, today=today)
    yield from _briefer_reminders(facts, today=today)
    yield from _escalations(facts, today=today)


def _colleague_reminders(facts: SharingFacts, *, today: datetime.date) -> Iterator[Reminder]:
    for obligation in facts.outstanding:
        if today >= facts.calendar.reminder_day(obligation.due_on, -facts.ladder.days_before_due):
            yield Reminder(
                key=f"colleague:{obligation.pk}", kind=Kind.COLLEAGUE_BEFORE_DUE,
                recipient=obligation.person, sharing=facts.sharing, topic=SHARING,
                describe=partial(_colleague_text, facts, obligation),
            )


def _briefer_reminders(facts: SharingFacts, *, today: datetime.date) -> Iterator[Reminder]:
    unbriefed_by_due_on = defaultdict(list)
    for obligation in facts.outstanding:
        if not obligation.is_briefed:
            unbriefed_by_due_on[obligation.due_on].append(obligation)
    for due_on, unbriefed in sorted(unbriefed_by_due_on.items()):
        if today < facts.calendar.reminder_day(due_on, -facts.ladder.days_before_due):
            continue
        for attendee in facts.attendees:
            yield Reminder(
                key=f"briefer:{facts.sharing.pk}:{due_on.isoformat()}:{attendee.pk}",
                kind=Kind.BRIEFER_BEFORE_DUE, recipient=attendee, sharing=facts.sharing,
                topic=SHARING,
                describe=partial(_briefer_text, facts, due_on, unbriefed),
            )


def _escalations(facts: SharingFacts, *, today: datetime.date) -> Iterator[Reminder]:
    if not facts.is_incomplete:
        return
    due_on = facts.escalation_due_on
    rungs = [
        ("supervisor", Kind.SUPERVISOR_DUE, facts.ladder.supervisor_days_after_due,
         facts.supervisors, _supervisor_text),
        ("coordinator", Kind.COORDINATOR_OVERDUE, facts.ladder.coordinator_days_after_due,
         facts.coordinators, _coordinator_text),
    ]
    for name, kind, days_after, recipients, text in rungs:
        if today < facts.calendar.reminder_day(due_on, days_after):
            continue
        for person in recipients:
            yield Reminder(
                key=f"{name}:{facts.sharing.pk}:{due_on.isoformat()}:{person.pk}",
                kind=kind, recipient=person, sharing=facts.sharing, topic=SHARING,
                describe=partial(text, facts, due_on),
            )


# What each notice says, in the active language


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _about(facts: SharingFacts, **more) -> dict[str, str]:
    session = facts.sharing.session
    return {
        "session": session.title,
        "held": _day(timezone.localtime(session.starts_at).date()),
        "department": facts.sharing.department.name,
        **more,
    }


def _list(people) -> list[str]:
    return [f"- {person.name}" for person in people]


def _colleague_text(facts: SharingFacts, obligation: BriefingObligation) -> str:
    about = _about(facts, due=_day(obligation.due_on))
    if obligation.is_briefed:
        return _("You were briefed on the training session “%(session)s” (%(held)s). "
                 "Please confirm on the training site that you received the briefing, by "
                 "%(due)s.") % about
    lines = [_("You are still to be briefed on the training session “%(session)s” "
               "(%(held)s), by %(due)s.") % about]
    if facts.attendees:
        lines.append(_("These colleagues attended it and can brief you:"))
        lines += _list(facts.attendees)
    else:
        lines.append(_("Nobody in your department attended it: ask your supervisor to brief "
                       "you."))
    return "\n".join(lines)


def _briefer_text(facts: SharingFacts, due_on: datetime.date,
                  unbriefed: list[BriefingObligation]) -> str:
    about = _about(facts, due=_day(due_on))
    lines = [_("You attended the training session “%(session)s” (%(held)s). These colleagues "
               "in %(department)s are still to be briefed on it, by %(due)s:") % about]
    lines += _list(obligation.person for obligation in unbriefed)
    return "\n".join(lines)


def _supervisor_text(facts: SharingFacts, due_on: datetime.date) -> str:
    about = _about(facts, due=_day(due_on))
    lines = [_("The onward sharing of the training session “%(session)s” (%(held)s) in "
               "%(department)s is not complete. Due date: %(due)s.") % about]
    if facts.outstanding:
        lines.append(_("Not yet confirmed as briefed:"))
        lines += _list(obligation.person for obligation in facts.outstanding)
    if not facts.sharing.has_report:
        lines.append(_("The department report has not been submitted."))
    return "\n".join(lines)


def _coordinator_text(facts: SharingFacts, due_on: datetime.date) -> str:
    about = _about(facts, due=_day(due_on))
    lines = [_("Escalation: the onward sharing of the training session “%(session)s” "
               "(%(held)s) in %(department)s is still not complete. Due date: %(due)s.")
             % about]
    if facts.outstanding:
        count = len(facts.outstanding)
        lines.append(ngettext("%(count)d colleague is not yet confirmed as briefed.",
                              "%(count)d colleagues are not yet confirmed as briefed.", count)
                     % {"count": count})
    if not facts.sharing.has_report:
        lines.append(_("The department report has not been submitted."))
    return "\n".join(lines)

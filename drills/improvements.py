"""The improvement plan: what a drill showed must change, tracked until a later drill
shows it fixed.

This module decides what a valid item is (a start and a due date in that order, a
department and a point of contact of the drill's organisation, and, if the corrective
action changes a page, that organisation's emergency response plan or one of its training
modules), how an item's status moves, when an item counts as verified, what an item says
about the revision of the page it changes, and who is reminded of it when. Who may do
what is drills.access's to decide.

The status moves between open, in progress and completed as the people responsible work
on it. Only a later drill verifies an item: one that started after the item's drill
ended, has ended, and rated P or S an objective that re-tested the item
(drills.runs.drill_schedule adds such objectives). A verified item is closed.

Reminders (daily, by django-q2: drills.tasks) go out while an item is open or in
progress: from 7 working days before its due date, and again from the due date, to the
responsible department's supervisors and the point of contact; from 5 working days after
the due date to the coordinators of the drill's organisation. Working days are the
drill's organisation's (people.calendar), and nobody is sent anything on a day their own
organisation is closed: the next working day's run sends what fell due meanwhile. Each
ImprovementReminder's key names the rung, the item, its due date and the recipient, so
running the job again sends nothing twice, and moving the due date starts the ladder
again. A recipient's e-mail is written to the outbox (core.outbox) in the transaction
that records their reminders.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page, PageLogEntry

from cms.models import EmergencyPlanPage, TrainingIndexPage, TrainingModulePage
from core.outbox import notices_record, sent_together
from drills.models import Drill, DrillObjective, ImprovementItem, ImprovementReminder
from people.calendar import OfficeCalendar, office_calendars
from people.models import Person
from training.reading import baselines
from training.reminders import by_recipient, role_holders

Status = ImprovementItem.Status
Element = ImprovementItem.Element
# The statuses of an item still being worked on or awaiting its re-test.
NOT_VERIFIED = (Status.OPEN, Status.IN_PROGRESS, Status.COMPLETED)
# The statuses for which the people responsible are reminded: the work is not done.
UNFINISHED = (Status.OPEN, Status.IN_PROGRESS)
# A re-test rated P or S shows the corrective action worked; M or U shows it did not.
FIXED_RATINGS = ("P", "S")
EDITABLE_FIELDS = (
    "objective", "issue", "corrective_action", "element", "department", "point_of_contact",
    "start_on", "due_on", "page",
)
# Counted in the drill's organisation's working days (people.calendar).
REMINDER_WORKING_DAYS_BEFORE_DUE = 7
COORDINATOR_WORKING_DAYS_AFTER_DUE = 5  # a week of them


# What an item may say


def changeable_pages(organisation_id: int):
    """The pages an item of this organisation may say it changes: the organisation's
    emergency response plan and the training modules under its training index."""
    pages = Q(pk__in=EmergencyPlanPage.objects.filter(organisation=organisation_id).values("pk"))
    index = TrainingIndexPage.objects.filter(organisation=organisation_id).first()
    if index is not None:
        pages |= Q(pk__in=TrainingModulePage.objects.descendant_of(index).values("pk"))
    return Page.objects.filter(pages)


def _cleaned(drill: Drill, *, issue, corrective_action, element, department, start_on, due_on,
             point_of_contact=None, page=None, objective=None) -> dict:
    """The item's fields, checked against the drill; every problem refused at once."""
    issue, corrective_action = (issue or "").strip(), (corrective_action or "").strip()
    errors = []
    if not issue:
        errors.append(_("Describe the issue."))
    if not corrective_action:
        errors.append(_("Describe the corrective action."))
    if element not in Element.values:
        errors.append(_("Choose the element: plan, organisation, equipment, training or "
                        "exercise."))
    if start_on is None or due_on is None:
        errors.append(_("Enter a start date and a due date."))
    elif due_on < start_on:
        errors.append(_("The due date (%(due)s) is before the start date (%(start)s).")
                      % {"due": _day(due_on), "start": _day(start_on)})
    if department is None or department.organisation_id != drill.organisation_id:
        errors.append(_("The responsible department must be a department of %(organisation)s.")
                      % _organisation(drill))
    if point_of_contact is not None and point_of_contact.organisation_id != drill.organisation_id:
        errors.append(_("The point of contact must work for %(organisation)s.")
                      % _organisation(drill))
    if page is not None and not changeable_pages(drill.organisation_id).filter(pk=page.pk).exists():
        errors.append(_("The page changed must be the emergency response plan or a training "
                        "module of %(organisation)s.") % _organisation(drill))
    if objective is not None and objective.drill_id != drill.pk:
        errors.append(_("The objective must be one of this drill's."))
    if errors:
        raise ValidationError(errors)
    return {
        "issue": issue, "corrective_action": corrective_action, "element": element,
        "department": department, "point_of_contact": point_of_contact, "start_on": start_on,
        "due_on": due_on, "page": page, "objective": objective,
    }


def _organisation(drill: Drill) -> dict[str, str]:
    return {"organisation": drill.organisation.name}


# The workflow


@transaction.atomic
def item_create(*, drill: Drill, by: Person, now: datetime.datetime, issue: str,
                corrective_action: str, element: str, department, start_on: datetime.date,
                due_on: datetime.date, point_of_contact: Person | None = None,
                page: Page | None = None, objective: DrillObjective | None = None,
                ) -> ImprovementItem:
    fields = _cleaned(
        drill, issue=issue, corrective_action=corrective_action, element=element,
        department=department, start_on=start_on, due_on=due_on,
        point_of_contact=point_of_contact, page=page, objective=objective,
    )
    return ImprovementItem.objects.create(drill=drill, created_by=by, created_at=now, **fields)


@transaction.atomic
def item_update(*, item: ImprovementItem, by: Person, now: datetime.datetime,
                status: str | None = None, **changes) -> ImprovementItem:
    """Move the item's status among open, in progress and completed, and/or change what
    it says (any of EDITABLE_FIELDS). A verified item is closed: nothing changes."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"item_update() cannot change {', '.join(sorted(unknown))}")
    item = (ImprovementItem.objects.select_for_update().select_related("drill__organisation")
            .get(pk=item.pk))
    if item.status == Status.VERIFIED:
        raise ValidationError(_("This item was verified by a later drill: it is closed and "
                                "can no longer change."))
    if status == Status.VERIFIED:
        raise ValidationError(_("An item is marked verified only when a later drill has "
                                "re-tested it: use “Verify” with that drill."))
    if status is not None and status not in NOT_VERIFIED:
        raise ValidationError(_("Choose a status: open, in progress or completed."))
    if changes:
        current = {field: getattr(item, field) for field in EDITABLE_FIELDS}
        for field, value in _cleaned(item.drill, **{**current, **changes}).items():
            setattr(item, field, value)
    if status is not None:
        item.status = status
    item.save()
    return item


def retest_drills(item: ImprovementItem):
    """The drills that could verify the item: they started after its drill ended, have
    ended, and had an objective re-testing it. Whether the re-test showed it fixed is
    item_verify's to say."""
    ended_at = Drill.objects.filter(pk=item.drill_id).values("ended_at")
    return (
        Drill.objects.filter(objectives__retests=item, ended_at__isnull=False,
                             started_at__gt=ended_at)
        .distinct().order_by("-started_at")
    )


@transaction.atomic
def item_verify(*, item: ImprovementItem, later_drill: Drill, by: Person,
                now: datetime.datetime) -> ImprovementItem:
    """Mark a completed item verified by `later_drill`, which must have re-tested it and
    rated that objective P or S."""
    item = ImprovementItem.objects.select_for_update().select_related("drill").get(pk=item.pk)
    if item.status == Status.VERIFIED:
        raise ValidationError(_("This item has already been verified."))
    if item.status != Status.COMPLETED:
        raise ValidationError(_("Mark the corrective action completed before verifying it."))
    later_drill = Drill.objects.get(pk=later_drill.pk)  # its start and end as they are now
    retests = list(DrillObjective.objects.filter(drill=later_drill, retests=item)
                   .select_related("rating"))
    is_later = (item.drill.ended_at is not None and later_drill.started_at is not None
                and later_drill.started_at > item.drill.ended_at)
    if not (is_later and later_drill.ended_at is not None and retests):
        raise ValidationError(
            _("No later drill has re-tested this item: a drill verifies it once it has ended, "
              "if it started after “%(drill)s” ended and had an objective re-testing it.")
            % {"drill": item.drill.title}
        )
    ratings = [getattr(objective, "rating", None) for objective in retests]
    if not any(rating is not None and rating.rating in FIXED_RATINGS for rating in ratings):
        rated = [rating.rating for rating in ratings if rating is not None]
        raise ValidationError(
            _("The re-test did not show it fixed: in “%(drill)s” its objective was rated "
              "%(rating)s, and P or S is needed.")
            % {"drill": later_drill.title, "rating": ", ".join(rated)}
            if rated else
            _("The re-test did not show it fixed: in “%(drill)s” its objective was not "
              "rated, and P or S is needed.") % {"drill": later_drill.title}
        )
    item.status = Status.VERIFIED
    item.verified_in = later_drill
    item.verified_at = now
    item.save(update_fields=["status", "verified_in", "verified_at"])
    return item


def items_to_retest(items, *, organisation_id: int) -> list[ImprovementItem]:
    """The items a new drill of the organisation is to re-test, read afresh, each once,
    in the order given; refused unless each is the organisation's and not yet verified."""
    wanted = list(dict.fromkeys(item.pk for item in items))
    found = ImprovementItem.objects.select_related("drill").in_bulk(wanted)
    for pk in wanted:
        item = found.get(pk)
        if item is None or item.drill.organisation_id != organisation_id:
            raise ValidationError(_("An improvement item chosen for re-testing belongs to "
                                    "another organisation's drill."))
        if item.status not in NOT_VERIFIED:
            raise ValidationError(_("The improvement item “%(issue)s” has already been "
                                    "verified: it needs no re-test.") % {"issue": item.issue})
    return [found[pk] for pk in wanted]


def retestable_items(organisations):
    """The not-yet-verified items of the organisations' drills, which a new drill may
    re-test."""
    return (
        ImprovementItem.objects.filter(drill__organisation__in=organisations,
                                       status__in=NOT_VERIFIED)
        .select_related("drill__organisation")
        .order_by("drill__organisation__lg_code", "-drill__scheduled_for", "due_on", "pk")
    )


def items_of_drill(drill: Drill):
    return (
        ImprovementItem.objects.filter(drill=drill)
        .select_related("objective", "department", "point_of_contact", "page", "verified_in")
        .order_by("due_on", "pk")
    )


# The page an item changes


class RevisionNotice(NamedTuple):
    published_at: datetime.datetime
    requires_reacknowledgement: bool


def revision_notices(items) -> dict[int, RevisionNotice | None]:
    """For each item that changes a page, by item id: the latest revision of the page
    published since the item was created that asked everyone to re-acknowledge it, or
    else the latest revision published since then at all; None while there is none.

    Which revision asks for re-acknowledgement is training.reading's baseline, read from
    Wagtail's publish log: the same rule that sends readers back to the page. Two queries
    however many items.
    """
    items = [item for item in items if item.page_id is not None]
    if not items:
        return {}
    page_ids = {item.page_id for item in items}
    baseline = baselines(page_ids)
    published = defaultdict(list)  # page id: [(when, revision id)]
    for page_id, revision_id, timestamp in PageLogEntry.objects.filter(
        action="wagtail.publish", page_id__in=page_ids
    ).values_list("page_id", "revision_id", "timestamp"):
        published[page_id].append((timestamp, revision_id))
    notices = {}
    for item in items:
        since = [(when, revision) for when, revision in published[item.page_id]
                 if when > item.created_at]
        flagged = [when for when, revision in since if revision == baseline[item.page_id]]
        if flagged:
            notices[item.pk] = RevisionNotice(max(flagged), True)
        elif since:
            notices[item.pk] = RevisionNotice(max(since)[0], False)
        else:
            notices[item.pk] = None
    return notices


def revision_notice(item: ImprovementItem) -> RevisionNotice | None:
    """When the page the item changes was revised since the item was created, and
    whether that revision asked for re-acknowledgement; None if it was not."""
    return revision_notices([item]).get(item.pk)


# Reminders


@dataclass(frozen=True)
class Reminder:
    key: str
    rung: str  # "before_due", "due" or "overdue"
    item: ImprovementItem
    recipient: Person


@sent_together
def improvement_reminders_send(*, now: datetime.datetime) -> int:
    """Record every reminder the ladder calls for today that no one was sent yet, each
    recipient's e-mail in the outbox; returns how many were recorded.

    Seven queries read everything, however many items; only the writes, one transaction
    per recipient, grow with the reminders sent.
    """
    today = timezone.localdate(now)
    unfinished = ImprovementItem.objects.filter(status__in=UNFINISHED)
    calendars = office_calendars(unfinished.values_list("drill__organisation", flat=True)
                                 .distinct().order_by())
    if not calendars:
        return 0
    # The first rung is 7 working days before the due date: whatever is due by the 7th
    # working day from today, in the organisation whose 7th comes last.
    horizon = max(calendar.add_working_days(today, REMINDER_WORKING_DAYS_BEFORE_DUE)
                  for calendar in calendars.values())
    due_soon = unfinished.filter(due_on__lte=horizon)
    items = list(due_soon.select_related("drill", "department", "point_of_contact")
                 .order_by("due_on", "pk"))
    if not items:
        return 0
    already_sent = set(ImprovementReminder.objects.filter(item__in=due_soon)
                       .values_list("key", flat=True))
    supervisors, coordinators = role_holders({item.department_id for item in items},
                                             {item.drill.organisation_id for item in items})
    reminders = (
        reminder for item in items
        for reminder in _ladder(item, today=today, supervisors=supervisors[item.department_id],
                                coordinators=coordinators[item.drill.organisation_id],
                                calendar=calendars[item.drill.organisation_id]))
    return sum(_notify(group, now=now)
               for group in by_recipient(reminders, already_sent, today=today))


def _ladder(item: ImprovementItem, *, today: datetime.date, supervisors: list[Person],
            coordinators: list[Person], calendar: OfficeCalendar):
    due_on = item.due_on
    owners = [*supervisors, *([item.point_of_contact] if item.point_of_contact else [])]
    if calendar.reminder_day(due_on, -REMINDER_WORKING_DAYS_BEFORE_DUE) <= today < due_on:
        rung, recipients = "before_due", owners
    elif today >= due_on:
        rung, recipients = "due", owners
    else:
        return
    for person in recipients:
        yield Reminder(f"{rung}:{item.pk}:{due_on.isoformat()}:{person.pk}", rung, item, person)
    if today >= calendar.reminder_day(due_on, COORDINATOR_WORKING_DAYS_AFTER_DUE):
        for person in coordinators:
            yield Reminder(f"overdue:{item.pk}:{due_on.isoformat()}:{person.pk}", "overdue",
                           item, person)


def _notify(reminders: list[Reminder], *, now: datetime.datetime) -> int:
    """Record one recipient's reminders and write their e-mail to the outbox, unless
    another worker recorded them first (core.outbox.notices_record)."""
    recipient = reminders[0].recipient
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    count = len(reminders)
    return notices_record(
        [ImprovementReminder(key=reminder.key, item=reminder.item, recipient=recipient,
                             sent_at=now, emailed_to=recipient.email)
         for reminder in reminders],
        to=recipient.email,
        subject=lambda: ngettext("Improvement plan: %(count)d reminder",
                                 "Improvement plan: %(count)d reminders", count)
        % {"count": count},
        body=lambda: render_to_string("drills/improvements/reminder_email.txt", {
            "recipient": recipient,
            "texts": [
                (_reminder_text(reminder),
                 base_url + reverse("drills:improvement", args=[reminder.item.pk]))
                for reminder in reminders
            ],
        }),
    )


def _reminder_text(reminder: Reminder) -> str:
    item = reminder.item
    about = {"issue": item.issue, "drill": item.drill.title, "due": _day(item.due_on),
             "department": item.department.name, "action": item.corrective_action}
    if reminder.rung == "before_due":
        text = _("The improvement item “%(issue)s” from the drill “%(drill)s” is due on "
                 "%(due)s.") % about
    elif reminder.rung == "due":
        text = _("The improvement item “%(issue)s” from the drill “%(drill)s” was due on "
                 "%(due)s and is not completed yet.") % about
    else:
        text = _("Escalation: the improvement item “%(issue)s” from the drill “%(drill)s”, "
                 "for %(department)s, was due on %(due)s and is still not completed.") % about
    return text + "\n" + _("Corrective action: %(action)s") % about


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")

"""The annual drill programme (年度訓練計画): the drills each organisation plans for a fiscal
year, the drill that held each, and the calendar across organisations.

A planned drill is "held" once the drill linked to it has ended; "scheduled" while that
drill is still to come or running; "planned" with no drill yet, and "overdue" once its
month has passed with none held. A drill held without a plan still counts as held: the
duty is that each organisation holds its drill in the year, whether or not it planned it.

`annual_drill_status` is what the duty matrix reads (issue 17, point 2): planned and held
per organisation in two queries, however many organisations.

Every date is decided by people.fiscal; which drills were held in a fiscal year, by
Drill.objects.held_in (started in it, local time, and ended), as everywhere else.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drills.models import Drill, PlannedDrill, Scenario
from people.fiscal import FiscalYear, fiscal_year_bounds, fiscal_year_of
from people.models import Organisation, Person

PLANNED, SCHEDULED, HELD = "planned", "scheduled", "held"
OVERDUE, UNPLANNED = "overdue", "unplanned"
STATUS_LABELS = {
    PLANNED: gettext_lazy("Planned"),
    SCHEDULED: gettext_lazy("Scheduled"),
    HELD: gettext_lazy("Held"),
    OVERDUE: gettext_lazy("Not held in its month"),
    UNPLANNED: gettext_lazy("Held, not in the programme"),
}


def held_drill_counts(organisations, year: FiscalYear, *,
                      by: datetime.datetime | None = None) -> dict[int, int]:
    """{organisation id: drills held in the fiscal year (Drill.objects.held_in)} for the
    organisations that held any: one query."""
    return dict(
        Drill.objects.filter(organisation__in=organisations).held_in(year, by=by)
        .values_list("organisation").annotate(n=Count("pk")).order_by()
    )


def annual_drill_status(organisations, fiscal_year) -> dict[int, tuple[int, int]]:
    """{organisation id: (drills planned, drills held)} in the fiscal year, for each of
    `organisations` (Organisation objects or ids), zeros included. Two queries, whatever
    the number of organisations: one count of the programme, one of the ended drills (a
    QuerySet passed in is read first: one more). `fiscal_year` is a FiscalYear or its year."""
    year = fiscal_year if isinstance(fiscal_year, FiscalYear) else FiscalYear(int(fiscal_year))
    ids = [getattr(organisation, "pk", organisation) for organisation in organisations]
    planned = dict(
        PlannedDrill.objects.filter(organisation__in=ids, fiscal_year=year.year)
        .values_list("organisation").annotate(n=Count("pk")).order_by()
    )
    held = held_drill_counts(ids, year)
    return {pk: (planned.get(pk, 0), held.get(pk, 0)) for pk in ids}


def status_of(planned: PlannedDrill, *, today: datetime.date) -> str:
    drill = planned.drill
    if drill is not None and drill.ended_at is not None:
        return HELD
    if drill is not None:
        return SCHEDULED
    next_month = (planned.planned_month + datetime.timedelta(days=32)).replace(day=1)
    return OVERDUE if today >= next_month else PLANNED


# The calendar: organisations as rows, the fiscal year's months as columns


@dataclass
class CalendarEntry:
    title: str
    status: str
    day: datetime.date | None  # the planned day, or the day the drill was held
    planned: PlannedDrill | None = None
    drill: Drill | None = None

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass
class CalendarRow:
    organisation: Organisation
    months: list[list[CalendarEntry]]
    planned: int = 0
    held: int = 0
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass
class Calendar:
    year: FiscalYear
    months: list[datetime.date]  # the first day of each month, April first
    rows: list[CalendarRow]

    def by_month(self) -> list[tuple[datetime.date, list[tuple[Organisation, CalendarEntry]]]]:
        """The same entries a month at a time, for a narrow screen."""
        return [
            (month, [(row.organisation, entry) for row in self.rows
                     for entry in row.months[index]])
            for index, month in enumerate(self.months)
        ]


def months_of(year: FiscalYear) -> list[datetime.date]:
    first = year.first_day
    return [datetime.date(first.year + (first.month + n - 1) // 12,
                          (first.month + n - 1) % 12 + 1, 1)
            for n in range(12)]


def programme_calendar(organisations, year: FiscalYear, *, today: datetime.date) -> Calendar:
    """The calendar of `organisations` (a list, already read) for the fiscal year: their
    planned drills with the drill holding each, and the drills they held without a plan.
    Two queries."""
    months = months_of(year)
    ids = [organisation.pk for organisation in organisations]
    rows = {organisation.pk: CalendarRow(organisation, [[] for _month in months])
            for organisation in organisations}

    def place(row, entry, day):
        index = (day.year - year.first_day.year) * 12 + day.month - year.first_day.month
        row.months[index].append(entry)
        row.entries.append(entry)

    planned = (PlannedDrill.objects.filter(organisation__in=ids, fiscal_year=year.year)
               .select_related("drill"))
    linked = set()
    for plan in planned:
        row = rows[plan.organisation_id]
        status = status_of(plan, today=today)
        drill = plan.drill
        held_on = (timezone.localdate(drill.started_at)
                   if drill is not None and drill.started_at is not None else None)
        day = held_on or plan.planned_on
        if drill is not None:
            linked.add(drill.pk)
        row.planned += 1
        in_year = held_on is not None and held_on in year
        if status == HELD and in_year:
            row.held += 1
        # Shown in the month it was held, or else the month it is planned for.
        month_day = held_on if in_year else plan.planned_month
        place(row, CalendarEntry(plan.title, status, day, plan, drill), month_day)
    for drill in Drill.objects.filter(organisation__in=ids).held_in(year).order_by("started_at"):
        if drill.pk in linked:
            continue
        held_on = timezone.localdate(drill.started_at)
        row = rows[drill.organisation_id]
        row.held += 1
        place(row, CalendarEntry(drill.title, UNPLANNED, held_on, None, drill), held_on)
    for row in rows.values():
        for month in row.months:
            month.sort(key=lambda entry: (entry.day or datetime.date.max, entry.title))
    return Calendar(year, months, list(rows.values()))


# Workflows


@transaction.atomic
def planned_drill_create(*, organisation: Organisation, fiscal_year: int,
                         planned_month: datetime.date, planned_on: datetime.date | None = None,
                         title: str = "", scenario: Scenario | None = None, note: str = "",
                         by: Person, now: datetime.datetime) -> PlannedDrill:
    """Plan a drill for the organisation in the fiscal year, in a month (any day of it;
    the first is kept) and optionally on a day of that month. Refuses a month outside the
    fiscal year, a day outside the month, and another organisation's scenario."""
    year = FiscalYear(fiscal_year)
    month = planned_month.replace(day=1)
    if month not in year:
        raise ValidationError(
            _("%(month)s is not in %(year)s, which runs from %(first)s to %(last)s. Choose "
              "a month of that fiscal year, or plan it in the fiscal year it falls in.")
            % {"month": f"{month.year}年{month.month}月", "year": year.label(),
               "first": f"{year.first_day.year}年{year.first_day.month}月",
               "last": f"{year.last_day.year}年{year.last_day.month}月"}
        )
    if planned_on is not None and planned_on.replace(day=1) != month:
        raise ValidationError(
            _("The planned day %(day)s is not in the planned month (%(month)s).")
            % {"day": planned_on.isoformat(), "month": f"{month.year}年{month.month}月"}
        )
    if scenario is not None and scenario.organisation_id != organisation.pk:
        raise ValidationError(_("Choose a scenario of the organisation's own."))
    title = (title or "").strip() or (scenario.title if scenario is not None else "")
    if not title:
        raise ValidationError(_("Give the planned drill a title, or choose a scenario."))
    return PlannedDrill.objects.create(
        organisation=organisation, fiscal_year=year.year, planned_month=month,
        planned_on=planned_on, title=title[:200], scenario=scenario, note=note.strip(),
        created_by=by, created_at=now,
    )


@transaction.atomic
def planned_drill_link(*, planned: PlannedDrill, drill: Drill) -> PlannedDrill:
    """Record that `drill` holds the planned drill. The drill must be the organisation's,
    scheduled within the plan's fiscal year, and hold no other planned drill."""
    planned = PlannedDrill.objects.select_for_update().get(pk=planned.pk)
    if drill.organisation_id != planned.organisation_id:
        raise ValidationError(_("Choose a drill of the organisation's own."))
    day = timezone.localdate(drill.started_at or drill.scheduled_for)
    if fiscal_year_of(day).year != planned.fiscal_year:
        raise ValidationError(
            _("The drill “%(drill)s” (%(day)s) is not in %(year)s, the fiscal year of the "
              "planned drill.")
            % {"drill": drill.title, "day": day.isoformat(),
               "year": FiscalYear(planned.fiscal_year).label()}
        )
    other = PlannedDrill.objects.filter(drill=drill).exclude(pk=planned.pk).first()
    if other is not None:
        raise ValidationError(
            _("The drill “%(drill)s” already holds the planned drill “%(other)s”.")
            % {"drill": drill.title, "other": other.title}
        )
    planned.drill = drill
    planned.save(update_fields=["drill"])
    return planned


@transaction.atomic
def planned_drill_remove(*, planned: PlannedDrill) -> None:
    """Take a planned drill out of the programme: one planned by mistake, or dropped.
    Refused once a drill holds it: the plan is then part of the record of that drill."""
    # Only the plan's row is locked: PostgreSQL refuses FOR UPDATE on an outer join.
    planned = (PlannedDrill.objects.select_for_update(of=("self",)).select_related("drill")
               .get(pk=planned.pk))
    if planned.drill is not None:
        raise ValidationError(
            _("“%(title)s” is held by the drill “%(drill)s”, so it stays in the programme.")
            % {"title": planned.title, "drill": planned.drill.title}
        )
    planned.delete()


def linkable_drills(organisation_ids, year: FiscalYear) -> dict[int, list[Drill]]:
    """{organisation id: its drills scheduled in the fiscal year that hold no planned drill
    yet}, for the calendar's link forms: one query."""
    start, end = fiscal_year_bounds(year)
    found = defaultdict(list)
    for drill in (Drill.objects.filter(organisation__in=organisation_ids,
                                       scheduled_for__gte=start, scheduled_for__lt=end,
                                       planned_as__isnull=True)
                  .order_by("scheduled_for")):
        found[drill.organisation_id].append(drill)
    return found

"""Which days an organisation's offices are open: the one place that decides.

An office is closed on Saturdays and Sundays, on Japan's public holidays (jpholiday, which
follows the National Holidays Act, substitute holidays included), from 29 December to
3 January (年末年始, as local governments' ordinances set; an organisation may say it
stays open, Organisation.closed_at_new_year) and on the organisation's own ClosedDays.

Every due date and office-hours rule asks here: a deadline that falls on a closed day
moves to the next working day, as the law on administrative holidays has it for
deadlines (行政機関の休日に関する法律 第2条), and counts in working days skip closed ones.

Every reminder asks here too (reminder_day and offices_open_on): the rungs of a reminder
ladder count working days from the due date, so that "7 days before" leaves seven days
in the office to act whatever holidays come between; and nothing is sent to someone on a
day their organisation is closed: the reminders wait for its next working day, when the
daily job sends every rung that fell due meanwhile, once.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

import jpholiday
from django.db.models import Exists, OuterRef

from people.models import ClosedDay, Organisation

NEW_YEAR_CLOSURE = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class OfficeCalendar:
    closed_at_new_year: bool = True
    closed_days: frozenset[datetime.date] = frozenset()

    def is_working_day(self, day: datetime.date) -> bool:
        return not (
            day.weekday() >= 5
            or jpholiday.is_holiday(day)
            or (self.closed_at_new_year and (day.month, day.day) in NEW_YEAR_CLOSURE)
            or day in self.closed_days
        )

    def working_day_on_or_after(self, day: datetime.date) -> datetime.date:
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def due_date(self, start: datetime.date, days: int) -> datetime.date:
        """`days` after `start`, moved to the next working day when that one is closed."""
        return self.working_day_on_or_after(start + datetime.timedelta(days=days))

    def add_working_days(self, day: datetime.date, count: int) -> datetime.date:
        """The `count`-th working day after `day` (before it, for a negative count);
        `day` itself need not be one. With a count of 0, `day` unchanged."""
        step = ONE_DAY if count >= 0 else -ONE_DAY
        for _ in range(abs(count)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day

    def reminder_day(self, due_on: datetime.date, days: int) -> datetime.date:
        """The day a reminder rung `days` working days after `due_on` (before it, for a
        negative count) falls due; with 0, the due date itself."""
        return self.add_working_days(due_on, days)


def offices_open_on(day: datetime.date, organisation_ids) -> set[int]:
    """Those of `organisation_ids` whose offices are open on `day`: the only ones whose
    people a reminder may go to that day. One query; none on a weekend or public holiday."""
    organisation_ids = set(organisation_ids)
    if not organisation_ids or not OfficeCalendar(closed_at_new_year=False).is_working_day(day):
        return set()
    return {
        pk for pk, closed_at_new_year, closed_that_day in Organisation.objects.filter(
            pk__in=organisation_ids,
        ).annotate(
            closed_that_day=Exists(ClosedDay.objects.filter(organisation=OuterRef("pk"), day=day))
        ).values_list("pk", "closed_at_new_year", "closed_that_day")
        if not closed_that_day
        and OfficeCalendar(closed_at_new_year=closed_at_new_year).is_working_day(day)
    }


def office_calendar(organisation: Organisation | int) -> OfficeCalendar:
    """One organisation's calendar (an Organisation, or its pk), in one or two queries."""
    if not isinstance(organisation, Organisation):
        organisation = Organisation.objects.only("closed_at_new_year").get(pk=organisation)
    days = ClosedDay.objects.filter(organisation=organisation).values_list("day", flat=True)
    return OfficeCalendar(organisation.closed_at_new_year, frozenset(days))


def office_calendars(organisation_ids) -> dict[int, OfficeCalendar]:
    """The calendars of several organisations, in two queries."""
    organisation_ids = set(organisation_ids)
    if not organisation_ids:
        return {}
    closed = defaultdict(set)
    for organisation_id, day in ClosedDay.objects.filter(
            organisation__in=organisation_ids).values_list("organisation_id", "day"):
        closed[organisation_id].add(day)
    return {
        pk: OfficeCalendar(new_year, frozenset(closed[pk]))
        for pk, new_year in Organisation.objects.filter(pk__in=organisation_ids)
        .values_list("pk", "closed_at_new_year")
    }

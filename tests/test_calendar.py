"""people.calendar: working days across Golden Week and 年末年始, and each organisation's own
closed days. The expected days are read off a 2026–27 calendar by hand."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drills.consoles import in_office_hours
from people.calendar import OfficeCalendar, office_calendar, office_calendars
from people.models import ClosedDay

D = datetime.date
OFFICE = OfficeCalendar()


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2026, 4, 28), True),  # Tuesday
        (D(2026, 4, 29), False),  # 昭和の日
        (D(2026, 4, 30), True),
        (D(2026, 5, 1), True),
        (D(2026, 5, 2), False),  # Saturday
        (D(2026, 5, 3), False),  # 憲法記念日, a Sunday
        (D(2026, 5, 4), False),  # みどりの日
        (D(2026, 5, 5), False),  # こどもの日
        (D(2026, 5, 6), False),  # 振替休日 for 5/3
        (D(2026, 5, 7), True),
        (D(2026, 11, 23), False),  # 勤労感謝の日, a Monday
        (D(2026, 12, 28), True),  # 御用納め
        (D(2026, 12, 29), False),  # 年末年始
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),  # 元日
        (D(2027, 1, 3), False),
        (D(2027, 1, 4), True),  # 御用始め
    ],
)
def test_it_knows_weekends_public_holidays_and_the_new_year(day, working):
    assert OFFICE.is_working_day(day) is working


def test_a_due_date_on_a_closed_day_moves_to_the_next_working_day():
    assert OFFICE.due_date(D(2026, 4, 2), 30) == D(2026, 5, 7)  # 5/2 falls in Golden Week
    assert OFFICE.due_date(D(2026, 12, 1), 30) == D(2027, 1, 4)  # 12/31 in 年末年始
    assert OFFICE.due_date(D(2026, 4, 1), 30) == D(2026, 5, 1)  # a working day stays
    assert OFFICE.due_date(D(2026, 4, 1), 0) == D(2026, 4, 1)


def test_working_days_are_counted_over_golden_week_and_the_new_year():
    assert OFFICE.add_working_days(D(2026, 4, 28), 3) == D(2026, 5, 7)  # 4/30, 5/1, 5/7
    assert OFFICE.add_working_days(D(2026, 12, 25), 2) == D(2027, 1, 4)  # 12/28, 1/4
    assert OFFICE.add_working_days(D(2027, 1, 4), -1) == D(2026, 12, 28)
    assert OFFICE.add_working_days(D(2026, 5, 7), -3) == D(2026, 4, 28)
    assert OFFICE.add_working_days(D(2026, 5, 3), 0) == D(2026, 5, 3)
    assert OFFICE.add_working_days(D(2026, 5, 3), 1) == D(2026, 5, 7)  # from a holiday


def test_an_organisation_may_stay_open_at_the_new_year_but_not_on_new_years_day(prefecture):
    prefecture.closed_at_new_year = False
    prefecture.save()

    calendar = office_calendar(prefecture)

    assert calendar.is_working_day(D(2026, 12, 29))
    assert not calendar.is_working_day(D(2027, 1, 1))  # 元日 is a public holiday


def test_an_organisations_own_closed_day_counts_for_it_alone(prefecture, city):
    ClosedDay.objects.create(organisation=prefecture, day=D(2026, 11, 13), name="県庁舎停電")

    with CaptureQueriesContext(connection) as queries:
        calendars = office_calendars([prefecture.pk, city.pk])

    assert len(queries) == 2  # the organisations, their closed days
    assert not calendars[prefecture.pk].is_working_day(D(2026, 11, 13))
    assert calendars[city.pk].is_working_day(D(2026, 11, 13))
    assert calendars[prefecture.pk].due_date(D(2026, 11, 12), 1) == D(2026, 11, 16)
    assert office_calendar(prefecture.pk) == calendars[prefecture.pk]
    assert office_calendars([]) == {}


JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.mark.parametrize(
    "moment, inside",
    [
        (datetime.datetime(2026, 5, 1, 10, 0, tzinfo=JST), True),  # the Friday in Golden Week
        (datetime.datetime(2026, 5, 6, 10, 0, tzinfo=JST), False),  # 振替休日
        (datetime.datetime(2026, 5, 1, 17, 15, tzinfo=JST), False),  # after 17:15
        (datetime.datetime(2026, 12, 28, 17, 0, tzinfo=JST), True),
        (datetime.datetime(2026, 12, 29, 10, 0, tzinfo=JST), False),  # 年末年始, a Tuesday
    ],
)
def test_a_contact_tree_drill_is_in_office_hours_only_on_a_working_day(prefecture, moment, inside):
    assert in_office_hours(moment, prefecture.pk) is inside

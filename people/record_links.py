"""Where a person's training record (個人別研修履歴) lives, for the pages that name people.

The record is a page of the reports app, which sits above every app whose lists name
people (the directory, the Wagtail admin, sessions, certificates, onward sharing). Those
apps may not ask reports who may open it, so reports registers its answer here
(reports.apps) and the lists ask through `person_record_url` or the template tag
`{% person_record_link %}` (people.templatetags.people_links). Until something registers,
there is no record to link to and every answer is None.
"""

import datetime
from collections.abc import Callable

from django.utils import timezone

from people.fiscal import fiscal_year_of

# (user, person, fiscal year or None for the current one) -> the record's URL, or None
# when the user may not open it.
RecordUrl = Callable[[object, object, int | None], str | None]

_record_url: RecordUrl | None = None


def register_person_record(record_url: RecordUrl) -> None:
    global _record_url
    _record_url = record_url


def person_record_url(user, person, *, fiscal_year: int | None = None) -> str | None:
    if _record_url is None or person is None:
        return None
    return _record_url(user, person, fiscal_year)


def fiscal_year_number(day: datetime.date | datetime.datetime | None) -> int | None:
    """The fiscal year of a date the lists hold (a session's start, say), as a number."""
    if day is None:
        return None
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return fiscal_year_of(day).year

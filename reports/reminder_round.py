"""A reminder round from the duty matrix: the coordinator (or a supervisor, for their
departments) picks people behind a cell and reminds each of that duty.

Each person gets one Notice and, if they have an address, one e-mail through the outbox,
by training.reminders.notify, as the daily ladder's notices are. The key names the
person, the duty, the fiscal year and the day, so a double click (or a second round the
same day) records nothing twice; another day's round reminds again.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.outbox import sent_together
from people.fiscal import FiscalYear
from people.models import Person
from reports.duties import Duty
from training.models import Notice
from training.reminders import Reminder, Topic, keys_recorded, notify


@dataclass(frozen=True)
class RoundResult:
    sent: int  # people newly reminded
    without_email: int  # of those, how many see it on the site only
    already: int  # reminded of this duty today already


# Where each duty is done, for the e-mail's link.
_PAGES = {"reading": "training:mine", "plan": "training:mine", "attended": "training:sessions",
          "briefed": "training:sharing", "quiz": "training:my_quizzes",
          "certificate": "training:my_quizzes"}


def round_key(*, duty: Duty, fiscal_year: FiscalYear, day: datetime.date, person: Person) -> str:
    return f"round:{duty.key}:{fiscal_year.year}:{day.isoformat()}:{person.pk}"


@sent_together
def reminder_round_send(*, by: Person | None, people: list[Person], duty: Duty,
                        fiscal_year: FiscalYear, day: datetime.date,
                        now: datetime.datetime) -> RoundResult:
    """Remind each of `people` (already checked to be in the sender's scope) of `duty`."""
    topic = Topic(
        "round",
        lambda n: _("Training reminder: %(duty)s") % {"duty": duty.label},
        _PAGES.get(duty.key, "training:mine"),
        gettext_lazy("Your training: %(url)s"),
    )
    keyed = {round_key(duty=duty, fiscal_year=fiscal_year, day=day, person=person): person
             for person in people}
    already = keys_recorded(keyed)
    sent = without_email = 0
    for key, person in keyed.items():
        if key in already:
            continue
        reminder = Reminder(
            key=key, kind=Notice.Kind.DUTY_ROUND, recipient=person, topic=topic,
            describe=lambda: _round_text(duty, fiscal_year, by),
        )
        if notify([reminder], now=now):
            sent += 1
            without_email += not person.email
    return RoundResult(sent=sent, without_email=without_email,
                       already=len(keyed) - sent)


def _round_text(duty: Duty, fiscal_year: FiscalYear, by: Person | None) -> str:
    about = {"duty": duty.label, "year": fiscal_year.label(),
             "by": by.name if by is not None else _("the training coordinator")}
    return _("Reminder from %(by)s: “%(duty)s” is still open for you in %(year)s. Please "
             "complete it on the training site.") % about

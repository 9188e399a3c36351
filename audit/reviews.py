"""Access-log reviews (アクセスログ検証): drawing a sample of the trail and concluding it.

The council's practice is to check one month's logs in each quarter (3か月に一回1か月分)
and asks that departments with audit findings be checked more. So a review picks
`months_per_quarter` months at random in each three-month block of its period, and
draws events from those months with weighted sampling without replacement: an event
of a department with n findings weighs 1 + n, so such departments get a larger share
of the sample without the others dropping out of it. The seed is kept, so a draw can be
reproduced and shown to have been random.

Nobody judges their own events: the draw leaves out the events of the one who draws,
and a review whose sample holds events of the one concluding it is refused to them.
"""

import calendar
import datetime
import random
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent, AuditFinding, AuditReview, AuditReviewItem

MAX_SAMPLE_SIZE = 500
MAX_PERIOD_DAYS = 366 * 2

# The review's own bookkeeping is not what a review checks.
REVIEWED_ACTIONS = [
    action for action in AuditEvent.Action
    if action not in (AuditEvent.Action.REVIEW_DRAWN, AuditEvent.Action.REVIEW_CONCLUDED,
                      AuditEvent.Action.FINDING_RECORDED)
]


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The month's first instant and the next month's, in local time."""
        first = datetime.date(self.year, self.month, 1)
        after = first + datetime.timedelta(days=calendar.monthrange(self.year, self.month)[1])
        return local_midnight(first), local_midnight(after)


def months_sampled(period_start: datetime.date, period_end: datetime.date, *,
                   months_per_quarter: int, rng: random.Random) -> list[Month]:
    """`months_per_quarter` months chosen at random from each three-month block of the
    period, starting with the period's first month."""
    months = []
    year, month = period_start.year, period_start.month
    while (year, month) <= (period_end.year, period_end.month):
        months.append(Month(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    chosen = []
    for start in range(0, len(months), 3):
        quarter = months[start:start + 3]
        chosen += sorted(rng.sample(quarter, min(months_per_quarter, len(quarter))),
                         key=lambda m: (m.year, m.month))
    return chosen


def finding_weights(organisation, *, until: datetime.date) -> dict[int, int]:
    """Each department's weight: 1 + its findings recorded on or before `until`."""
    counts = (
        AuditFinding.objects.filter(department__organisation=organisation, found_on__lte=until)
        .order_by().values("department").annotate(n=Count("pk"))
    )
    return {row["department"]: 1 + row["n"] for row in counts}


def review_draw(*, organisation, period_start: datetime.date, period_end: datetime.date,
                sample_size: int, months_per_quarter: int = 1, by, now: datetime.datetime,
                seed: int | None = None) -> AuditReview:
    """Draw and keep a review sample; ValidationError (nothing kept) for a bad request."""
    if period_end < period_start:
        raise ValidationError(_("The period must end on or after the day it starts."))
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise ValidationError(_("A review covers at most two years."))
    if not 1 <= sample_size <= MAX_SAMPLE_SIZE:
        raise ValidationError(_("The sample size must be between 1 and %(max)s.")
                              % {"max": MAX_SAMPLE_SIZE})
    if not 1 <= months_per_quarter <= 3:
        raise ValidationError(_("Choose between one and three months in each quarter."))

    seed = secrets.randbits(48) if seed is None else seed
    rng = random.Random(seed)
    months = months_sampled(period_start, period_end, months_per_quarter=months_per_quarter,
                            rng=rng)
    in_months = Q()
    for month in months:
        first, after = month.bounds()
        in_months |= Q(at__gte=first, at__lt=after)
    candidates = list(
        AuditEvent.objects.filter(in_months, organisation=organisation,
                                  action__in=REVIEWED_ACTIONS,
                                  at__gte=local_midnight(period_start),
                                  at__lt=local_midnight(period_end + datetime.timedelta(1)))
        .exclude(actor_person=by)
        .order_by("pk").values_list("pk", "department_id")
    )
    weights = finding_weights(organisation, until=period_end)
    # Efraimidis–Spirakis: the largest random**(1/weight) keys are a weighted sample.
    keyed = sorted(candidates, key=lambda c: rng.random() ** (1 / weights.get(c[1], 1)),
                   reverse=True)
    drawn = [pk for pk, _department in keyed[:sample_size]]

    with transaction.atomic():
        review = AuditReview.objects.create(
            organisation=organisation, period_start=period_start, period_end=period_end,
            months=[str(month) for month in months], sample_size=sample_size, seed=seed,
            drawn_by=by, drawn_at=now,
        )
        AuditReviewItem.objects.bulk_create(
            AuditReviewItem(review=review, event_id=pk) for pk in drawn
        )
    return review


def review_conclude(review: AuditReview, *, verdicts: dict[int, tuple[str, str]],
                    outcome: str, note: str, by, now: datetime.datetime) -> list[AuditFinding]:
    """Record the verdict on each sampled event and the outcome. With issues found, each
    department with a questioned event gets a finding (source: access-log review), which
    weighs it in later draws. Returns the findings made."""
    note = note.strip()
    if review.is_concluded:
        raise ValidationError(_("This review has already been concluded."))
    if outcome not in (AuditReview.Outcome.NO_ISSUES, AuditReview.Outcome.ISSUES):
        raise ValidationError(_("Choose the outcome of the review."))
    items = list(review.items.select_related("event"))
    if any(item.event.actor_person_id == by.pk for item in items):
        raise ValidationError(_("This sample holds events of your own: someone else must "
                                "judge it."))
    questioned = [item for item in items
                  if verdicts.get(item.pk, ("", ""))[0] == AuditReviewItem.Verdict.QUESTIONED]
    if outcome == AuditReview.Outcome.ISSUES and not note:
        raise ValidationError(_("Describe the issues found."))
    if outcome == AuditReview.Outcome.NO_ISSUES and questioned:
        raise ValidationError(_("Some events need explanation: the outcome cannot be "
                                "“no issues found”."))
    with transaction.atomic():
        for item in items:
            verdict, item_note = verdicts.get(item.pk, (AuditReviewItem.Verdict.PENDING, ""))
            item.verdict, item.note = verdict, item_note.strip()[:500]
        AuditReviewItem.objects.bulk_update(items, ["verdict", "note"])
        review.outcome, review.outcome_note = outcome, note
        review.concluded_by, review.concluded_at = by, now
        review.save(update_fields=["outcome", "outcome_note", "concluded_by", "concluded_at"])
        departments = {item.event.department_id for item in questioned
                       if item.event.department_id is not None}
        return [
            AuditFinding.objects.create(
                department_id=department_id, found_on=timezone.localdate(now),
                source=AuditFinding.Source.ACCESS_LOG_REVIEW, description=note, review=review,
                recorded_by=by, recorded_at=now,
            )
            for department_id in sorted(departments)
        ]


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

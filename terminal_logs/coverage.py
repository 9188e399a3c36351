"""How much of the terminals' logs the review covered (issue 19, point 6): for a quarter or
a fiscal year of one organisation, per department, which months were reviewed, how many
look-ups were reviewed of how many, how many answers are overdue, and how many findings
are open and closed; and the organisation's totals. The one place these are decided; the
page, the PDF, the workbook and the chart only show them. Nothing here writes.

The minutes' complaint is that one month in three is checked and eight months a year are
not (「8か月分は検証していない」), so the unit is the month, per department:

- A department's month is **covered** when the quarter's campaign, sent to the
  supervisors, drew at least one of that department's look-ups of that month and every
  look-up it drew from them has been answered (explained or not: an unexplained one is a
  finding, and the month was still checked). Drawn but with answers pending, it is **in
  review**. A retrospective check after a finding does not cover a month: it looks at one
  operator, not at the department's month; its answers do count as reviewed look-ups.
- A month with look-ups that no sent campaign drew from is **not reviewed**, unless its
  quarter's review is still to come (the quarter has not ended, or its campaign is drawn
  but not yet sent): then it is **awaiting the review**.
- A month without look-ups is never "not reviewed": it is **not yet** (it has not begun),
  **outside retention** (ended before the oldest look-up still kept), **before the logs**
  (ended before the organisation's first imported look-up), **not imported yet** (began
  after its last), or simply **no look-ups** in that department.

The organisation's month (the totals row) is the least reviewed state of the departments
that had look-ups in it: one department not reviewed makes the month not reviewed. Look-ups
matching nobody have no supervisor to answer for them (the import flags each as 該当者なし,
a finding in itself): their row shows them, counted in the totals, but they decide the
organisation's month only when they are all it had.

Everything is counted by the month of the look-up it is about: the look-ups, those put to
the supervisors and those answered, the answers overdue, and the findings (so that a
quarter's report shows what its own review found, though the finding is made in the next
quarter; open or closed as of today). An answer is overdue when it is still pending after
its due date. Departments are listed when they had look-ups, reviews or findings in the period;
look-ups matching nobody (no department) have a row of their own.

The figures take a fixed number of queries whatever the number of look-ups.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.fiscal import Period, month_last_day, quarter_of
from people.models import Department, Organisation
from terminal_logs.models import (
    Finding,
    ReviewCampaign,
    ReviewItem,
    TerminalLogSettings,
    TerminalLookup,
)
from terminal_logs.retention import retention_start


class MonthState(models.TextChoices):
    COVERED = "covered", gettext_lazy("Covered")
    IN_REVIEW = "in_review", gettext_lazy("In review (answers pending)")
    AWAITING = "awaiting", gettext_lazy("Awaiting the quarter's review")
    NOT_REVIEWED = "not_reviewed", gettext_lazy("Not reviewed")
    NO_LOOKUPS = "no_lookups", gettext_lazy("No look-ups")
    NOT_IMPORTED = "not_imported", gettext_lazy("Log not imported yet")
    BEFORE_LOGS = "before_logs", gettext_lazy("Before the first imported log")
    OUTSIDE_RETENTION = "outside_retention", gettext_lazy("Outside retention")
    FUTURE = "future", gettext_lazy("Not yet")

    @property
    def had_lookups(self) -> bool:
        return self in LOOKUP_STATES


# The states of a month with look-ups, least reviewed first: the organisation's month is
# the first of these that one of its departments is in.
LOOKUP_STATES = (MonthState.NOT_REVIEWED, MonthState.AWAITING, MonthState.IN_REVIEW,
                 MonthState.COVERED)


@dataclass
class MonthCell:
    month: datetime.date
    state: MonthState
    lookups: int = 0
    reviewed: int = 0


@dataclass
class DepartmentCoverage:
    """One department's figures for the period (or the organisation's, in `total`)."""

    name: str
    department: Department | None
    months: list[MonthCell] = field(default_factory=list)
    lookups: int = 0
    drawn: int = 0  # look-ups put to the supervisors: sampled, flagged or checked back
    reviewed: int = 0  # of those, answered
    overdue: int = 0
    findings_open: int = 0
    findings_closed: int = 0

    @property
    def months_with_lookups(self) -> int:
        return sum(1 for cell in self.months if cell.state.had_lookups)

    @property
    def months_covered(self) -> int:
        return sum(1 for cell in self.months if cell.state == MonthState.COVERED)


@dataclass
class Coverage:
    organisation: Organisation
    period: Period
    today: datetime.date
    departments: list[DepartmentCoverage]
    total: DepartmentCoverage
    first_lookup_at: datetime.datetime | None
    kept_from: datetime.datetime  # the oldest moment whose look-ups are still kept

    @property
    def has_lookups(self) -> bool:
        return self.total.lookups > 0


@dataclass
class _Counts:
    lookups: int = 0
    drawn: int = 0
    reviewed: int = 0
    overdue: int = 0
    campaign_drawn: int = 0
    campaign_pending: int = 0


def coverage_for(organisation: Organisation, period: Period, *,
                 today: datetime.date) -> Coverage:
    """The period's coverage of `organisation`'s look-ups, as of `today`."""
    start, end = period.bounds()
    settings = TerminalLogSettings.of(organisation)
    kept_from = retention_start(settings.retention_years, today)
    logs = TerminalLookup.objects.filter(organisation=organisation).aggregate(
        first=Min("looked_up_at"), last=Max("looked_up_at"))
    counts: dict[tuple[int | None, datetime.date], _Counts] = {}
    for row in (
        TerminalLookup.objects.filter(organisation=organisation, looked_up_at__gte=start,
                                      looked_up_at__lt=end)
        .annotate(month=TruncMonth("looked_up_at", output_field=models.DateField()))
        .values("department_id", "month").annotate(lookups=Count("pk")).order_by()
    ):
        counts.setdefault((row["department_id"], row["month"]), _Counts()).lookups = \
            row["lookups"]
    pending = Q(state=ReviewItem.State.PENDING)
    in_campaign = Q(campaign__isnull=False)
    for row in (
        # What the supervisors were asked: a sent campaign's items, and retrospective checks.
        ReviewItem.objects.filter(Q(campaign__sent_at__isnull=False) | Q(finding__isnull=False),
                                  lookup__organisation=organisation,
                                  lookup__looked_up_at__gte=start, lookup__looked_up_at__lt=end)
        .annotate(month=TruncMonth("lookup__looked_up_at", output_field=models.DateField()))
        .values("lookup__department_id", "month")
        .annotate(drawn=Count("lookup", distinct=True),
                  reviewed=Count("lookup", distinct=True, filter=~pending),
                  overdue=Count("pk", filter=pending & Q(due_on__lt=today)),
                  campaign_drawn=Count("pk", filter=in_campaign),
                  campaign_pending=Count("pk", filter=in_campaign & pending))
        .order_by()
    ):
        found = counts.setdefault((row["lookup__department_id"], row["month"]), _Counts())
        for name in ("drawn", "reviewed", "overdue", "campaign_drawn", "campaign_pending"):
            setattr(found, name, row[name])
    findings = {
        row["item__lookup__department_id"]: row for row in
        Finding.objects.filter(organisation=organisation, item__lookup__looked_up_at__gte=start,
                               item__lookup__looked_up_at__lt=end)
        .values("item__lookup__department_id")
        .annotate(open=Count("pk", filter=Q(closed_at__isnull=True)),
                  closed=Count("pk", filter=Q(closed_at__isnull=False)))
        .order_by()
    }
    campaigns = dict(ReviewCampaign.objects.filter(
        organisation=organisation, fiscal_year=period.fiscal_year,
    ).values_list("quarter", "sent_at"))
    department_ids = {department_id for department_id, _month in counts} | set(findings)
    departments = {department.pk: department for department in
                   Department.objects.filter(pk__in=department_ids - {None})}

    context = _MonthContext(today=today, kept_from=timezone.localdate(kept_from),
                            first=logs["first"], last=logs["last"], campaigns=campaigns)
    rows = []
    for department_id in sorted(department_ids, key=lambda pk: _department_order(
            departments.get(pk))):
        department = departments.get(department_id)
        row = DepartmentCoverage(
            name=department.name if department else str(_("Operators matching nobody")),
            department=department)
        for month in period.months:
            found = counts.get((department_id, month), _Counts())
            row.months.append(MonthCell(month, context.state(month, found), found.lookups,
                                        found.reviewed))
            row.lookups += found.lookups
            row.drawn += found.drawn
            row.reviewed += found.reviewed
            row.overdue += found.overdue
        finding = findings.get(department_id, {})
        row.findings_open, row.findings_closed = finding.get("open", 0), finding.get("closed", 0)
        rows.append(row)
    return Coverage(organisation=organisation, period=period, today=today, departments=rows,
                    total=_total(rows, period, context), first_lookup_at=logs["first"],
                    kept_from=kept_from)


def _department_order(department: Department | None):
    # Look-ups matching nobody last, the departments by code.
    return (department is None, department.code if department else "")


def _total(rows: list[DepartmentCoverage], period: Period,
           context: "_MonthContext") -> DepartmentCoverage:
    total = DepartmentCoverage(name=str(_("Total")), department=None)
    for name in ("lookups", "drawn", "reviewed", "overdue", "findings_open",
                 "findings_closed"):
        setattr(total, name, sum(getattr(row, name) for row in rows))
    for index, month in enumerate(period.months):
        cells = [row.months[index] for row in rows]
        state = (_least_reviewed(row.months[index] for row in rows if row.department)
                 or _least_reviewed(cells) or context.state(month, _Counts()))
        total.months.append(MonthCell(month, state, sum(cell.lookups for cell in cells),
                                      sum(cell.reviewed for cell in cells)))
    return total


def _least_reviewed(cells) -> MonthState | None:
    states = {cell.state for cell in cells}
    return next((state for state in LOOKUP_STATES if state in states), None)


@dataclass(frozen=True)
class _MonthContext:
    today: datetime.date
    kept_from: datetime.date
    first: datetime.datetime | None
    last: datetime.datetime | None
    campaigns: dict[int, datetime.datetime | None]  # quarter: when its campaign was sent

    def state(self, month: datetime.date, counts: _Counts) -> MonthState:
        if counts.lookups == 0:
            return self._without_lookups(month)
        if counts.campaign_drawn:
            return MonthState.IN_REVIEW if counts.campaign_pending else MonthState.COVERED
        quarter = quarter_of(month)
        if self.campaigns.get(quarter.quarter) is not None:
            return MonthState.NOT_REVIEWED  # sent, and none of these look-ups drawn
        if quarter.last_day >= self.today or quarter.quarter in self.campaigns:
            return MonthState.AWAITING
        return MonthState.NOT_REVIEWED

    def _without_lookups(self, month: datetime.date) -> MonthState:
        if month > self.today:
            return MonthState.FUTURE
        if month_last_day(month) < self.kept_from:
            return MonthState.OUTSIDE_RETENTION
        if self.first is None or month_last_day(month) < timezone.localdate(self.first):
            return MonthState.BEFORE_LOGS
        if month > timezone.localdate(self.last):
            return MonthState.NOT_IMPORTED
        return MonthState.NO_LOOKUPS

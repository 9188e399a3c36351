"""The annual report to the protection council (個人情報保護審議会への年次報告).

The fiscal year's figures, laid out as the council's meeting papers are: one table per
subject, each row an organisation or a department, with the previous year beside the
year's own figures where the council compares them. The figures are computed here, once,
into plain tables (`AnnualFigures`), which the page, the PDF and the workbook all show,
and which finalising stores as they are (reports.models.AnnualReport): a final report
never changes when later records do.

Every figure comes from the records with SQL aggregates, a fixed number of queries
whatever the size of the prefecture. The definitions are the rest of the site's:
- an ID holder on a day holds a grant active that day; a new one was granted in the
  fiscal year (people.models.PersonQuerySet);
- a person is counted in the department they belong to on the report date;
- a session was held if it started before the report date; its attendees were present
  or late (training.models.Attendance.ATTENDED);
- onward sharing counts obligations by stage as the sharing dashboard does
  (training.sharing.sharings_with_counts);
- the year's duties (reading, plan, session, briefing, quiz, certificate, annual drill)
  are the duty matrix's (reports.duties);
- a drill was held in the fiscal year if it started in it and has ended, and planned
  if the organisation's programme has it (drills.programme); its score is
  drills.scoring's overall score;
- an access-log review belongs to the quarter its period starts in;
- a finding of the terminal look-up review belongs to the year it was found in, and came
  from a retrospective check if its look-up was drawn by one (terminal_logs.review).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditFinding, AuditReview
from core.numbers import percent
from drills.models import Drill, ImprovementItem
from drills.programme import annual_drill_status
from drills.scoring import drill_scores
from people.fiscal import FiscalYear, fiscal_year_bounds, quarter_of
from people.models import Department, Organisation, Person
from reports.duties import DUTIES, matrix, report_day
from terminal_logs.models import Finding as LookupFinding
from training.models import Attendance, DepartmentSharing, TrainingSession
from training.sharing import sharings_with_counts


@dataclass
class FigureTable:
    """One subject of the report: a title, column headings and rows of plain values
    (text, whole numbers, or None for "not applicable"), so that it can be stored as
    JSON when the report is finalised and printed the same way ever after."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    note: str = ""


@dataclass
class AnnualFigures:
    fiscal_year: int
    report_date: datetime.date
    tables: list[FigureTable]
    has_records: bool

    def as_json(self) -> dict:
        return {**asdict(self), "report_date": self.report_date.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> "AnnualFigures":
        return cls(
            fiscal_year=data["fiscal_year"],
            report_date=datetime.date.fromisoformat(data["report_date"]),
            tables=[FigureTable(**table) for table in data["tables"]],
            has_records=data["has_records"],
        )


def annual_figures(fiscal_year: FiscalYear, *, now: datetime.datetime,
                   progress: Callable[[int, int], None] | None = None) -> AnnualFigures:
    """The year's figures as of `now`. `progress(done, total)` is told after each table:
    a build at a prefecture's size takes seconds, and the page shows how far it is."""
    today = timezone.localdate(now)
    day = report_day(fiscal_year, today)
    previous = FiscalYear(fiscal_year.year - 1)
    organisations = sorted(Organisation.objects.all(),
                           key=lambda organisation: (not organisation.is_prefecture,
                                                     organisation.lg_code))
    builders = [
        lambda: _id_holders(organisations, fiscal_year, day, previous),
        lambda: _sessions(organisations, fiscal_year, day),
        lambda: _sharing(fiscal_year, day),
        lambda: _duties(organisations, fiscal_year, day, now),
        lambda: _drills(organisations, fiscal_year, now),
        lambda: _access_reviews(organisations, fiscal_year),
        lambda: _findings(fiscal_year),
        lambda: _lookup_findings(fiscal_year),
    ]
    tables = []
    for build in builders:
        tables.append(build())
        if progress is not None:
            progress(len(tables), len(builders))
    has_records = any(table.rows and any(_has_figures(row) for row in table.rows)
                      for table in tables)
    return AnnualFigures(fiscal_year.year, day, tables, has_records)


def _has_figures(row: list) -> bool:
    return any(isinstance(value, int) and value for value in row[1:])


def _share(part: int, whole: int) -> str:
    return percent(part, whole)  # "—" when there is no one to count


def _id_holders(organisations, fiscal_year, day, previous) -> FigureTable:
    this_year = _holder_counts(fiscal_year, day)
    last_year = _holder_counts(previous, previous.last_day)
    table = FigureTable(
        "id_holders", _("Operator ID holders by organisation"),
        [_("Organisation"), _("ID holders"), _("of whom new this fiscal year"),
         _("Share new"), _("ID holders, previous year"), _("New, previous year")],
        note=_("New: granted an operator ID in the fiscal year, including transfers."),
    )
    totals = [0, 0, 0, 0]
    for organisation in organisations:
        holders, new = this_year.get(organisation.pk, (0, 0))
        before, before_new = last_year.get(organisation.pk, (0, 0))
        table.rows.append([organisation.name, holders, new, _share(new, holders), before,
                           before_new])
        totals = [a + b for a, b in zip(totals, (holders, new, before, before_new), strict=True)]
    table.total = [_("Total"), totals[0], totals[1], _share(totals[1], totals[0]), totals[2],
                   totals[3]]
    return table


def _holder_counts(fiscal_year, day) -> dict[int, tuple[int, int]]:
    return {
        row["organisation"]: (row["id_holders"], row["new_id_holders"])
        for row in Person.objects.counts_by("organisation", day=day, fiscal_year=fiscal_year)
    }


def _sessions(organisations, fiscal_year, day) -> FigureTable:
    held = Q(starts_at__date__gte=fiscal_year.first_day, starts_at__date__lte=day)
    sessions = dict(
        TrainingSession.objects.filter(held).order_by().values("organisation")
        .annotate(n=Count("pk")).values_list("organisation", "n")
    )
    new_holder = Q(person__id_grants__granted_on__gte=fiscal_year.first_day,
                   person__id_grants__granted_on__lte=day)
    attendance = {
        row["session__organisation"]: row
        for row in Attendance.objects.filter(
            session__starts_at__date__gte=fiscal_year.first_day,
            session__starts_at__date__lte=day, status__in=Attendance.ATTENDED,
        ).order_by().values("session__organisation").annotate(
            attendees=Count("person", distinct=True),
            new=Count("person", filter=new_holder, distinct=True),
        )
    }
    table = FigureTable(
        "sessions", _("Training sessions held and their attendees"),
        [_("Organisation"), _("Sessions held"), _("Attendees"), _("of whom new ID holders"),
         _("Share of new ID holders among attendees")],
    )
    totals = [0, 0, 0]
    for organisation in organisations:
        row = attendance.get(organisation.pk, {"attendees": 0, "new": 0})
        count = sessions.get(organisation.pk, 0)
        table.rows.append([organisation.name, count, row["attendees"], row["new"],
                           _share(row["new"], row["attendees"])])
        totals = [a + b for a, b in zip(totals, (count, row["attendees"], row["new"]),
                                        strict=True)]
    table.total = [_("Total"), *totals, _share(totals[2], totals[1])]
    return table


def _sharing(fiscal_year, day) -> FigureTable:
    sharings = sharings_with_counts(
        DepartmentSharing.objects.filter(
            session__starts_at__date__gte=fiscal_year.first_day,
            session__starts_at__date__lte=fiscal_year.last_day,
        ),
        today=day,
    )
    by_department: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    names = {}
    for sharing in sharings:
        counts = by_department[sharing.department_id]
        names[sharing.department_id] = (
            f"{sharing.session.organisation.name} {sharing.department.name}"
        )
        counts["to_brief"] += sharing.to_brief
        counts["briefed"] += sharing.briefed
        counts["confirmed"] += sharing.confirmed
        counts["overdue"] += sharing.overdue
        counts["reports"] += int(hasattr(sharing, "report"))
        counts["sharings"] += 1
    table = FigureTable(
        "sharing", _("Onward sharing (伝達研修) by department"),
        [_("Department"), _("Colleagues to brief"), _("Briefed"), _("Confirmed"),
         _("Reports received"), _("Sessions to report on"), _("Overdue")],
    )
    keys = ["to_brief", "briefed", "confirmed", "reports", "sharings", "overdue"]
    totals = [0] * len(keys)
    for department_id in sorted(names, key=names.get):
        counts = by_department[department_id]
        values = [counts[key] for key in keys]
        table.rows.append([names[department_id], *values])
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    table.total = [_("Total"), *totals]
    return table


def _duties(organisations, fiscal_year, day, now) -> FigureTable:
    """Each duty of the year per organisation, as the duty matrix counts it."""
    rows = {row.pk: row for row in matrix(
        Organisation.objects.all(), Department.objects.all(), Person.objects.all(),
        fiscal_year=fiscal_year, now=now, today=day, sort="code")}
    table = FigureTable(
        "duties", _("The year's duties of ID holders by organisation"),
        [_("Organisation"), _("ID holders"), *(str(duty.label) for duty in DUTIES),
         _("Annual drill held")],
        note=_("Each duty: done / people it applies to (share). Required reading and the "
               "plan apply to those the page is required for; the briefing to ID holders "
               "who attended no session."),
    )
    for organisation in organisations:
        row = rows[organisation.pk]
        table.rows.append([
            organisation.name, row.id_holders,
            *(f"{cell.done} / {cell.total} ({percent(cell.done, cell.total)})"
              for cell in row.cells),
            row.drills_held,
        ])
    return table


def _drills(organisations, fiscal_year, now) -> FigureTable:
    start, end = fiscal_year_bounds(fiscal_year)
    drills = list(Drill.objects.filter(organisation__in=organisations).held_in(fiscal_year)
                  .order_by("started_at"))
    programme = annual_drill_status(organisations, fiscal_year)
    scores = drill_scores(drills, now=now)
    in_year = Q(created_at__gte=start, created_at__lt=end)
    closed_in_year = Q(verified_at__gte=start, verified_at__lt=end)
    items = {
        row["drill__organisation"]: row
        for row in ImprovementItem.objects.order_by().values("drill__organisation").annotate(
            opened=Count("pk", filter=in_year), closed=Count("pk", filter=closed_in_year),
            still_open=Count("pk", filter=~Q(status=ImprovementItem.Status.VERIFIED)),
        )
    }
    by_organisation = defaultdict(list)
    for drill in drills:
        by_organisation[drill.organisation_id].append(drill)
    table = FigureTable(
        "drills", _("Drills held, their scores and improvement items"),
        [_("Organisation"), _("Drills planned"), _("Drills held"), _("Dates"),
         _("Overall score"), _("Improvement items opened"), _("closed (verified)"),
         _("not yet verified")],
        note=_("Overall score: 0 to 100, each drill's as on its score page."),
    )
    for organisation in organisations:
        held = by_organisation.get(organisation.pk, [])
        row = items.get(organisation.pk, {"opened": 0, "closed": 0, "still_open": 0})
        overall = [scores[drill.pk].overall for drill in held
                   if scores[drill.pk].overall is not None]
        table.rows.append([
            organisation.name, programme[organisation.pk][0], len(held),
            "、".join(f"{timezone.localtime(drill.started_at):%Y-%m-%d}" for drill in held),
            " / ".join(f"{score:.1f}" for score in overall) if overall else "—",
            row["opened"], row["closed"], row["still_open"],
        ])
    return table


def _access_reviews(organisations, fiscal_year) -> FigureTable:
    reviews = (
        AuditReview.objects.filter(period_start__gte=fiscal_year.first_day,
                                   period_start__lte=fiscal_year.last_day)
        .select_related("organisation").order_by("organisation__lg_code", "period_start")
        .annotate(events=Count("items", distinct=True),
                  finding_count=Count("findings", distinct=True))
    )
    table = FigureTable(
        "access_reviews", _("Access-log reviews by quarter"),
        [_("Organisation"), _("Quarter"), _("Period"), _("Months sampled"), _("Events checked"),
         _("Findings"), _("Outcome")],
    )
    for review in reviews:
        table.rows.append([
            review.organisation.name, _quarter(review.period_start),
            f"{review.period_start:%Y-%m-%d} – {review.period_end:%Y-%m-%d}",
            "、".join(review.months), review.events, review.finding_count,
            review.get_outcome_display(),
        ])
    return table


def _quarter(day: datetime.date) -> str:
    return _("Q%(number)d") % {"number": quarter_of(day).quarter}


def _findings(fiscal_year) -> FigureTable:
    rows = (
        AuditFinding.objects.filter(found_on__gte=fiscal_year.first_day,
                                    found_on__lte=fiscal_year.last_day)
        .order_by().values("department").annotate(n=Count("pk"))
    )
    counts = {row["department"]: row["n"] for row in rows}
    departments = (Department.objects.filter(pk__in=counts).select_related("organisation")
                   .order_by("organisation__lg_code", "name"))
    table = FigureTable(
        "findings", _("Audit findings by department"), [_("Department"), _("Findings")],
    )
    for department in departments:
        table.rows.append([f"{department.organisation.name} {department.name}",
                           counts[department.pk]])
    table.total = [_("Total"), sum(counts.values())]
    return table


def _lookup_findings(fiscal_year) -> FigureTable:
    """The terminal look-up review's findings by department: found in the year, of which
    in a retrospective check, closed, and still open today."""
    rows = (
        LookupFinding.objects.filter(found_on__gte=fiscal_year.first_day,
                                     found_on__lte=fiscal_year.last_day)
        .order_by("department__organisation__lg_code", "department__code")
        .values("department", "department__name", "department__organisation__name")
        .annotate(found=Count("pk"),
                  retrospective=Count("pk", filter=Q(item__finding__isnull=False)),
                  closed=Count("pk", filter=Q(closed_at__isnull=False)))
    )
    table = FigureTable(
        "lookup_findings", _("Terminal look-up review: findings by department"),
        [_("Department"), _("Findings"), _("of which in retrospective checks"), _("Closed"),
         _("Still open")],
        note=_("A finding is a sampled look-up for which no business reason was found. It "
               "closes once its corrective action is verified and the retrospective check "
               "of the operator's earlier look-ups is complete."),
    )
    totals = [0, 0, 0, 0]
    for row in rows:
        values = [row["found"], row["retrospective"], row["closed"], row["found"] - row["closed"]]
        table.rows.append([f"{row['department__organisation__name']} {row['department__name']}",
                           *values])
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    table.total = [_("Total"), *totals]
    return table

"""The fiscal year's duties of ID holders, counted per department in SQL: the duty matrix.

Each duty keeps the definition the rest of the site uses, written as an SQL condition on
a person so that a whole prefecture is counted in one query:
- ID holders, and new ones: people.models.PersonQuerySet (id_holders, new_id_holders);
- required reading and the plan: training.reading (Reader.must_read, Obligation.is_done):
  the few required pages are read first, and each page's "must read and has not" becomes
  one condition;
- session attended, quiz passed, certificate valid: training.checklist (a session of the
  fiscal year attended, a passed attempt at one, a certificate neither revoked nor expired);
- briefed, for ID holders who attended no session: a live onward-sharing obligation of a
  session of the year, confirmed (training.sharing.stages: Stage.CONFIRMED);
- per organisation, the annual drill: a drill held in the year, ended by the report's
  moment (Drill.objects.held_in, counted by drills.programme.held_drill_counts).

Everyone is counted once, in the department they belong to at the report date (the day
asked for, or the fiscal year's last day once it is over): Person.department is where
they are now, and a move takes their whole record with them.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import EmergencyPlanPage, RequiredReading
from drills.programme import held_drill_counts
from people.fiscal import FiscalYear
from people.models import IdGrant, RoleAssignment
from training.models import Acknowledgement, Attempt, Attendance, BriefingObligation, Certificate
from training.reading import required_baselines, required_pages


@dataclass(frozen=True)
class Duty:
    key: str
    label: str
    # Whom the share is out of: "holders" (every ID holder), or a narrower population
    # counted under its own key (those with reading due, those who missed the session).
    population: str


# The columns of the matrix, in the order an ID holder meets them in the year.
DUTIES = [
    Duty("reading", _("Required reading done"), "reading_due"),
    Duty("plan", _("Current plan acknowledged"), "plan_due"),
    Duty("attended", _("Session attended"), "id_holders"),
    Duty("briefed", _("Briefed (non-attendees)"), "not_attended"),
    Duty("quiz", _("Quiz passed"), "id_holders"),
    Duty("certificate", _("Certificate valid"), "id_holders"),
]
DUTY_KEYS = [duty.key for duty in DUTIES]
COUNTED = ["id_holders", "new_id_holders", "reading_due", "plan_due", "not_attended",
           *DUTY_KEYS]


def report_day(fiscal_year: FiscalYear, today: datetime.date) -> datetime.date:
    """The day the figures are as of: today within the year, else the year's last day."""
    return min(today, fiscal_year.last_day) if today >= fiscal_year.first_day else (
        fiscal_year.first_day)


def _in_year(fiscal_year: FiscalYear, prefix: str = "session__") -> Q:
    return Q(**{f"{prefix}starts_at__date__gte": fiscal_year.first_day,
                f"{prefix}starts_at__date__lte": fiscal_year.last_day})


@dataclass
class Conditions:
    """The SQL condition, on a Person row, of each duty done and each population."""

    holder: Q
    new: Q
    reading_due: Q
    reading: Q
    plan_due: Q
    plan: Q
    attended: Q
    briefed: Q
    quiz: Q
    certificate: Q

    def population(self, key: str) -> Q:
        return {
            "id_holders": self.holder,
            "reading_due": self.holder & self.reading_due,
            "plan_due": self.holder & self.plan_due,
            "not_attended": self.holder & ~self.attended,
        }[key]

    def done(self, key: str) -> Q:
        duty = next(duty for duty in DUTIES if duty.key == key)
        return self.population(duty.population) & getattr(self, key)


def conditions(fiscal_year: FiscalYear, day: datetime.date,
               pages: list[tuple[RequiredReading, int]] | None = None) -> Conditions:
    """The required pages and their baselines, from training.reading's catalogue (one
    query for its stamp while this process holds it, four when it is read afresh; `pages`
    when the caller has them, training.reading.required_pages()); the rest is SQL to run."""
    person = OuterRef("pk")
    grants = IdGrant.objects.filter(person=person).active_on(day)
    new = Q(Exists(grants.filter(granted_on__gte=fiscal_year.first_day,
                                 granted_on__lte=fiscal_year.last_day)))
    roles = {
        role: Q(Exists(RoleAssignment.objects.filter(person=person, role=role)))
        for role in (RoleAssignment.Role.SUPERVISOR, RoleAssignment.Role.COORDINATOR)
    }
    audience = RequiredReading.Audience
    if pages is None:
        pages = required_pages()
    baseline = required_baselines([page.pk for page, _organisation in pages])
    # Nobody, as a condition every database writes as a boolean (an empty `pk__in` would
    # become a bare 0 in a select list, which PostgreSQL refuses in CASE WHEN).
    nobody = Q(pk__isnull=True)
    due = {"reading": nobody, "plan": nobody}
    open_ = {"reading": nobody, "plan": nobody}
    for page, organisation_id in pages:
        # Reader.must_read, for an ID holder (everyone the matrix counts holds an ID).
        must = {
            audience.ID_HOLDERS: Q(),
            audience.NEW_ID_HOLDERS: new,
            audience.SUPERVISORS: roles[RoleAssignment.Role.SUPERVISOR],
            audience.COORDINATORS: roles[RoleAssignment.Role.COORDINATOR],
        }.get(page.required_for)
        if must is None:
            continue
        if page.reach == RequiredReading.Reach.OWN_ORGANISATION:
            must &= Q(organisation_id=organisation_id)
        # Obligation.is_done: an acknowledgement of the baseline revision or a later one.
        read = Q(Exists(Acknowledgement.objects.filter(
            person=person, page_id=page.pk, revision_id__gte=baseline[page.pk])))
        kind = "plan" if isinstance(page, EmergencyPlanPage) else "reading"
        due[kind] |= must
        open_[kind] |= must & ~read
    attended = Q(Exists(Attendance.objects.filter(
        _in_year(fiscal_year), person=person, status__in=Attendance.ATTENDED)))
    return Conditions(
        holder=Q(Exists(grants)),
        new=new,
        reading_due=due["reading"],
        reading=~open_["reading"],
        plan_due=due["plan"],
        plan=~open_["plan"],
        attended=attended,
        briefed=Q(Exists(BriefingObligation.objects.filter(
            _in_year(fiscal_year, "sharing__session__"), person=person,
            dropped_at__isnull=True, confirmation__isnull=False))),
        quiz=Q(Exists(Attempt.objects.filter(_in_year(fiscal_year), person=person,
                                             passed=True))),
        certificate=Q(Exists(Certificate.objects.filter(
            person=person, revoked_at__isnull=True, issued_on__lte=day, expires_on__gte=day))),
    )


# Each person's facts, evaluated once per person in an inner query; the outer query sums
# them per department. Written as conditions on each count instead, the database ran the
# same subqueries once per count (the holder's grant eleven times).
FLAGS = ["new", "reading_due", "reading", "plan_due", "plan", "attended", "briefed", "quiz",
         "certificate"]
SUMS = {
    "new_id_holders": "new",
    "reading_due": "reading_due",
    "reading": "reading_due AND reading",
    "plan_due": "plan_due",
    "plan": "plan_due AND plan",
    "attended": "attended",
    "not_attended": "NOT attended",
    "briefed": "NOT attended AND briefed",
    "quiz": "quiz",
    "certificate": "certificate",
}


def counts_query(people, fiscal_year: FiscalYear, day: datetime.date,
                 rules: Conditions | None = None) -> tuple[str, tuple]:
    """The SQL (and its parameters) counting, per department, the ID holders among
    `people` (a Person queryset) and each duty: one query."""
    rules = rules or conditions(fiscal_year, day)
    facts = (
        people.filter(rules.holder).order_by()
        .annotate(**{f"f_{flag}": ExpressionWrapper(getattr(rules, flag),
                                                    output_field=BooleanField())
                     for flag in FLAGS})
        .values("department_id", *(f"f_{flag}" for flag in FLAGS))
    )
    inner, params = facts.query.sql_with_params()
    sums = ", ".join(f"SUM(CASE WHEN {_flagged(condition)} THEN 1 ELSE 0 END)"
                     for condition in SUMS.values())
    sql = (f"SELECT facts.department_id, COUNT(*), {sums} FROM ({inner}) facts "
           "GROUP BY facts.department_id")
    return sql, params


def _flagged(condition: str) -> str:
    """"reading_due AND reading" -> "facts.f_reading_due AND facts.f_reading"."""
    return " ".join(word if word in ("AND", "NOT") else f"facts.f_{word}"
                    for word in condition.split())


def counts_by_department(people, fiscal_year: FiscalYear, day: datetime.date,
                         rules: Conditions | None = None) -> dict[int, dict[str, int]]:
    """{department id: {count name: n}} for `people` (a Person queryset), one query."""
    sql, params = counts_query(people, fiscal_year, day, rules)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = ["id_holders", *SUMS]
    return {row[0]: {name: int(value or 0) for name, value in zip(names, row[1:], strict=True)}
            for row in rows}


# What the page shows: a cell per duty, rows per department and organisation


@dataclass(frozen=True)
class Cell:
    duty: str
    done: int
    total: int

    @property
    def duty_label(self) -> str:
        return next(duty.label for duty in DUTIES if duty.key == self.duty)

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def share(self) -> float | None:
        return self.done / self.total if self.total else None

    @property
    def level(self) -> str:
        """For the colour and the word beside it: all done, most, or far behind."""
        share = self.share
        if share is None:
            return "none"
        if share >= 1:
            return "complete"
        return "partial" if share >= 0.8 else "behind"


@dataclass
class Row:
    pk: int
    name: str
    counts: dict[str, int]
    cells: list[Cell] = field(default_factory=list)

    def __post_init__(self):
        self.cells = [Cell(duty.key, self.counts.get(duty.key, 0),
                           self.counts.get(duty.population, 0)) for duty in DUTIES]

    @property
    def id_holders(self) -> int:
        return self.counts.get("id_holders", 0)

    @property
    def new_id_holders(self) -> int:
        return self.counts.get("new_id_holders", 0)

    @property
    def worst_share(self) -> float:
        """The lowest share of any duty someone has: what "sorted by the worst" sorts by.
        A row with nobody to count sorts last."""
        worst = self.worst_cell
        return worst.share if worst is not None else 2.0

    @property
    def worst_cell(self) -> "Cell | None":
        counted = [cell for cell in self.cells if cell.share is not None]
        return min(counted, key=lambda cell: cell.share) if counted else None


@dataclass
class OrganisationRow(Row):
    departments: list[Row] = field(default_factory=list)
    drills_held: int = 0


def matrix(organisations, departments, people, *, fiscal_year: FiscalYear,
           today: datetime.date | None = None, now: datetime.datetime | None = None,
           sort: str = "worst", pages: list[tuple[RequiredReading, int]] | None = None,
           ) -> list[OrganisationRow]:
    """The matrix rows: `organisations` each with their `departments` (querysets already
    scoped by the caller), counted over `people`. A constant number of queries; the
    required reading is read once per request when the caller passes the `pages` it has
    read (conditions).

    `sort`: "worst" (the lowest share of any duty first), a duty's key (that duty's share,
    lowest first), or anything else for the order of `organisations` and `departments`.
    Sorting is stable, so equal rows keep the organisation code order."""
    now = now or timezone.now()
    day = report_day(fiscal_year, today or timezone.localdate(now))
    by_department = counts_by_department(people, fiscal_year, day,
                                         conditions(fiscal_year, day, pages))
    organisations = list(organisations)
    held = held_drill_counts(organisations, fiscal_year, by=now)
    rows = {organisation.pk: OrganisationRow(organisation.pk, organisation.name, {},
                                             drills_held=held.get(organisation.pk, 0))
            for organisation in organisations}
    totals = {pk: dict.fromkeys(COUNTED, 0) for pk in rows}
    for department in departments.only("pk", "name", "code", "organisation_id"):
        if department.organisation_id not in rows:
            continue
        counts = by_department.get(department.pk, {})
        rows[department.organisation_id].departments.append(
            Row(department.pk, department.name, counts))
        for key in COUNTED:
            totals[department.organisation_id][key] += counts.get(key, 0)
    for pk, row in rows.items():
        row.counts = totals[pk]
        row.__post_init__()
    result = list(rows.values())
    if sort == "worst" or sort in DUTY_KEYS:
        def key(row):
            if sort == "worst":
                return row.worst_share
            share = row.cells[DUTY_KEYS.index(sort)].share
            return 2.0 if share is None else share  # nobody to count: last

        for row in result:
            row.departments.sort(key=key)
        result.sort(key=key)
    return result

"""Who may open the fiscal year's pages of the reports app, built on people.access.Scope
like every app's access module; the views ask here first, and an outsider gets 404.

- A person's training record (個人別研修履歴) is theirs: the person, the supervisor of
  their department and the coordinators of their organisation may open it (a
  prefecture's coordinators, who see every organisation, open everyone's). Their
  department's colleagues do not, though the staff directory shows them each other: the
  record holds quiz results and what each was told on whose behalf. An evaluator sees
  drills, not people's records.
- The duty matrix: a coordinator sees their organisations, a supervisor their own
  departments.
- The annual report to the protection council covers every organisation of the
  prefecture, so only those who see everything (a prefecture's coordinators) may read,
  export or finalise it.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from people.access import Scope, scope_for
from people.fiscal import current_fiscal_year
from people.models import Department, Organisation, Person


def may_open_person_record(scope: Scope, person: Person) -> bool:
    """Decided without a query, so that a list may link every name it shows."""
    return (
        scope.sees_everything
        or person.organisation_id in scope.coordinated_organisation_ids
        or person.department_id in scope.supervised_department_ids
        or (scope.person is not None and scope.person.pk == person.pk)
    )


def get_person_record_for(user, pk) -> Person:
    """The person whose record the user may open, with what the page prints of them;
    anyone else, and an id that names no one, gets 404."""
    person = (
        Person.objects.select_related("department", "organisation").filter(pk=pk).first()
    )
    if person is None or not may_open_person_record(scope_for(user), person):
        raise Http404
    return person


def person_record_url(user, person: Person, fiscal_year: int | None) -> str | None:
    """What reports registers with people.record_links for the lists that name people."""
    if not may_open_person_record(scope_for(user), person):
        return None
    year = fiscal_year if fiscal_year is not None else current_fiscal_year().year
    return reverse("reports:person_record", args=[person.pk, year])



@dataclass(frozen=True)
class OverviewScope:
    """What the duty matrix covers for one user: the departments they answer for (a
    coordinator's organisations whole, a supervisor's own departments), optionally
    narrowed to one organisation or one department."""

    scope: Scope
    organisation: Organisation | None = None
    department: Department | None = None

    def departments(self) -> QuerySet[Department]:
        departments = self.scope.overseen_departments()
        if self.organisation is not None:
            departments = departments.filter(organisation=self.organisation)
        if self.department is not None:
            departments = departments.filter(pk=self.department.pk)
        return departments.order_by("organisation__lg_code", "code")

    def organisations(self) -> QuerySet[Organisation]:
        return Organisation.objects.filter(
            pk__in=self.departments().values("organisation_id")
        ).order_by("lg_code")

    def people(self) -> QuerySet[Person]:
        if self.scope.sees_everything and self.organisation is None and self.department is None:
            return Person.objects.all()
        return Person.objects.filter(department__in=self.departments().values("pk"))

    @property
    def cache_key(self) -> str:
        """Names what the user answers for: users who answer for the same share it."""
        if self.scope.sees_everything:
            covered = "all"
        else:
            covered = "o{}-d{}".format(
                ",".join(map(str, sorted(self.scope.coordinated_organisation_ids))),
                ",".join(map(str, sorted(self.scope.supervised_department_ids))))
        narrowed = (self.organisation.pk if self.organisation else "",
                    self.department.pk if self.department else "")
        return f"{covered}:{narrowed[0]}:{narrowed[1]}"

    def selectable_organisations(self) -> QuerySet[Organisation]:
        """The organisations the filter offers: every one the user answers for."""
        return Organisation.objects.filter(
            pk__in=self.scope.overseen_departments().values("organisation_id")
        ).order_by("lg_code")


def get_overview_scope_for(user, *, organisation_pk=None, department_pk=None) -> OverviewScope:
    """The matrix for a coordinator (their organisations) or a supervisor (their
    departments); anyone else, or a filter naming an organisation or department the user
    does not answer for, gets 404."""
    scope = scope_for(user)
    if not (scope.is_coordinator or scope.is_supervisor):
        raise Http404
    overseen = scope.overseen_departments()
    organisation = department = None
    if department_pk is not None:
        department = overseen.select_related("organisation").filter(pk=department_pk).first()
        if department is None:
            raise Http404
    if organisation_pk is not None:
        organisation = Organisation.objects.filter(
            pk=organisation_pk, pk__in=overseen.values("organisation_id")
        ).first()
        if organisation is None:
            raise Http404
    return OverviewScope(scope, organisation, department)


def get_reminder_round_for(user, *, person_pks, within, organisation_pk=None,
                           department_pk=None) -> tuple[OverviewScope, list[Person]]:
    """The people a reminder round from the duty matrix may go to: every one posted must
    be in the user's matrix (narrowed as the page was) and match `within` (the duty's
    population, a condition on Person); one outside, or none at all, refuses the whole
    round with 404, so nothing is sent to anyone."""
    overview = get_overview_scope_for(user, organisation_pk=organisation_pk,
                                      department_pk=department_pk)
    wanted = set(person_pks)
    people = list(overview.people().filter(within, pk__in=wanted).order_by("pk"))
    if not wanted or len(people) != len(wanted):
        raise Http404
    return overview, people


def get_annual_report_scope_for(user) -> Scope:
    scope = scope_for(user)
    if not scope.sees_everything:
        raise Http404
    return scope

"""Who may see which of the fiscal year's figures. Built on people.access.Scope, like every
app's access module; the views ask here first, and an outsider gets 404."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from people.access import Scope, scope_for
from people.models import Department, Organisation, Person


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

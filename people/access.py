"""The one place that decides who may see and do what.

Every view starts by asking this module, and no view filters by organisation or
department by hand. Things outside a user's scope raise Http404, so an outsider cannot
even learn that they exist.

Scope, widest first:
- a superuser, or a coordinator of a prefecture, sees every organisation;
- a coordinator sees their organisation;
- a supervisor sees the departments they supervise;
- everyone with a person record sees their own department.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from people.models import Department, IdGrant, Organisation, Person, RoleAssignment


@dataclass(frozen=True)
class Scope:
    person: Person | None
    sees_everything: bool
    coordinated_organisation_ids: frozenset[int]
    supervised_department_ids: frozenset[int]
    evaluated_organisation_ids: frozenset[int]
    holds_id: bool

    @property
    def is_coordinator(self) -> bool:
        return self.sees_everything or bool(self.coordinated_organisation_ids)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised_department_ids)

    @property
    def is_evaluator(self) -> bool:
        return bool(self.evaluated_organisation_ids)

    @property
    def is_operator(self) -> bool:
        return self.holds_id

    def _department_filter(self, prefix: str = "") -> Q:
        """Rows whose department (reached through `prefix`) lies within this scope."""
        if self.sees_everything:
            return Q()
        # An empty `__in` matches nothing, so a scope without roles sees only its own.
        visible = Q(**{f"{prefix}organisation__in": self.coordinated_organisation_ids})
        visible |= Q(**{f"{prefix}pk__in": self.supervised_department_ids})
        if self.person is not None:
            visible |= Q(**{f"{prefix}pk": self.person.department_id})
        return visible

    def organisations(self):
        return Organisation.objects.filter(
            pk__in=self.departments().values("organisation_id")
        )

    def departments(self):
        return Department.objects.filter(self._department_filter())

    def people(self):
        return Person.objects.filter(self._department_filter("department__"))

    def overseen_departments(self):
        """Departments whose staff this user answers for: supervised or coordinated."""
        if self.sees_everything:
            return Department.objects.all()
        return Department.objects.filter(
            Q(organisation__in=self.coordinated_organisation_ids)
            | Q(pk__in=self.supervised_department_ids)
        )

    def may_administer_people(self) -> bool:
        """The admin's people lists span every organisation: prefecture-wide users only."""
        return self.sees_everything

    def may_manage_roster(self) -> bool:
        """Import people, departments and ID grants: coordinators only."""
        return self.is_coordinator


NO_SCOPE = Scope(None, False, frozenset(), frozenset(), frozenset(), False)


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_kunren_scope", None)
    if cached is not None:
        return cached

    person = Person.objects.select_related("department", "organisation").filter(user=user).first()
    roles = list(
        RoleAssignment.objects.filter(person=person).values_list(
            "role", "department_id", "organisation_id", "organisation__kind"
        )
    ) if person else []
    holds_id = bool(person) and IdGrant.objects.filter(person=person).active_on(
        timezone.localdate()
    ).exists()

    def organisations_for(role):
        return frozenset(org for r, _dept, org, _kind in roles if r == role)

    scope = Scope(
        person=person,
        sees_everything=user.is_superuser or any(
            r == RoleAssignment.Role.COORDINATOR and kind == Organisation.Kind.PREFECTURE
            for r, _dept, _org, kind in roles
        ),
        coordinated_organisation_ids=organisations_for(RoleAssignment.Role.COORDINATOR),
        supervised_department_ids=frozenset(
            dept for r, dept, _org, _kind in roles if r == RoleAssignment.Role.SUPERVISOR
        ),
        evaluated_organisation_ids=organisations_for(RoleAssignment.Role.EVALUATOR),
        holds_id=holds_id,
    )
    user._kunren_scope = scope
    return scope


def get_person_for(user, pk) -> Person:
    person = (
        scope_for(user).people()
        .select_related("department", "organisation", "user")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def get_department_for(user, pk) -> Department:
    department = scope_for(user).departments().select_related("organisation").filter(pk=pk).first()
    if department is None:
        raise Http404
    return department


def get_overseen_department_for(user, pk) -> Department:
    """A department the user supervises or coordinates; its own staff get 404 too."""
    department = (
        scope_for(user).overseen_departments().select_related("organisation").filter(pk=pk).first()
    )
    if department is None:
        raise Http404
    return department


def require_roster_manager(user) -> Scope:
    scope = scope_for(user)
    if not scope.may_manage_roster():
        raise Http404
    return scope


# Training sessions: who may see, manage and check in to a session.

# Quizzes: who may take a quiz, see an attempt, and read a quiz's analysis.

# Certificates: who may see, download and revoke a certificate.

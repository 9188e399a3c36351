"""Who may see and do what: Scope, and the rules about people, departments and organisations.

Every view starts by asking an access module, and no view filters by organisation or
department by hand. Things outside a user's scope raise Http404, so an outsider cannot
even learn that they exist. Each higher app keeps the rules about its own objects in its
own access.py, built on Scope: people sits below them all and imports none of them.

Scope, widest first:
- a superuser, or a coordinator of a prefecture, sees every organisation;
- a coordinator sees their organisation;
- a supervisor sees the departments they supervise;
- everyone with a person record sees their own department.
"""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from django.db import connections, router
from django.db.models import F, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from people.models import Department, IdGrant, Organisation, Person, RoleAssignment


def _any_of(conditions: dict) -> Q:
    """Rows matching any of the conditions that hold something (a scope without roles
    sees only its own); nothing when none does. Empty `__in` conditions are left out
    rather than given to the ORM, which works each one out to "matches nothing" again
    on every request, at a cost that showed in the load mix's profile."""
    held = [Q(**{lookup: value}) for lookup, value in conditions.items() if value]
    return reduce(operator.or_, held) if held else Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    person: Person | None
    sees_everything: bool
    coordinated_organisation_ids: frozenset[int]
    supervised_department_ids: frozenset[int]
    evaluated_organisation_ids: frozenset[int]
    id_granted_on: datetime.date | None  # start of the person's current operator-ID grant

    @property
    def is_coordinator(self) -> bool:
        return self.sees_everything or bool(self.coordinated_organisation_ids)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised_department_ids)

    @property
    def is_evaluator(self) -> bool:
        return bool(self.evaluated_organisation_ids)

    def _department_filter(self, prefix: str = "") -> Q:
        """Rows whose department (reached through `prefix`) lies within this scope."""
        if self.sees_everything:
            return Q()
        return _any_of({
            f"{prefix}organisation__in": self.coordinated_organisation_ids,
            f"{prefix}pk__in": self.supervised_department_ids,
            f"{prefix}pk": self.person.department_id if self.person is not None else None,
        })

    def sees_person(self, person: Person) -> bool:
        """Whether people() holds `person`, decided without a query, for the lists that
        name people and link each name to the person's record where the user may open it.
        A person's organisation is their department's (people.roster keeps them in step)."""
        return (
            self.sees_everything
            or person.organisation_id in self.coordinated_organisation_ids
            or person.department_id in self.supervised_department_ids
            or (self.person is not None and person.department_id == self.person.department_id)
        )

    def organisations(self) -> QuerySet[Organisation]:
        return Organisation.objects.filter(
            pk__in=self.departments().values("organisation_id")
        )

    def departments(self) -> QuerySet[Department]:
        return Department.objects.filter(self._department_filter())

    def people(self) -> QuerySet[Person]:
        return Person.objects.filter(self._department_filter("department__"))

    def personal_records(self, prefix: str = "person__") -> Q:
        """Records about people (attempts, certificates) this user may read: their own,
        their supervised departments' and their coordinated organisations'. Narrower than
        the directory: an operator does not see a colleague's."""
        if self.sees_everything:
            return Q()
        return _any_of({
            f"{prefix}department__in": self.supervised_department_ids,
            f"{prefix}organisation__in": self.coordinated_organisation_ids,
            prefix.removesuffix("__"): self.person,
        })

    def coordinated_organisations(self) -> QuerySet[Organisation]:
        if self.sees_everything:
            return Organisation.objects.all()
        return Organisation.objects.filter(pk__in=self.coordinated_organisation_ids)

    def overseen_departments(self) -> QuerySet[Department]:
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


NO_SCOPE = Scope(None, False, frozenset(), frozenset(), frozenset(), None)


def _scope_query(user_id, day):
    """One query, since every page asks: the person with their department, organisation
    and current ID grant, once per role they hold (LEFT JOIN: once with no role at all)."""
    return (
        Person.objects.select_related("department", "organisation").filter(user_id=user_id)
        .with_current_grant(day)
        .annotate(role_name=F("roles__role"), role_department_id=F("roles__department_id"),
                  role_organisation_id=F("roles__organisation_id"),
                  role_organisation_kind=F("roles__organisation__kind"))
        .order_by("roles__pk")
    )


# The scope's query has the same shape on every request, and the ORM took 2 ms of CPU
# to build and compile it, twenty times what the database takes to answer it
# (tests/bench_mix.py): it is compiled once per process and database, with stand-in
# values for the user and the day that each request's replace.
_STAND_IN_USER = -904_117
_STAND_IN_DAY = datetime.date(1901, 2, 3)
_compiled_scope_queries = {}  # database alias -> (sql, params, columns' expressions)


def _scope_rows(user_id, day) -> list[Person]:
    """_scope_query(user_id, day)'s people, each with its role's columns."""
    alias = router.db_for_read(Person)
    compiled = _compiled_scope_queries.get(alias)
    if compiled is None:
        compiler = _scope_query(_STAND_IN_USER, _STAND_IN_DAY).query.get_compiler(alias)
        sql, params = compiler.as_sql()
        compiled = _compiled_scope_queries[alias] = (
            sql, params, [expression for expression, _sql, _alias in compiler.select],
            compiler.klass_info, compiler.annotation_col_map)
    sql, params, expressions, klass_info, annotations = compiled
    connection = connections[alias]
    stand_ins = {_STAND_IN_USER: user_id, _STAND_IN_DAY: day,
                 connection.ops.adapt_datefield_value(_STAND_IN_DAY):
                 connection.ops.adapt_datefield_value(day)}
    params = [stand_ins.get(value, value) if isinstance(value, (int, str, datetime.date))
              else value for value in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = [
        (index, [*connection.ops.get_db_converters(expression),
                 *expression.get_db_converters(connection)])
        for index, expression in enumerate(expressions)
    ]
    people = []
    for row in rows:
        row = list(row)
        for index, functions in converters:
            for function in functions:
                row[index] = function(row[index], expressions[index], connection)
        people.append(_person_of(alias, row, klass_info, annotations))
    return people


def _person_of(alias, row, klass_info, annotations) -> Person:
    """The Person of a row of the scope's query, with its department and organisation
    (select_related's, as the ORM would build them) and its annotations."""
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    person = Person.from_db(alias, [f.attname for f in Person._meta.concrete_fields],
                            row[start:end])
    for related in klass_info["related_klass_infos"]:
        first, last = related["select_fields"][0], related["select_fields"][-1] + 1
        model = related["model"]
        values = row[first:last]
        instance = (model.from_db(alias, [f.attname for f in model._meta.concrete_fields],
                                  values)
                    if values[model._meta.concrete_fields.index(model._meta.pk)] is not None
                    else None)
        related["local_setter"](person, instance)
        if instance is not None:
            related["remote_setter"](instance, person)
    for name, index in annotations.items():
        setattr(person, name, row[index])
    return person


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_kunren_scope", None)
    if cached is not None:
        return cached

    rows = _scope_rows(user.pk, timezone.localdate())
    person = rows[0] if rows else None
    roles = [
        (row.role_name, row.role_department_id, row.role_organisation_id,
         row.role_organisation_kind)
        for row in rows if row.role_name is not None
    ]
    id_granted_on = person.current_grant_on if person else None

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
        id_granted_on=id_granted_on,
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


def get_coordinated_organisation_for(user, pk) -> Organisation:
    """An organisation the user coordinates (e.g. to set its reminder ladder); else 404."""
    organisation = scope_for(user).coordinated_organisations().filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


# People: anonymising a leaver


def get_anonymisable_person_for(user, pk) -> Person:
    """A person the user may anonymise (may_anonymise); anyone else gets 404. A person
    already anonymised is returned too, so that the page can say so."""
    person = (
        Person.objects.select_related("department", "organisation", "user").filter(pk=pk).first()
    )
    if person is None or not may_anonymise(user, person):
        raise Http404
    return person


def may_anonymise(user, person: Person) -> bool:
    """Whether the user may anonymise the person when they leave: the coordinators of
    the person's organisation, and prefecture-wide coordinators, may."""
    scope = scope_for(user)
    return scope.sees_everything or person.organisation_id in scope.coordinated_organisation_ids


# The Wagtail admin: which rows' history (site history report) a user may read.

# For each model whose changes Wagtail logs, the path from a row to its organisation.
# Each app registers its own models (from its AppConfig.ready), so that people names none
# of the apps above it. A model missing here is prefecture-wide only: its rows' history
# (accounts, groups, collections, sites) cannot be told apart by organisation.
_admin_organisation_paths: dict[str, str] = {}


def register_admin_organisation_paths(paths: dict[type[Model], str]) -> None:
    for model, path in paths.items():
        _admin_organisation_paths[model._meta.label_lower] = path


register_admin_organisation_paths({
    Organisation: "pk",
    Department: "organisation",
    Person: "organisation",
    IdGrant: "person__organisation",
    RoleAssignment: "person__organisation",
})


def admin_records_for(user, model: type[Model]) -> QuerySet:
    """The rows of `model` whose change history the user may read in the admin: those of
    the organisations they coordinate (every row prefecture-wide). The admin is the
    coordinators' tool, so supervising or evaluating elsewhere adds nothing."""
    scope = scope_for(user)
    if scope.sees_everything:
        return model._default_manager.all()
    path = _admin_organisation_paths.get(model._meta.label_lower)
    if path is None or not scope.coordinated_organisation_ids:
        return model._default_manager.none()
    return model._default_manager.filter(**{f"{path}__in": scope.coordinated_organisation_ids})

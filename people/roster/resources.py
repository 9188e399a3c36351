"""import-export resources for the three kinds of roster file.

They map the Japanese column headings onto the models, and check every row against the
records the file refers to. A prefecture's roster runs to tens of thousands of rows, so
those records are loaded in a few queries before the first row (`RosterIndex`) and the
writes are queued rather than made (`RosterResource.write` makes them in bulk): the
number of queries does not grow with the number of rows.
"""

import datetime

import tablib
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from core.imports.files import cell_text, normalised_text, parse_date
from core.text import fold_width
from people.access import Scope
from people.models import Department, IdGrant, Organisation, Person

ORGANISATION_CODE = "団体コード"
DEPARTMENT_CODE = "所属コード"
DEPARTMENT_NAME = "所属名"
EMPLOYEE_NUMBER = "職員番号"
NAME = "氏名"
KANA = "フリガナ"
JOB_TITLE = "職名"
EMAIL = "メールアドレス"
GRANTED_ON = "付与日"
REVOKED_ON = "失効日"
REASON = "付与理由"

BATCH_SIZE = 1000
# Every row carries its line in the file, for messages, in this extra column.
LINE = "#line"


class RosterIndex:
    """What the database holds about the organisations a file names, keyed the way the
    file refers to it, so that checking a row costs no query."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.organisations: dict[str, Organisation] = {}  # by lg_code
        self.in_scope: set[int] | None = None  # organisation ids; None: all of them
        self.departments: dict[tuple[int, str], Department] = {}
        self.people: dict[tuple[int, str], Person] = {}
        self.id_grants: dict[tuple[int, datetime.date], IdGrant] = {}

    def load(self, organisation_codes, *, departments=False, people=False, id_grants=False):
        self.organisations = {
            organisation.lg_code: organisation
            for organisation in Organisation.objects.filter(lg_code__in=organisation_codes)
        }
        # Only the organisations the user coordinates: supervising a department or
        # evaluating drills elsewhere gives no say over that organisation's roster. A
        # prefecture coordinator may import the first departments of a new organisation.
        if not self.scope.sees_everything:
            self.in_scope = set(self.scope.coordinated_organisation_ids)
        named = self.organisations.values()
        if departments:
            for department in Department.objects.filter(organisation__in=named):
                self.departments[department.organisation_id, fold_width(department.code)] = (
                    department)
        if people:
            for person in Person.objects.filter(organisation__in=named):
                self.people[person.organisation_id, fold_width(person.employee_number)] = person
        if id_grants:
            for grant in IdGrant.objects.filter(person__organisation__in=named):
                self.id_grants[grant.person_id, grant.granted_on] = grant

    def check_organisation(self, value) -> None:
        code = normalised_text(value)
        organisation = self.organisations.get(code)
        if not code:
            message = _("The cell is empty.")
        elif organisation is None:
            message = _("No organisation has the code %(code)s.") % {"code": code}
        elif self.in_scope is not None and organisation.pk not in self.in_scope:
            message = _("%(organisation)s (%(code)s) is outside your scope.") % {
                "organisation": organisation, "code": code,
            }
        else:
            return
        raise ValidationError({ORGANISATION_CODE: message})

    def organisation(self, row) -> Organisation:
        """The row's organisation; RosterResource.before_import_row has checked it."""
        return self.organisations[normalised_text(row[ORGANISATION_CODE])]

    def department(self, row) -> Department | None:
        code = normalised_text(row[DEPARTMENT_CODE])
        return self.departments.get((self.organisation(row).pk, code))

    def person(self, row) -> Person | None:
        number = normalised_text(row[EMPLOYEE_NUMBER])
        return self.people.get((self.organisation(row).pk, number))


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class NormalisedTextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return normalised_text(value)


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_date(value)


class ReasonWidget(widgets.Widget):
    """付与理由: a reason's label in Japanese or English, or its code; blank is a new assignment."""

    @cached_property
    def reasons(self) -> dict[str, str]:
        reasons = {}
        for code, label in IdGrant.Reason.choices:
            reasons[code] = code
            for language in ("ja", "en"):
                with translation.override(language):
                    reasons[str(label)] = code
        return reasons

    def clean(self, value, row=None, **kwargs):
        text = normalised_text(value)
        if not text:
            return IdGrant.Reason.NEW_ASSIGNMENT
        try:
            return self.reasons[text]
        except KeyError:
            raise ValueError(
                _("“%(value)s” is not a reason for a grant. Use one of: %(reasons)s.")
                % {"value": text, "reasons": ", ".join(map(str, IdGrant.Reason.labels))}
            ) from None


class IndexWidget(widgets.Widget):
    """A cell naming a record already in the database, found in the resource's index."""

    index: RosterIndex  # bound by RosterResource.__init__


class OrganisationWidget(IndexWidget):
    def clean(self, value, row=None, **kwargs):
        return self.index.organisation(row)


def required_text(value) -> str:
    text = normalised_text(value)
    if not text:
        raise ValueError(_("The cell is empty."))
    return text


class DepartmentWidget(IndexWidget):
    def clean(self, value, row=None, **kwargs):
        code = required_text(value)
        department = self.index.department(row)
        if department is None:
            raise ValueError(
                _("%(organisation)s has no department with the code “%(code)s”. Import the "
                  "departments first.")
                % {"organisation": self.index.organisation(row), "code": code}
            )
        return department


class PersonWidget(IndexWidget):
    def clean(self, value, row=None, **kwargs):
        number = required_text(value)
        person = self.index.person(row)
        if person is None:
            raise ValueError(
                _("%(organisation)s has no staff member with the employee number “%(number)s”. "
                  "Import the staff first.")
                % {"organisation": self.index.organisation(row), "number": number}
            )
        return person


class RosterResource(resources.ModelResource):
    """What the three kinds of roster file share.

    Every row is checked against a `RosterIndex` loaded in `before_import`. Writes are
    queued by `save_instance` and made by `write`, which `roster_import` calls only when
    every row has passed.
    """

    # Columns that identify a record: a file may name each record once.
    natural_key_columns: tuple[str, ...] = ()
    # Fields compared with the database, and written when they differ.
    updatable_fields: tuple[str, ...] = ()
    # Which records RosterIndex.load reads for this kind of file.
    preload: dict[str, bool] = {}
    # Fields whose column a file may leave out; then the records keep what they hold.
    optional_fields: tuple[str, ...] = ()

    class Meta:
        skip_diff = True  # skip_row below compares with the database itself
        store_instance = True  # changed_columns needs the instance

    def __init__(self, *, scope: Scope):
        super().__init__()
        self.index = RosterIndex(scope)
        for resource_field in self.fields.values():
            if isinstance(resource_field.widget, IndexWidget):
                resource_field.widget.index = self.index
        self.first_lines: dict[tuple, int] = {}
        self.originals: dict[int, tuple] = {}
        self.to_create: list[models.Model] = []
        self.to_update: list[models.Model] = []

    @classmethod
    def columns(cls, present=None) -> tuple[str, ...]:
        """The column headings of a file of this kind, in order: all of them, or those of
        the fields in `present`."""
        return tuple(cls.fields[name].column_name for name in cls._meta.import_order
                     if present is None or name in present)

    def column_of(self, attribute: str) -> str:
        for resource_field in self.fields.values():
            if resource_field.attribute == attribute:
                return resource_field.column_name
        return attribute  # errors raised by before_import_row are keyed by column already

    def existing_records(self):
        """The records of this kind in the index, as the database holds them."""
        raise NotImplementedError

    def natural_key(self, row) -> tuple:
        return tuple(normalised_text(row[column]) for column in self.natural_key_columns)

    def snapshot(self, instance) -> tuple:
        return tuple(instance.serializable_value(name) for name in self.updatable_fields)

    def changed_columns(self, instance) -> tuple[str, ...]:
        values = zip(
            self.updatable_fields, self.originals[instance.pk], self.snapshot(instance), strict=True
        )
        return tuple(self.column_of(name) for name, before, after in values if before != after)

    def check(self, dataset: tablib.Dataset):
        """Check every row and queue the writes, without touching the database."""
        # dry_run would wrap the check in a transaction, which on SQLite holds the write
        # lock; nothing here writes anyway (see save_instance).
        return self.import_data(dataset, dry_run=False, use_transactions=False)

    def write(self) -> None:
        manager = self._meta.model.objects
        manager.bulk_create(self.to_create, batch_size=BATCH_SIZE)
        manager.bulk_update(self.to_update, self.updatable_fields, batch_size=BATCH_SIZE)

    # import-export's hooks, in the order it calls them

    def before_import(self, dataset, **kwargs):
        codes = {normalised_text(code) for code in dataset[ORGANISATION_CODE]}
        self.index.load(codes, **self.preload)
        for instance in self.existing_records():
            self.originals[instance.pk] = self.snapshot(instance)

    def before_import_row(self, row, **kwargs):
        first_line = self.first_lines.setdefault(self.natural_key(row), row[LINE])
        if first_line != row[LINE]:
            raise ValidationError(
                _("Line %(line)d has the same %(columns)s.")
                % {"line": first_line, "columns": " + ".join(self.natural_key_columns)}
            )
        self.index.check_organisation(row[ORGANISATION_CODE])

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A record that already matches the file is left alone, so importing the same
        # file again writes nothing.
        return (
            not import_validation_errors
            and instance.pk is not None
            and self.originals[instance.pk] == self.snapshot(instance)
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        # The index has found the related records already, and the queries that Django's
        # own foreign-key, unique and constraint checks make would cost one per row.
        relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
        try:
            instance.full_clean(
                exclude=[*errors, *relations], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        (self.to_create if is_create else self.to_update).append(instance)

    def after_import(self, dataset, result, **kwargs):
        """Nothing: import-export resets id sequences here, which only imported ids need."""


class DepartmentResource(RosterResource):
    organisation = fields.Field(
        attribute="organisation", column_name=ORGANISATION_CODE, widget=OrganisationWidget()
    )
    code = fields.Field(
        attribute="code", column_name=DEPARTMENT_CODE, widget=NormalisedTextWidget()
    )
    name = fields.Field(attribute="name", column_name=DEPARTMENT_NAME, widget=TextWidget())

    natural_key_columns = (ORGANISATION_CODE, DEPARTMENT_CODE)
    updatable_fields = ("name",)
    preload = {"departments": True}

    class Meta(RosterResource.Meta):
        model = Department
        fields = import_order = ("organisation", "code", "name")

    def existing_records(self):
        return self.index.departments.values()

    def get_instance(self, instance_loader, row):
        return self.index.department(row)


class PersonResource(RosterResource):
    organisation = fields.Field(
        attribute="organisation", column_name=ORGANISATION_CODE, widget=OrganisationWidget()
    )
    employee_number = fields.Field(
        attribute="employee_number", column_name=EMPLOYEE_NUMBER, widget=NormalisedTextWidget()
    )
    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget())
    kana = fields.Field(attribute="kana", column_name=KANA, widget=NormalisedTextWidget())
    # Folded like the kana: 職名 are a short list, typed in any width.
    job_title = fields.Field(
        attribute="job_title", column_name=JOB_TITLE, widget=NormalisedTextWidget()
    )
    email = fields.Field(attribute="email", column_name=EMAIL, widget=TextWidget())
    department = fields.Field(
        attribute="department", column_name=DEPARTMENT_CODE, widget=DepartmentWidget()
    )

    natural_key_columns = (ORGANISATION_CODE, EMPLOYEE_NUMBER)
    updatable_fields = ("department", "name", "kana", "job_title", "email")
    preload = {"departments": True, "people": True}
    optional_fields = ("job_title",)

    class Meta(RosterResource.Meta):
        model = Person
        fields = import_order = (
            "organisation", "employee_number", "name", "kana", "email", "department",
            "job_title",
        )

    def existing_records(self):
        return self.index.people.values()

    def get_instance(self, instance_loader, row):
        return self.index.person(row)


class IdGrantResource(RosterResource):
    # The organisation only qualifies the employee number; a grant has no field for it.
    organisation = fields.Field(column_name=ORGANISATION_CODE)
    person = fields.Field(attribute="person", column_name=EMPLOYEE_NUMBER, widget=PersonWidget())
    granted_on = fields.Field(attribute="granted_on", column_name=GRANTED_ON, widget=DateWidget())
    revoked_on = fields.Field(attribute="revoked_on", column_name=REVOKED_ON, widget=DateWidget())
    reason = fields.Field(attribute="reason", column_name=REASON, widget=ReasonWidget())

    natural_key_columns = (ORGANISATION_CODE, EMPLOYEE_NUMBER, GRANTED_ON)
    updatable_fields = ("revoked_on", "reason")
    preload = {"people": True, "id_grants": True}

    class Meta(RosterResource.Meta):
        model = IdGrant
        fields = import_order = ("organisation", "person", "granted_on", "revoked_on", "reason")

    def existing_records(self):
        return self.index.id_grants.values()

    def natural_key(self, row) -> tuple:
        try:
            granted_on = parse_date(row[GRANTED_ON])  # 2026/4/1 is 2026-04-01
        except ValueError:
            granted_on = row[GRANTED_ON]
        organisation, number = (normalised_text(row[ORGANISATION_CODE]),
                                normalised_text(row[EMPLOYEE_NUMBER]))
        return organisation, number, granted_on

    def get_instance(self, instance_loader, row):
        person = self.index.person(row)
        try:
            granted_on = parse_date(row[GRANTED_ON])
        except ValueError:
            return None  # the 付与日 column reports it
        return person and self.index.id_grants.get((person.pk, granted_on))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        granted_on, revoked_on = instance.granted_on, instance.revoked_on
        if granted_on and revoked_on and revoked_on < granted_on:
            errors.setdefault("revoked_on", []).append(
                ValidationError(
                    _("The ID is revoked on %(revoked)s, before it was granted on %(granted)s.")
                    % {"revoked": revoked_on, "granted": granted_on}
                )
            )
        super().validate_instance(instance, errors)

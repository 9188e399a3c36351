"""Who is who: organisations, their departments (所属), their staff, and who holds an operator ID.

The system records *that* a person holds an operator ID (照合ID) and since when, never the
ID value or any credential.
"""

import datetime

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from people.fiscal import FiscalYear


def local_government_check_digit(first_five: str) -> int:
    """The sixth digit of a 全国地方公共団体コード (JIS X 0401/0402 with check digit)."""
    weights = (6, 5, 4, 3, 2)
    total = sum(int(digit) * weight for digit, weight in zip(first_five, weights, strict=True))
    return (11 - total % 11) % 10


def validate_local_government_code(code: str) -> None:
    if len(code) != 6 or not code.isdigit():
        raise ValidationError(_("A local-government code has six digits, e.g. 430005."))
    if local_government_check_digit(code[:5]) != int(code[5]):
        raise ValidationError(
            _("%(code)s is not a valid local-government code: its check digit is wrong."),
            params={"code": code},
        )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        MUNICIPALITY = "municipality", _("Municipality")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    lg_code = models.CharField(
        _("local-government code"),
        max_length=6,
        unique=True,
        validators=[validate_local_government_code],
        help_text=_("The six-digit national local-government code, e.g. 430005 for Kumamoto."),
    )
    closed_at_new_year = models.BooleanField(
        _("closed at the New Year"), default=True,
        help_text=_("Offices close from 29 December to 3 January (年末年始): due dates and "
                    "reminders skip those days."),
    )
    certificate_issuer = models.CharField(
        _("certificate issuer"), max_length=100, blank=True,
        help_text=_("The office and officer certificates are issued in the name of, e.g. "
                    "熊本県総務部市町村課長. Left empty, the organisation's name."),
    )
    report_addressee = models.CharField(
        _("addressee of reports"), max_length=100, blank=True,
        help_text=_("Whom reports to the coordinating division are addressed to, e.g. "
                    "熊本県総務部市町村課長. Each report can change it before it is sent."),
    )
    seal_box = models.BooleanField(
        _("print a seal box"), default=False,
        help_text=_("Reports carry a box (印) beside the sender's name, for offices that "
                    "still stamp what they send."),
    )

    class Meta:
        ordering = ["lg_code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    @property
    def is_prefecture(self):
        return self.kind == self.Kind.PREFECTURE


class ClosedDay(models.Model):
    """A day an organisation's offices are closed besides weekends, public holidays and
    the New Year (a prefecture's own day, an office move): people.calendar counts it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="closed_days",
        verbose_name=_("organisation"),
    )
    day = models.DateField(_("day"))
    name = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["organisation", "day"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [models.UniqueConstraint(fields=["organisation", "day"],
                                               name="one_closed_day_per_organisation_and_day")]

    def __str__(self):
        return f"{self.organisation} {self.day:%Y-%m-%d} {self.name}".rstrip()


class Department(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="departments",
        verbose_name=_("organisation"),
    )
    code = models.CharField(_("department code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    is_coordinating_division = models.BooleanField(
        _("coordinating division"),
        default=False,
        help_text=_("Receives the departments' reports (e.g. 市町村課)."),
    )

    class Meta:
        ordering = ["organisation__lg_code", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="department_code_unique_in_organisation"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        """With its organisation: department names repeat from one organisation to the
        next (福祉課 in most), so a list across organisations needs both."""
        return f"{self.organisation} {self.name}"


class PersonQuerySet(models.QuerySet):
    def id_holders(self, day: datetime.date):
        return self.filter(
            Exists(IdGrant.objects.filter(person=OuterRef("pk")).active_on(day))
        )

    def new_id_holders(self, fiscal_year: FiscalYear, day: datetime.date):
        """ID holders on `day` whose current grant was made in `fiscal_year`.

        A transfer counts as new: the council counts staff who held an ID in their previous
        department among the year's new holders, because their grant is new.
        """
        return self.filter(
            Exists(
                IdGrant.objects.filter(
                    person=OuterRef("pk"),
                    granted_on__gte=fiscal_year.first_day,
                    granted_on__lte=fiscal_year.last_day,
                ).active_on(day)
            )
        )


    def with_current_grant(self, day: datetime.date):
        """Annotate `current_grant_on`: the start of the ID grant active on `day`, if any."""
        active = IdGrant.objects.filter(person=OuterRef("pk")).active_on(day)
        return self.annotate(
            current_grant_on=Subquery(active.order_by("-granted_on").values("granted_on")[:1])
        )

    def counts_by(self, field: str, *, day: datetime.date, fiscal_year: FiscalYear):
        """People, ID holders and new ID holders, grouped by `field`, in one query."""
        holds = Q(id_grants__granted_on__lte=day) & (
            Q(id_grants__revoked_on__isnull=True) | Q(id_grants__revoked_on__gt=day)
        )
        new = holds & Q(id_grants__granted_on__gte=fiscal_year.first_day)
        return (
            self.order_by()
            .values(field)
            .annotate(
                people=Count("pk", distinct=True),
                id_holders=Count("pk", filter=holds, distinct=True),
                new_id_holders=Count("pk", filter=new, distinct=True),
            )
        )


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="person", verbose_name=_("login account"),
    )
    # Stored beside department (which knows its organisation) so that the database can
    # enforce "one employee number per organisation"; people.roster keeps them in step.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people",
        verbose_name=_("organisation"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="people", verbose_name=_("department")
    )
    employee_number = models.CharField(_("employee number"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    kana = models.CharField(_("name in kana"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=50, blank=True,
                                 help_text=_("職名, e.g. 主事 or 課長補佐."))
    email = models.EmailField(_("e-mail"), blank=True)
    # Set when a leaver is anonymised (people.lifecycle): name and contact details are
    # gone, the records about them stay.
    anonymised_on = models.DateField(_("anonymised on"), null=True, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["kana", "employee_number"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["kana", "employee_number"], name="person_directory_order"),
            models.Index(fields=["department", "kana"], name="person_department_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "employee_number"],
                name="employee_number_unique_in_organisation",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.department_id and self.organisation_id != self.department.organisation_id:
            raise ValidationError(
                {"department": _("The department belongs to another organisation.")}
            )

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_on is not None

    def current_id_grant(self, day: datetime.date):
        return self.id_grants.active_on(day).order_by("-granted_on").first()


class IdGrantQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        return self.filter(granted_on__lte=day).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)
        )


class IdGrant(models.Model):
    """That a person was given an operator ID, when, and why. Never the ID itself."""

    class Reason(models.TextChoices):
        NEW_ASSIGNMENT = "new_assignment", _("New assignment")
        TRANSFER = "transfer", _("Transfer from another department")
        REISSUE = "reissue", _("Reissue")
        OTHER = "other", _("Other")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="id_grants", verbose_name=_("person")
    )
    granted_on = models.DateField(_("granted on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    reason = models.CharField(
        _("reason for the grant"), max_length=20, choices=Reason.choices,
        default=Reason.NEW_ASSIGNMENT,
    )

    objects = IdGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_on"]
        verbose_name = _("operator ID grant")
        verbose_name_plural = _("operator ID grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("granted_on")),
                name="id_grant_revoked_after_granted",
            ),
            models.UniqueConstraint(
                fields=["person", "granted_on"], name="one_id_grant_per_person_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.granted_on:%Y-%m-%d}"


class RoleAssignment(models.Model):
    """A role beyond operator. Operators are simply the people holding an active ID grant.

    A supervisor (所属長) supervises one department; a coordinator coordinates one
    organisation, and a coordinator of the prefecture coordinates them all; an evaluator
    controls and rates drills of one organisation.
    """

    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", _("Supervisor")
        COORDINATOR = "coordinator", _("Coordinator")
        EVALUATOR = "evaluator", _("Evaluator")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
        verbose_name=_("department"),
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
        verbose_name=_("organisation"),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="supervisor", department__isnull=False, organisation__isnull=True)
                    | Q(
                        role__in=["coordinator", "evaluator"],
                        department__isnull=True,
                        organisation__isnull=False,
                    )
                ),
                name="role_has_the_scope_it_needs",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "department"],
                condition=Q(department__isnull=False),
                name="one_supervision_per_department",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="one_role_per_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()}"

    @admin.display(description=_("covers"))
    def scope_label(self) -> str:
        """What the role covers, named in full (Department.full_name)."""
        if self.department_id is not None:
            return self.department.full_name
        return str(self.organisation)

    def clean(self):
        """The scope each role needs, in words, before the database's constraint refuses
        it; and a role is held within the person's own organisation."""
        person_organisation = self.person.organisation_id if self.person_id else None
        if self.role == self.Role.SUPERVISOR:
            if self.department_id is None or self.organisation_id is not None:
                raise ValidationError({"department": _(
                    "A supervisor supervises one department: choose the department and "
                    "leave the organisation empty.")})
            if self.department.organisation_id != person_organisation:
                raise ValidationError({"department": _(
                    "Choose a department of the person's own organisation.")})
        elif self.role in (self.Role.COORDINATOR, self.Role.EVALUATOR):
            if self.organisation_id is None or self.department_id is not None:
                raise ValidationError({"organisation": _(
                    "A coordinator or an evaluator works for one organisation: choose the "
                    "organisation and leave the department empty.")})
            if self.organisation_id != person_organisation:
                raise ValidationError({"organisation": _(
                    "Choose the person's own organisation.")})

"""What a drill is made of: the scenario authored in the admin, and the drill scheduled
from it with its own copy of the roles, objectives, injects and expected actions."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.fields import StreamField

from cms.blocks import INCIDENT_TYPES
from drills.blocks import CHANNELS, InjectBlock, ObjectiveBlock
from people.fiscal import FiscalYear, fiscal_year_bounds

CONTACT_TREE = "contact_tree"
SCENARIO_TYPES = [*INCIDENT_TYPES, (CONTACT_TREE, _("Contact-tree drill"))]


class Scenario(models.Model):
    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="scenarios",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    incident_type = models.CharField(_("incident type"), max_length=30, choices=SCENARIO_TYPES)
    summary = models.TextField(_("scenario"), help_text=_("The situation, as told to the players."))
    objectives = StreamField([("objective", ObjectiveBlock())], verbose_name=_("objectives"))
    timeline = StreamField([("inject", InjectBlock())], blank=True, verbose_name=_("timeline"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # A prefecture's scenario its municipalities may copy and adapt (drills.scenario_templates).
    offered_as_template = models.BooleanField(
        _("offered as a template"), default=False,
        help_text=_("Municipalities see it among the templates and may copy it into their "
                    "own organisation. Only a prefecture's scenarios are offered."),
    )
    # Where a copy of a template came from, when, and who copied it.
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
        editable=False, verbose_name=_("copied from template"),
    )
    copied_at = models.DateTimeField(_("copied at"), null=True, blank=True, editable=False)
    copied_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False, verbose_name=_("copied by"),
    )

    class Meta:
        ordering = ["organisation__lg_code", "title"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        constraints = [
            # One copy of a template per organisation: a second is refused with a message
            # naming the first (drills.scenario_templates), and the database holds the line.
            models.UniqueConstraint(fields=["organisation", "copied_from"],
                                    name="one_copy_of_a_template_per_organisation"),
        ]

    def __str__(self):
        return self.title


class DrillQuerySet(models.QuerySet):
    def ended(self, *, by: datetime.datetime | None = None):
        """The drills that have ended; by `by` when given, for figures as of that moment."""
        drills = self.filter(ended_at__isnull=False)
        return drills if by is None else drills.filter(ended_at__lte=by)

    def held_in(self, fiscal_year: FiscalYear, *, by: datetime.datetime | None = None):
        """The drills held in the fiscal year: those that started in it (local time) and
        have ended. The one definition of a held drill: the programme, the trends, the duty
        matrix and the annual report all count these."""
        start, end = fiscal_year_bounds(fiscal_year)
        return self.ended(by=by).filter(started_at__gte=start, started_at__lt=end)


class Drill(models.Model):
    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="drills",
        verbose_name=_("organisation"),
    )
    scenario = models.ForeignKey(
        Scenario, null=True, on_delete=models.SET_NULL, related_name="drills",
        verbose_name=_("from scenario"),
    )
    title = models.CharField(_("title"), max_length=200)
    incident_type = models.CharField(_("incident type"), max_length=30, choices=SCENARIO_TYPES)
    summary = models.TextField(_("scenario"))
    scheduled_for = models.DateTimeField(_("scheduled for"))
    join_code = models.CharField(_("join code"), max_length=12, unique=True)
    created_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    late_limit_minutes = models.PositiveIntegerField(
        _("late limit (minutes)"), default=30,
        help_text=_("An action achieved after its deadline scores less and less, down to "
                    "nothing this many minutes after the deadline."),
    )
    # The lease of the worker task recording releases (drills.tasks): at most one holds it.
    clock_token = models.CharField(max_length=32, blank=True, editable=False)
    clock_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DrillQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=False, ended_at__gte=models.F("started_at")),
                name="a_drill_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return self.title


class DrillRole(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("drill role"), max_length=100)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("drill role")
        verbose_name_plural = _("drill roles")
        constraints = [
            models.UniqueConstraint(fields=["drill", "name"], name="drill_role_names_unique")
        ]

    def __str__(self):
        return self.name


class DrillObjective(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("objective"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"))
    # Written by the coordinator for the after-action report.
    strengths = models.TextField(_("strengths"), blank=True)
    areas_for_improvement = models.TextField(_("areas for improvement"), blank=True)
    # An objective added when scheduling, to re-test an earlier drill's improvement item.
    retests = models.ForeignKey(
        "drills.ImprovementItem", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="retesting_objectives", verbose_name=_("re-tests improvement item"),
    )

    class Meta:
        ordering = ["drill", "order"]
        verbose_name = _("drill objective")
        verbose_name_plural = _("drill objectives")
        constraints = [
            models.UniqueConstraint(fields=["drill", "code"], name="drill_objective_codes_unique")
        ]

    def __str__(self):
        return f"{self.code}. {self.title}"


class DrillInject(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="injects")
    order = models.PositiveIntegerField(_("order"))
    offset = models.DurationField(_("time from the start"))
    channel = models.CharField(_("channel"), max_length=20, choices=CHANNELS)
    sender = models.CharField(_("from"), max_length=100)
    role = models.ForeignKey(
        DrillRole, on_delete=models.PROTECT, related_name="injects", verbose_name=_("to")
    )
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    is_contingency = models.BooleanField(_("contingency"), default=False)
    # Released as soon as the addressed role acknowledges this other inject (a link of a
    # contact tree, or any chain), or at `offset`, whichever comes first (drills.runs).
    released_after = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="chained",
        verbose_name=_("released after acknowledgement of"),
    )

    class Meta:
        ordering = ["drill", "offset", "order"]
        verbose_name = _("inject")
        verbose_name_plural = _("injects")

    def __str__(self):
        return self.subject


class DrillAction(models.Model):
    """An action the scenario expects, prompted by an inject, due `deadline` after it."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="actions")
    inject = models.ForeignKey(DrillInject, on_delete=models.CASCADE, related_name="actions")
    objective = models.ForeignKey(
        DrillObjective, on_delete=models.CASCADE, related_name="actions",
        verbose_name=_("objective"),
    )
    role = models.ForeignKey(
        DrillRole, on_delete=models.PROTECT, related_name="actions",
        verbose_name=_("responsible drill role"),
    )
    description = models.CharField(_("expected action"), max_length=300)
    deadline = models.DurationField(_("deadline after the inject"))
    weight = models.PositiveIntegerField(_("weight"), default=1)
    plan_step_id = models.CharField(_("plan step it tests"), max_length=64, blank=True)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["drill", "inject__offset", "order"]
        verbose_name = _("expected action")
        verbose_name_plural = _("expected actions")

    def __str__(self):
        return self.description

"""Scenarios, and the drills run from them.

A Scenario is authored in the Wagtail admin. Scheduling a Drill copies the scenario into
the drill's own rows (roles, objectives, injects, expected actions), so editing the
scenario later never changes a past drill.

Drill time is computed, never stored: see drills.clock. What is stored is what happened,
each stamped by the server: the start, pauses, the end, every release of an inject,
every log entry, tick and rating.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.fields import StreamField

from cms.blocks import INCIDENT_TYPES
from drills.blocks import CHANNELS, InjectBlock, ObjectiveBlock

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

    class Meta:
        ordering = ["organisation__lg_code", "title"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self):
        return self.title


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


class DrillPause(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(_("paused at"))
    resumed_at = models.DateTimeField(_("resumed at"), null=True, blank=True)

    class Meta:
        ordering = ["drill", "paused_at"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["drill"], condition=Q(resumed_at__isnull=True),
                name="one_open_pause_per_drill",
            ),
            models.CheckConstraint(
                condition=Q(resumed_at__isnull=True) | Q(resumed_at__gte=models.F("paused_at")),
                name="a_pause_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.drill} {self.paused_at:%H:%M:%S}"


class InjectRelease(models.Model):
    """That an inject was released: by the clock (recorded by the worker) or by the
    controller. At most one per inject, whoever records it, however often."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("On schedule")
        MANUAL = "manual", _("Released by the controller")
        CHAINED = "chained", _("On acknowledgement of the previous inject")

    inject = models.OneToOneField(DrillInject, on_delete=models.CASCADE, related_name="release")
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices)
    released_at = models.DateTimeField(_("released at"))  # when it became visible
    recorded_at = models.DateTimeField(_("recorded at"))  # when the record was written
    released_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("released by"),
    )

    class Meta:
        verbose_name = _("inject release")
        verbose_name_plural = _("inject releases")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["scheduled", "chained"], released_by__isnull=True)
                | Q(kind="manual", released_by__isnull=False),
                name="a_manual_release_says_who",
            )
        ]

    def __str__(self):
        return f"{self.inject} {self.released_at:%H:%M:%S}"


class Participant(models.Model):
    """A player: someone with an account, or a guest who joined with the drill's code."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT,
        related_name="drill_participations", verbose_name=_("person"),
    )
    display_name = models.CharField(_("name"), max_length=100)
    role = models.ForeignKey(
        DrillRole, on_delete=models.PROTECT, related_name="participants",
        verbose_name=_("drill role"),
    )
    joined_at = models.DateTimeField(_("joined at"))

    class Meta:
        ordering = ["drill", "role", "display_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "person"], condition=Q(person__isnull=False),
                name="one_participation_per_person",
            )
        ]

    def __str__(self):
        return f"{self.display_name} ({self.role})"


class LogEntry(models.Model):
    """What a participant did or decided, timestamped by the server."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="log_entries")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="log_entries"
    )
    inject = models.ForeignKey(
        DrillInject, null=True, blank=True, on_delete=models.SET_NULL, related_name="log_entries",
        verbose_name=_("in response to"),
    )
    text = models.TextField(_("what you did or decided"))
    logged_at = models.DateTimeField(_("logged at"))
    drill_time = models.DurationField(_("drill time"))

    class Meta:
        ordering = ["drill", "logged_at", "pk"]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self):
        return self.text[:50]


class AcknowledgementQuerySet(models.QuerySet):
    def by_addressed_role(self):
        """Only acknowledgements by a participant in the role the inject is addressed to:
        drills.runs refuses any other, and one written before it did never counts as a
        link's pick-up."""
        return self.filter(participant__role=models.F("inject__role"))


class InjectAcknowledgement(models.Model):
    """That a participant acknowledged an inject addressed to their role: in a
    contact-tree drill, the moment a link in the tree picked up."""

    inject = models.ForeignKey(
        DrillInject, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"))

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["inject", "participant"], name="one_ack_per_participant"
            )
        ]

    def __str__(self):
        return f"{self.inject} – {self.participant}"


class ActionTick(models.Model):
    """The evaluator's record that an expected action was achieved, and when."""

    action = models.OneToOneField(DrillAction, on_delete=models.CASCADE, related_name="tick")
    achieved_at = models.DateTimeField(_("achieved at"))
    log_entry = models.ForeignKey(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("matching log entry"),
    )
    ticked_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("ticked by")
    )
    ticked_at = models.DateTimeField(_("ticked at"))

    class Meta:
        verbose_name = _("tick")
        verbose_name_plural = _("ticks")

    def __str__(self):
        return str(self.action)


class ObjectiveRating(models.Model):
    class Rating(models.TextChoices):
        P = "P", _("P: performed without challenges")
        S = "S", _("S: performed with some challenges")
        M = "M", _("M: performed with major challenges")
        U = "U", _("U: unable to be performed")

    objective = models.OneToOneField(
        DrillObjective, on_delete=models.CASCADE, related_name="rating"
    )
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices)
    notes = models.TextField(_("notes"), blank=True)
    rated_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("rated by")
    )
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("objective rating")
        verbose_name_plural = _("objective ratings")
        constraints = [
            models.CheckConstraint(condition=Q(rating__in=["P", "S", "M", "U"]),
                                   name="rating_is_p_s_m_or_u")
        ]

    def __str__(self):
        return f"{self.objective}: {self.rating}"


class HotWashAnswer(models.Model):
    """A participant's answer to the short survey after the drill: one each."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="hot_wash_answers")
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="hot_wash_answer",
        verbose_name=_("participant"),
    )
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence (1–5)"), help_text=_("How confident you would be in a real incident.")
    )
    anonymous = models.BooleanField(_("answer anonymously"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        ordering = ["drill", "submitted_at"]
        verbose_name = _("hot wash answer")
        verbose_name_plural = _("hot wash answers")
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=1, confidence__lte=5),
                                   name="confidence_from_one_to_five")
        ]

    def __str__(self):
        return f"{self.drill} – {self.participant_id}"


class AfterActionReportQuerySet(models.QuerySet):
    def current(self):
        """The versions not superseded: at most one per drill, the final report while it
        stands. A drill with one is frozen (drills.freeze)."""
        return self.filter(superseded_at__isnull=True)


class AfterActionReport(models.Model):
    """A finalised version of the after-action report: the PDF as it was finalised, naming
    people, and the copy that names them only by their part in the drill, which is what a
    shareable link serves unless its creator chose names. Until then the report is a draft
    rendered on demand. Both copies are rendered again, from the records as of
    finalisation, when someone they name is anonymised (drills.report.frozen_reports_rewrite).

    Reopening (drills.report.report_reopen) marks the current version superseded, with
    who, when and why, and keeps it readable; finalising again makes the next version."""

    drill = models.ForeignKey(Drill, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveIntegerField(_("version"), default=1)
    finalised_at = models.DateTimeField(_("finalised at"))
    finalised_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("finalised by"),
    )
    pdf = models.BinaryField(_("PDF"))
    # Null for a report finalised before copies by role existed: made on first sharing.
    pdf_by_role = models.BinaryField(_("PDF naming people by role"), null=True)
    superseded_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reopened by"),
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    objects = AfterActionReportQuerySet.as_manager()

    class Meta:
        ordering = ["drill", "-version"]
        verbose_name = _("after-action report")
        verbose_name_plural = _("after-action reports")
        constraints = [
            models.UniqueConstraint(fields=["drill", "version"],
                                    name="one_report_per_drill_version"),
            # Two coordinators finalising at once: the database lets one through.
            models.UniqueConstraint(fields=["drill"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_report_per_drill"),
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True, superseded_by__isnull=True)
                | Q(superseded_at__isnull=False, superseded_by__isnull=False),
                name="superseded_report_says_by_whom",
            ),
        ]

    def __str__(self):
        return f"{self.drill} v{self.version}"


class ReportShareLinkQuerySet(models.QuerySet):
    def open_at(self, now):
        """Links that open their report at `now`: neither withdrawn nor expired."""
        return self.filter(withdrawn_at__isnull=True, expires_at__gt=now)


class ReportShareLink(models.Model):
    """A link that lets anyone who holds it read a finalised report without an account,
    until it expires or one of the report's writers withdraws it. Every opening is in the
    audit trail. A report has at most one open link at a time; withdrawn and expired ones
    are kept, so that the trail's events keep pointing at them."""

    report = models.ForeignKey(AfterActionReport, on_delete=models.PROTECT,
                               related_name="share_links", verbose_name=_("report"))
    token = models.CharField(_("token"), max_length=64, unique=True)
    names_shown = models.BooleanField(
        _("name the people"), default=False,
        help_text=_("Otherwise the shared copy names people only by their part in the drill."),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    expires_at = models.DateTimeField(_("expires at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey("people.Person", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("withdrawn by"))

    objects = ReportShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("shareable link")
        verbose_name_plural = _("shareable links")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="share_link_expires_after_creation"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="withdrawn_share_link_says_by_whom",
            ),
        ]

    def __str__(self):
        return f"{self.report} – {self.created_at:%Y-%m-%d}"

    def is_open_at(self, now) -> bool:
        return self.withdrawn_at is None and now < self.expires_at


class ImprovementItem(models.Model):
    """One line of the improvement plan, tracked until a later drill shows it fixed."""

    class Element(models.TextChoices):
        PLAN = "plan", _("Plan")
        ORGANISATION = "organisation", pgettext_lazy("improvement element", "Organisation")
        EQUIPMENT = "equipment", _("Equipment")
        TRAINING = "training", _("Training")
        EXERCISE = "exercise", _("Exercise")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("improvement status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed, awaiting re-test")
        VERIFIED = "verified", _("Verified by a later drill")

    drill = models.ForeignKey(Drill, on_delete=models.PROTECT, related_name="improvement_items",
                              verbose_name=_("found in drill"))
    objective = models.ForeignKey(
        DrillObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("objective"),
    )
    issue = models.TextField(_("issue"))
    corrective_action = models.TextField(_("corrective action"))
    element = models.CharField(_("element"), max_length=20, choices=Element.choices)
    department = models.ForeignKey(
        "people.Department", on_delete=models.PROTECT, related_name="improvement_items",
        verbose_name=_("responsible department"),
    )
    point_of_contact = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("point of contact"),
    )
    start_on = models.DateField(_("start date"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.OPEN)
    # The plan or training module the corrective action changes, if any.
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("plan or module changed"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    verified_in = models.ForeignKey(
        Drill, null=True, blank=True, on_delete=models.PROTECT, related_name="verified_items",
        verbose_name=_("verified in drill"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=models.F("start_on")),
                                   name="improvement_due_after_start"),
            models.CheckConstraint(
                condition=Q(status="verified", verified_in__isnull=False, verified_at__isnull=False)
                | (~Q(status="verified") & Q(verified_in__isnull=True, verified_at__isnull=True)),
                name="verified_items_say_where",
            ),
        ]

    def __str__(self):
        return self.issue[:60]


class ImprovementReminder(models.Model):
    """A reminder sent about an improvement item; `key` makes each one go out once."""

    key = models.CharField(max_length=120, unique=True, editable=False)
    item = models.ForeignKey(ImprovementItem, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))
    emailed_to = models.EmailField(_("e-mailed to"), blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("improvement reminder")
        verbose_name_plural = _("improvement reminders")

    def __str__(self):
        return self.key

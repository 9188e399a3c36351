"""Onward sharing (伝達研修): attendees brief the colleagues who missed a session.

When a session's attendance closes, each department concerned gets a DepartmentSharing:
its duty to pass the session on. Every ID holder there who did not attend gets a
BriefingObligation. Briefings discharge obligations, the colleague (or their supervisor,
saying why) confirms receipt, the supervisor confirms the department, and the
DepartmentReport goes to the coordinator.

No stage is stored: an obligation's stage follows from its dates, briefings and
confirmation (see training.sharing.Stage), so records cannot disagree with each other.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DepartmentSharing(models.Model):
    """One department's duty to pass one session on to its absent ID holders."""

    session = models.ForeignKey(
        "training.TrainingSession", on_delete=models.CASCADE, related_name="sharings",
        verbose_name=_("session"),
    )
    department = models.ForeignKey(
        "people.Department", on_delete=models.PROTECT, related_name="sharings",
        verbose_name=_("department"),
    )
    created_at = models.DateTimeField(_("created at"))
    # When the department's report is due; a colleague who joins later gets their own.
    due_on = models.DateField(_("report due on"))

    class Meta:
        ordering = ["session", "department__code"]
        verbose_name = _("department onward sharing")
        verbose_name_plural = _("department onward sharing")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "department"], name="one_sharing_per_session_department"
            )
        ]

    def __str__(self):
        return f"{self.session} – {self.department}"


class BriefingObligation(models.Model):
    """That one ID holder must be briefed on one session, by a due date."""

    class Origin(models.TextChoices):
        ABSENT = "absent", _("Did not attend the session")
        NEW_ID_HOLDER = "new_id_holder", _("Received an ID after the session")
        MOVED_IN = "moved_in", _("Moved into the department")
        ADDED = "added", _("Added by the supervisor")

    class Dropped(models.TextChoices):
        ID_REVOKED = "id_revoked", _("No longer holds an ID")
        MOVED_OUT = "moved_out", _("Moved to another department")
        ATTENDED_ELSEWHERE = "attended_elsewhere", _("Attended a session covering the same modules")
        BRIEFED_ELSEWHERE = "briefed_elsewhere", _(
            "Briefed and confirmed on a session covering the same modules"
        )

    sharing = models.ForeignKey(
        DepartmentSharing, on_delete=models.CASCADE, related_name="obligations",
        verbose_name=_("department onward sharing"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="briefing_obligations",
        verbose_name=_("colleague to brief"),
    )
    origin = models.CharField(_("why"), max_length=20, choices=Origin.choices)
    created_at = models.DateTimeField(_("created at"))
    due_on = models.DateField(_("due on"))
    # Someone who leaves the department or loses their ID drops out; the row stays, so
    # the history of who was to be briefed, and of any briefing given, is kept.
    dropped_at = models.DateTimeField(_("dropped at"), null=True, blank=True)
    dropped_reason = models.CharField(
        _("dropped because"), max_length=20, choices=Dropped.choices, blank=True
    )

    class Meta:
        ordering = ["sharing", "person__kana", "person__employee_number"]
        verbose_name = _("briefing obligation")
        verbose_name_plural = _("briefing obligations")
        constraints = [
            models.UniqueConstraint(
                fields=["sharing", "person"], condition=Q(dropped_at__isnull=True),
                name="one_live_obligation_per_person",
            ),
            models.CheckConstraint(
                condition=Q(dropped_at__isnull=True, dropped_reason="")
                | (Q(dropped_at__isnull=False) & ~Q(dropped_reason="")),
                name="a_dropped_obligation_says_why",
            ),
        ]
        indexes = [models.Index(fields=["person", "dropped_at"], name="obligation_person")]

    def __str__(self):
        return f"{self.sharing} – {self.person}"


class Briefing(models.Model):
    """A briefing given by an attendee (or the supervisor) to colleagues of one department."""

    class Method(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        MATERIAL = "material", _("Circulated material")
        ONE_TO_ONE = "one_to_one", _("One-to-one")

    sharing = models.ForeignKey(
        DepartmentSharing, on_delete=models.CASCADE, related_name="briefings",
        verbose_name=_("department onward sharing"),
    )
    briefed_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="briefings_given",
        verbose_name=_("briefed by"),
    )
    held_on = models.DateField(_("held on"))
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    obligations = models.ManyToManyField(
        BriefingObligation, related_name="briefings", verbose_name=_("colleagues briefed")
    )
    materials = models.ManyToManyField(
        "cms.TrainingModulePage", blank=True, related_name="+", verbose_name=_("materials")
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-held_on", "-recorded_at"]
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")

    def __str__(self):
        return f"{self.sharing} {self.held_on:%Y-%m-%d} {self.briefed_by}"


class MaterialOpening(models.Model):
    """That a briefed colleague opened one of the briefing's materials, and when first."""

    obligation = models.ForeignKey(
        BriefingObligation, on_delete=models.CASCADE, related_name="openings",
        verbose_name=_("briefing obligation"),
    )
    page = models.ForeignKey(
        "cms.TrainingModulePage", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("material"),
    )
    opened_at = models.DateTimeField(_("first opened at"))

    class Meta:
        verbose_name = _("material opened")
        verbose_name_plural = _("materials opened")
        constraints = [
            models.UniqueConstraint(fields=["obligation", "page"], name="one_opening_per_material")
        ]

    def __str__(self):
        return f"{self.obligation} – {self.page}"


class BriefingConfirmation(models.Model):
    """The colleague's confirmation that they were briefed, or the supervisor's on their
    behalf (e.g. they signed the paper sheet), which must say why."""

    obligation = models.OneToOneField(
        BriefingObligation, on_delete=models.CASCADE, related_name="confirmation",
        verbose_name=_("briefing obligation"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))
    recorded_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    on_behalf = models.BooleanField(_("recorded on the colleague's behalf"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("briefing confirmation")
        verbose_name_plural = _("briefing confirmations")
        constraints = [
            models.CheckConstraint(
                condition=Q(on_behalf=False) | ~Q(note=""),
                name="a_confirmation_on_behalf_says_why",
            )
        ]

    def __str__(self):
        return str(self.obligation)


class DepartmentConfirmation(models.Model):
    """The supervisor's statement that they checked each colleague. A department may be
    confirmed again when someone joins after it was confirmed; the latest one counts."""

    sharing = models.ForeignKey(
        DepartmentSharing, on_delete=models.CASCADE, related_name="confirmations",
        verbose_name=_("department onward sharing"),
    )
    confirmed_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))

    class Meta:
        ordering = ["-confirmed_at"]
        verbose_name = _("department confirmation")
        verbose_name_plural = _("department confirmations")

    def __str__(self):
        return f"{self.sharing} – {self.confirmed_by}"


class DepartmentReport(models.Model):
    """The report the coordinator receives: the counts and the PDF as they were when the
    supervisor submitted it, so later changes never rewrite what was reported."""

    sharing = models.OneToOneField(
        DepartmentSharing, on_delete=models.PROTECT, related_name="report",
        verbose_name=_("department onward sharing"),
    )
    confirmation = models.OneToOneField(
        DepartmentConfirmation, on_delete=models.PROTECT, related_name="report",
        verbose_name=_("supervisor's confirmation"),
    )
    submitted_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    id_holders = models.PositiveIntegerField(_("ID holders"))
    attended = models.PositiveIntegerField(_("attended"))
    briefed = models.PositiveIntegerField(_("briefed"))
    confirmed = models.PositiveIntegerField(_("confirmed by the colleague"))
    dropped = models.PositiveIntegerField(_("dropped out"))
    pdf = models.BinaryField(_("PDF"))

    class Meta:
        verbose_name = _("department report")
        verbose_name_plural = _("department reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed__lte=F("briefed")), name="report_confirmed_within_briefed"
            )
        ]

    def __str__(self):
        return str(self.sharing)


class ReminderLadder(models.Model):
    """When an organisation's reminders (onward sharing, required reading, the quiz) go
    out, relative to their due date: the rungs count the organisation's working days
    (people.calendar), the due dates themselves calendar days."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="reminder_ladder",
        verbose_name=_("organisation"),
    )
    days_before_due = models.PositiveIntegerField(
        _("remind briefers and colleagues this many working days before the due date"), default=7
    )
    supervisor_days_after_due = models.PositiveIntegerField(
        _("remind the supervisor this many working days after the due date"), default=0
    )
    coordinator_days_after_due = models.PositiveIntegerField(
        _("escalate to the coordinators this many working days after the due date"), default=7
    )
    # The same rungs serve required reading and the quiz; these say when each is due.
    reading_days = models.PositiveIntegerField(
        _("required reading is due this many days after the person became obliged"),
        default=30,
    )
    quiz_days = models.PositiveIntegerField(
        _("the quiz is due this many days after the session attended or the briefing "
          "confirmed"), default=30,
    )

    class Meta:
        verbose_name = _("reminder ladder")
        verbose_name_plural = _("reminder ladders")
        constraints = [
            models.CheckConstraint(
                condition=Q(coordinator_days_after_due__gte=F("supervisor_days_after_due")),
                name="coordinators_hear_after_the_supervisor",
            )
        ]

    def __str__(self):
        return str(self.organisation)


class Notice(models.Model):
    """A notification someone was sent, in the app and by e-mail if they have an address.

    `key` names the notice (which rung of the ladder, about what, to whom): the unique
    key is what makes re-running the reminder job harmless.
    """

    class Kind(models.TextChoices):
        COLLEAGUE_BEFORE_DUE = "colleague_before_due", _("Reminder to a colleague to be briefed")
        BRIEFER_BEFORE_DUE = "briefer_before_due", _("Reminder to an attendee to brief colleagues")
        SUPERVISOR_DUE = "supervisor_due", _("Reminder to the supervisor at the due date")
        COORDINATOR_OVERDUE = "coordinator_overdue", _("Escalation to the coordinator")
        BRIEFING_RECORDED = "briefing_recorded", _("A briefing was recorded for the colleague")
        READING_DUE = "reading_due", _("Reminder to read a required page")
        READING_SUPERVISOR = "reading_supervisor", _("Required reading overdue: to the supervisor")
        READING_COORDINATOR = "reading_coordinator", _(
            "Required reading overdue: escalation to the coordinator")
        QUIZ_DUE = "quiz_due", _("Reminder to pass the quiz")
        QUIZ_SUPERVISOR = "quiz_supervisor", _("Quiz not passed: to the supervisor")
        QUIZ_COORDINATOR = "quiz_coordinator", _("Quiz not passed: escalation to the coordinator")
        DUTY_ROUND = "duty_round", _("Reminder round from the duty matrix")

    key = models.CharField(max_length=120, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    recipient = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="notices",
        verbose_name=_("recipient"),
    )
    # Only the onward-sharing notices concern a sharing; reading, quiz and the matrix's
    # reminder rounds concern the recipient's own duties.
    sharing = models.ForeignKey(
        DepartmentSharing, on_delete=models.CASCADE, related_name="notices",
        verbose_name=_("department onward sharing"), null=True, blank=True,
    )
    message = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent at"))
    emailed_to = models.EmailField(_("e-mailed to"), blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["recipient", "-sent_at"], name="notice_recipient")]

    def __str__(self):
        return self.key

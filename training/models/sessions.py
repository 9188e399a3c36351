"""Training sessions (担当者研修会), who is invited, and who attended."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_checkin_secret():
    return secrets.token_hex(16)


class TrainingSession(models.Model):
    class Audience(models.TextChoices):
        ID_HOLDERS = "id_holders", _("All ID holders of the chosen departments")
        NEW_ID_HOLDERS = "new_id_holders", _("New ID holders of the chosen departments only")

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="training_sessions",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"))
    modules = models.ManyToManyField(
        "cms.TrainingModulePage", blank=True, related_name="training_sessions",
        verbose_name=_("modules covered"),
    )
    quiz = models.ForeignKey(
        "training.Quiz", null=True, blank=True, on_delete=models.PROTECT,
        related_name="sessions", verbose_name=_("quiz"),
    )
    audience = models.CharField(
        _("invite"), max_length=20, choices=Audience.choices, default=Audience.ID_HOLDERS
    )
    departments = models.ManyToManyField(
        "people.Department", blank=True, related_name="+",
        verbose_name=_("departments invited"),
        help_text=_("Leave empty to invite every department of the organisation."),
    )
    briefing_due_days = models.PositiveIntegerField(
        _("days to brief absent colleagues"), default=30,
        help_text=_("After attendance closes, attendees have this long to brief colleagues."),
    )
    attendance_closed_at = models.DateTimeField(_("attendance closed at"), null=True, blank=True)
    # The version of the calendar entry (RFC 5545 SEQUENCE and LAST-MODIFIED): a calendar
    # that imported the session's .ics replaces its entry only with a higher SEQUENCE, so
    # a rescheduled session must raise it (see `calendar_changed`).
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    calendar_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    # Signs the rotating check-in codes; never shown.
    checkin_secret = models.CharField(max_length=64, default=new_checkin_secret, editable=False)

    # What the .ics file says of the session (training.session_documents.session_calendar).
    CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "venue", "modules")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return self.title

    def calendar_changed(self, *, now) -> None:
        """Note that what the calendar entry says changed (not saved: the caller saves)."""
        self.calendar_sequence += 1
        self.calendar_changed_at = now


class Invitation(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="invitations",
        verbose_name=_("session"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="invitations",
        verbose_name=_("person"),
    )
    invited_at = models.DateTimeField(_("invited at"))

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_invitation_per_person")
        ]

    def __str__(self):
        return f"{self.session} – {self.person}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    class Method(models.TextChoices):
        QR = "qr", _("QR check-in")
        ROSTER = "roster", _("Roster")
        IMPORT = "import", _("Imported sign-in sheet")

    ATTENDED = (Status.PRESENT, Status.LATE)

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances",
        verbose_name=_("session"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="attendances",
        verbose_name=_("person"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    method = models.CharField(_("recorded by way of"), max_length=10, choices=Method.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_attendance_per_person")
        ]

    def __str__(self):
        return f"{self.session} – {self.person}: {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in self.ATTENDED

"""What happened while a drill ran, each stamped by the server: pauses, releases, the
participants, their log entries and acknowledgements."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drills.models.scenarios import Drill, DrillInject, DrillRole


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

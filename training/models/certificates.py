"""Certificates for a passed quiz with recorded attendance, verifiable by their code."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from training.models.routes import Route


class Certificate(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="certificates",
        verbose_name=_("person"),
    )
    session = models.ForeignKey(
        "training.TrainingSession", on_delete=models.PROTECT, related_name="certificates",
        verbose_name=_("session"),
    )
    attempt = models.OneToOneField(
        "training.Attempt", on_delete=models.PROTECT, related_name="certificate",
        verbose_name=_("passing attempt"),
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    # How it was earned; a route other than attendance only where the course policy of
    # the session's organisation and fiscal year let it count (training.routes).
    route = models.CharField(_("route"), max_length=20, choices=Route.choices,
                             default=Route.ATTENDED)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoked_reason=""),
                name="a_revoked_certificate_says_why",
            ),
            # Valid through its expiry day: one issued on 31 March may expire that day.
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("issued_on")),
                name="certificate_expires_on_or_after_issue",
            ),
            # A second passing attempt at the same session earns no second certificate;
            # a revoked one does not count, so a retake after revocation can earn one.
            models.UniqueConstraint(
                fields=["person", "session"], condition=models.Q(revoked_at__isnull=True),
                name="one_valid_certificate_per_person_per_session",
            ),
        ]

    def __str__(self):
        return self.code


class CertificateReminder(models.Model):
    """The retraining reminder sent before a certificate expires: at most one per certificate.

    The row is written in the same transaction that sends the e-mail, so a reminder that
    failed to send leaves no row and goes out on the next run, and one that was sent is
    never sent again (the one-to-one key refuses a second row).
    """

    certificate = models.OneToOneField(
        Certificate, on_delete=models.CASCADE, related_name="reminder",
        verbose_name=_("certificate"),
    )
    sent_at = models.DateTimeField(_("sent at"))
    sent_to = models.EmailField(_("sent to"))

    class Meta:
        verbose_name = _("certificate reminder")
        verbose_name_plural = _("certificate reminders")

    def __str__(self):
        return f"{self.certificate} → {self.sent_to}"

"""The after-action report's finalised versions, and the links that share them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Letterhead
from drills.models.scenarios import Drill


class AfterActionReportQuerySet(models.QuerySet):
    def current(self):
        """The versions not superseded: at most one per drill, the final report while it
        stands. A drill with one is frozen (drills.freeze)."""
        return self.filter(superseded_at__isnull=True)


class AfterActionReport(Letterhead):
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

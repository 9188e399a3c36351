from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Letterhead


class AnnualReport(Letterhead):
    """A finalised annual report to the protection council: its figures and its PDF as
    they stood when finalised (the draft's figures the coordinator finalised)."""

    fiscal_year = models.PositiveIntegerField(_("fiscal year"), unique=True)
    figures = models.JSONField(_("figures"))
    pdf = models.BinaryField(_("PDF"))
    finalised_at = models.DateTimeField(_("finalised at"))
    finalised_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("finalised by"),
    )

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")

    def __str__(self):
        return f"{self.fiscal_year}"


class AnnualDraft(models.Model):
    """The latest draft of a fiscal year's annual report, and its next build if one is
    under way. At a prefecture's size a build takes seconds, so it can run as a task
    while the page shows how far it is (reports.annual.drafts); the figures shown, printed
    and finalised are the ones stored here, counted as of `counted_at`."""

    fiscal_year = models.PositiveIntegerField(_("fiscal year"), unique=True)
    figures = models.JSONField(_("figures"), null=True)
    counted_at = models.DateTimeField(_("counted at"), null=True)
    build_seconds = models.FloatField(_("build time (seconds)"), null=True)
    # A build under way: when it was asked for, and how many of its tables are done.
    building_since = models.DateTimeField(_("building since"), null=True)
    tables_done = models.PositiveSmallIntegerField(_("tables done"), default=0)
    tables_total = models.PositiveSmallIntegerField(_("tables in all"), default=0)
    failure = models.TextField(_("last failure"), blank=True)

    class Meta:
        verbose_name = _("annual report draft")
        verbose_name_plural = _("annual report drafts")

    def __str__(self):
        return f"{self.fiscal_year}"

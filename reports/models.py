from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualReport(models.Model):
    """A finalised annual report to the protection council: its figures and its PDF as
    they stood when finalised. A draft is never stored; it is built afresh each time."""

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

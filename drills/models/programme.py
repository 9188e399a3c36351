"""The annual drill programme: the drills each organisation plans for a fiscal year, each
linked to the drill that held it once one is scheduled; and where a scenario copied from
a prefecture's template came from (Scenario.copied_from)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PlannedDrill(models.Model):
    """A drill an organisation plans for a fiscal year (年度訓練計画): in a month, or on a
    day of it, from a scenario where one is chosen. `drill` is the drill that holds it,
    once scheduled; the plan is "held" when that drill has ended."""

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="planned_drills",
        verbose_name=_("organisation"),
    )
    fiscal_year = models.PositiveIntegerField(
        _("fiscal year"), help_text=_("The calendar year in which the fiscal year starts."),
    )
    # Always the first day of the planned month; `planned_on` narrows it to a day.
    planned_month = models.DateField(_("planned month"))
    planned_on = models.DateField(_("planned day"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    scenario = models.ForeignKey(
        "drills.Scenario", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="planned_drills", verbose_name=_("scenario"),
    )
    note = models.TextField(_("note"), blank=True)
    drill = models.OneToOneField(
        "drills.Drill", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="planned_as", verbose_name=_("held by drill"),
    )
    created_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("planned at"))

    class Meta:
        ordering = ["fiscal_year", "planned_month", "planned_on", "pk"]
        verbose_name = _("planned drill")
        verbose_name_plural = _("planned drills")
        indexes = [models.Index(fields=["fiscal_year", "organisation"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_on__isnull=True) | Q(planned_on__gte=models.F("planned_month")),
                name="a_planned_day_lies_in_its_month",
            )
        ]

    def __str__(self):
        return self.title

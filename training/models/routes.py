"""Routes to completion: how a person may earn the fiscal year's certificate.

Attending the session and passing its quiz is the usual route. For those who missed the
session, a coordinator decides per organisation and fiscal year (CoursePolicy) whether a
briefing plus online study counts, and whether online study alone counts for someone given
an ID after the session. Online study is recorded per module opened (ModuleStudy).
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from people.fiscal import FiscalYear, fiscal_year_of


class Route(models.TextChoices):
    ATTENDED = "attended", _("Attended the training session")
    BRIEFED_ONLINE = "briefed_online", _("Briefed and studied online")
    ONLINE_ONLY = "online_only", _("Studied online only")


class CoursePolicy(models.Model):
    """Which routes besides attendance count, for one organisation's fiscal year."""

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.CASCADE, related_name="course_policies",
        verbose_name=_("organisation"),
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), help_text=_("The year the fiscal year starts in, e.g. 2026 for "
                                      "April 2026 to March 2027."),
    )
    briefed_online_counts = models.BooleanField(
        _("briefing plus online study counts"), default=False,
        help_text=_("A colleague who was briefed and confirmed it may study the modules "
                    "online and take the session's quiz."),
    )
    online_only_counts = models.BooleanField(
        _("online study alone counts for mid-year ID holders"), default=False,
        help_text=_("Someone given an ID after the session may study the modules online and "
                    "take the session's quiz without a briefing."),
    )

    class Validity(models.TextChoices):
        FISCAL_YEAR_END = "fiscal_year_end", _("To the end of a fiscal year")
        DAYS = "days", _("A number of days")

    # How long the year's certificates are valid. Offices think in fiscal years: by
    # default a certificate is valid to the end of the fiscal year it was issued in.
    certificate_validity = models.CharField(
        _("certificates valid"), max_length=20, choices=Validity.choices,
        default=Validity.FISCAL_YEAR_END,
    )
    certificate_extra_years = models.PositiveSmallIntegerField(
        _("further fiscal years"), default=0,
        help_text=_("To the end of a fiscal year: 0 for the fiscal year of issue, 1 for the "
                    "next one, and so on."),
    )
    certificate_valid_days = models.PositiveSmallIntegerField(
        _("days valid"), default=365,
        help_text=_("A number of days: how many days after its issue a certificate expires."),
    )

    class Meta:
        ordering = ["organisation", "-fiscal_year"]
        verbose_name = _("course policy")
        verbose_name_plural = _("course policies")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "fiscal_year"], name="one_course_policy_per_year"
            )
        ]

    def __str__(self):
        return f"{self.organisation} {self.fiscal_year}"

    def certificate_expires_on(self, issued_on: datetime.date) -> datetime.date:
        """The last day a certificate issued on `issued_on` is valid."""
        if self.certificate_validity == self.Validity.DAYS:
            return issued_on + datetime.timedelta(days=self.certificate_valid_days)
        return FiscalYear(fiscal_year_of(issued_on).year + self.certificate_extra_years).last_day

    def counts(self, route: str) -> bool:
        return {
            Route.ATTENDED: True,
            Route.BRIEFED_ONLINE: self.briefed_online_counts,
            Route.ONLINE_ONLY: self.online_only_counts,
        }[route]


class ModuleStudy(models.Model):
    """That a person opened one of a session's modules for online study, and when first."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="module_studies",
        verbose_name=_("person"),
    )
    session = models.ForeignKey(
        "training.TrainingSession", on_delete=models.CASCADE, related_name="module_studies",
        verbose_name=_("session"),
    )
    page = models.ForeignKey(
        "cms.TrainingModulePage", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("module"),
    )
    opened_at = models.DateTimeField(_("first opened at"))

    class Meta:
        verbose_name = _("module studied online")
        verbose_name_plural = _("modules studied online")
        constraints = [
            models.UniqueConstraint(fields=["person", "session", "page"],
                                    name="one_study_per_module")
        ]

    def __str__(self):
        return f"{self.person} – {self.page_id}"

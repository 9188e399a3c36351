"""Acknowledgements of required reading."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Acknowledgement(models.Model):
    """A person confirmed they read one exact revision of a page.

    When a supervisor records it on someone's behalf (the colleague signed the paper
    sheet, say), `recorded_by` is the supervisor and `note` says how.
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="acknowledgements",
        verbose_name=_("person"),
    )
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("page")
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("revision"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"))
    language = models.CharField(_("language shown"), max_length=10)
    recorded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded on their behalf by"),
    )
    note = models.TextField(_("how it was confirmed"), blank=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "revision"], name="one_acknowledgement_per_revision"
            ),
            models.CheckConstraint(
                condition=models.Q(recorded_by__isnull=True) | ~models.Q(note=""),
                name="acknowledgement_on_behalf_says_how",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.page_id}@{self.revision_id}"

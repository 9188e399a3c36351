"""The improvement plan: items found in a drill, followed until a later drill verifies
them, and the reminders sent about them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from drills.models.scenarios import Drill, DrillObjective


class ImprovementItem(models.Model):
    """One line of the improvement plan, tracked until a later drill shows it fixed."""

    class Element(models.TextChoices):
        PLAN = "plan", _("Plan")
        ORGANISATION = "organisation", pgettext_lazy("improvement element", "Organisation")
        EQUIPMENT = "equipment", _("Equipment")
        TRAINING = "training", _("Training")
        EXERCISE = "exercise", _("Exercise")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("improvement status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed, awaiting re-test")
        VERIFIED = "verified", _("Verified by a later drill")

    drill = models.ForeignKey(Drill, on_delete=models.PROTECT, related_name="improvement_items",
                              verbose_name=_("found in drill"))
    objective = models.ForeignKey(
        DrillObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("objective"),
    )
    issue = models.TextField(_("issue"))
    corrective_action = models.TextField(_("corrective action"))
    element = models.CharField(_("element"), max_length=20, choices=Element.choices)
    department = models.ForeignKey(
        "people.Department", on_delete=models.PROTECT, related_name="improvement_items",
        verbose_name=_("responsible department"),
    )
    point_of_contact = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("point of contact"),
    )
    start_on = models.DateField(_("start date"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.OPEN)
    # The plan or training module the corrective action changes, if any.
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("plan or module changed"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    verified_in = models.ForeignKey(
        Drill, null=True, blank=True, on_delete=models.PROTECT, related_name="verified_items",
        verbose_name=_("verified in drill"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=models.F("start_on")),
                                   name="improvement_due_after_start"),
            models.CheckConstraint(
                condition=Q(status="verified", verified_in__isnull=False, verified_at__isnull=False)
                | (~Q(status="verified") & Q(verified_in__isnull=True, verified_at__isnull=True)),
                name="verified_items_say_where",
            ),
        ]

    def __str__(self):
        return self.issue[:60]


class ImprovementReminder(models.Model):
    """A reminder sent about an improvement item; `key` makes each one go out once."""

    key = models.CharField(max_length=120, unique=True, editable=False)
    item = models.ForeignKey(ImprovementItem, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))
    emailed_to = models.EmailField(_("e-mailed to"), blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("improvement reminder")
        verbose_name_plural = _("improvement reminders")

    def __str__(self):
        return self.key

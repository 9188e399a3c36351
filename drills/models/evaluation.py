"""The evaluation: ticks of the expected actions, ratings of the objectives, and the
participants' hot wash answers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drills.models.runs import LogEntry, Participant
from drills.models.scenarios import Drill, DrillAction, DrillObjective


class ActionTick(models.Model):
    """The evaluator's record that an expected action was achieved, and when."""

    action = models.OneToOneField(DrillAction, on_delete=models.CASCADE, related_name="tick")
    achieved_at = models.DateTimeField(_("achieved at"))
    log_entry = models.ForeignKey(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("matching log entry"),
    )
    ticked_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("ticked by")
    )
    ticked_at = models.DateTimeField(_("ticked at"))

    class Meta:
        verbose_name = _("tick")
        verbose_name_plural = _("ticks")

    def __str__(self):
        return str(self.action)


class ObjectiveRating(models.Model):
    class Rating(models.TextChoices):
        P = "P", _("P: performed without challenges")
        S = "S", _("S: performed with some challenges")
        M = "M", _("M: performed with major challenges")
        U = "U", _("U: unable to be performed")

    objective = models.OneToOneField(
        DrillObjective, on_delete=models.CASCADE, related_name="rating"
    )
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices)
    notes = models.TextField(_("notes"), blank=True)
    rated_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("rated by")
    )
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("objective rating")
        verbose_name_plural = _("objective ratings")
        constraints = [
            models.CheckConstraint(condition=Q(rating__in=["P", "S", "M", "U"]),
                                   name="rating_is_p_s_m_or_u")
        ]

    def __str__(self):
        return f"{self.objective}: {self.rating}"


class HotWashAnswer(models.Model):
    """A participant's answer to the short survey after the drill: one each."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="hot_wash_answers")
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="hot_wash_answer",
        verbose_name=_("participant"),
    )
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence (1–5)"), help_text=_("How confident you would be in a real incident.")
    )
    anonymous = models.BooleanField(_("answer anonymously"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        ordering = ["drill", "submitted_at"]
        verbose_name = _("hot wash answer")
        verbose_name_plural = _("hot wash answers")
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=1, confidence__lte=5),
                                   name="confidence_from_one_to_five")
        ]

    def __str__(self):
        return f"{self.drill} – {self.participant_id}"

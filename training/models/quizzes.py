"""The question bank, quizzes, and attempts graded once on the server's clock."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.numbers import Percent, percent


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="questions",
        verbose_name=_("organisation"),
    )
    category = models.CharField(_("category"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), help_text=_("Shown after submitting."))
    module = models.ForeignKey(
        "cms.TrainingModulePage", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("module it tests"),
    )
    section_id = models.CharField(
        _("section it tests"), max_length=64, blank=True,
        help_text=_("The id of the heading block in the module; the review links there."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text[:60]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("choice"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


class Quiz(models.Model):
    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="quizzes",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=20)
    grace_seconds = models.PositiveIntegerField(
        _("grace (seconds)"), default=30,
        help_text=_("Answers arriving this long after the limit still count (network delay)."),
    )
    pass_mark_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    cooldown_minutes = models.PositiveIntegerField(_("wait between attempts (minutes)"), default=60)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark_percent__lte=100), name="pass_mark_is_a_percentage"
            )
        ]

    def __str__(self):
        return self.title


class QuizRule(models.Model):
    """Draw `count` questions at random from one category of the bank."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="rules",
                             verbose_name=_("quiz"))
    category = models.CharField(_("category"), max_length=100)
    count = models.PositiveSmallIntegerField(_("number of questions"))

    class Meta:
        verbose_name = _("selection rule")
        verbose_name_plural = _("selection rules")

    def __str__(self):
        return f"{self.category} × {self.count}"


class Attempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts",
                             verbose_name=_("quiz"))
    session = models.ForeignKey(
        "training.TrainingSession", on_delete=models.PROTECT, related_name="attempts",
        verbose_name=_("session"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="attempts",
        verbose_name=_("person"),
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score_percent = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "person", "number"], name="attempt_numbers_are_unique"
            )
        ]

    def __str__(self):
        return f"{self.quiz} – {self.person} #{self.number}"

    @property
    def score(self) -> Percent | None:
        """The score as exports write it (90%, not 90.00); None until graded."""
        return None if self.score_percent is None else Percent(self.score_percent)

    def get_score_percent_display(self) -> str:
        """The score as the admin's inspect view shows it: 90%, not 90.00."""
        return percent(self.score_percent)


class AttemptQuestion(models.Model):
    """A question as drawn for one attempt: its place, its choices' order, and the answer."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="questions", verbose_name=_("attempt")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    choice_order = models.JSONField(_("order of the choices"))  # list of Choice ids
    answer = models.JSONField(_("answer"), null=True, blank=True)  # list of Choice ids
    is_correct = models.BooleanField(_("correct"), null=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="a_question_once_per_attempt"
            ),
        ]

    def __str__(self):
        return f"{self.attempt} Q{self.position}"

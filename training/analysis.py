"""Item analysis of a quiz: how hard each question is, and how well it separates.

Population: the graded attempts at the quiz (submitted, with a score), or only those by
staff of one department when a department is chosen. Every figure is given twice: over
all attempts, and over first attempts only (attempt number 1, a person's first try at
the quiz), because retakes after reading the review make questions look easier.

Facility index of a question: the share of the attempts that were asked it that answered
it correctly, from 0 to 1.

Discrimination index D (the upper and lower 27 %): rank the N attempts of the population
by score, highest first, ties broken by the earlier attempt (smaller id) first. The upper
group is the first k attempts and the lower group the last k, with k = 0.27 × N rounded
to the nearest whole number, halves up (N = 10 gives k = 3; N = 1 gives k = 0, no
groups). For a question, D = p_U − p_L: p_U is the share correct among the upper-group
attempts that were asked the question, p_L the same for the lower group. Questions are
drawn at random, so a group may hold no attempt that was asked a question; D is then
undefined (None). D runs from −1 to 1: near 0 or below, the question does not tell
strong candidates from weak ones and is worth a look. The score includes the question
itself; no correction is made for that.

Choices: how many of the attempts asked the question picked each choice (an answer to a
multiple-choice question counts once for every choice it picked).

Flags: a question is worth a look when its facility over all attempts is below 0.3 (too
hard, or wrongly keyed) or above 0.9 (too easy to tell anyone apart), when its
discrimination is below 0.2, or when a wrong choice was picked by nobody (a distractor
that distracts nobody only makes the question easier to guess).

Everything is counted in the database, in six queries whatever the number of attempts:
the ranking (attempt ids and scores only), the per-question counts, the choice counts,
the questions, their choices, and the per-department table.

The page reads the counts from the shared cache (`cached_quiz_analysis`): at 10,000
attempts they take half a second to count, and they change only when an attempt at the
quiz is graded or a question is edited. Both writes give a new stamp (`attempts_graded`,
`questions_edited`) once they commit, and the cached counts are filed under the stamps
they were counted with, so the next request after such a write counts again. What no
stamp follows (a person moved to another department, a department renamed) shows after
ANALYSIS_SECONDS at the latest. The counts are the quiz's, whoever reads them: who may
read them is asked before (training.access.get_quiz_analysis_for).
"""

import dataclasses
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from core.numbers import percent
from people.models import Person
from training.models import Attempt, AttemptQuestion, Choice, Question, Quiz

logger = logging.getLogger(__name__)

UPPER_LOWER_PERCENT = 27
TOO_HARD_BELOW = 0.3  # facility
TOO_EASY_ABOVE = 0.9  # facility
WEAK_DISCRIMINATION_BELOW = 0.2


def group_size(attempts: int) -> int:
    """round(0.27 × attempts), halves up, in integers."""
    return (UPPER_LOWER_PERCENT * attempts + 50) // 100


@dataclass(frozen=True)
class Groups:
    """The upper and lower groups of a ranked population, as conditions on AttemptQuestion."""

    size: int
    upper: Q | None = None
    lower: Q | None = None

    @classmethod
    def of(cls, ranked: list[tuple[int, Decimal]]) -> "Groups":
        """`ranked`: (attempt id, score), highest score first, ties by smaller id first.

        The groups are given by their boundary attempts, not by lists of ids, so that the
        query stays the same size however many attempts there are.
        """
        k = group_size(len(ranked))
        if k == 0:
            return cls(0)
        last_upper_id, last_upper_score = ranked[k - 1]
        first_lower_id, first_lower_score = ranked[len(ranked) - k]
        return cls(
            k,
            upper=Q(attempt__score_percent__gt=last_upper_score)
            | Q(attempt__score_percent=last_upper_score, attempt_id__lte=last_upper_id),
            lower=Q(attempt__score_percent__lt=first_lower_score)
            | Q(attempt__score_percent=first_lower_score, attempt_id__gte=first_lower_id),
        )


@dataclass(frozen=True)
class Figures:
    asked: int = 0
    correct: int = 0
    upper_asked: int = 0
    upper_correct: int = 0
    lower_asked: int = 0
    lower_correct: int = 0

    @property
    def facility(self) -> float | None:
        return self.correct / self.asked if self.asked else None

    @property
    def discrimination(self) -> float | None:
        if not (self.upper_asked and self.lower_asked):
            return None
        return self.upper_correct / self.upper_asked - self.lower_correct / self.lower_asked


@dataclass(frozen=True)
class ChoiceFigures:
    choice: Choice
    picked: int  # over all attempts
    first_picked: int  # over first attempts
    asked: int  # how many attempts were asked the question
    first_asked: int

    @property
    def share(self) -> float | None:
        return self.picked / self.asked if self.asked else None

    @property
    def first_share(self) -> float | None:
        return self.first_picked / self.first_asked if self.first_asked else None


def flag_limits() -> dict[str, str]:
    """The limits as the flags and the page word them: {"too_hard": "30%", ...}."""
    return {"too_hard": percent(TOO_HARD_BELOW, 1), "too_easy": percent(TOO_EASY_ABOVE, 1),
            "weak": str(WEAK_DISCRIMINATION_BELOW)}


@dataclass(frozen=True)
class ItemFlag:
    code: str  # too_hard, too_easy, weak_discrimination, unpicked_distractor
    text: str


@dataclass(frozen=True)
class ItemAnalysis:
    question: Question
    all: Figures
    first: Figures
    choices: list[ChoiceFigures]

    @property
    def flags(self) -> list[ItemFlag]:
        """Why the question is worth a look, over all attempts; empty if it is not."""
        flags = []
        facility, discrimination = self.all.facility, self.all.discrimination
        limits = flag_limits()
        if facility is not None and facility < TOO_HARD_BELOW:
            flags.append(ItemFlag("too_hard", _(
                "Too hard: fewer than %(too_hard)s answer it correctly. Check the wording "
                "and the key."
            ) % limits))
        if facility is not None and facility > TOO_EASY_ABOVE:
            flags.append(ItemFlag("too_easy", _(
                "Too easy: more than %(too_easy)s answer it correctly, so it tells nobody "
                "apart."
            ) % limits))
        if discrimination is not None and discrimination < WEAK_DISCRIMINATION_BELOW:
            flags.append(ItemFlag("weak_discrimination", _(
                "Weak discrimination (below %(weak)s): strong and weak candidates answer it "
                "about as well."
            ) % limits))
        if self.all.asked:
            for row in self.choices:
                if not row.choice.is_correct and row.picked == 0:
                    flags.append(ItemFlag("unpicked_distractor", _(
                        "Nobody picked the wrong choice “%(choice)s”: it distracts nobody."
                    ) % {"choice": row.choice.text}))
        return flags


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    name: str
    attempts: int
    people: int
    mean_score: Decimal | None
    passed: int
    first_attempts: int
    first_passed: int


@dataclass(frozen=True)
class QuizAnalysis:
    quiz: Quiz
    department_id: int | None
    attempts: int
    first_attempts: int
    groups: Groups
    first_groups: Groups
    items: list[ItemAnalysis] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)


ANALYSIS_SECONDS = 3600
# Stamps outlive the counts filed under them; one evicted early only costs a count.
STAMP_SECONDS = 7 * 24 * 3600
QUESTIONS_STAMP = "training:analysis:questions"


def cached_quiz_analysis(*, quiz: Quiz, department_id: int | None = None) -> QuizAnalysis:
    """`quiz_analysis`, from the shared cache while no attempt at the quiz has been graded
    and no question edited since it was counted."""
    figures = cached(quiz.pk, department_id, "figures",
                     lambda: quiz_analysis(quiz=quiz, department_id=department_id))
    # The quiz as read now (its title may have changed); the counts as cached.
    return dataclasses.replace(figures, quiz=quiz)


def cached(quiz_id: int, department_id: int | None, part: str, compute):
    """What `compute()` makes of the quiz's analysis (the counts, or the page as rendered,
    `part` says which), from the shared cache while the stamps hold."""
    stamps = _current_stamps(quiz_id)
    if stamps is None:  # a cache that keeps nothing: compute every time
        return compute()
    key = f"training:analysis:{quiz_id}:{department_id or 0}:{part}:{stamps}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ANALYSIS_SECONDS)
    return value


def attempts_graded(quiz_id: int) -> None:
    """After the current transaction commits, count the quiz's analysis again."""
    _stamp_renew_on_commit(_quiz_stamp(quiz_id))


def questions_edited() -> None:
    """After the current transaction commits, count every analysis again: a question's
    text and choices show in the analysis of every quiz that asked it."""
    _stamp_renew_on_commit(QUESTIONS_STAMP)


def _quiz_stamp(quiz_id: int) -> str:
    return f"training:analysis:quiz:{quiz_id}"


def _stamp_renew_on_commit(key: str) -> None:
    # After the commit: a count read in between would otherwise be filed under the new
    # stamp with the old figures. robust: a cache out of reach fails no grading.
    transaction.on_commit(
        lambda: cache.set(key, secrets.token_hex(8), STAMP_SECONDS), robust=True)


def _current_stamps(quiz_id: int) -> str | None:
    keys = [_quiz_stamp(quiz_id), QUESTIONS_STAMP]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        # A stamp never written, or evicted, starts afresh (never from a default that
        # older counts were filed under). `add` writes only where nothing is, so two
        # first requests at once agree on it.
        for key in keys:
            if key not in found:
                cache.add(key, secrets.token_hex(8), STAMP_SECONDS)
        found = cache.get_many(keys)
        if len(found) < len(keys):
            return None
    return ":".join(found[key] for key in keys)


def quiz_analysis(*, quiz: Quiz, department_id: int | None = None) -> QuizAnalysis:
    graded = Attempt.objects.filter(quiz=quiz, score_percent__isnull=False)
    population = graded.filter(person__department=department_id) if department_id else graded

    ranked = list(
        population.order_by("-score_percent", "pk").values_list("pk", "score_percent", "number")
    )
    groups = Groups.of([(pk, score) for pk, score, _number in ranked])
    first_groups = Groups.of([(pk, score) for pk, score, number in ranked if number == 1])

    counts = _item_counts(quiz, department_id, groups, first_groups)
    picks = _choice_picks(quiz, department_id)
    questions = Question.objects.filter(pk__in=counts).prefetch_related("choices")
    items = []
    for question in questions:
        everyone, first = counts[question.pk]
        items.append(ItemAnalysis(
            question=question,
            all=everyone,
            first=first,
            choices=[
                ChoiceFigures(
                    choice, *picks.get((question.pk, choice.pk), (0, 0)),
                    asked=everyone.asked, first_asked=first.asked,
                )
                for choice in question.choices.all()
            ],
        ))
    return QuizAnalysis(
        quiz=quiz,
        department_id=department_id,
        attempts=len(ranked),
        first_attempts=sum(number == 1 for _pk, _score, number in ranked),
        groups=groups,
        first_groups=first_groups,
        items=items,
        departments=_departments(graded),
    )


def _item_counts(quiz, department_id, groups: Groups, first_groups: Groups):
    """{question id: (Figures over all attempts, Figures over first attempts)}."""
    asked = AttemptQuestion.objects.filter(
        attempt__quiz=quiz, attempt__score_percent__isnull=False
    )
    if department_id:
        asked = asked.filter(attempt__person__department=department_id)
    right = Q(is_correct=True)
    first = Q(attempt__number=1)
    counts = {
        "asked": Count("pk"),
        "correct": Count("pk", filter=right),
        "first_asked": Count("pk", filter=first),
        "first_correct": Count("pk", filter=first & right),
    }
    for prefix, group_filter, within in (
        ("", groups, Q()),
        ("first_", first_groups, first),
    ):
        if group_filter.size:
            counts |= {
                f"{prefix}upper_asked": Count("pk", filter=within & group_filter.upper),
                f"{prefix}upper_correct": Count("pk", filter=within & group_filter.upper & right),
                f"{prefix}lower_asked": Count("pk", filter=within & group_filter.lower),
                f"{prefix}lower_correct": Count("pk", filter=within & group_filter.lower & right),
            }
    figures = {}
    for row in asked.order_by().values("question_id").annotate(**counts):
        figures[row["question_id"]] = tuple(
            Figures(**{
                name: row.get(prefix + name, 0)
                for name in ("asked", "correct", "upper_asked", "upper_correct",
                             "lower_asked", "lower_correct")
            })
            for prefix in ("", "first_")
        )
    return figures


# Unnesting the JSON list of chosen choice ids: the ORM has no portable way to do it.
_ELEMENTS = {
    "sqlite": "json_each(aq.answer) AS picked",
    "postgresql": "jsonb_array_elements_text(aq.answer) AS picked(value)",
}


def _choice_picks(quiz, department_id) -> dict[tuple[int, int], tuple[int, int]]:
    """{(question id, choice id): (times picked in all attempts, in first attempts)}."""
    department_join, department_clause = "", ""
    if department_id:
        department_join = f"JOIN {Person._meta.db_table} p ON p.id = a.person_id"
        department_clause = "AND p.department_id = %s"
    sql = f"""
        SELECT aq.question_id, CAST(picked.value AS INTEGER) AS choice_id,
               COUNT(*), COUNT(CASE WHEN a.number = 1 THEN 1 END)
        FROM {AttemptQuestion._meta.db_table} aq
        JOIN {Attempt._meta.db_table} a ON a.id = aq.attempt_id
        {department_join}
        CROSS JOIN {_ELEMENTS[connection.vendor]}
        WHERE a.quiz_id = %s AND a.score_percent IS NOT NULL {department_clause}
        GROUP BY aq.question_id, CAST(picked.value AS INTEGER)
    """
    params = [quiz.pk] + ([department_id] if department_id else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(question, choice): (picked, first) for question, choice, picked, first in cursor}


def _departments(graded) -> list[DepartmentFigures]:
    """Attempts and results by the department of the person who made them (all departments,
    whichever one is chosen for the item figures)."""
    first = Q(number=1)
    rows = (
        graded.order_by("person__department__organisation__lg_code", "person__department__code")
        .values("person__department_id", "person__department__name")
        .annotate(
            attempts=Count("pk"),
            people=Count("person", distinct=True),
            mean_score=Avg("score_percent"),
            # Not named `passed`: that would shadow the field the filters read.
            passes=Count("pk", filter=Q(passed=True)),
            first_attempts=Count("pk", filter=first),
            first_passes=Count("pk", filter=first & Q(passed=True)),
        )
    )
    return [
        DepartmentFigures(
            department_id=row["person__department_id"],
            name=row["person__department__name"],
            attempts=row["attempts"],
            people=row["people"],
            mean_score=row["mean_score"],
            passed=row["passes"],
            first_attempts=row["first_attempts"],
            first_passed=row["first_passes"],
        )
        for row in rows
    ]

"""Taking a session's quiz: starting (or resuming) an attempt and submitting it once.

Who may start: someone with a route to the session's certificate (training.routes):
attendance recorded as present or late, or, where the coordinator's course policy lets it
count, a confirmed briefing or a mid-year ID, with every module studied online.
training.access turns away everyone else with a 404. Within
one session a person has at most `quiz.max_attempts` attempts, waits
`quiz.cooldown_minutes` after the end of their last attempt before the next, and has at
most one attempt open at a time. Attempt numbers count per quiz and person across
sessions (the database keeps them unique).

The server keeps the clock. An attempt's answers count until its deadline plus the quiz's
grace; an attempt nobody submitted by then is graded as it stands (unanswered questions
are wrong) before its owner may start another, and ends at deadline + grace.

Each attempt is graded once: the grader claims it with a conditional UPDATE of
`submitted_at` and only the one that claimed it writes answers and score, in the same
transaction. A double click, a re-posted form or a second tab gets the graded result.
"""

import datetime
import random
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.params import as_id
from people.models import Person
from training import analysis
from training.certificates import certificate_issue_if_earned
from training.models import (
    Attempt,
    AttemptQuestion,
    Choice,
    Invitation,
    Question,
    Quiz,
    TrainingSession,
)
from training.routes import route_for, route_refusal

ANSWER_FIELD_PREFIX = "answer-"
ONE_ANSWER_KINDS = (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE)


def closes_at(attempt: Attempt) -> datetime.datetime:
    """The last moment answers to `attempt` count: its deadline plus the quiz's grace."""
    return attempt.deadline + datetime.timedelta(seconds=attempt.quiz.grace_seconds)


def is_expired(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.submitted_at is None and now > closes_at(attempt)


def _local(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@dataclass(frozen=True)
class QuizStatus:
    """Where a person stands with a session's quiz at `now`."""

    attempts: list[Attempt]  # theirs in this session, newest first
    open_attempt: Attempt | None  # one they may resume
    refusal: str | None  # why they may not start a new attempt now, if they may not


def quiz_status(
    *, quiz: Quiz, session: TrainingSession, person: Person, now: datetime.datetime
) -> QuizStatus:
    attempts = list(
        Attempt.objects.filter(quiz=quiz, session=session, person=person)
        .select_related("quiz")
        .order_by("-number")
    )
    open_attempt = next(
        (a for a in attempts if a.submitted_at is None and not is_expired(a, now)), None
    )
    return QuizStatus(attempts, open_attempt, _refusal(quiz, session, person, attempts, now))


def _refusal(quiz, session, person, attempts, now) -> str | None:
    if session.quiz_id != quiz.pk:
        return _("This session has no such quiz.")
    today = timezone.localdate(now)
    if not Invitation.objects.filter(session=session, person=person).exists() and (
        route_for(session=session, person=person, today=today) is None
    ):
        return _("You are not invited to this session.")
    refusal = route_refusal(session=session, person=person, today=today)
    if refusal:
        return refusal
    if len(attempts) >= quiz.max_attempts:
        return ngettext(
            "You have used your %(count)d attempt at this quiz.",
            "You have used all %(count)d attempts at this quiz.",
            quiz.max_attempts,
        ) % {"count": quiz.max_attempts}
    # An expired attempt that nobody submitted ended when its answers stopped counting.
    ends = [
        a.submitted_at or closes_at(a) for a in attempts if a.submitted_at or is_expired(a, now)
    ]
    if ends:
        retry_at = max(ends) + datetime.timedelta(minutes=quiz.cooldown_minutes)
        if now < retry_at:
            return _("You may try again from %(time)s.") % {"time": _local(retry_at)}
    return None


def attempt_start(
    *, quiz: Quiz, session: TrainingSession, person: Person, now: datetime.datetime,
    rng: random.Random | None = None,
) -> Attempt:
    """Start an attempt at `session`'s quiz, or return the one `person` has open.

    `rng` draws the questions and orders their choices; tests pass a seeded one.
    """
    rng = rng or random.Random(secrets.randbits(64))
    with transaction.atomic():
        # One start at a time per person: a second tab waits here, then finds the first
        # tab's attempt open and resumes it instead of numbering a second one.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        status = quiz_status(quiz=quiz, session=session, person=person, now=now)
        if status.open_attempt is not None:
            return status.open_attempt  # a refresh or a second tab resumes it
        if status.refusal is not None:
            raise ValidationError(status.refusal)
        for expired in status.attempts:
            if is_expired(expired, now):
                _grade(expired, answers={}, at=closes_at(expired))

        drawn = _draw(quiz, rng)
        orders = _choice_orders(drawn, rng)
        last_number = Attempt.objects.filter(quiz=quiz, person=person).aggregate(
            last=Max("number")
        )["last"] or 0
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    quiz=quiz, session=session, person=person, number=last_number + 1,
                    started_at=now, deadline=now + datetime.timedelta(
                        minutes=quiz.time_limit_minutes
                    ),
                )
        except IntegrityError:
            # A second tab started the same attempt number a moment earlier: resume it.
            again = quiz_status(quiz=quiz, session=session, person=person, now=now)
            if again.open_attempt is None:
                raise ValidationError(_("Please try again.")) from None
            return again.open_attempt
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(
                attempt=attempt, question_id=question_id, position=position,
                choice_order=orders[question_id],
            )
            for position, question_id in enumerate(drawn, start=1)
        )
    return attempt


def _draw(quiz: Quiz, rng: random.Random) -> list[int]:
    """Question ids drawn per rule, in rule order, from the organisation's active bank."""
    rules = list(quiz.rules.order_by("pk"))
    if not rules:
        raise ValidationError(_("This quiz has no questions yet."))
    bank: dict[str, list[int]] = {}
    for category, question_id in (
        Question.objects.filter(organisation=quiz.organisation_id, is_active=True)
        .order_by("pk")
        .values_list("category", "pk")
    ):
        bank.setdefault(category, []).append(question_id)
    drawn: list[int] = []
    for rule in rules:
        available = [pk for pk in bank.get(rule.category, []) if pk not in drawn]
        if len(available) < rule.count:
            raise ValidationError(
                _("The question bank has %(available)d questions in use in the category "
                  "“%(category)s”, but the quiz draws %(count)d. Tell the coordinator.")
                % {"available": len(available), "category": rule.category, "count": rule.count}
            )
        drawn += rng.sample(available, rule.count)
    return drawn


def _choice_orders(question_ids: list[int], rng: random.Random) -> dict[int, list[int]]:
    orders: dict[int, list[int]] = {pk: [] for pk in question_ids}
    for question_id, choice_id in (
        Choice.objects.filter(question__in=question_ids)
        .order_by("order", "pk")
        .values_list("question_id", "pk")
    ):
        orders[question_id].append(choice_id)
    for choice_ids in orders.values():
        rng.shuffle(choice_ids)
    return orders


def answers_from_form(data) -> dict[int, list[int]]:
    """The answers in a submitted quiz form: fields `answer-<question id>` = choice ids."""
    answers: dict[int, list[int]] = {}
    for field in data:
        if not field.startswith(ANSWER_FIELD_PREFIX):
            continue
        question_id = field.removeprefix(ANSWER_FIELD_PREFIX)
        choice_ids = data.getlist(field)
        ids = [as_id(question_id), *(as_id(c) for c in choice_ids)]
        if None in ids:
            raise ValidationError(
                _("The answers could not be read. Reload the quiz and answer again.")
            )
        answers[ids[0]] = ids[1:]
    return answers


def _check_answers(attempt: Attempt, answers: dict[int, list[int]]) -> None:
    drawn = {
        aq.question_id: aq
        for aq in attempt.questions.select_related("question")
    }
    for question_id, choice_ids in answers.items():
        asked = drawn.get(question_id)
        if asked is None or not set(choice_ids) <= set(asked.choice_order):
            raise ValidationError(
                _("The answers do not match the questions of this attempt. Reload the quiz "
                  "and answer again; nothing was saved.")
            )
        if asked.question.kind in ONE_ANSWER_KINDS and len(set(choice_ids)) > 1:
            raise ValidationError(
                _("Question %(position)d takes one answer only; nothing was saved.")
                % {"position": asked.position}
            )


@dataclass(frozen=True)
class Submission:
    attempt: Attempt  # as graded
    graded_now: bool  # False: it had been graded already (double click, second tab)
    late: bool  # graded now, but the answers arrived too late to count


def attempt_submit(
    *, attempt: Attempt, answers: dict[int, list[int]], now: datetime.datetime
) -> Submission:
    """Grade `attempt` with `answers` ({question id: [choice id, ...]}), exactly once.

    Answers naming a question or choice outside the attempt are refused and nothing is
    written. Answers arriving after the deadline and grace are not counted: the attempt
    is graded without them.
    """
    if attempt.submitted_at is not None:
        return Submission(_graded(attempt), graded_now=False, late=False)
    _check_answers(attempt, answers)
    late = now > closes_at(attempt)
    with transaction.atomic():
        won = _grade(attempt, answers={} if late else answers, at=now)
    if not won:
        return Submission(_graded(attempt), graded_now=False, late=False)
    graded = _graded(attempt)
    if graded.passed:
        certificate_issue_if_earned(attempt=graded, today=timezone.localdate(now))
    return Submission(graded, graded_now=True, late=late)


def attempt_expire(*, attempt: Attempt, now: datetime.datetime) -> bool:
    """Grade an attempt whose time ran out as it stands; True if this call graded it."""
    if not is_expired(attempt, now):
        return False
    with transaction.atomic():
        return _grade(attempt, answers={}, at=closes_at(attempt))


def _graded(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_related("quiz", "session", "person").get(pk=attempt.pk)


def _grade(attempt: Attempt, *, answers: dict[int, list[int]], at: datetime.datetime) -> bool:
    """Claim `attempt` and write its answers and score; False if someone else claimed it.

    Call inside a transaction: the claim and the grades commit together. Questions not in
    `answers` keep what was stored for them (nothing, unless saved earlier) and are wrong
    without an answer.
    """
    claimed = Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
        submitted_at=at
    )
    if claimed != 1:
        return False
    asked = list(attempt.questions.all())
    correct_sets: dict[int, set[int]] = {aq.question_id: set() for aq in asked}
    for question_id, choice_id in Choice.objects.filter(
        question__in=correct_sets, is_correct=True
    ).values_list("question_id", "pk"):
        correct_sets[question_id].add(choice_id)
    for aq in asked:
        chosen = answers.get(aq.question_id, aq.answer or [])
        aq.answer = sorted(set(chosen))
        aq.is_correct = bool(chosen) and set(chosen) == correct_sets[aq.question_id]
    AttemptQuestion.objects.bulk_update(asked, ["answer", "is_correct"])
    score = score_percent(sum(aq.is_correct for aq in asked), len(asked))
    Attempt.objects.filter(pk=attempt.pk).update(
        score_percent=score, passed=score >= attempt.quiz.pass_mark_percent
    )
    analysis.attempts_graded(attempt.quiz_id)
    return True


def score_percent(correct: int, total: int) -> Decimal:
    """correct / total × 100, to 2 decimals, halves rounded up."""
    if total == 0:
        return Decimal("0.00")
    return (Decimal(correct) * 100 / Decimal(total)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class ReviewItem:
    position: int
    question: Question
    choices: list[Choice]  # in the order the attempt showed them
    chosen: set[int]
    correct: set[int]
    is_correct: bool | None


def attempt_items(attempt: Attempt) -> list[ReviewItem]:
    """The attempt's questions with their choices in the order shown: two queries."""
    asked = list(attempt.questions.select_related("question").order_by("position"))
    choices = Choice.objects.filter(question__in=[aq.question_id for aq in asked]).in_bulk()
    items = []
    for aq in asked:
        # A choice deleted from the bank since is left out rather than breaking the page.
        shown = [choices[pk] for pk in aq.choice_order if pk in choices]
        items.append(ReviewItem(
            position=aq.position, question=aq.question, choices=shown,
            chosen=set(aq.answer or []), correct={c.pk for c in shown if c.is_correct},
            is_correct=aq.is_correct,
        ))
    return items

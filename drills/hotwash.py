"""The hot wash: the short survey participants answer once a drill has ended.

Decides when an answer is accepted (after the end, once per participant, a confidence
from 1 to 5, texts of at most MAX_TEXT_LENGTH characters) and what the summary shows.
An anonymous answer is summarised without anything that could name its author: no name,
no participant, no role.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from drills.clock import Clock
from drills.models import Drill, HotWashAnswer, Participant

MAX_TEXT_LENGTH = 2000
CONFIDENCE_LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class HotWashEntry:
    name: str  # '' when the answer is anonymous
    went_well: str
    to_improve: str
    confidence: int
    role: str = ""  # the author's part in the drill; '' when the answer is anonymous


@dataclass(frozen=True)
class HotWashSummary:
    answered: int
    participants: int
    mean_confidence: float | None  # None until someone has answered
    distribution: dict[int, int]  # confidence level (1..5) -> number of answers
    answers: list[HotWashEntry]


def _already_answered_message() -> str:
    return _("You have already answered the hot wash for this drill.")


def _has_answered(participant: Participant) -> bool:
    return HotWashAnswer.objects.filter(participant=participant).exists()


def _confidence_of(value) -> int | None:
    """The confidence as an integer 1–5, or None if it is anything else. A form sends
    text; code may pass an int. A bool is an int to Python but not an answer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or value not in CONFIDENCE_LEVELS:
        return None
    return value


def _text_of(value) -> str:
    # Browsers send a textarea's line breaks as CRLF while their maxlength counts them as
    # one character; counting the same way keeps a text the page accepted acceptable here.
    return (value or "").replace("\r\n", "\n").strip()


def hot_wash_submit(*, participant: Participant, went_well: str, to_improve: str,
                    confidence, anonymous: bool, now: datetime.datetime) -> HotWashAnswer:
    """Record a participant's one answer; refused, with nothing written, before the drill
    ends, a second time, or with a confidence or text out of bounds."""
    drill = participant.drill
    if Clock.of(drill).state(now) != "ended":
        raise ValidationError(_("The hot wash opens when the drill ends."))
    if _has_answered(participant):
        raise ValidationError(_already_answered_message())

    errors = []
    level = _confidence_of(confidence)
    if level is None:
        errors.append(_("Choose a confidence from 1 to 5."))
    went_well, to_improve = _text_of(went_well), _text_of(to_improve)
    for label, text in ((_("What went well"), went_well), (_("What to improve"), to_improve)):
        if len(text) > MAX_TEXT_LENGTH:
            errors.append(
                _("“%(field)s” is %(length)d characters long; keep it to %(limit)d.")
                % {"field": label, "length": len(text), "limit": MAX_TEXT_LENGTH}
            )
    if errors:
        raise ValidationError(errors)

    try:
        # The one-to-one key on the participant decides a race between two submissions:
        # the second insert fails here, and its savepoint leaves any outer transaction
        # usable.
        with transaction.atomic():
            return HotWashAnswer.objects.create(
                drill=drill, participant=participant, went_well=went_well,
                to_improve=to_improve, confidence=level, anonymous=bool(anonymous),
                submitted_at=now,
            )
    except IntegrityError:
        raise ValidationError(_already_answered_message()) from None


def hot_wash_summary(drill: Drill, *, as_of: datetime.datetime | None = None) -> HotWashSummary:
    """How many answered of how many took part, the confidence (mean and spread), and
    every answer, in the order they came in; only those submitted by `as_of` if given (a
    final report rendered again). Two queries, however many answers."""
    participants = Participant.objects.filter(drill=drill).count()
    submitted = HotWashAnswer.objects.filter(drill=drill)
    if as_of is not None:
        submitted = submitted.filter(submitted_at__lte=as_of)
    rows = list(
        submitted.order_by("submitted_at", "pk")
        .values_list("anonymous", "participant__display_name", "went_well", "to_improve",
                     "confidence", "participant__role__name")
    )
    distribution = dict.fromkeys(CONFIDENCE_LEVELS, 0)
    answers = []
    for anonymous, display_name, went_well, to_improve, confidence, role in rows:
        distribution[confidence] += 1
        answers.append(HotWashEntry(
            name="" if anonymous else display_name,
            went_well=went_well, to_improve=to_improve, confidence=confidence,
            role="" if anonymous else role,
        ))
    mean = sum(entry.confidence for entry in answers) / len(answers) if answers else None
    return HotWashSummary(
        answered=len(answers), participants=participants, mean_confidence=mean,
        distribution=distribution, answers=answers,
    )

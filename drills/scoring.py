"""How a drill scores, from what was recorded: each expected action by its timeliness,
each objective from its actions and the evaluator's rating, the drill overall, and the
time to action per inject and per drill role.

The rules, which every explanation spells out so a participant can see why they got 72:
- An expected action counts only once it was *prompted*: its inject released by the end
  of the drill (or by now, while it runs). An unprompted one is listed, and left out of
  every sum.
- In a contact-tree drill, the first acknowledgement of a link's inject by its addressed
  role achieves that link's expected actions of the same role, without an evaluator's
  tick (a tick, if any, still decides).
- Lateness is measured in drill time, so a pause never counts against the players. The
  delay is the drill time from the prompt to the achievement (the evaluator's tick).
  Timeliness is 1 within the deadline, falls linearly to 0 at the drill's late limit past
  the deadline, and is 0 if the action was never achieved.
- An objective's timeliness is the weighted mean of its prompted actions'. Its score is
  100 × (0.7 × timeliness + 0.3 × rating value) once rated (P 1, S 0.75, M 0.5, U 0),
  100 × timeliness before; with no prompted actions, 100 × rating value, or no score.
  It weighs as much as its prompted actions do (1 if it has none but is rated).
- The overall score is the objectives' scores, averaged by their weights.

Everything here is a pure function of the drill's rows and `now`; `drill_scores` reads
the rows of any number of drills in a fixed number of queries.
"""

import dataclasses
import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from drills.clock import ZERO, Clock, is_released
from drills.models import (
    CONTACT_TREE,
    Drill,
    DrillAction,
    DrillInject,
    DrillObjective,
    DrillPause,
    DrillRole,
    InjectAcknowledgement,
)

RATING_VALUES = {"P": 1.0, "S": 0.75, "M": 0.5, "U": 0.0}
TIMELINESS_SHARE = 0.7
RATING_SHARE = 0.3


@dataclass(frozen=True)
class ActionScore:
    action: DrillAction
    prompted_at: datetime.datetime | None  # when its inject reached the players
    achieved_at: datetime.datetime | None  # as ticked by the evaluator
    delay: datetime.timedelta | None  # drill time from prompt to achievement
    timeliness: float | None  # None: not prompted, so not counted
    weight: int
    explanation: str


@dataclass(frozen=True)
class ObjectiveScore:
    objective: DrillObjective
    actions: list[ActionScore]
    timeliness: float | None  # None: no prompted actions
    rating: str | None  # P, S, M or U; None: not rated yet
    rating_value: float | None
    score: float | None  # 0–100; None: nothing to score yet
    weight: int
    explanation: str


@dataclass(frozen=True)
class DrillScore:
    drill: Drill
    objectives: list[ObjectiveScore]
    overall: float | None
    explanation: str
    # Delays of the achieved actions of each released inject (in the order released),
    # and of each drill role.
    by_inject: list[tuple[DrillInject, list[datetime.timedelta]]]
    by_role: list[tuple[DrillRole, list[datetime.timedelta]]]


def drill_score(drill: Drill, *, now: datetime.datetime) -> DrillScore:
    return drill_scores([drill], now=now)[drill.pk]


def drill_scores(drills, *, now: datetime.datetime) -> dict[int, DrillScore]:
    """Each drill's score by its pk: five queries (pauses, injects with their releases,
    roles, objectives with their ratings, actions with their ticks), however many drills."""
    drills = list(drills)
    ids = [drill.pk for drill in drills]
    if not ids:
        return {}
    pauses = _by_drill(DrillPause.objects.filter(drill__in=ids))
    injects = _by_drill(DrillInject.objects.filter(drill__in=ids).select_related("release"))
    roles = _by_drill(DrillRole.objects.filter(drill__in=ids))
    objectives = _by_drill(DrillObjective.objects.filter(drill__in=ids).select_related("rating"))
    # The first acknowledgement of each action's inject by the role it is addressed to, as
    # a subquery: a contact-tree link is achieved by it, at no extra query.
    first_acknowledgement = (
        InjectAcknowledgement.objects.filter(inject=OuterRef("inject"))
        .filter(participant__role=F("inject__role")).order_by("acknowledged_at")
        .values("acknowledged_at")[:1]
    )
    actions = _by_drill(
        DrillAction.objects.filter(drill__in=ids).select_related("tick")
        .annotate(acknowledged_at=Subquery(first_acknowledgement))
    )
    return {
        drill.pk: _score(
            drill, pauses=pauses[drill.pk], injects=injects[drill.pk], roles=roles[drill.pk],
            objectives=objectives[drill.pk], actions=actions[drill.pk], now=now,
        )
        for drill in drills
    }


def released_only(score: DrillScore) -> DrillScore:
    """The score as a drill's players may read it (drills.access.may_see_unreleased_injects
    says who else): without the expected actions of injects that were not released. They
    count in no sum, so every number and explanation stays the same."""
    return dataclasses.replace(score, objectives=[
        dataclasses.replace(objective, actions=[
            action for action in objective.actions if action.prompted_at is not None
        ])
        for objective in score.objectives
    ])


def _by_drill(queryset) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in queryset:
        grouped[row.drill_id].append(row)
    return grouped


def _score(drill, *, pauses, injects, roles, objectives, actions, now) -> DrillScore:
    clock = Clock.of(drill, pauses)
    # What had been released by the end stays the record; nothing after it counts.
    moment = min(now, drill.ended_at) if drill.ended_at else now
    late_limit = datetime.timedelta(minutes=drill.late_limit_minutes)
    roles_by_id = {role.pk: role for role in roles}
    injects_by_id = {}
    prompted_at = {}
    for inject in injects:
        inject.role = roles_by_id[inject.role_id]  # spare the pages a query per inject
        injects_by_id[inject.pk] = inject
        release = _related(inject, "release")
        if is_released(inject, clock, moment, release):
            prompted_at[inject.pk] = (
                release.released_at if release is not None and release.released_at <= moment
                else clock.due_at(inject.offset, moment)
            )
    actions_by_objective = defaultdict(list)
    acknowledgement_achieves = drill.incident_type == CONTACT_TREE
    for action in actions:
        action.inject = injects_by_id[action.inject_id]
        action.role = roles_by_id[action.role_id]
        actions_by_objective[action.objective_id].append(_action_score(
            action, prompted_at.get(action.inject_id), clock, late_limit,
            acknowledged_at=(getattr(action, "acknowledged_at", None)
                             if acknowledgement_achieves
                             and action.role_id == action.inject.role_id else None),
        ))
    objective_scores = [
        _objective_score(objective, actions_by_objective[objective.pk])
        for objective in objectives
    ]
    overall, explanation = _overall(objective_scores)
    counted = [score for objective in objective_scores for score in objective.actions
               if score.delay is not None]
    released = sorted(prompted_at, key=lambda pk: (
        clock.elapsed(prompted_at[pk]), injects_by_id[pk].offset, injects_by_id[pk].order
    ))
    return DrillScore(
        drill=drill, objectives=objective_scores, overall=overall, explanation=explanation,
        by_inject=[
            (injects_by_id[pk], [s.delay for s in counted if s.action.inject_id == pk])
            for pk in released
        ],
        by_role=[
            (role, [s.delay for s in counted if s.action.role_id == role.pk]) for role in roles
        ],
    )


def _action_score(action, prompted_at, clock: Clock, late_limit, *,
                  acknowledged_at=None) -> ActionScore:
    tick = _related(action, "tick")
    achieved_at = tick.achieved_at if tick is not None else acknowledged_at

    def scored(delay, timeliness, explanation):
        if tick is None and achieved_at is not None:
            explanation = _("Achieved by the addressee's acknowledgement. %(explanation)s") % {
                "explanation": explanation}
        return ActionScore(action, prompted_at, achieved_at, delay, timeliness, action.weight,
                           explanation)

    if prompted_at is None:
        return scored(None, None, _("Not prompted: its inject was not released, so this "
                                    "action does not count."))
    if achieved_at is None:
        return scored(None, 0.0, _("Not achieved: 0."))
    # Acting before the prompt (anticipating it) is on time, with no delay to report.
    delay = max(ZERO, clock.elapsed(achieved_at) - clock.elapsed(prompted_at))
    deadline = action.deadline
    numbers = {"delay": _number(_minutes(delay)), "deadline": _number(_minutes(deadline)),
               "late_limit": _number(_minutes(late_limit)),
               "late": _number(_minutes(delay - deadline))}
    if delay <= deadline:
        return scored(delay, 1.0, _(
            "Achieved %(delay)s min after the prompt, within the deadline of %(deadline)s "
            "min: 1."
        ) % numbers)
    if delay >= deadline + late_limit:
        return scored(delay, 0.0, _(
            "Achieved %(delay)s min after the prompt, %(late)s min past the deadline of "
            "%(deadline)s min: at or beyond the late limit of %(late_limit)s min, so 0."
        ) % numbers)
    timeliness = 1 - (delay - deadline) / late_limit
    return scored(delay, timeliness, _(
        "Achieved %(delay)s min after the prompt (deadline %(deadline)s min, late limit "
        "%(late_limit)s min): 1 − %(late)s/%(late_limit)s = %(timeliness)s."
    ) % {**numbers, "timeliness": _fraction(timeliness)})


def _objective_score(objective, actions: list[ActionScore]) -> ObjectiveScore:
    counted = [score for score in actions if score.timeliness is not None]
    total_weight = sum(score.weight for score in counted)
    rated = _related(objective, "rating")
    rating = rated.rating if rated is not None else None
    rating_value = RATING_VALUES[rating] if rating is not None else None
    numbers = {"rating": rating, "rating_value": _fraction(rating_value)}

    def scored(timeliness, score, weight, explanation):
        return ObjectiveScore(objective, actions, timeliness, rating, rating_value, score,
                              weight, explanation)

    if total_weight:
        timeliness = sum(score.weight * score.timeliness for score in counted) / total_weight
        numbers.update(
            terms=" + ".join(f"{score.weight} × {_fraction(score.timeliness)}"
                             for score in counted),
            weights=total_weight, timeliness=_fraction(timeliness),
        )
        if rating is None:
            score = 100 * timeliness
            return scored(timeliness, score, total_weight, _(
                "Timeliness (%(terms)s) / %(weights)s = %(timeliness)s; not rated yet, so "
                "the score is 100 × %(timeliness)s = %(score)s."
            ) % {**numbers, "score": _score_text(score)})
        score = 100 * (TIMELINESS_SHARE * timeliness + RATING_SHARE * rating_value)
        return scored(timeliness, score, total_weight, _(
            "Timeliness (%(terms)s) / %(weights)s = %(timeliness)s; rating %(rating)s = "
            "%(rating_value)s; score 100 × (0.7 × %(timeliness)s + 0.3 × %(rating_value)s) "
            "= %(score)s."
        ) % {**numbers, "score": _score_text(score)})
    if rating is not None:
        score = 100 * rating_value
        return scored(None, score, 1, _(
            "No prompted actions; rating %(rating)s = %(rating_value)s; score 100 × "
            "%(rating_value)s = %(score)s."
        ) % {**numbers, "score": _score_text(score)})
    return scored(None, None, 0, _("No prompted actions and not rated yet: no score."))


def _overall(objectives: list[ObjectiveScore]) -> tuple[float | None, str]:
    scored = [objective for objective in objectives if objective.score is not None]
    total_weight = sum(objective.weight for objective in scored)
    if not total_weight:
        return None, _("No objective has a score yet.")
    overall = sum(objective.weight * objective.score for objective in scored) / total_weight
    return overall, _(
        "Objectives' scores weighted by their prompted actions' weights: (%(terms)s) / "
        "%(weights)s = %(overall)s."
    ) % {
        "terms": " + ".join(f"{objective.weight} × {_score_text(objective.score)}"
                            for objective in scored),
        "weights": total_weight, "overall": _score_text(overall),
    }


# Time to action


@dataclass(frozen=True)
class TimeToAction:
    """One row of the time-to-action tables: an inject or a drill role."""

    subject: DrillInject | DrillRole
    expected: int  # prompted expected actions
    achieved: int
    median: datetime.timedelta | None
    longest: datetime.timedelta | None


def times_to_action(score: DrillScore) -> tuple[list[TimeToAction], list[TimeToAction]]:
    """(per released inject, per drill role): how many prompted actions each had, how
    many were achieved, and the median and longest delay."""
    prompted = [action for objective in score.objectives for action in objective.actions
                if action.timeliness is not None]

    def row(subject, delays, expected):
        return TimeToAction(subject, expected, len(delays),
                            statistics.median(delays) if delays else None,
                            max(delays) if delays else None)

    return (
        [row(inject, delays, sum(a.action.inject_id == inject.pk for a in prompted))
         for inject, delays in score.by_inject],
        [row(role, delays, sum(a.action.role_id == role.pk for a in prompted))
         for role, delays in score.by_role],
    )


# Numbers as the explanations show them


def _related(instance, name):
    """A one-to-one row fetched with select_related, or None where there is none."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def _minutes(duration: datetime.timedelta) -> float:
    return duration.total_seconds() / 60


def _number(value: float) -> str:
    """At most two decimals, without trailing zeros: 25, 12.5, 0.33."""
    text = _rounded(value, "0.01")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fraction(value: float | None) -> str:
    return "" if value is None else _rounded(value, "0.01")


def _score_text(value: float) -> str:
    return _rounded(value, "0.1")


def _rounded(value: float, places: str) -> str:
    """Rounded half up, as the page's floatformat rounds, so that the numbers in an
    explanation are the ones in the table beside it (0.625 shows as 0.63 in both)."""
    return str(Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))

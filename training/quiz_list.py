"""The learner's quiz list: every quiz of a session they are invited to, which of them is
theirs to take now, and why each one is on the list.

The reasons are the records themselves: the session they attended (or are invited to and
have not attended yet), that passing the quiz is an ID holder's duty for the fiscal year,
and a pass already made; and the sessions whose quiz is theirs by an online route
(training.routes.online_routes), where the coordinator's course policy lets one count.
A fixed number of queries however many sessions: the course policy (and, where it opens
an online route, the few that decide it), the sessions, the person's attendances and
attempts at them, and their ID grant.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.numbers import percent
from people.fiscal import fiscal_year_of
from people.models import Person
from training import routes
from training.models import Attempt, Attendance, Route, TrainingSession


@dataclass(frozen=True)
class QuizOffer:
    session: TrainingSession
    attempts: list[Attempt]  # theirs in this session, oldest first
    to_take: bool  # theirs to take: attended, not passed, an attempt left or still open
    reasons: list[str] = field(default_factory=list)


def quiz_offers_for(person: Person, *, today: datetime.date) -> list[QuizOffer]:
    sessions = list(
        TrainingSession.objects.filter(invitations__person=person, quiz__isnull=False)
        .select_related("quiz")
        .order_by("-starts_at")
    )
    online = routes.online_routes(person, today=today)
    invited = {session.pk for session in sessions}
    sessions = sorted(sessions + [session for session in online if session.pk not in invited],
                      key=lambda session: session.starts_at, reverse=True)
    online_route = {session.pk: route for session, route in online.items()}
    attended = set(
        Attendance.objects.filter(
            person=person, session__in=sessions, status__in=Attendance.ATTENDED
        ).values_list("session_id", flat=True)
    )
    attempts: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(person=person, session__in=sessions).order_by("number"):
        attempts.setdefault(attempt.session_id, []).append(attempt)
    holds_id = person.current_id_grant(today) is not None
    this_year = fiscal_year_of(today)

    offers = []
    for session in sessions:
        theirs = attempts.get(session.pk, [])
        passed = next((a for a in theirs if a.passed), None)
        route = online_route.get(session.pk)
        reasons = [_why_online(session, route) if route else
                   _why_listed(session, session.pk in attended)]
        in_year = timezone.localdate(session.starts_at) in this_year
        if holds_id and in_year and passed is None:
            reasons.append(_("Required: every operator ID holder passes the quiz of a "
                             "training session each fiscal year."))
        if passed is not None:
            reasons.append(_("Passed on %(day)s (%(score)s): nothing more to do.") % {
                "day": date_format(timezone.localdate(passed.submitted_at)),
                "score": percent(passed.score_percent),
            })
        offers.append(QuizOffer(
            session=session,
            attempts=theirs,
            to_take=((session.pk in attended or route is not None) and passed is None and (
                len(theirs) < session.quiz.max_attempts
                or any(a.submitted_at is None for a in theirs)  # the last one, still open
            )),
            reasons=reasons,
        ))
    return offers


def _why_online(session: TrainingSession, route: str) -> str:
    names = {"session": session.title, "day": date_format(timezone.localdate(session.starts_at)),
             "route": Route(route).label}
    return _("Online route (%(route)s) for %(session)s (%(day)s): study the modules, then "
             "take the same quiz.") % names


def _why_listed(session: TrainingSession, attended: bool) -> str:
    names = {"session": session.title, "day": date_format(timezone.localdate(session.starts_at))}
    if attended:
        return _("The quiz of the training session you attended (%(session)s, %(day)s).") % names
    return _("You are invited to %(session)s (%(day)s). The quiz opens once your attendance "
             "there is recorded.") % names

"""Which route to the certificate is open to a person for a session's quiz.

Attended (present or late) is always a route. For those who missed the session, the
coordinator's CoursePolicy for the session's organisation and fiscal year decides:

- briefed + online: the person was briefed on the session and confirmed it (or on
  another session of the year covering the same modules, which then spared them this
  one's obligation), and studied every module of the session online;
- online only: the person was given their ID after the session was held, in the same
  fiscal year (a mid-year ID holder), and studied every module online.

The quiz is the session's own: same bank, timing and grading (training.quizzes).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import TrainingModulePage
from people.fiscal import fiscal_year_of
from people.models import IdGrant, Person
from training.models import (
    Attendance,
    BriefingConfirmation,
    CoursePolicy,
    ModuleStudy,
    Route,
    TrainingSession,
)
from training.sharing.obligations import sessions_covering


def course_policy_for(*, organisation_id: int, day: datetime.date) -> CoursePolicy:
    """The policy for the organisation's fiscal year of `day`; attendance only when the
    coordinator set none (an unsaved default)."""
    fiscal_year = fiscal_year_of(day).year
    return CoursePolicy.objects.filter(
        organisation_id=organisation_id, fiscal_year=fiscal_year
    ).first() or CoursePolicy(organisation_id=organisation_id, fiscal_year=fiscal_year)


def session_policy(session: TrainingSession) -> CoursePolicy:
    return course_policy_for(organisation_id=session.organisation_id,
                             day=timezone.localdate(session.starts_at))


def route_for(*, session: TrainingSession, person: Person, today: datetime.date) -> Route | None:
    """The route by which `person` may take `session`'s quiz, or None."""
    if Attendance.objects.filter(
        session=session, person=person, status__in=Attendance.ATTENDED
    ).exists():
        return Route.ATTENDED
    if person.organisation_id != session.organisation_id:
        return None
    policy = session_policy(session)
    if policy.briefed_online_counts and is_briefed_on(session=session, person=person):
        return Route.BRIEFED_ONLINE
    if policy.online_only_counts and is_mid_year_holder(session=session, person=person,
                                                        today=today):
        return Route.ONLINE_ONLY
    return None


def is_briefed_on(*, session: TrainingSession, person: Person) -> bool:
    """Briefed and confirmed on this session, or on another session of its fiscal year
    whose modules include all of this one's."""
    return BriefingConfirmation.objects.filter(
        obligation__person=person,
        obligation__sharing__session__in=[session.pk, *sessions_covering(session)],
    ).exists()


def is_mid_year_holder(*, session: TrainingSession, person: Person, today: datetime.date) -> bool:
    """Holds an ID (today) granted after the session's day, in the session's fiscal year."""
    held_on = timezone.localdate(session.starts_at)
    year = fiscal_year_of(held_on)
    return IdGrant.objects.filter(
        person=person, granted_on__gt=held_on, granted_on__lte=year.last_day
    ).active_on(today).exists()


def online_routes(person: Person, *, today: datetime.date) -> dict[TrainingSession, Route]:
    """This fiscal year's sessions of the person's organisation with a quiz that they did
    not attend and may take online, with the route: for the quiz list, in at most five
    queries however many sessions (the policy; then the sessions, the attendances, the
    confirmed briefings with the modules, and the ID grants, as the policy needs)."""
    year = fiscal_year_of(today)
    policy = course_policy_for(organisation_id=person.organisation_id, day=today)
    if not (policy.briefed_online_counts or policy.online_only_counts):
        return {}
    sessions = list(
        TrainingSession.objects.filter(
            organisation=person.organisation_id, quiz__isnull=False,
            starts_at__date__gte=year.first_day, starts_at__date__lte=year.last_day,
        ).select_related("quiz").prefetch_related("modules")
    )
    attended = set(Attendance.objects.filter(
        person=person, session__in=sessions, status__in=Attendance.ATTENDED
    ).values_list("session_id", flat=True))
    briefed_modules = []  # the module sets of the sessions they were briefed on and confirmed
    if policy.briefed_online_counts:
        by_session = {}
        for session_id, module_id in BriefingConfirmation.objects.filter(
            obligation__person=person,
            obligation__sharing__session__starts_at__date__gte=year.first_day,
            obligation__sharing__session__starts_at__date__lte=year.last_day,
        ).values_list("obligation__sharing__session_id",
                      "obligation__sharing__session__modules"):
            by_session.setdefault(session_id, set())
            if module_id is not None:
                by_session[session_id].add(module_id)
        briefed_modules = list(by_session.items())
    grants = []
    if policy.online_only_counts:
        grants = list(IdGrant.objects.filter(person=person).active_on(today)
                      .values_list("granted_on", flat=True))
    routes = {}
    for session in sessions:
        if session.pk in attended:
            continue
        modules = {module.pk for module in session.modules.all()}
        held_on = timezone.localdate(session.starts_at)
        if any(session_id == session.pk or (modules and taught >= modules)
               for session_id, taught in briefed_modules):
            routes[session] = Route.BRIEFED_ONLINE
        elif any(held_on < granted_on <= year.last_day for granted_on in grants):
            routes[session] = Route.ONLINE_ONLY
    return routes


def modules_to_study(*, session: TrainingSession, person: Person):
    """The session's live modules, each with when `person` first opened it online (or None)."""
    opened = dict(ModuleStudy.objects.filter(session=session, person=person)
                  .values_list("page_id", "opened_at"))
    return [(page, opened.get(page.pk))
            for page in session.modules.live().order_by("path")]


def route_refusal(*, session: TrainingSession, person: Person,
                  today: datetime.date) -> str | None:
    """Why `person` may not take `session`'s quiz by any route yet, or None."""
    route = route_for(session=session, person=person, today=today)
    if route is None:
        return _(
            "You may take the quiz once your attendance at this session is recorded. "
            "If you attended, ask the session's coordinator to record it."
        )
    if route != Route.ATTENDED:
        unread = [page.title for page, opened_at in
                  modules_to_study(session=session, person=person) if opened_at is None]
        if unread:
            return _("Study every module online before taking the quiz: %(titles)s.") % {
                "titles": "、".join(unread)}
    return None


def study_open(*, session: TrainingSession, person: Person, page_id: int,
               now: datetime.datetime) -> TrainingModulePage:
    """Record that `person` opened a module of `session` for online study (the first
    opening counts) and return the page to show. Refused, and nothing written, when the
    page is not one of the session's modules or no online route is open to them."""
    page = session.modules.live().filter(pk=page_id).first()
    if page is None:
        raise ValidationError(_("This module is not part of the session."))
    route = route_for(session=session, person=person, today=timezone.localdate(now))
    if route in (None, Route.ATTENDED):
        raise ValidationError(_("Online study of this session is not a route open to you: "
                                "it is for colleagues who missed the session, as the "
                                "coordinator decided for this fiscal year."))
    try:
        with transaction.atomic():
            ModuleStudy.objects.get_or_create(
                person=person, session=session, page=page, defaults={"opened_at": now}
            )
    except IntegrityError:
        pass  # a second tab recorded it a moment earlier
    return page

"""The fiscal year's checklist on "my training": one line per thing an ID holder must do.

Required reading, the plan, the session, the briefing (for those who missed the session),
the quiz and the certificate, each with the date it was done or what is still open (the
quiz's due date as its reminders count it, training.quiz_due).
Everything is derived from the records themselves. A certificate counts when its route
(attended, briefed + online, online only) is one the coordinator's course policy for its
session's fiscal year lets count; an invitation to a session that is over and was not
attended shows as missed.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cms.models import EmergencyPlanPage
from core.numbers import percent
from people.fiscal import fiscal_year_of
from people.models import Person
from training.models import (
    Attempt,
    Attendance,
    Briefing,
    BriefingObligation,
    Certificate,
    Invitation,
    Route,
)
from training.quiz_due import quiz_due_for
from training.reading import Obligation
from training.routes import session_policy


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done_on: datetime.date | None
    detail: str = ""
    required: bool = True
    url_name: str = ""  # where to go to do it, or to see it done

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


def checklist_for(
    person: Person, obligations: list[Obligation], *, today: datetime.date
) -> list[ChecklistItem]:
    return list(_items(person, obligations, today=today))


def next_step_for(
    person: Person, obligations: list[Obligation], *, today: datetime.date
) -> ChecklistItem | None:
    """The first duty of the checklist still open. The lines after it are never read: on
    the home page, an ID holder with reading still to do costs no query for the session,
    the briefing, the quiz (its due date alone is five) or the certificate."""
    return next((item for item in _items(person, obligations, today=today)
                 if item.required and not item.is_done), None)


def _items(person: Person, obligations: list[Obligation], *, today: datetime.date):
    """The checklist's lines in order, each read from the database when it is reached."""
    fiscal_year = fiscal_year_of(today)
    in_year = Q(session__starts_at__date__gte=fiscal_year.first_day,
                session__starts_at__date__lte=fiscal_year.last_day)
    plans = [o for o in obligations if isinstance(o.page, EmergencyPlanPage)]
    material = [o for o in obligations if not isinstance(o.page, EmergencyPlanPage)]
    yield _reading_item("reading", _("Required reading"), material)
    yield _reading_item("plan", _("Emergency response plan acknowledged"), plans)

    attendance = (
        Attendance.objects.filter(in_year, person=person, status__in=Attendance.ATTENDED)
        .select_related("session").order_by("session__starts_at").first()
    )
    # The next session still to come, else the last one missed.
    invitations = list(
        Invitation.objects.filter(in_year, person=person)
        .select_related("session").order_by("session__starts_at")
    )
    invitation = next(
        (i for i in invitations if timezone.localdate(i.session.ends_at) >= today),
        invitations[-1] if invitations else None,
    )
    certificates = list(
        Certificate.objects.filter(person=person, revoked_at__isnull=True,
                                   expires_on__gte=today)
        .select_related("session").order_by("-expires_on")
    )
    counting = [c for c in certificates if session_policy(c.session).counts(c.route)]
    certificate = counting[0] if counting else None
    not_counted = certificates[0] if certificates and not counting else None
    by_other_route = certificate is not None and certificate.route != Route.ATTENDED
    yield ChecklistItem(
        "session", _("Training session attended"),
        attendance.session.starts_at.date() if attendance else None,
        attendance.session.title if attendance else (
            _("Not needed: your certificate's route (%(route)s) counts this fiscal year.")
            % {"route": certificate.get_route_display()} if by_other_route else
            _invitation_detail(invitation, today) if invitation
            else _("No session yet this fiscal year")
        ),
        required=not by_other_route,
        url_name="training:sessions",
    )
    yield from _briefing_items(person, fiscal_year, attended=attendance is not None)
    passed = (
        Attempt.objects.filter(in_year, person=person, passed=True)
        .order_by("submitted_at").first()
    )
    yield ChecklistItem(
        "quiz", _("Quiz passed"),
        passed.submitted_at.date() if passed else None,
        percent(passed.score_percent) if passed else _quiz_due_detail(person, today),
        url_name="training:my_quizzes",
    )
    yield ChecklistItem(
        "certificate", _("Certificate"),
        certificate.issued_on if certificate else None,
        _("%(route)s; valid until %(day)s") % {
            "route": certificate.get_route_display(),
            "day": date_format(certificate.expires_on)}
        if certificate else (
            _("Your certificate's route (%(route)s) does not count this fiscal year, as "
              "the coordinator decided.") % {"route": not_counted.get_route_display()}
            if not_counted else ""),
        url_name="training:certificates",
    )


def _quiz_due_detail(person: Person, today: datetime.date) -> str:
    due_on = quiz_due_for(person, today=today)
    return _("Due by %(day)s") % {"day": date_format(due_on)} if due_on else ""


def _reading_item(key, label, obligations: list[Obligation]) -> ChecklistItem:
    if not obligations:
        return ChecklistItem(key, label, None, _("Nothing required"), required=False)
    done = [o for o in obligations if o.is_done]
    return ChecklistItem(
        key, label,
        max(o.acknowledgement.acknowledged_at.date() for o in done)
        if len(done) == len(obligations) else None,
        _("%(done)s of %(total)s") % {"done": len(done), "total": len(obligations)},
    )


def _invitation_detail(invitation: Invitation, today: datetime.date) -> str:
    names = {"session": invitation.session.title,
             "day": date_format(timezone.localdate(invitation.session.starts_at))}
    if timezone.localdate(invitation.session.ends_at) < today:
        return _("Missed %(session)s (%(day)s)") % names
    return _("Invited to %(session)s (%(day)s)") % names


def _briefing_items(person: Person, fiscal_year, *, attended: bool) -> list[ChecklistItem]:
    """The briefing received on a session of the year the person missed: by whom, when,
    and whether they confirmed it. No line for someone with nothing to be briefed on."""
    # A confirmed one first, else the latest still live.
    obligations = list(
        BriefingObligation.objects.filter(
            person=person,
            sharing__session__starts_at__date__gte=fiscal_year.first_day,
            sharing__session__starts_at__date__lte=fiscal_year.last_day,
        )
        .filter(Q(dropped_at__isnull=True) | Q(confirmation__isnull=False))
        .select_related("sharing__session", "confirmation")
        .order_by("-created_at")
    )
    obligation = next((o for o in obligations if hasattr(o, "confirmation")),
                      obligations[0] if obligations else None)
    if obligation is None:
        return []
    label = _("Briefing received")
    if attended:
        return [ChecklistItem("briefing", label, None, _("Not needed: you attended."),
                              required=False)]
    briefing = (
        Briefing.objects.filter(obligations=obligation).select_related("briefed_by")
        .order_by("held_on").first()
    )
    confirmation = getattr(obligation, "confirmation", None)
    names = {"session": obligation.sharing.session.title}
    if briefing is None:
        detail = _("On %(session)s: to be briefed by %(day)s") % {
            **names, "day": date_format(obligation.due_on)}
    else:
        names |= {"name": briefing.briefed_by.name, "day": date_format(briefing.held_on)}
        detail = (
            _("On %(session)s: briefed by %(name)s on %(day)s; confirmed on %(confirmed)s")
            % {**names, "confirmed": date_format(timezone.localdate(confirmation.confirmed_at))}
            if confirmation else
            _("On %(session)s: briefed by %(name)s on %(day)s; confirm that you received it")
            % names
        )
    return [ChecklistItem(
        "briefing", label,
        timezone.localdate(confirmation.confirmed_at) if confirmation else None,
        detail, url_name="training:sharing",
    )]

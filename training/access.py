"""Who may see and do what with training's objects: sessions, quizzes and attempts,
certificates, onward sharing and briefing obligations.

Built on people.access.Scope; everything outside a user's scope is a 404. Kept here,
beside the models, so that people need not know training exists.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from people.access import get_overseen_department_for, scope_for
from people.models import Department, Organisation, Person
from training.models import (
    Attempt,
    Attendance,
    BriefingObligation,
    Certificate,
    CoursePolicy,
    DepartmentSharing,
    Invitation,
    Question,
    Quiz,
    TrainingSession,
)
from training.routes import route_for

# The path from each of training's rows that Wagtail logs to its organisation, for the
# admin's site history (people.access.admin_records_for); TrainingConfig.ready registers it.
ADMIN_ORGANISATION_PATHS = {
    TrainingSession: "organisation",
    Attendance: "session__organisation",
    Question: "organisation",
    Quiz: "organisation",
    Attempt: "person__organisation",
    Certificate: "person__organisation",
    CoursePolicy: "organisation",
}


def may_manage_training(user) -> bool:
    """Whether the user works in the training admin (sessions, the question bank, quizzes,
    attempts): coordinators. Which rows, managed_sessions_for, quiz_organisations_for and
    attempts_visible_to say."""
    return scope_for(user).is_coordinator


# Training sessions: who may see, manage and check in to a session.


def managed_sessions_for(user) -> QuerySet[TrainingSession]:
    """Sessions the user runs: their organisations' for a coordinator, all prefecture-wide."""
    return TrainingSession.objects.filter(
        organisation__in=scope_for(user).coordinated_organisations()
    )


def get_managed_session_for(user, pk) -> TrainingSession:
    """A session the user runs (invitations, roster, check-in display, sheets); else 404."""
    session = (
        managed_sessions_for(user).select_related("organisation", "quiz").filter(pk=pk).first()
    )
    if session is None:
        raise Http404
    return session


@dataclass(frozen=True)
class SessionAccess:
    session: TrainingSession
    may_manage: bool
    invitation: Invitation | None  # the user's own, if invited


def get_session_for(user, pk) -> SessionAccess:
    """A session the user runs, is invited to, or whose organisation they work for; else 404.

    Staff of the organisation who were not invited learn only that it exists, so that a
    check-in in the room can tell them why it was refused; each view checks
    `may_manage` or `invitation` before showing more.
    """
    scope = scope_for(user)
    session = TrainingSession.objects.select_related("organisation").filter(pk=pk).first()
    if session is None:
        raise Http404
    may_manage = scope.sees_everything or (
        session.organisation_id in scope.coordinated_organisation_ids
    )
    invitation = None
    if scope.person is not None:
        invitation = Invitation.objects.filter(session=session, person=scope.person).first()
    works_there = scope.person is not None and (
        scope.person.organisation_id == session.organisation_id
    )
    if not (may_manage or invitation or works_there):
        raise Http404
    return SessionAccess(session, may_manage, invitation)


def get_session_department_for(user, pk, department_pk) -> tuple[TrainingSession, Department]:
    """A session and one department of its organisation that the user supervises or
    coordinates, to read that department's attendance; else 404."""
    department = get_overseen_department_for(user, department_pk)
    session = TrainingSession.objects.filter(
        pk=pk, organisation=department.organisation_id
    ).first()
    if session is None:
        raise Http404
    return session, department


def supervised_session_departments_for(user) -> list[tuple[TrainingSession, Department]]:
    """(session, department) for each department the user supervises and each session of
    its organisation: the attendance pages listed for a supervisor."""
    supervised = list(Department.objects.filter(pk__in=scope_for(user).supervised_department_ids))
    sessions = TrainingSession.objects.filter(
        organisation__in={department.organisation_id for department in supervised}
    )
    return [
        (session, department)
        for session in sessions
        for department in supervised
        if department.organisation_id == session.organisation_id
    ]


# Quizzes: who may take a quiz, see an attempt, and read a quiz's analysis.


def get_quiz_taker(user) -> Person:
    """The person whose own quizzes the user sees; 404 for an account without one."""
    person = scope_for(user).person
    if person is None:
        raise Http404
    return person


def get_quiz_session_for(user, session_pk) -> TrainingSession:
    """A session with a quiz that the user is invited to, or whose quiz is theirs by an
    online route (training.routes: a confirmed briefing or a mid-year ID, where the
    course policy lets it count); 404 for anyone else.

    Whether an invitee attended is the services' rule (training.quizzes), so that an
    invitee who has not attended learns why they may not start yet.
    """
    person = get_quiz_taker(user)
    session = (
        TrainingSession.objects.select_related("quiz", "organisation")
        .filter(pk=session_pk, quiz__isnull=False)
        .first()
    )
    if session is None:
        raise Http404
    invited = Invitation.objects.filter(session=session, person=person).exists()
    if not invited and route_for(session=session, person=person,
                                 today=timezone.localdate()) is None:
        raise Http404
    return session


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """Quiz attempts the user may read: their own, their departments' as a supervisor,
    their organisation's as a coordinator, all of them prefecture-wide."""
    return Attempt.objects.filter(scope_for(user).personal_records())


def get_attempt_for(user, pk) -> tuple[Attempt, bool]:
    """An attempt the user may read, and whether it is their own (only the owner answers
    it; supervisors and coordinators read it); else 404."""
    attempt = (
        attempts_visible_to(user)
        .select_related("quiz", "session", "person__department")
        .filter(pk=pk)
        .first()
    )
    if attempt is None:
        raise Http404
    person = scope_for(user).person
    return attempt, person is not None and attempt.person_id == person.pk


def get_own_attempt_for(user, pk) -> Attempt:
    """An attempt the user is taking or took themselves; 404 for anyone else."""
    attempt, is_own = get_attempt_for(user, pk)
    if not is_own:
        raise Http404
    return attempt


def quiz_organisations_for(user) -> QuerySet[Organisation]:
    """Organisations whose question bank, quizzes and analysis the user manages."""
    return scope_for(user).coordinated_organisations()


def get_quiz_analysis_for(user, pk) -> Quiz:
    """A quiz whose item analysis the user may read: its organisation's coordinators and
    prefecture-wide coordinators; 404 for anyone else."""
    quiz = (
        Quiz.objects.select_related("organisation")
        .filter(pk=pk, organisation__in=quiz_organisations_for(user))
        .first()
    )
    if quiz is None:
        raise Http404
    return quiz


# Certificates: who may see, download and revoke a certificate.


def certificates_for(user) -> QuerySet[Certificate]:
    """Certificates the user may see and download.

    Narrower than the directory: an operator sees only their own, not their colleagues';
    a supervisor sees their departments'; a coordinator their organisation's.
    """
    return Certificate.objects.filter(scope_for(user).personal_records())


@dataclass(frozen=True)
class CertificateAccess:
    certificate: Certificate
    may_revoke: bool


def get_certificate_for(user, pk) -> CertificateAccess:
    """A certificate in the user's scope, and whether they may revoke it: the coordinators
    of its holder's organisation, and prefecture-wide coordinators, may."""
    certificate = (
        certificates_for(user)
        .select_related(
            "person__department", "person__organisation", "session__organisation", "revoked_by"
        )
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise Http404
    return CertificateAccess(certificate, may_revoke_certificate(user, certificate))


def may_revoke_certificate(user, certificate: Certificate) -> bool:
    scope = scope_for(user)
    return scope.sees_everything or (
        certificate.person.organisation_id in scope.coordinated_organisation_ids
    )


# Onward sharing: department pages, briefings, confirmations and the dashboard.


def sharings_visible_to(user) -> QuerySet[DepartmentSharing]:
    """Department sharings the user may read: their own department's, their supervised
    departments', their organisations' as a coordinator, all of them prefecture-wide."""
    return DepartmentSharing.objects.filter(department__in=scope_for(user).departments())


@dataclass(frozen=True)
class SharingAccess:
    sharing: DepartmentSharing
    may_supervise: bool  # confirm for colleagues, confirm the department, submit the report
    may_brief: bool  # record a briefing: its staff (the services check they attended)


def get_sharing_for(user, pk) -> SharingAccess:
    """A department sharing the user may read, and what they may do there; else 404."""
    sharing = (
        sharings_visible_to(user)
        .select_related("session__organisation", "department__organisation")
        .filter(pk=pk)
        .first()
    )
    if sharing is None:
        raise Http404
    scope = scope_for(user)
    may_supervise = sharing.department_id in scope.supervised_department_ids
    works_there = scope.person is not None and scope.person.department_id == sharing.department_id
    return SharingAccess(sharing, may_supervise, may_supervise or works_there)


@dataclass(frozen=True)
class ObligationAccess:
    obligation: BriefingObligation
    is_own: bool
    may_confirm_on_behalf: bool  # the colleague's supervisor


def get_obligation_for(user, pk) -> ObligationAccess:
    """A briefing obligation: the colleague's own, or one of a department the user may
    read; else 404. Only the colleague and their supervisor may confirm it."""
    scope = scope_for(user)
    visible = Q(sharing__in=sharings_visible_to(user))
    if scope.person is not None:
        visible |= Q(person=scope.person)
    obligation = (
        BriefingObligation.objects.filter(visible)
        .select_related("person", "sharing__session", "sharing__department")
        .filter(pk=pk)
        .first()
    )
    if obligation is None:
        raise Http404
    return ObligationAccess(
        obligation,
        is_own=scope.person is not None and obligation.person_id == scope.person.pk,
        may_confirm_on_behalf=obligation.sharing.department_id in scope.supervised_department_ids,
    )


def dashboard_sharings_for(user) -> QuerySet[DepartmentSharing]:
    """Every department sharing of the organisations the user coordinates; 404 for
    anyone who coordinates none."""
    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    return DepartmentSharing.objects.filter(
        session__organisation__in=scope.coordinated_organisations()
    )


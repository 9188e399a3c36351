"""The one place that decides who may see and do what.

Every view starts by asking this module, and no view filters by organisation or
department by hand. Things outside a user's scope raise Http404, so an outsider cannot
even learn that they exist.

Scope, widest first:
- a superuser, or a coordinator of a prefecture, sees every organisation;
- a coordinator sees their organisation;
- a supervisor sees the departments they supervise;
- everyone with a person record sees their own department.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from people.models import Department, IdGrant, Organisation, Person, RoleAssignment


@dataclass(frozen=True)
class Scope:
    person: Person | None
    sees_everything: bool
    coordinated_organisation_ids: frozenset[int]
    supervised_department_ids: frozenset[int]
    evaluated_organisation_ids: frozenset[int]
    id_granted_on: datetime.date | None  # start of the person's current operator-ID grant

    @property
    def is_coordinator(self) -> bool:
        return self.sees_everything or bool(self.coordinated_organisation_ids)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised_department_ids)

    @property
    def is_evaluator(self) -> bool:
        return bool(self.evaluated_organisation_ids)

    @property
    def is_operator(self) -> bool:
        return self.id_granted_on is not None

    def _department_filter(self, prefix: str = "") -> Q:
        """Rows whose department (reached through `prefix`) lies within this scope."""
        if self.sees_everything:
            return Q()
        # An empty `__in` matches nothing, so a scope without roles sees only its own.
        visible = Q(**{f"{prefix}organisation__in": self.coordinated_organisation_ids})
        visible |= Q(**{f"{prefix}pk__in": self.supervised_department_ids})
        if self.person is not None:
            visible |= Q(**{f"{prefix}pk": self.person.department_id})
        return visible

    def sees_person(self, person) -> bool:
        """Whether people() holds `person`, decided without a query, for the lists that
        name people and link each name to the person's record where the user may open it.
        A person's organisation is their department's (people.roster keeps them in step)."""
        return (
            self.sees_everything
            or person.organisation_id in self.coordinated_organisation_ids
            or person.department_id in self.supervised_department_ids
            or (self.person is not None and person.department_id == self.person.department_id)
        )

    def organisations(self):
        return Organisation.objects.filter(
            pk__in=self.departments().values("organisation_id")
        )

    def departments(self):
        return Department.objects.filter(self._department_filter())

    def people(self):
        return Person.objects.filter(self._department_filter("department__"))

    def personal_records(self, prefix: str = "person__") -> Q:
        """Records about people (attempts, certificates) this user may read: their own,
        their supervised departments' and their coordinated organisations'. Narrower than
        the directory: an operator does not see a colleague's."""
        if self.sees_everything:
            return Q()
        visible = Q(**{f"{prefix}department__in": self.supervised_department_ids})
        visible |= Q(**{f"{prefix}organisation__in": self.coordinated_organisation_ids})
        if self.person is not None:
            visible |= Q(**{prefix.removesuffix("__"): self.person})
        return visible

    def coordinated_organisations(self):
        if self.sees_everything:
            return Organisation.objects.all()
        return Organisation.objects.filter(pk__in=self.coordinated_organisation_ids)

    def overseen_departments(self):
        """Departments whose staff this user answers for: supervised or coordinated."""
        if self.sees_everything:
            return Department.objects.all()
        return Department.objects.filter(
            Q(organisation__in=self.coordinated_organisation_ids)
            | Q(pk__in=self.supervised_department_ids)
        )

    def may_administer_people(self) -> bool:
        """The admin's people lists span every organisation: prefecture-wide users only."""
        return self.sees_everything

    def may_manage_roster(self) -> bool:
        """Import people, departments and ID grants: coordinators only."""
        return self.is_coordinator


NO_SCOPE = Scope(None, False, frozenset(), frozenset(), frozenset(), None)


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_kunren_scope", None)
    if cached is not None:
        return cached

    person = Person.objects.select_related("department", "organisation").filter(user=user).first()
    roles = list(
        RoleAssignment.objects.filter(person=person).values_list(
            "role", "department_id", "organisation_id", "organisation__kind"
        )
    ) if person else []
    id_granted_on = (
        IdGrant.objects.filter(person=person).active_on(timezone.localdate())
        .order_by("-granted_on").values_list("granted_on", flat=True).first()
        if person else None
    )

    def organisations_for(role):
        return frozenset(org for r, _dept, org, _kind in roles if r == role)

    scope = Scope(
        person=person,
        sees_everything=user.is_superuser or any(
            r == RoleAssignment.Role.COORDINATOR and kind == Organisation.Kind.PREFECTURE
            for r, _dept, _org, kind in roles
        ),
        coordinated_organisation_ids=organisations_for(RoleAssignment.Role.COORDINATOR),
        supervised_department_ids=frozenset(
            dept for r, dept, _org, _kind in roles if r == RoleAssignment.Role.SUPERVISOR
        ),
        evaluated_organisation_ids=organisations_for(RoleAssignment.Role.EVALUATOR),
        id_granted_on=id_granted_on,
    )
    user._kunren_scope = scope
    return scope


def get_person_for(user, pk) -> Person:
    person = (
        scope_for(user).people()
        .select_related("department", "organisation", "user")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def get_department_for(user, pk) -> Department:
    department = scope_for(user).departments().select_related("organisation").filter(pk=pk).first()
    if department is None:
        raise Http404
    return department


def get_overseen_department_for(user, pk) -> Department:
    """A department the user supervises or coordinates; its own staff get 404 too."""
    department = (
        scope_for(user).overseen_departments().select_related("organisation").filter(pk=pk).first()
    )
    if department is None:
        raise Http404
    return department


def require_roster_manager(user) -> Scope:
    scope = scope_for(user)
    if not scope.may_manage_roster():
        raise Http404
    return scope


# Training sessions: who may see, manage and check in to a session.


def managed_sessions_for(user):
    """Sessions the user runs: their organisations' for a coordinator, all prefecture-wide."""
    from training.models import TrainingSession  # training builds on people, not the reverse

    return TrainingSession.objects.filter(
        organisation__in=scope_for(user).coordinated_organisations()
    )


def get_managed_session_for(user, pk):
    """A session the user runs (invitations, roster, check-in display, sheets); else 404."""
    session = (
        managed_sessions_for(user).select_related("organisation", "quiz").filter(pk=pk).first()
    )
    if session is None:
        raise Http404
    return session


@dataclass(frozen=True)
class SessionAccess:
    session: object  # training.models.TrainingSession
    may_manage: bool
    invitation: object | None  # the user's own training.models.Invitation, if invited


def get_session_for(user, pk) -> SessionAccess:
    """A session the user runs, is invited to, or whose organisation they work for; else 404.

    Staff of the organisation who were not invited learn only that it exists, so that a
    check-in in the room can tell them why it was refused; each view checks
    `may_manage` or `invitation` before showing more.
    """
    from training.models import Invitation, TrainingSession

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


def get_session_department_for(user, pk, department_pk):
    """A session and one department of its organisation that the user supervises or
    coordinates, to read that department's attendance; else 404."""
    from training.models import TrainingSession

    department = get_overseen_department_for(user, department_pk)
    session = TrainingSession.objects.filter(
        pk=pk, organisation=department.organisation_id
    ).first()
    if session is None:
        raise Http404
    return session, department


def supervised_session_departments_for(user) -> list:
    """(session, department) for each department the user supervises and each session of
    its organisation: the attendance pages listed for a supervisor."""
    from training.models import TrainingSession

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


def get_quiz_session_for(user, session_pk):
    """A session with a quiz that the user is invited to; 404 for anyone else.

    Being invited is the gate. Whether they attended is the services' rule
    (training.quizzes), so that an invitee who has not attended learns why they may not
    start yet.
    """
    from training.models import TrainingSession  # training builds on people, not the reverse

    person = get_quiz_taker(user)
    session = (
        TrainingSession.objects.select_related("quiz", "organisation")
        .filter(pk=session_pk, quiz__isnull=False, invitations__person=person)
        .first()
    )
    if session is None:
        raise Http404
    return session


def attempts_visible_to(user):
    """Quiz attempts the user may read: their own, their departments' as a supervisor,
    their organisation's as a coordinator, all of them prefecture-wide."""
    from training.models import Attempt

    return Attempt.objects.filter(scope_for(user).personal_records())


def get_attempt_for(user, pk):
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


def get_own_attempt_for(user, pk):
    """An attempt the user is taking or took themselves; 404 for anyone else."""
    attempt, is_own = get_attempt_for(user, pk)
    if not is_own:
        raise Http404
    return attempt


def quiz_organisations_for(user):
    """Organisations whose question bank, quizzes and analysis the user manages."""
    return scope_for(user).coordinated_organisations()


def get_quiz_analysis_for(user, pk):
    """A quiz whose item analysis the user may read: its organisation's coordinators and
    prefecture-wide coordinators; 404 for anyone else."""
    from training.models import Quiz

    quiz = (
        Quiz.objects.select_related("organisation")
        .filter(pk=pk, organisation__in=quiz_organisations_for(user))
        .first()
    )
    if quiz is None:
        raise Http404
    return quiz


# Certificates: who may see, download and revoke a certificate.


def certificates_for(user):
    """Certificates the user may see and download.

    Narrower than the directory: an operator sees only their own, not their colleagues';
    a supervisor sees their departments'; a coordinator their organisation's.
    """
    from training.models import Certificate  # training builds on people, not the reverse

    return Certificate.objects.filter(scope_for(user).personal_records())


@dataclass(frozen=True)
class CertificateAccess:
    certificate: object  # training.models.Certificate
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


def may_revoke_certificate(user, certificate) -> bool:
    scope = scope_for(user)
    return scope.sees_everything or (
        certificate.person.organisation_id in scope.coordinated_organisation_ids
    )


# Onward sharing: department pages, briefings, confirmations and the dashboard.


def sharings_visible_to(user):
    """Department sharings the user may read: their own department's, their supervised
    departments', their organisations' as a coordinator, all of them prefecture-wide."""
    from training.models import DepartmentSharing

    return DepartmentSharing.objects.filter(department__in=scope_for(user).departments())


@dataclass(frozen=True)
class SharingAccess:
    sharing: object  # training.models.DepartmentSharing
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
    obligation: object  # training.models.BriefingObligation
    is_own: bool
    may_confirm_on_behalf: bool  # the colleague's supervisor


def get_obligation_for(user, pk) -> ObligationAccess:
    """A briefing obligation: the colleague's own, or one of a department the user may
    read; else 404. Only the colleague and their supervisor may confirm it."""
    from training.models import BriefingObligation

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


def dashboard_sharings_for(user):
    """Every department sharing of the organisations the user coordinates; 404 for
    anyone who coordinates none."""
    from training.models import DepartmentSharing

    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    return DepartmentSharing.objects.filter(
        session__organisation__in=scope.coordinated_organisations()
    )


def get_coordinated_organisation_for(user, pk) -> Organisation:
    """An organisation the user coordinates (e.g. to set its reminder ladder); else 404."""
    organisation = scope_for(user).coordinated_organisations().filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


# Drills: who controls, evaluates and plays a drill.


def controlled_drills_for(user):
    """Drills the user runs as controller: their organisations' as a coordinator."""
    from drills.models import Drill

    return Drill.objects.filter(organisation__in=scope_for(user).coordinated_organisations())


def get_controlled_drill_for(user, pk):
    drill = controlled_drills_for(user).select_related("organisation").filter(pk=pk).first()
    if drill is None:
        raise Http404
    return drill


def evaluated_drills_for(user):
    """Drills the user may evaluate: their organisation's as an evaluator, and the ones
    they control."""
    from drills.models import Drill

    scope = scope_for(user)
    return Drill.objects.filter(
        Q(organisation__in=scope.coordinated_organisations())
        | Q(organisation__in=scope.evaluated_organisation_ids)
    )


def get_evaluated_drill_for(user, pk):
    drill = evaluated_drills_for(user).select_related("organisation").filter(pk=pk).first()
    if drill is None:
        raise Http404
    return drill


def may_see_unreleased_injects(user, drill) -> bool:
    """Whether the user is one of the drill's staff, who see its whole timeline before,
    while and after it runs: its controllers (the coordinators of its organisation and
    prefecture-wide ones, who also author its scenario) and its evaluators; the same
    people as `evaluated_drills_for`.

    Everyone else (a participant with an account, a guest with the join code, staff of
    the organisation who did not join) learns of an inject only when it is released to
    their role, reads the score only once the drill has ended, and never learns of an
    inject that was not released: the scenario is reused, so an unused contingency would
    tell the next drill's players what is coming."""
    scope = scope_for(user)
    return scope.sees_everything or drill.organisation_id in (
        scope.coordinated_organisation_ids | scope.evaluated_organisation_ids
    )


# A guest who joined with a drill's code is remembered in their browser session.
GUEST_PARTICIPANTS = "drill_guest_participants"


@dataclass(frozen=True)
class PlayerAccess:
    drill: object  # drills.models.Drill
    participant: object | None  # drills.models.Participant, once joined


def get_player_access_for(request, pk) -> PlayerAccess:
    """A drill the visitor plays or may join: staff of its organisation with an account,
    or anyone who joined it (with an account or as a guest with its code); else 404.
    Injects are shown only to a participant, and only as the clock releases them."""
    from drills.models import Drill, Participant

    drill = Drill.objects.select_related("organisation").filter(pk=pk).first()
    if drill is None:
        raise Http404
    scope = scope_for(request.user)
    participant = None
    if scope.person is not None:
        participant = Participant.objects.select_related("role").filter(
            drill=drill, person=scope.person
        ).first()
    if participant is None:
        guest_id = request.session.get(GUEST_PARTICIPANTS, {}).get(str(drill.pk))
        if guest_id is not None:
            participant = Participant.objects.select_related("role").filter(
                pk=guest_id, drill=drill, person__isnull=True
            ).first()
    works_there = scope.person is not None and scope.person.organisation_id == drill.organisation_id
    if participant is None and not works_there:
        raise Http404
    return PlayerAccess(drill, participant)


def remember_guest(request, participant) -> None:
    guests = dict(request.session.get(GUEST_PARTICIPANTS, {}))
    guests[str(participant.drill_id)] = participant.pk
    request.session[GUEST_PARTICIPANTS] = guests


# Drills: scenarios


def scenarios_for(user):
    """Scenarios the user authors: their organisations' as a coordinator, all of them
    prefecture-wide; none for anyone else."""
    from drills.models import Scenario  # drills builds on people, not the reverse

    return Scenario.objects.filter(organisation__in=scope_for(user).coordinated_organisations())


def get_scenario_for(user, pk):
    """A scenario the user authors (edit, copy, timeline import and export); else 404."""
    scenario = scenarios_for(user).select_related("organisation").filter(pk=pk).first()
    if scenario is None:
        raise Http404
    return scenario


def scenario_plans_for(user):
    """The published plans a user may build scenarios from: those of the organisations
    whose scenarios they author."""
    from cms.models import EmergencyPlanPage

    return EmergencyPlanPage.objects.live().filter(
        organisation__in=scope_for(user).coordinated_organisations()
    )


def get_scenario_plan_for(user, pk):
    """A published plan of an organisation whose scenarios the user authors; else 404."""
    plan = scenario_plans_for(user).select_related("organisation").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


# Drills: trends


def trend_organisations_for(user):
    """Organisations whose drill scores the user may compare across drills and fiscal
    years: those they coordinate (all of them prefecture-wide) and those they evaluate;
    404 for anyone else, who has no drills to compare."""
    scope = scope_for(user)
    if not (scope.is_coordinator or scope.is_evaluator):
        raise Http404
    return Organisation.objects.filter(
        Q(pk__in=scope.coordinated_organisations().values("pk"))
        | Q(pk__in=scope.evaluated_organisation_ids)
    )


# Drills: scores


@dataclass(frozen=True)
class ScoreAccess:
    drill: object  # drills.models.Drill
    participant: object | None  # drills.models.Participant: the visitor played in it
    may_evaluate: bool  # a controller or evaluator of the drill
    sees_unreleased: bool  # may_see_unreleased_injects: the drill's staff

    def may_read(self, now) -> bool:
        """The staff read the score at any time. A participant reads it once the drill
        has ended: before, its expected actions would tell them what is still to come."""
        ended_at = self.drill.ended_at
        return self.sees_unreleased or (ended_at is not None and ended_at <= now)


def get_scored_drill_for(request, pk) -> ScoreAccess:
    """A drill whose score the visitor may read: its participants' (with an account or as
    a guest, once it has ended: `ScoreAccess.may_read`), its controllers' and its
    evaluators'; else 404. Staff of the organisation who did not take part see nothing: a
    score is about the people who played."""
    drill = evaluated_drills_for(request.user).select_related("organisation").filter(pk=pk).first()
    if drill is not None:
        return ScoreAccess(drill, None, may_evaluate=True,
                           sees_unreleased=may_see_unreleased_injects(request.user, drill))
    access = get_player_access_for(request, pk)
    if access.participant is None:
        raise Http404
    return ScoreAccess(access.drill, access.participant, may_evaluate=False,
                       sees_unreleased=may_see_unreleased_injects(request.user, access.drill))


# Drills: after-action reports


def get_report_writer_drill_for(user, pk):
    """A drill whose after-action report the user writes and finalises: its controllers
    (the coordinators of its organisation, and prefecture-wide ones); else 404."""
    drill = (controlled_drills_for(user).select_related("organisation", "created_by__department")
             .filter(pk=pk).first())
    if drill is None:
        raise Http404
    return drill


def get_report_reader_drill_for(user, pk):
    """A drill whose after-action report (the draft, or the final one) the user may read:
    its controllers and its evaluators; else 404."""
    drill = (evaluated_drills_for(user).select_related("organisation", "created_by__department")
             .filter(pk=pk).first())
    if drill is None:
        raise Http404
    return drill


def get_shared_report(token: str, *, now):
    """The shareable link a token opens, with its report, for anyone who holds it, with
    or without an account, while it is open (neither expired nor withdrawn); else 404,
    the same for an unknown, expired or withdrawn token, so that the answer says nothing
    about which. Only a finalised report has links, so a draft is never shared."""
    from drills.models import ReportShareLink

    link = (
        ReportShareLink.objects.open_at(now)
        .select_related("report__drill__organisation", "report__drill__created_by__department")
        .defer("report__pdf", "report__pdf_by_role").filter(token=token).first()
        if token else None
    )
    if link is None:
        raise Http404
    return link


# Drills: improvement items


def improvement_items_visible_to(user):
    """Improvement items the user may open: those of the drills they control, those of
    the departments they supervise, and those naming them as point of contact. Everyone
    who may open an item may move its status."""
    from drills.models import ImprovementItem

    scope = scope_for(user)
    visible = Q(drill__in=controlled_drills_for(user))
    visible |= Q(department__in=scope.supervised_department_ids)
    if scope.person is not None:
        visible |= Q(point_of_contact=scope.person)
    return ImprovementItem.objects.filter(visible)


@dataclass(frozen=True)
class ImprovementAccess:
    item: object  # drills.models.ImprovementItem
    may_edit: bool  # change what it says and verify it: the drill's controllers


def get_improvement_for(user, pk) -> ImprovementAccess:
    """An improvement item the user may open, and whether they may edit and verify it;
    else 404."""
    item = (
        improvement_items_visible_to(user)
        .select_related("drill__organisation", "objective", "department", "point_of_contact",
                        "page", "verified_in", "created_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    scope = scope_for(user)
    may_edit = scope.sees_everything or (
        item.drill.organisation_id in scope.coordinated_organisation_ids
    )
    return ImprovementAccess(item, may_edit)


def my_improvement_items_for(user):
    """The items the user answers for: their supervised departments', and those naming
    them as point of contact."""
    from drills.models import ImprovementItem

    scope = scope_for(user)
    mine = Q(department__in=scope.supervised_department_ids)
    if scope.person is not None:
        mine |= Q(point_of_contact=scope.person)
    return ImprovementItem.objects.filter(mine)


# The audit trail: coordinators read their organisations' events and review them.


def audit_events_for(user):
    """Events of the organisations the user coordinates (every event, prefecture-wide);
    404 for everyone else, who may not know the trail exists."""
    from audit.models import AuditEvent

    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    if scope.sees_everything:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation__in=scope.coordinated_organisation_ids)


def audit_organisations_for(user):
    """Organisations whose trail the user reviews and whose findings they record."""
    if not scope_for(user).is_coordinator:
        raise Http404
    return scope_for(user).coordinated_organisations()


def get_audit_review_for(user, pk):
    from audit.models import AuditReview

    review = (
        AuditReview.objects.filter(organisation__in=audit_organisations_for(user))
        .select_related("organisation").filter(pk=pk).first()
    )
    if review is None:
        raise Http404
    return review


# People: anonymising a leaver


def get_anonymisable_person_for(user, pk) -> Person:
    """A person the user may anonymise (may_anonymise); anyone else gets 404. A person
    already anonymised is returned too, so that the page can say so."""
    person = (
        Person.objects.select_related("department", "organisation", "user").filter(pk=pk).first()
    )
    if person is None or not may_anonymise(user, person):
        raise Http404
    return person


def may_anonymise(user, person) -> bool:
    """Whether the user may anonymise the person when they leave: the coordinators of
    the person's organisation, and prefecture-wide coordinators, may."""
    scope = scope_for(user)
    return scope.sees_everything or person.organisation_id in scope.coordinated_organisation_ids


# The Wagtail admin: which rows' history (site history report) a user may read.

# For each model whose changes Wagtail logs, the path from a row to its organisation. A
# model missing here is prefecture-wide only: its rows' history (accounts, groups,
# collections, sites) cannot be told apart by organisation.
ADMIN_ORGANISATION_PATHS = {
    "people.organisation": "pk",
    "people.department": "organisation",
    "people.person": "organisation",
    "people.idgrant": "person__organisation",
    "people.roleassignment": "person__organisation",
    "training.trainingsession": "organisation",
    "training.attendance": "session__organisation",
    "training.question": "organisation",
    "training.quiz": "organisation",
    "training.attempt": "person__organisation",
    "training.certificate": "person__organisation",
    "drills.scenario": "organisation",
    "drills.drill": "organisation",
}


def admin_records_for(user, model):
    """The rows of `model` whose change history the user may read in the admin: those of
    the organisations they coordinate (every row prefecture-wide). The admin is the
    coordinators' tool, so supervising or evaluating elsewhere adds nothing."""
    scope = scope_for(user)
    if scope.sees_everything:
        return model._default_manager.all()
    path = ADMIN_ORGANISATION_PATHS.get(model._meta.label_lower)
    if path is None or not scope.coordinated_organisation_ids:
        return model._default_manager.none()
    return model._default_manager.filter(**{f"{path}__in": scope.coordinated_organisation_ids})


def admin_pages_for(user):
    """Pages the user may find in the admin's page chooser: the home page, the subtrees
    of the organisations they coordinate, the modules shared with every organisation
    (and their index), and whatever Wagtail's page permissions let them edit; every page
    prefecture-wide. Another organisation's plan names its staff: it is not listed."""
    from wagtail.models import Page
    from wagtail.permission_policies.pages import PagePermissionPolicy

    from cms.models import EmergencyPlanPage, RequiredReading, TrainingIndexPage, TrainingModulePage

    scope = scope_for(user)
    if scope.sees_everything:
        return Page.objects.all()
    coordinated = scope.coordinated_organisation_ids
    visible = Q(depth__lte=2)  # Wagtail's root and our home page
    for root in (*TrainingIndexPage.objects.filter(organisation__in=coordinated),
                 *EmergencyPlanPage.objects.filter(organisation__in=coordinated)):
        visible |= Q(path__startswith=root.path)
    shared = TrainingModulePage.objects.filter(reach=RequiredReading.Reach.ALL_ORGANISATIONS)
    shared_paths = list(shared.values_list("path", flat=True))
    visible |= Q(path__in=shared_paths) | Q(path__in={p[:-Page.steplen] for p in shared_paths})
    visible |= Q(pk__in=PagePermissionPolicy().explorable_instances(user).values("pk"))
    return Page.objects.filter(visible)


def may_read_documents_of(user, organisation_id: int) -> bool:
    """Whether the user may download the documents an organisation keeps in its own
    collection: its staff, its supervisors and coordinators, and prefecture-wide users."""
    scope = scope_for(user)
    if scope.sees_everything:
        return True
    if scope.person is not None and scope.person.organisation_id == organisation_id:
        return True
    return scope.organisations().filter(pk=organisation_id).exists()

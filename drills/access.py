"""Who may see and do what with drills: the drill itself (as controller, evaluator,
player or guest), scenarios and the plans they are built from, trends, scores,
after-action reports and their share links, and improvement items.

Built on people.access.Scope; everything outside a user's scope is a 404. Kept here,
beside the models, so that people need not know drills exist.
"""

import datetime
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from cms.models import EmergencyPlanPage
from drills.models import (
    Drill,
    ImprovementItem,
    Participant,
    PlannedDrill,
    ReportShareLink,
    Scenario,
)
from people.access import scope_for
from people.models import Organisation

# The path from each of drills' rows that Wagtail logs to its organisation, for the admin's
# site history (people.access.admin_records_for); DrillsConfig.ready registers it.
ADMIN_ORGANISATION_PATHS = {
    Scenario: "organisation",
    Drill: "organisation",
}


# Who controls, evaluates and plays a drill.


def controlled_drills_for(user) -> QuerySet[Drill]:
    """Drills the user runs as controller: their organisations' as a coordinator."""
    return Drill.objects.filter(organisation__in=scope_for(user).coordinated_organisations())


def get_controlled_drill_for(user, pk) -> Drill:
    drill = controlled_drills_for(user).select_related("organisation").filter(pk=pk).first()
    if drill is None:
        raise Http404
    return drill


def evaluated_drills_for(user) -> QuerySet[Drill]:
    """Drills the user may evaluate: their organisation's as an evaluator, and the ones
    they control."""
    scope = scope_for(user)
    return Drill.objects.filter(
        Q(organisation__in=scope.coordinated_organisations())
        | Q(organisation__in=scope.evaluated_organisation_ids)
    )


def get_evaluated_drill_for(user, pk) -> Drill:
    drill = evaluated_drills_for(user).select_related("organisation").filter(pk=pk).first()
    if drill is None:
        raise Http404
    return drill


def may_see_unreleased_injects(user, drill: Drill) -> bool:
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
    drill: Drill
    participant: Participant | None  # once joined


def get_player_access_for(request: HttpRequest, pk) -> PlayerAccess:
    """A drill the visitor plays or may join: staff of its organisation with an account,
    or anyone who joined it (with an account or as a guest with its code); else 404.
    Injects are shown only to a participant, and only as the clock releases them."""
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


def remember_guest(request: HttpRequest, participant: Participant) -> None:
    guests = dict(request.session.get(GUEST_PARTICIPANTS, {}))
    guests[str(participant.drill_id)] = participant.pk
    request.session[GUEST_PARTICIPANTS] = guests


# Scenarios, and the plans they are built from


def may_author_scenarios(user) -> bool:
    """Whether the user works on scenarios in the admin: coordinators (scenarios_for says
    which)."""
    return scope_for(user).is_coordinator


def scenarios_for(user) -> QuerySet[Scenario]:
    """Scenarios the user authors: their organisations' as a coordinator, all of them
    prefecture-wide; none for anyone else."""
    return Scenario.objects.filter(organisation__in=scope_for(user).coordinated_organisations())


def get_scenario_for(user, pk) -> Scenario:
    """A scenario the user authors (edit, copy, timeline import and export); else 404."""
    scenario = scenarios_for(user).select_related("organisation").filter(pk=pk).first()
    if scenario is None:
        raise Http404
    return scenario


def scenario_plans_for(user) -> QuerySet[EmergencyPlanPage]:
    """The published plans a user may build scenarios from: those of the organisations
    whose scenarios they author."""
    return EmergencyPlanPage.objects.live().filter(
        organisation__in=scope_for(user).coordinated_organisations()
    )


def get_scenario_plan_for(user, pk) -> EmergencyPlanPage:
    """A published plan of an organisation whose scenarios the user authors; else 404."""
    plan = scenario_plans_for(user).select_related("organisation").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


# Trends


def trend_organisations_for(user) -> QuerySet[Organisation]:
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


# Scores


@dataclass(frozen=True)
class ScoreAccess:
    drill: Drill
    participant: Participant | None  # the visitor played in it
    may_evaluate: bool  # a controller or evaluator of the drill
    sees_unreleased: bool  # may_see_unreleased_injects: the drill's staff

    def may_read(self, now: datetime.datetime) -> bool:
        """The staff read the score at any time. A participant reads it once the drill
        has ended: before, its expected actions would tell them what is still to come."""
        ended_at = self.drill.ended_at
        return self.sees_unreleased or (ended_at is not None and ended_at <= now)


def get_scored_drill_for(request: HttpRequest, pk) -> ScoreAccess:
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


# After-action reports


def get_report_writer_drill_for(user, pk) -> Drill:
    """A drill whose after-action report the user writes and finalises: its controllers
    (the coordinators of its organisation, and prefecture-wide ones); else 404."""
    drill = (controlled_drills_for(user).select_related("organisation", "created_by__department")
             .filter(pk=pk).first())
    if drill is None:
        raise Http404
    return drill


def get_report_reader_drill_for(user, pk) -> Drill:
    """A drill whose after-action report (the draft, or the final one) the user may read:
    its controllers and its evaluators; else 404."""
    drill = (evaluated_drills_for(user).select_related("organisation", "created_by__department")
             .filter(pk=pk).first())
    if drill is None:
        raise Http404
    return drill


def get_shared_report(token: str, *, now: datetime.datetime) -> ReportShareLink:
    """The shareable link a token opens, with its report, for anyone who holds it, with
    or without an account, while it is open (neither expired nor withdrawn); else 404,
    the same for an unknown, expired or withdrawn token, so that the answer says nothing
    about which. Only a finalised report has links, so a draft is never shared."""
    link = (
        ReportShareLink.objects.open_at(now)
        .select_related("report__drill__organisation", "report__drill__created_by__department")
        .defer("report__pdf", "report__pdf_by_role").filter(token=token).first()
        if token else None
    )
    if link is None:
        raise Http404
    return link


# Improvement items


def improvement_items_visible_to(user) -> QuerySet[ImprovementItem]:
    """Improvement items the user may open: those of the drills they control, those of
    the departments they supervise, and those naming them as point of contact. Everyone
    who may open an item may move its status."""
    scope = scope_for(user)
    visible = Q(drill__in=controlled_drills_for(user))
    visible |= Q(department__in=scope.supervised_department_ids)
    if scope.person is not None:
        visible |= Q(point_of_contact=scope.person)
    return ImprovementItem.objects.filter(visible)


@dataclass(frozen=True)
class ImprovementAccess:
    item: ImprovementItem
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


def my_improvement_items_for(user) -> QuerySet[ImprovementItem]:
    """The items the user answers for: their supervised departments', and those naming
    them as point of contact."""
    scope = scope_for(user)
    mine = Q(department__in=scope.supervised_department_ids)
    if scope.person is not None:
        mine |= Q(point_of_contact=scope.person)
    return ImprovementItem.objects.filter(mine)



# The annual drill programme


# For a write that records who did it (a planned drill, a scheduled drill) by an account
# no person stands behind: a superuser made by createsuperuser, before any roster.
NO_PERSON = gettext_lazy(
    "Your account is not linked to a person of the staff directory, and this records who "
    "did it. Link the account to a person (Wagtail admin, People) and try again. Nothing "
    "was saved."
)


def records_who_acts(view):
    """For a view whose POST writes a record naming the person who did it (a tick, a
    rating, a release, a report's finalisation, an improvement item, a copied scenario):
    a superuser no person stands behind is sent back where they came from with NO_PERSON,
    before anything is written, instead of failing on the missing person (a 500). Anyone
    else without a person sees nothing anyway, and meets the view's own 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        scope = scope_for(request.user)
        if request.method == "POST" and scope.person is None and scope.sees_everything:
            messages.error(request, NO_PERSON)
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                back = reverse("drills:list")
            return redirect(back)
        return view(request, *args, **kwargs)

    return wrapped


def programme_organisations_for(user) -> QuerySet[Organisation]:
    """Organisations whose drill programme the user plans and reads: those they
    coordinate (every one prefecture-wide); 404 for anyone else."""
    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    return scope.coordinated_organisations()


def get_planned_drill_for(user, pk) -> PlannedDrill:
    """A planned drill of an organisation the user coordinates; else 404."""
    planned = (PlannedDrill.objects.filter(organisation__in=scope_for(user)
                                           .coordinated_organisations())
               .select_related("organisation").filter(pk=pk).first())
    if planned is None:
        raise Http404
    return planned


# Scenario templates


def scenario_templates_for(user) -> QuerySet[Scenario]:
    """Scenarios a coordinator may copy from: those offered as templates (a prefecture's),
    and the scenarios they author themselves (so that a prefecture coordinator is told,
    not shown a 404, when they try to copy one they have not offered). 404 for anyone
    who is not a coordinator."""
    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    return Scenario.objects.filter(
        Q(offered_as_template=True, organisation__kind=Organisation.Kind.PREFECTURE)
        | Q(organisation__in=scope.coordinated_organisations())
    )


def get_scenario_template_for(user, pk) -> Scenario:
    scenario = scenario_templates_for(user).select_related("organisation").filter(pk=pk).first()
    if scenario is None:
        raise Http404
    return scenario

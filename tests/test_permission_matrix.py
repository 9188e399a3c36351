"""The permission matrix: every URL the project defines, for every role.

The URLs are read from the resolver, so a new URL cannot be forgotten: a URL name with no
entry in MATRIX fails `test_every_url_has_an_entry`, and an entry whose URL is gone fails
`test_every_entry_names_a_url`. Kept are the patterns whose view lives in one of our
modules (config, people, cms, training, drills), which includes our Wagtail admin views
(the roster import, the scenario, quiz and session viewsets); so are all the views of the
viewsets our modules register, even those that are Wagtail's generic views (their add
views, the people viewsets). Wagtail's and Django's own views are left out.

The eight roles of the permission matrix, and the fixtures that play them. The world's data
(session, sharing, quiz, certificate, drill, report, improvement item) belongs to 熊本県
department A:

| role in the matrix                   | fixture            | here                           |
| ------------------------------------ | ------------------ | ------------------------------ |
| anonymous                            | (not logged in)    | `anonymous`                    |
| operator                             | `operator`         | ID holder of department A      |
| supervisor of another department     | `other_supervisor` | supervises department B        |
| supervisor                           | `supervisor`       | supervises department A        |
| coordinator of another organisation  | `city_coordinator` | coordinates 熊本市              |
| coordinator / prefecture coordinator | `coordinator`      | coordinates 熊本県              |
| evaluator                            | `evaluator`        | evaluates 熊本県's drills       |

A coordinator of 熊本県 is prefecture-wide by definition (people.access.scope_for), so for
熊本県's data "coordinator of the data's organisation" and "prefecture coordinator" are the
same person: the `coordinator` column stands for both, and `city_coordinator` is the
coordinator of another organisation. The world holds no 熊本市 objects, so a municipality's
coordinator working in their own organisation shows only where no object is involved
(lists, the sharing dashboard, trends, the roster import, the admin indexes and add views).

Every logged-in role also holds the Django permissions the demo gives coordinators
(people.groups.COORDINATOR_PERMISSIONS, which include Wagtail admin access), so the admin
cells test what people.access decides, not who happens to be in which group.

Outcomes: "ok" (200, or a redirect anywhere but a login page), "login" (a redirect to
/login/ or Wagtail's /admin/login/), "404", "400" (let in, the empty input refused),
"refused" (a redirect carrying an error message: let in, the action refused),
"denied" (Wagtail's permission-denied redirect to the admin dashboard), or another status
code as a string. Each URL is one test that builds the world (only the objects its URL
needs) and tries the roles from the least to the most privileged, so a POST that succeeds
changes nothing for a role with less access. POSTs carry an empty (or minimal) body: the
point is the gate, not the action. A view that answers GET and POST is tried both ways
(POSTS). The lists (LISTS) are also read: a role must not find there the names and titles
of what lies outside its scope (HIDDEN).

A cell that differs from what people.access and the views' docstrings say is marked
`# FINDING:` and holds what the application does today; when this file was written there
was none. To fill in an entry for a new URL, run with MATRIX_RECORD=/tmp/matrix.jsonl: each
URL's actual outcomes are appended there, one JSON line per URL.
"""

import dataclasses
import datetime
import json
import os
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import ERROR, get_messages
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from people import groups
from tests.conftest import staff_once_per_module

OURS = ("config.", "core.", "people.", "directory.", "cms.", "training.", "drills.", "reports.", "audit.",
        "terminal_logs.")
ROLES = ["anonymous", "operator", "other_supervisor", "city_coordinator", "evaluator",
         "supervisor", "coordinator"]


def our_viewset_namespaces() -> set[str]:
    """The URL namespaces of the Wagtail admin viewsets our modules define. Their views
    may be Wagtail's own generic ones (add, or every view of the people viewsets), but
    they show our models, gated by our permission policies, so they count as ours."""
    from wagtail.admin.viewsets import viewsets

    get_resolver().url_patterns  # the admin URLs register the viewsets  # noqa: B018
    return {viewset.url_namespace for viewset in viewsets.viewsets
            if type(viewset).__module__.startswith(OURS)}


def discovered_url_names() -> set[str]:
    """namespace:name of every URL pattern whose view is one of ours, or which belongs to
    one of our admin viewsets."""
    names = set()
    viewset_namespaces = our_viewset_namespaces()

    def walk(resolver, namespaces):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, namespaces + ([pattern.namespace] if pattern.namespace else []))
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                module = getattr(getattr(callback, "view_class", callback), "__module__", "")
                if module.startswith(OURS) or (namespaces and namespaces[0] in
                                               viewset_namespaces):
                    assert pattern.name, f"{pattern.pattern} has no name"
                    names.add(":".join([*namespaces, pattern.name]))

    walk(get_resolver(), [])
    return names


# The world


class World:
    """The fixture objects, each made only when a URL needs it: `world.closed_session` is
    conftest's fixture of that name, `world.sharing` one of the properties below."""

    def __init__(self, request, people):
        self.request = request
        self.people = people

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.request.getfixturevalue(name)

    @cached_property
    def audit_review(self):
        """An access-log review of 熊本県 that sampled an event about the colleague."""
        import datetime as dt

        from django.utils import timezone

        from audit.reviews import review_draw

        self.audit_event  # noqa: B018
        today = timezone.localdate()
        return review_draw(organisation=self.prefecture, period_start=today - dt.timedelta(30),
                           period_end=today, months_per_quarter=3, sample_size=5,
                           by=self.coordinator, now=timezone.now())

    @cached_property
    def review_campaign(self):
        """熊本県's review of the operator's look-ups of July 2026, sent to the supervisors."""
        from tests.test_terminal_review import sent_review

        return sent_review(self.operator, self.coordinator)

    @cached_property
    def review_draft(self):
        """熊本県's review of the operator's look-ups of May 2026, drawn, not sent."""
        from tests.test_terminal_review import draft_review

        return draft_review(self.operator, self.coordinator)

    @cached_property
    def review_item(self):
        return self.review_campaign.items.filter(lookup__person=self.operator).first()

    @cached_property
    def lookup_finding(self):
        """The supervisor found no business reason for one of the operator's look-ups."""
        from tests.test_terminal_review import lookup_finding

        return lookup_finding(self.review_campaign, self.operator, self.supervisor)

    @cached_property
    def audit_event(self):
        """The coordinator's viewing of the colleague's records."""
        from audit import chain
        from audit.models import AuditEvent

        return chain.append(
            actor=self.coordinator.user, actor_person=self.coordinator,
            action=AuditEvent.Action.RECORDS_VIEWED, content_type=ContentType.objects.get_for_model(
                self.colleague), object_id=str(self.colleague.pk), subject=self.colleague,
            organisation=self.prefecture, department=self.department_a,
        )

    @cached_property
    def sharing(self):
        return self.closed_session.sharings.get(department=self.department_a)

    @cached_property
    def obligation(self):
        return self.sharing.obligations.get(person=self.colleague)

    @cached_property
    def material(self):
        """A training module the operator briefed the colleague with."""
        from wagtail.models import Site

        from cms.models import TrainingIndexPage, TrainingModulePage
        from training.models import Briefing

        Site.objects.update_or_create(is_default_site=True, defaults={
            "hostname": "localhost", "root_page": self.home_page,
        })
        index = self.home_page.add_child(instance=TrainingIndexPage(
            title="熊本県 研修", slug="training-430005", organisation=self.prefecture
        ))
        module = index.add_child(instance=TrainingModulePage(title="保護", slug="m", body=[]))
        briefing = Briefing.objects.create(
            sharing=self.sharing, briefed_by=self.operator, held_on=datetime.date(2026, 11, 25),
            method="material", recorded_by=self.operator,
            recorded_at=datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC),
        )
        briefing.obligations.add(self.obligation)
        briefing.materials.add(module)
        return module

    @cached_property
    def quiz_session(self):
        """The closed session with a quiz, which the operator passed."""
        from training.models import Quiz

        session = self.closed_session
        session.quiz = Quiz.objects.create(organisation=self.prefecture, title="確認テスト")
        session.save(update_fields=["quiz"])
        return session

    @cached_property
    def attempt(self):
        from training.models import Attempt

        session = self.quiz_session
        submitted = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=datetime.UTC)
        return Attempt.objects.create(
            quiz=session.quiz, session=session, person=self.operator, number=1,
            started_at=submitted - datetime.timedelta(minutes=15), deadline=submitted,
            submitted_at=submitted, score_percent=90, passed=True,
        )

    @cached_property
    def certificate(self):
        from training.certificates import certificate_issue

        return certificate_issue(attempt=self.attempt, today=datetime.date(2026, 11, 26))

    @cached_property
    def ended_drill(self):
        """The scenario's drill, played 10:00 to 10:30 with the operator as 所属長."""
        from drills import runs
        from drills.models import Drill
        from tests.conftest import DRILL_T0

        drill = runs.drill_start(drill=self.drill, now=DRILL_T0)
        runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), now=DRILL_T0,
                              person=self.operator)
        runs.drill_end(drill=drill, now=DRILL_T0 + datetime.timedelta(minutes=30))
        self.clock.move_to(DRILL_T0 + datetime.timedelta(minutes=40))
        return Drill.objects.get(pk=drill.pk)

    @cached_property
    def item(self):
        """Department A's improvement item; the colleague is its point of contact."""
        from drills.improvements import item_create

        return item_create(
            drill=self.ended_drill, by=self.coordinator,
            now=self.ended_drill.ended_at + datetime.timedelta(minutes=5),
            issue="第一報が遅れた", corrective_action="連絡網を更新する", element="plan",
            department=self.department_a, start_on=datetime.date(2026, 12, 1),
            due_on=datetime.date(2027, 1, 29), point_of_contact=self.colleague,
        )

    @cached_property
    def planned_drill(self):
        """熊本県's drill planned for October of FY2026."""
        from drills.programme import planned_drill_create

        return planned_drill_create(
            organisation=self.prefecture, fiscal_year=2026, planned_month=datetime.date(2026, 10, 1),
            title="年次訓練", by=self.coordinator, now=timezone.now(),
        )

    @cached_property
    def report_token(self):
        from drills.report import report_finalise
        from drills.report_links import share_link_create

        drill = self.ended_drill
        finalised_at = drill.ended_at + datetime.timedelta(minutes=10)
        report = report_finalise(drill=drill, by=self.coordinator, now=finalised_at)
        return share_link_create(report=report, by=self.coordinator, days=30,
                                 names_shown=False, now=finalised_at).token


PEOPLE = ["operator", "other_supervisor", "supervisor", "city_coordinator", "coordinator",
          "evaluator"]


def coordinators_permissions_for_everyone(staff):
    group = Group.objects.create(name="matrix")
    wanted = Q()
    for app_label, codename in groups.COORDINATOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    assert group.permissions.count() == len(groups.COORDINATOR_PERMISSIONS)
    for name in PEOPLE:
        staff[name].user.groups.add(group)


# The people are made once for the module (the tests read them, and what a test writes is
# rolled back after it); the objects each URL needs are made in its test.
# A module that borrows `world` takes these too (globals().update(WORLD_STAFF)): without
# them its coordinators would be people without the group, shut out of the admin.
WORLD_STAFF = staff_once_per_module(*PEOPLE, "colleague",
                                    then=coordinators_permissions_for_everyone)
globals().update(WORLD_STAFF)


@pytest.fixture
def world(request, clock, operator, colleague, supervisor, other_supervisor, coordinator,
          city_coordinator, evaluator):
    people = {"operator": operator, "other_supervisor": other_supervisor,
              "supervisor": supervisor, "city_coordinator": city_coordinator,
              "coordinator": coordinator, "evaluator": evaluator}
    return World(request, people)


# The matrix


@dataclass(frozen=True)
class Entry:
    kwargs: object  # World -> the URL's kwargs
    expected: dict  # role -> outcome
    method: str = "get"
    data: object = None  # World -> the POST body; empty when None
    # For a view that answers GET and POST: the outcome per role of an empty POST too.
    post: dict | None = None


def none(w):
    return {}


def every(outcome, **overrides):
    return {**dict.fromkeys(ROLES, outcome), **overrides}


def logged_in(outcome="ok", **overrides):
    """Anonymous is sent to log in; every logged-in role gets `outcome` unless overridden."""
    return every(outcome, **{"anonymous": "login", **overrides})


def only(allowed, *, denied="404", outcome="ok", **overrides):
    """`allowed` get `outcome`, the other logged-in roles `denied`, anonymous logs in."""
    return logged_in(denied, **{**dict.fromkeys(allowed, outcome), **overrides})


COORDINATOR = {"coordinator"}
COORDINATORS = {"city_coordinator", "coordinator"}  # each sees their own organisation's
OVERSEERS = {"supervisor", "coordinator"}
# Department A's staff and those who answer for it: its operator, supervisor, coordinator.
DEPARTMENT_A = {"operator", "supervisor", "coordinator"}
# Staff of 熊本県 (the organisation of the world's session and drill).
PREFECTURE_STAFF = {"operator", "other_supervisor", "evaluator", "supervisor", "coordinator"}
DRILL_STAFF = {"evaluator", "coordinator"}  # the drill's evaluators and controllers


def admin(allowed=COORDINATOR, *, denied="denied", **overrides):
    """A Wagtail admin view: anonymous goes to Wagtail's login page, the permission
    policies turn away the roles that may not use it ("denied"), and a view of one object
    outside the user's scope answers 404."""
    return only(allowed, denied=denied, **overrides)


def session(w):
    return {"pk": w.closed_session.pk}


def sharing(w):
    return {"pk": w.sharing.pk}


def obligation(w):
    return {"pk": w.obligation.pk}


def drill(w):
    return {"pk": w.ended_drill.pk}


def shared_drill(w):
    """The ended drill, its report finalised and shared."""
    assert w.report_token
    return {"pk": w.ended_drill.pk}


def item(w):
    return {"pk": w.item.pk}


def scenario(w):
    return {"pk": w.scenario.pk}


def attempt(w):
    return {"pk": w.attempt.pk}


def certificate(w):
    return {"pk": w.certificate.pk}


MATRIX = {
    # Site pages open to every member of staff.
    "home": Entry(none, logged_in()),
    "healthz": Entry(none, every("ok")),
    "favicon": Entry(none, every("ok")),
    "search": Entry(none, logged_in()),
    # "Any logged-in member of staff may print any plan" (cms.views.plan_pdf).
    "plan_pdf": Entry(lambda w: {"page_id": w.plan.pk}, logged_in()),
    "people:directory": Entry(none, logged_in()),
    # The colleague of department A: their own department sees them.
    "people:person": Entry(lambda w: {"pk": w.colleague.pk}, only(DEPARTMENT_A)),
    # The colleague's training record (reports.access): the person, their supervisor and
    # their organisation's coordinators; not their department's operator, whom the
    # directory shows them to, nor an evaluator.
    **{name: Entry(lambda w: {"pk": w.colleague.pk, "fiscal_year": 2026},
                   only({"supervisor", "coordinator"}))
       for name in ("reports:person_record", "reports:person_record_pdf",
                    "reports:person_record_csv")},
    # Reading: 熊本県's plan. Any live page with required reading opens for any member of
    # staff, as its PDF does.
    "training:mine": Entry(none, logged_in()),
    "training:reading": Entry(lambda w: {"page_id": w.plan.pk}, logged_in(),
                              data=lambda w: {"revision": w.plan.get_latest_revision().pk}),
    "training:department_reading": Entry(
        lambda w: {"pk": w.department_a.pk}, only(OVERSEERS),
        data=lambda w: {"person": w.colleague.pk, "page": w.plan.pk, "note": "口頭で確認"},
    ),
    # Sessions: the closed session, for department A; the operator was invited.
    "training:sessions": Entry(none, logged_in()),
    "training:session_calendar": Entry(session, only({"operator", "coordinator"})),
    "training:session_manage": Entry(session, only(COORDINATOR)),
    "training:invitations_send": Entry(session, only(COORDINATOR, outcome="refused"), "post"),
    "training:attendance_close": Entry(session, only(COORDINATOR, outcome="refused"), "post"),
    "training:checkin_display": Entry(session, only(COORDINATOR)),
    "training:signin_sheet": Entry(session, only(COORDINATOR)),
    "training:attendance_export": Entry(lambda w: {**session(w), "file_format": "csv"},
                                        only(COORDINATOR)),
    "training:attendance_import": Entry(session, only(COORDINATOR)),
    "training:attendance_import_confirm": Entry(session, only(COORDINATOR, outcome="refused"),
                                                "post"),
    "training:session_department": Entry(
        lambda w: {**session(w), "department_pk": w.department_a.pk}, only(OVERSEERS)
    ),
    # Check-in: staff of the organisation are let in to be told why a code is refused.
    "training:checkin_entry": Entry(lambda w: {"session_pk": w.closed_session.pk},
                                    only(PREFECTURE_STAFF, outcome="refused"), "post"),
    "training:checkin": Entry(lambda w: {"session_pk": w.closed_session.pk, "code": "ABCD"},
                              only(PREFECTURE_STAFF, outcome="400")),
    # Quizzes: the operator's passed attempt at the closed session's quiz.
    "training:my_quizzes": Entry(none, logged_in()),
    "training:quiz_results": Entry(none, logged_in()),
    "training:quiz_start": Entry(lambda w: {"session_id": w.quiz_session.pk},
                                 only({"operator"})),
    # Online study (issue 17) is for those with an online route: the operator, invited
    # and present, has the attended route and is told so; nobody else is let in at all.
    "training:module_study": Entry(
        lambda w: {"session_id": w.quiz_session.pk, "page_pk": 999999},
        only({"operator"}, outcome="refused")),
    "training:attempt_review": Entry(attempt, only(DEPARTMENT_A)),
    "training:attempt_take": Entry(attempt, only({"operator"})),
    "training:attempt_submit": Entry(attempt, only({"operator"}), "post"),
    "training:quiz_analysis": Entry(lambda w: {"pk": w.quiz_session.quiz.pk}, only(COORDINATOR)),
    "training:quiz_analysis_export": Entry(
        lambda w: {"pk": w.quiz_session.quiz.pk, "file_format": "csv"}, only(COORDINATOR)),
    # Certificates: the operator's; only the coordinators who may revoke it manage it.
    "training:certificates": Entry(none, logged_in()),
    "training:certificates_issue_pending": Entry(
        none, only(COORDINATOR), "post", data=lambda w: {"session": w.quiz_session.pk}
    ),
    "training:certificate_manage": Entry(certificate, only(COORDINATOR)),
    "training:certificate_pdf": Entry(certificate, only(DEPARTMENT_A)),
    "verify:form": Entry(none, every("ok")),
    "verify:certificate": Entry(lambda w: {"code": w.certificate.code}, every("ok")),
    # Onward sharing: department A's sharing of the closed session; the colleague's
    # obligation. Only the department's supervisor supervises it, and only its staff and
    # supervisor brief; an empty POST is refused, so the supervisor sees 400.
    "training:sharing": Entry(none, logged_in()),
    "training:sharing_dashboard": Entry(none, only(COORDINATORS)),
    "training:sharing_dashboard_download": Entry(lambda w: {"file_format": "csv"},
                                                 only(COORDINATORS)),
    # The duty matrix (reports): a coordinator's organisations, a supervisor's departments;
    # staff who answer for no department are not let in.
    "overview:matrix": Entry(none, only({*COORDINATORS, *OVERSEERS, "other_supervisor"})),
    "overview:people": Entry(none, only({*COORDINATORS, *OVERSEERS, "other_supervisor"})),
    "overview:download": Entry(lambda w: {"file_format": "csv"},
                               only({*COORDINATORS, *OVERSEERS, "other_supervisor"})),
    "training:sharing_reminder_ladder": Entry(lambda w: {"organisation_pk": w.prefecture.pk},
                                              only(COORDINATOR)),
    "training:sharing_department": Entry(sharing, only(DEPARTMENT_A)),
    "training:sharing_briefing_new": Entry(sharing, only({"operator", "supervisor"})),
    "training:sharing_obligation_add": Entry(sharing, only({"supervisor"}, outcome="400"), "post"),
    "training:sharing_department_confirm": Entry(sharing, only({"supervisor"}, outcome="400"),
                                                 "post"),
    "training:sharing_report_submit": Entry(sharing, only({"supervisor"}, outcome="400"), "post"),
    "training:sharing_report_pdf": Entry(sharing, only(DEPARTMENT_A)),
    "training:sharing_obligation": Entry(obligation, only(DEPARTMENT_A)),
    # Only the colleague and their supervisor may confirm: the others who can read it are
    # sent back to it with the reason; the supervisor's empty note is refused too.
    "training:sharing_obligation_confirm": Entry(obligation, only(DEPARTMENT_A,
                                                                  outcome="refused"), "post"),
    "training:sharing_material_open": Entry(
        lambda w: {**obligation(w), "page_pk": w.material.pk}, only(DEPARTMENT_A)
    ),
    # Drills: 熊本県's drill, ended; the operator played 所属長. Empty POSTs are refused.
    "drills:list": Entry(none, logged_in()),
    "drills:join": Entry(none, every("ok")),
    "drills:control": Entry(drill, only(COORDINATOR)),
    "drills:control_clock": Entry(lambda w: {**drill(w), "action": "pause"},
                                  only(COORDINATOR, outcome="refused"), "post"),
    "drills:release_now": Entry(
        lambda w: {**drill(w), "inject_pk": w.ended_drill.injects.first().pk},
        only(COORDINATOR, outcome="refused"), "post",
    ),
    "drills:staff_state": Entry(drill, only(DRILL_STAFF)),
    "drills:evaluate": Entry(drill, only(DRILL_STAFF)),
    "drills:tick": Entry(drill, only(DRILL_STAFF, outcome="refused"), "post"),
    "drills:rate": Entry(drill, only(DRILL_STAFF, outcome="refused"), "post"),
    # Staff of the organisation may open the player's console (and join); a guest may too,
    # so the state is 404, not a login, without an account.
    "drills:play": Entry(drill, only(PREFECTURE_STAFF)),
    "drills:play_state": Entry(drill, only({"operator"}, anonymous="404")),
    "drills:score": Entry(drill, only({"operator", *DRILL_STAFF})),
    # Staff of the organisation who did not play learn why there is no survey (400).
    "drills:hot_wash": Entry(drill, only(PREFECTURE_STAFF - {"operator"}, outcome="400",
                                         operator="ok")),
    "drills:hot_wash_summary": Entry(drill, only(DRILL_STAFF)),
    # After-action reports: the controllers write, the evaluators read the draft too.
    "drills:report": Entry(drill, only(COORDINATOR)),
    "drills:report_finalise": Entry(drill, only(COORDINATOR, outcome="refused"), "post"),
    "drills:report_pdf": Entry(drill, only(DRILL_STAFF)),
    # Reopening needs the confirmation box and a reason: an empty POST is refused.
    "drills:report_reopen": Entry(shared_drill, only(COORDINATOR, outcome="refused"), "post"),
    # Sharing: the report is final and already shared, so an empty POST is refused (one
    # open link at a time; withdrawing needs the confirmation box).
    "drills:report_share": Entry(shared_drill, only(COORDINATOR, outcome="refused"), "post"),
    "drills:report_share_withdraw": Entry(shared_drill, only(COORDINATOR, outcome="refused"),
                                          "post"),
    "drills:shared_report": Entry(lambda w: {"token": w.report_token}, every("ok")),
    "drills:shared_report_pdf": Entry(lambda w: {"token": w.report_token}, every("ok")),
    # Improvement items: department A's item; the colleague is its point of contact.
    "drills:improvements": Entry(drill, only(COORDINATOR)),
    "drills:my_improvements": Entry(none, logged_in()),
    "drills:improvement": Entry(item, only(OVERSEERS)),
    "drills:improvement_status": Entry(item, only(OVERSEERS, outcome="refused"), "post"),
    "drills:improvement_edit": Entry(item, only(COORDINATOR, outcome="400"), "post"),
    "drills:improvement_verify": Entry(item, only(COORDINATOR, outcome="refused"), "post"),
    "drills:trends": Entry(none, only({*COORDINATORS, "evaluator"})),
    # The annual drill programme and the scenario templates: coordinators, each their own
    # organisation's (a prefecture coordinator every one). An empty plan is refused (400);
    # an empty link or copy names no drill or organisation (refused); an empty offer
    # withdraws an offer there is not (ok). 熊本県's scenario is not offered: 404 to the city.
    "drills:programme": Entry(none, only(COORDINATORS)),
    "drills:programme_plan": Entry(none, only(COORDINATORS, outcome="400"), "post"),
    "drills:programme_link": Entry(lambda w: {"pk": w.planned_drill.pk},
                                   only(COORDINATOR, outcome="refused"), "post"),
    # Removing needs the confirmation box: an empty POST is refused.
    "drills:programme_remove": Entry(lambda w: {"pk": w.planned_drill.pk},
                                     only(COORDINATOR, outcome="refused"), "post"),
    "drills:templates": Entry(none, only(COORDINATORS)),
    "drills:template_copy": Entry(scenario, only(COORDINATOR, outcome="refused"), "post"),
    "drills:template_offer": Entry(scenario, only(COORDINATOR), "post"),
    # The audit trail: coordinators, each their own organisation's.
    "audit:trail": Entry(none, only(COORDINATORS)),
    "audit:trail_download": Entry(lambda w: {"file_format": "csv"}, only(COORDINATORS)),
    "audit:findings": Entry(none, only(COORDINATORS)),
    "audit:reviews": Entry(none, only(COORDINATORS)),
    # The terminals' access logs: coordinators, each their own organisations'
    # (terminal_logs.access). A confirm without a waiting upload is refused.
    "terminal_logs:lookups": Entry(none, only(COORDINATORS)),
    "terminal_logs:import": Entry(none, only(COORDINATORS)),
    "terminal_logs:import_confirm": Entry(none, only(COORDINATORS, outcome="refused"), "post"),
    "terminal_logs:watchlist": Entry(none, only(COORDINATORS)),
    "terminal_logs:settings": Entry(none, only(COORDINATORS)),
    # The quarterly review (terminal_logs.access): the coordinators draw and send it and
    # follow the findings; the look-ups to answer are the supervisors' and coordinators'
    # (the other supervisor and the city's coordinator see an empty list). The draft is
    # drawn again and sent by 熊本県's coordinator; verifying a finding without its
    # corrective action, and closing it, are refused.
    "terminal_logs:campaigns": Entry(none, only(COORDINATORS)),
    "terminal_logs:campaign": Entry(lambda w: {"pk": w.review_campaign.pk}, only(COORDINATOR)),
    "terminal_logs:campaign_redraw": Entry(lambda w: {"pk": w.review_draft.pk},
                                           only(COORDINATOR), "post"),
    "terminal_logs:campaign_send": Entry(lambda w: {"pk": w.review_draft.pk},
                                         only(COORDINATOR), "post"),
    "terminal_logs:review_items": Entry(none, only(
        {"other_supervisor", "city_coordinator", "supervisor", "coordinator"})),
    "terminal_logs:review_item": Entry(lambda w: {"pk": w.review_item.pk}, only(OVERSEERS)),
    "terminal_logs:findings": Entry(none, only(COORDINATORS)),
    "terminal_logs:finding": Entry(lambda w: {"pk": w.lookup_finding.pk}, only(COORDINATOR)),
    "terminal_logs:finding_verify": Entry(lambda w: {"pk": w.lookup_finding.pk},
                                          only(COORDINATOR, outcome="refused"), "post"),
    "terminal_logs:finding_close": Entry(lambda w: {"pk": w.lookup_finding.pk},
                                         only(COORDINATOR, outcome="refused"), "post"),
    # The review's coverage report, the same coordinators (each their own organisations').
    "terminal_logs:coverage_current": Entry(none, only(COORDINATORS)),
    "terminal_logs:coverage": Entry(lambda w: {"year": 2026}, only(COORDINATORS)),
    "terminal_logs:coverage_pdf": Entry(lambda w: {"year": 2026}, only(COORDINATORS)),
    "terminal_logs:coverage_xlsx": Entry(lambda w: {"year": 2026}, only(COORDINATORS)),
    "audit:review": Entry(lambda w: {"pk": w.audit_review.pk}, only(COORDINATOR)),
    # Wagtail admin: the roster import, for coordinators (people.access answers 404).
    "roster_import": Entry(none, admin(COORDINATORS, denied="404")),
    "roster_import_confirm": Entry(none, admin(COORDINATORS, denied="404", outcome="refused"),
                                   "post"),
    # Wagtail admin: the scenario viewset and its timeline views.
    "scenario:index": Entry(none, admin(COORDINATORS)),
    "scenario:index_results": Entry(none, admin(COORDINATORS)),
    "scenario:contact_tree": Entry(none, admin(COORDINATORS)),
    "scenario:edit": Entry(scenario, admin(city_coordinator="404")),
    "scenario:copy": Entry(scenario, admin(city_coordinator="404")),
    "scenario:delete": Entry(scenario, admin(denied="404")),
    "scenario:history": Entry(scenario, admin(denied="404")),
    "scenario:history_results": Entry(scenario, admin(denied="404")),
    "scenario:usage": Entry(scenario, admin(denied="404")),
    "scenario:timeline_import": Entry(scenario, admin(denied="404")),
    "scenario:timeline_confirm": Entry(scenario, admin(denied="404", outcome="refused"), "post"),
    "scenario:timeline_export": Entry(lambda w: {**scenario(w), "file_format": "csv"},
                                      admin(denied="404")),
    # Image files are for every signed-in member of staff (cms.views.image_file); this
    # one does not exist.
    "image_file": Entry(lambda w: {"path": "images/none.png"}, logged_in("404")),
    # The admin's JSON listings behind the document and image choosers answer any
    # signed-in user (Wagtail does not ask for admin access there), so cms.wagtail_hooks
    # lists only what the user may choose: nothing for staff without an editors' group
    # (tests/test_admin_scope.py). No document or image has this id.
    **{f"wagtailadmin_api:{endpoint}:{view}": Entry(kwargs, logged_in(outcome))
       for endpoint in ("documents", "images")
       for view, kwargs, outcome in (
           ("listing", none, "ok"),
           ("find", none, "404"),
           ("detail", lambda w: {"pk": 999999}, "404"),
       )},
}


def question(w):
    from training.models import Question

    return {"pk": Question.objects.create(organisation=w.prefecture, text="照合IDの管理は？").pk}


# Wagtail admin: the question, quiz and training-session viewsets. The demo gives
# coordinators no delete permission for these, so Wagtail turns them away from delete.
def course_policy(w):
    from training.models import CoursePolicy

    return {"pk": CoursePolicy.objects.get_or_create(organisation=w.prefecture,
                                                     fiscal_year=2026)[0].pk}


for model, of in [("question", question),
                  ("quiz", lambda w: {"pk": w.quiz_session.quiz.pk}),
                  ("trainingsession", session),
                  ("coursepolicy", course_policy)]:
    MATRIX.update({
        f"{model}:index": Entry(none, admin(COORDINATORS)),
        f"{model}:index_results": Entry(none, admin(COORDINATORS)),
        f"{model}:edit": Entry(of, admin(city_coordinator="404")),
        f"{model}:delete": Entry(of, admin(denied="404", coordinator="denied")),
        f"{model}:history": Entry(of, admin(denied="404")),
        f"{model}:history_results": Entry(of, admin(denied="404")),
        f"{model}:usage": Entry(of, admin(denied="404")),
    })

# Wagtail admin: attempts and attendance are read-only (the demo gives coordinators only
# the view permission), so edit, delete, history and usage turn everyone away. The
# operator's attempt is visible to department A, whom Wagtail turns away; others get 404.
ATTEMPT_OBJECT_VIEW = admin(set(), denied="404", operator="denied", supervisor="denied",
                            coordinator="denied")
MATRIX.update({
    "attempt:index": Entry(none, admin(COORDINATORS)),
    "attempt:index_results": Entry(none, admin(COORDINATORS)),
    "attempt:inspect": Entry(attempt, {**ATTEMPT_OBJECT_VIEW, "coordinator": "ok"}),
    "attempt:edit": Entry(attempt, admin(set())),
    "attempt:delete": Entry(attempt, ATTEMPT_OBJECT_VIEW),
    "attempt:history": Entry(attempt, ATTEMPT_OBJECT_VIEW),
    "attempt:history_results": Entry(attempt, ATTEMPT_OBJECT_VIEW),
    "attempt:usage": Entry(attempt, ATTEMPT_OBJECT_VIEW),
    "attendance:index": Entry(none, admin(COORDINATORS)),
    "attendance:index_results": Entry(none, admin(COORDINATORS)),
})

for model in ["question", "quiz", "trainingsession", "scenario", "coursepolicy"]:
    MATRIX[f"{model}:add"] = Entry(none, admin(COORDINATORS))
MATRIX["attempt:add"] = Entry(none, admin(set()))


def attendance(w):
    return {"pk": w.closed_session.attendances.get(person=w.operator).pk}


MATRIX["attendance:add"] = Entry(none, admin(set()))
for view in ["edit", "delete", "history", "history_results", "usage"]:
    MATRIX[f"attendance:{view}"] = Entry(attendance, admin(set()))

# Wagtail admin: the people viewsets span every organisation, so only prefecture-wide
# users may use them (directory.wagtail_hooks.PrefectureWidePermissionPolicy), with the
# permissions the demo gives coordinators: organisations are fixed (view only), and
# nobody deletes but a role, which ends that way, and a closed day entered by mistake.
PEOPLE_OBJECTS = {
    "organisation": lambda w: {"pk": w.prefecture.pk},
    "closedday": lambda w: {"pk": closed_day(w)},
    "department": lambda w: {"pk": w.department_a.pk},
    "person": lambda w: {"pk": w.operator.pk},
    "idgrant": lambda w: {"pk": w.operator.id_grants.get().pk},
    "roleassignment": lambda w: {"pk": w.supervisor.roles.get().pk},
}
for model, of in PEOPLE_OBJECTS.items():
    may_change = set() if model == "organisation" else COORDINATOR
    MATRIX.update({
        f"{model}:index": Entry(none, admin()),
        f"{model}:index_results": Entry(none, admin()),
        f"{model}:add": Entry(none, admin(may_change)),
        f"{model}:edit": Entry(of, admin(may_change)),
        f"{model}:copy": Entry(of, admin(may_change)),
        f"{model}:delete": Entry(of, admin(COORDINATOR if model in ("roleassignment", "closedday")
                                           else set())),
        f"{model}:history": Entry(of, admin(may_change)),
        f"{model}:history_results": Entry(of, admin(may_change)),
        f"{model}:usage": Entry(of, admin(may_change)),
    })


# The people forms' choosers (directory.choosers): the same prefecture-wide users; they
# answer 404 to everyone else, as the people they would list are none of theirs.
for chooser, of in (("person_chooser", lambda w: {"pk": w.operator.pk}),
                    ("department_chooser", lambda w: {"pk": w.department_a.pk})):
    MATRIX.update({
        f"{chooser}:choose": Entry(none, admin(denied="404")),
        f"{chooser}:choose_results": Entry(none, admin(denied="404")),
        f"{chooser}:chosen": Entry(of, admin(denied="404")),
    })


def closed_day(w) -> int:
    from people.models import ClosedDay

    return ClosedDay.objects.get_or_create(organisation=w.prefecture,
                                           day=datetime.date(2026, 11, 13))[0].pk


def outgoing_mail(w):
    from core.models import OutgoingMail

    now = timezone.now()
    mail = OutgoingMail.objects.get_or_create(key="permission-matrix", defaults={
        "to": "operator@example.jp", "subject": "研修のお知らせ", "body": "本文",
        "created_at": now, "next_attempt_at": now})[0]
    return {"pk": mail.pk}


# The outbox (core.wagtail_hooks): read only, and only by prefecture-wide users
# (directory.wagtail_hooks' may_view_outbox); nobody adds, edits or deletes a row.
MATRIX.update({
    "outbox:index": Entry(none, admin()),
    "outbox:index_results": Entry(none, admin()),
    "outbox:inspect": Entry(outgoing_mail, admin()),
    "outbox:add": Entry(none, admin(set())),
    **{f"outbox:{view}": Entry(outgoing_mail, admin(set()))
       for view in ("edit", "copy", "delete", "history", "history_results", "usage")},
})
# Anonymising a leaver (the colleague): the coordinators of their organisation, and
# prefecture-wide ones, only; people.access answers 404 to everyone else.
# The POST ticks the box every irreversible step asks for (templates/includes/irreversible.html).
MATRIX["person:anonymise"] = Entry(lambda w: {"pk": w.colleague.pk},
                                   admin(COORDINATOR, denied="404"),
                                   data=lambda w: {"confirm": "on"})
# The annual report to the protection council is prefecture-wide: a prefecture's
# coordinators only (reports.access). Finalising without the confirmation box is refused.
MATRIX.update({
    "reports:annual_current": Entry(none, only(COORDINATOR)),
    **{name: Entry(lambda w: {"year": 2026}, only(COORDINATOR))
       for name in ("reports:annual", "reports:annual_pdf", "reports:annual_xlsx")},
    "reports:annual_finalise": Entry(lambda w: {"year": 2026},
                                     only(COORDINATOR, outcome="refused"), "post"),
    "reports:annual_recount": Entry(lambda w: {"year": 2026}, only(COORDINATOR), "post"),
})
# A reminder round from the duty matrix to the operator (熊本県 department A): their
# supervisor and 熊本県's coordinators only; everyone else 404, nothing sent.
MATRIX["overview:remind"] = Entry(
    none, only(OVERSEERS), "post",
    data=lambda w: {"duty": "attended", "fiscal_year": 2026, "person": [w.operator.pk],
                    "confirm": "on"})


# The views that answer both GET and POST are posted to as well, after the GETs, with the
# entry's body (empty for most): where the POST's outcome differs from the GET's, it says so.
POSTS = {
    # Required reading for ID holders only: everyone else is told it is not theirs.
    "training:reading": logged_in("refused", operator="ok"),
    # The supervisor's POST records the colleague's reading; the coordinator's, right
    # after, is refused as already recorded.
    "training:department_reading": only(OVERSEERS, coordinator="refused"),
    "training:session_manage": None,
    "training:attendance_import": None,
    # The operator has passed already: a new attempt is refused.
    "training:quiz_start": only({"operator"}, outcome="refused"),
    # A revocation without a reason is refused.
    "training:certificate_manage": only(COORDINATOR, outcome="refused"),
    "training:sharing_briefing_new": None,
    "training:sharing_reminder_ladder": None,
    # Scheduling a drill is for coordinators only (each their own organisation's).
    "drills:list": only(COORDINATORS),
    "drills:join": None,
    # The participant's empty log entry is refused; staff who did not join are let in.
    "drills:play": only(PREFECTURE_STAFF, operator="refused"),
    # The participant's empty answer is refused.
    "drills:hot_wash": only(PREFECTURE_STAFF, outcome="400"),
    "drills:report": None,
    "drills:improvements": None,
    "person:anonymise": None,
    # An empty finding or draw is refused with the form's errors.
    "audit:findings": only(COORDINATORS, outcome="400"),
    "audit:reviews": only(COORDINATORS, outcome="400"),
    # An empty outcome is refused with a message.
    "audit:review": only(COORDINATOR, outcome="refused"),
    # An empty POST shows the empty upload or watch-list form again.
    "terminal_logs:import": None,
    "terminal_logs:watchlist": None,
    "terminal_logs:settings": None,
    # An empty POST shows the empty draw, answer or finding form again.
    "terminal_logs:campaigns": None,
    "terminal_logs:review_item": None,
    "terminal_logs:finding": None,
}
for name, post in POSTS.items():
    MATRIX[name] = dataclasses.replace(MATRIX[name], post=post or MATRIX[name].expected)


# What a list must not show. A list answers "ok" to everyone who may open it; it must not
# list what lies outside their scope. For these pages the whole world is built first
# (department A's session, attempt, certificate, sharing, drill and improvement item).
DEPARTMENT_A_PEOPLE = ["山田 花子", "佐藤 次郎"]  # the operator and the colleague
PREFECTURE_DATA = [*DEPARTMENT_A_PEOPLE, "令和8年度 住基ネット担当者研修", "不正照会の疑い",
                   "第一報が遅れた"]
HIDDEN = {
    "other_supervisor": DEPARTMENT_A_PEOPLE,
    "evaluator": DEPARTMENT_A_PEOPLE,
    "city_coordinator": PREFECTURE_DATA,
}
LISTS = [
    "home", "people:directory", "training:mine", "training:sessions", "training:my_quizzes",
    "training:quiz_results", "training:certificates", "training:sharing",
    "training:sharing_dashboard", "training:sharing_dashboard_download", "drills:list",
    "overview:matrix", "overview:people", "overview:download",
    "drills:my_improvements", "drills:trends", "drills:programme", "drills:templates",
    "audit:trail", "terminal_logs:lookups", "terminal_logs:campaigns",
    "terminal_logs:review_items", "terminal_logs:findings", "scenario:index", "question:index",
    "quiz:index", "trainingsession:index", "attempt:index", "attendance:index",
]


def build_everything(w):
    w.certificate, w.item, w.material, w.audit_event, w.lookup_finding  # noqa: B018 (each property makes its objects)


# The tests


def test_every_url_has_an_entry():
    missing = sorted(discovered_url_names() - MATRIX.keys())
    assert not missing, "\n".join(f"add {name} to MATRIX" for name in missing)


def test_every_entry_names_a_url():
    gone = sorted(MATRIX.keys() - discovered_url_names())
    assert not gone, "\n".join(f"{name} is in MATRIX but no URL has that name" for name in gone)


LOGIN_PATHS = ("/login/", "/admin/login/")


def outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        path = location.split("?", 1)[0]
        if path.endswith(LOGIN_PATHS):
            return "login"
        if path.rstrip("/").endswith("/admin"):
            return "denied"
        if any(message.level >= ERROR for message in get_messages(response.wsgi_request)):
            return "refused"
        return "ok"
    if response.status_code == 200:
        return "ok"
    return str(response.status_code)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_matrix(name, world):
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(world))
    if name in LISTS:
        build_everything(world)
    actual, leaks = {}, {}
    checks = [(entry.method, role) for role in ROLES]
    if entry.post is not None:
        checks += [("post", role) for role in ROLES]
    for method, role in checks:
        client = Client()
        if role != "anonymous":
            client.force_login(world.people[role].user)
        data = entry.data(world) if entry.data else {}
        response = getattr(client, method)(url, data)
        key = role if method == entry.method else f"POST {role}"
        actual[key] = outcome(response)
        if name in LISTS and response.status_code == 200:
            text = response.content.decode()
            leaks[key] = [marker for marker in HIDDEN.get(role, []) if marker in text]
    if os.environ.get("MATRIX_RECORD"):
        with open(os.environ["MATRIX_RECORD"], "a") as record:
            record.write(json.dumps({"name": name, "method": entry.method, **actual}) + "\n")
    expected = {**entry.expected,
                **{f"POST {role}": result for role, result in (entry.post or {}).items()}}
    wrong = {role: f"expected {expected[role]}, got {actual[role]}"
             for role in actual if actual[role] != expected[role]}
    assert not wrong, f"{entry.method.upper()} {url} ({name}): {wrong}"
    leaks = {role: shown for role, shown in leaks.items() if shown}
    assert not leaks, f"{url} ({name}) lists what lies outside the role's scope: {leaks}"


# Drills before, during and after, for their players too
#
# The matrix above reads one ended drill with the roles of the organisation. Here every
# drill URL is tried in each phase of one drill (DRILL_PHASES: scheduled; running, read at
# +0:06; ended at +0:15, read at +0:20) by the drill's own cast (DRILL_ROLES):
#
# | role in the drill matrix | who                                                        |
# | ------------------------ | ---------------------------------------------------------- |
# | anonymous                | not logged in, no join code                                |
# | guest                    | joined with the join code as 広報, no account               |
# | staff                    | `other_supervisor`: works for 熊本県, did not join          |
# | participant              | `operator`: joined with their account as 所属長             |
# | evaluator                | `evaluator`: evaluates 熊本県's drills                      |
# | coordinator              | `coordinator`: controls the drill, authors its scenario    |
#
# Beside the outcome, no response to anyone but the evaluator and the coordinator may name
# an inject (or its expected actions) that is not released (drills.access.
# may_see_unreleased_injects), nor one addressed to another role, except the score after
# the end, which names what was released (tests/test_drill_secrecy.py).

DRILL_ROLES = ["anonymous", "guest", "staff", "participant", "evaluator", "coordinator"]
DRILL_PHASES = ["scheduled", "running", "ended"]
TO_HEAD = ["監視センターからの通報", "所属長へ報告する"]  # +0:00, to 所属長
TO_PRESS = ["報道機関からの問い合わせ", "報道対応を協議する"]  # +0:05, to 広報
NEVER_RELEASED = ["追加の照会記録", "照会記録を保全する",  # +0:20: the drill ends at +0:15
                  "県からの督促", "県へ回答する"]  # a contingency nobody released
UNRELEASED_IN = {"scheduled": [*TO_HEAD, *TO_PRESS, *NEVER_RELEASED],
                 "running": NEVER_RELEASED, "ended": NEVER_RELEASED}
OTHER_ROLES = {"anonymous": TO_HEAD + TO_PRESS, "staff": TO_HEAD + TO_PRESS,
               "guest": TO_HEAD, "participant": TO_PRESS}
AFTER_THE_END = {"scheduled": "403", "running": "403", "ended": "ok"}
WHILE_RUNNING = {"scheduled": "refused", "running": "ok", "ended": "refused"}


def drill_cells(*, anonymous="login", guest="login", staff="404", participant="404",
                evaluator="404", coordinator="404"):
    """Each role's outcome: one for every phase, or {phase: outcome}."""
    return {"anonymous": anonymous, "guest": guest, "staff": staff,
            "participant": participant, "evaluator": evaluator, "coordinator": coordinator}


@dataclass(frozen=True)
class DrillEntry:
    expected: dict  # drill_cells
    method: str = "get"
    kwargs: object = None  # drill -> more of the URL's kwargs


DRILL_STAFF_ONLY = drill_cells(evaluator="ok", coordinator="ok")
PLAYERS_ONLY = {"guest": "ok", "participant": "ok"}
DRILL_MATRIX = {
    "drills:list": DrillEntry(drill_cells(staff="ok", participant="ok", evaluator="ok",
                                          coordinator="ok")),
    "drills:join": DrillEntry(drill_cells(**dict.fromkeys(DRILL_ROLES, "ok"))),
    "drills:trends": DrillEntry(DRILL_STAFF_ONLY),
    "drills:my_improvements": DrillEntry(drill_cells(staff="ok", participant="ok",
                                                     evaluator="ok", coordinator="ok")),
    "drills:control": DrillEntry(drill_cells(coordinator="ok")),
    "drills:control_clock": DrillEntry(drill_cells(coordinator=WHILE_RUNNING), "post",
                                       lambda drill: {"action": "pause"}),
    "drills:release_now": DrillEntry(
        drill_cells(coordinator=WHILE_RUNNING), "post",
        lambda drill: {"inject_pk": drill.injects.get(is_contingency=True).pk},
    ),
    "drills:staff_state": DrillEntry(DRILL_STAFF_ONLY),
    "drills:evaluate": DrillEntry(DRILL_STAFF_ONLY),
    "drills:tick": DrillEntry(drill_cells(evaluator="refused", coordinator="refused"), "post"),
    "drills:rate": DrillEntry(drill_cells(evaluator="refused", coordinator="refused"), "post"),
    # Staff of the organisation may open the console to join; a visitor with neither an
    # account nor a join code is sent to log in.
    "drills:play": DrillEntry(drill_cells(guest="ok", staff="ok", participant="ok",
                                          evaluator="ok", coordinator="ok")),
    # An empty log entry is refused (before the start: not started yet); those who have
    # not joined see the join form again (an empty POST leaves it unbound).
    "drills:play#post": DrillEntry(drill_cells(guest="refused", participant="refused",
                                               staff="ok", evaluator="ok", coordinator="ok"),
                                   "post"),
    "drills:play_state": DrillEntry(drill_cells(anonymous="404", guest="ok",
                                                participant="ok")),
    "drills:score": DrillEntry(drill_cells(guest=AFTER_THE_END, participant=AFTER_THE_END,
                                           evaluator="ok", coordinator="ok")),
    # The survey page tells a player it opens at the end; staff who did not play learn
    # why there is none for them (400).
    "drills:hot_wash": DrillEntry(drill_cells(**PLAYERS_ONLY, staff="400", evaluator="400",
                                              coordinator="400")),
    "drills:hot_wash#post": DrillEntry(drill_cells(guest="400", participant="400", staff="400",
                                                   evaluator="400", coordinator="400"), "post"),
    "drills:hot_wash_summary": DrillEntry(DRILL_STAFF_ONLY),
    "drills:report": DrillEntry(drill_cells(coordinator="ok")),
    "drills:report_finalise": DrillEntry(drill_cells(coordinator="refused"), "post"),
    "drills:report_pdf": DrillEntry(DRILL_STAFF_ONLY),
    # No report of this drill is final, so there is no link to make or withdraw, and
    # nothing to reopen, even for its coordinator (MATRIX reads them with a final report).
    "drills:report_reopen": DrillEntry(drill_cells(), "post"),
    "drills:report_share": DrillEntry(drill_cells(), "post"),
    "drills:report_share_withdraw": DrillEntry(drill_cells(), "post"),
    "drills:improvements": DrillEntry(drill_cells(coordinator="ok")),
}
# Drill URLs that do not name the drill: an improvement item's (MATRIX reads them with
# its drill ended, the only time an item exists) and the shared report's, opened by its
# token (only an ended drill's finalised report has one).
NOT_ONE_DRILL = {"drills:improvement", "drills:improvement_status", "drills:improvement_edit",
                 "drills:improvement_verify", "drills:shared_report", "drills:shared_report_pdf",
                 # the programme and templates are about organisations and scenarios
                 "drills:programme", "drills:programme_plan", "drills:programme_link",
                 "drills:programme_remove",
                 "drills:templates", "drills:template_copy", "drills:template_offer"}


def test_every_drill_url_is_in_the_drill_matrix():
    drill_urls = {name for name in discovered_url_names() if name.startswith("drills:")}
    listed = {name.split("#")[0] for name in DRILL_MATRIX} | NOT_ONE_DRILL
    assert not drill_urls - listed, f"add to DRILL_MATRIX: {sorted(drill_urls - listed)}"
    assert not listed - drill_urls, f"gone: {sorted(listed - drill_urls)}"


def phase_scenario(prefecture):
    from drills.models import Scenario
    from tests.conftest import inject

    return Scenario.objects.create(
        organisation=prefecture, title="不正照会の疑い", incident_type="unauthorised_lookup",
        summary="著名人の本人確認情報が照会された。",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "初動報告",
                                                    "description": ""}}],
        timeline=[
            inject("+0:00", TO_HEAD[0], actions=[TO_HEAD[1]]),
            inject("+0:05", TO_PRESS[0], role="広報", actions=[TO_PRESS[1]]),
            inject("+0:20", NEVER_RELEASED[0], actions=[NEVER_RELEASED[1]]),
            inject("+0:10", NEVER_RELEASED[2], contingency=True, actions=[NEVER_RELEASED[3]]),
        ],
    )


def drill_in_phase(world, phase):
    """The drill in `phase`, its guest participant, and the clock moved to when it is read."""
    from drills import runs
    from drills.models import Drill
    from tests.conftest import DRILL_T0

    def at(minutes):
        return DRILL_T0 + datetime.timedelta(minutes=minutes)

    world.clock.move_to(at(-10))
    drill = runs.drill_schedule(scenario=phase_scenario(world.prefecture), scheduled_for=at(0),
                                by=world.coordinator, now=at(-60))
    runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), now=at(-10),
                          person=world.operator)
    guest = runs.participant_join(drill=drill, role=drill.roles.get(name="広報"), now=at(-10),
                                  display_name="応援職員")
    if phase in ("running", "ended"):
        runs.drill_start(drill=drill, now=at(0))
        world.clock.move_to(at(6))
    if phase == "ended":
        runs.drill_end(drill=Drill.objects.get(pk=drill.pk), now=at(15))
        world.clock.move_to(at(20))
    return Drill.objects.get(pk=drill.pk), guest


def drill_client(world, role, guest):
    from drills.access import GUEST_PARTICIPANTS

    client = Client()
    if role == "guest":
        # As the join view leaves it (tests/test_drill_secrecy.py joins through it).
        session = client.session
        session[GUEST_PARTICIPANTS] = {str(guest.drill_id): guest.pk}
        session.save()
    elif role == "participant":
        client.force_login(world.operator.user)
    elif role == "staff":
        client.force_login(world.other_supervisor.user)
    elif role != "anonymous":
        client.force_login(world.people[role].user)
    return client


@pytest.mark.parametrize("phase", DRILL_PHASES)
@pytest.mark.parametrize("name", sorted(DRILL_MATRIX))
def test_the_drill_matrix(name, phase, world):
    entry = DRILL_MATRIX[name]
    drill, guest = drill_in_phase(world, phase)
    url_name = name.split("#")[0]
    kwargs = {} if url_name in ("drills:list", "drills:join", "drills:trends",
                                "drills:my_improvements") else {"pk": drill.pk}
    url = reverse(url_name, kwargs={**kwargs, **(entry.kwargs(drill) if entry.kwargs else {})})
    wrong, leaks = {}, {}
    for role in DRILL_ROLES:
        response = getattr(drill_client(world, role, guest), entry.method)(url)
        expected = entry.expected[role]
        expected = expected[phase] if isinstance(expected, dict) else expected
        if outcome(response) != expected:
            wrong[role] = f"expected {expected}, got {outcome(response)}"
        if role in OTHER_ROLES:
            hidden = UNRELEASED_IN[phase]
            if not (url_name == "drills:score" and phase == "ended"):
                hidden = [*hidden, *OTHER_ROLES[role]]
            messages = " ".join(str(m) for m in get_messages(response.wsgi_request))
            shown = f"{response.content.decode(errors='replace')} {messages}"
            leaks[role] = sorted({marker for marker in hidden if marker in shown})
    assert not wrong, f"{entry.method.upper()} {url} ({name}, {phase}): {wrong}"
    leaks = {role: shown for role, shown in leaks.items() if shown}
    assert not leaks, f"{url} ({name}, {phase}) names what is not released to them: {leaks}"

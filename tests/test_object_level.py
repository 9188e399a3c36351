"""Object-level access: an id from elsewhere, in a URL or in a form, never reaches
another department's or another organisation's data.

The two organisations and their people:

| organisation | department | who                                                                      |
| ------------ | ---------- | ------------------------------------------------------------------------ |
| 熊本県 (pref) | A01        | operator, colleague (ID holders), supervisor                             |
| 熊本県 (pref) | B01        | other_operator, other_colleague (ID holders), other_supervisor           |
| 熊本県 (pref) | C01        | coordinator (prefecture-wide by definition), evaluator                   |
| 熊本市 (city) | K01        | city_operator (the `outsider` fixture), city_supervisor, city_coordinator, city_evaluator |
| 熊本市 (city) | K02        | city_clerk (an ID holder)                                                |

A coordinator of a prefecture sees every organisation (people.access), so the test that
an organisation's coordinator stops at its border is played by 熊本市's, a municipality.

Part 1, URLs (`URLS`): each object is built in 熊本県 department A01 (conftest's fixtures
and the services), then every intruder asks for its URL with that id, by GET and by POST:
the city's operator, supervisor, coordinator and evaluator (another organisation), and
B01's operator and supervisor (another department) where the object belongs to a
department; for a drill, also a guest who joined 熊本市's drill with its code (the city's
operator plays it with an account), whom a staff page sends to log in. Each answers 404 (405 for the method a view does not answer), the response
names nothing of A01, and nothing is written (`fingerprint`). The owner's GET first
proves that the id is real. A URL taking two ids is also tried with one of them from
elsewhere (rows marked "mixed"). `test_every_id_in_a_url_is_covered` fails for a new URL
with an id that is in neither `URLS` nor `BY_DESIGN`.

Part 2, forms (`FORMS`): an actor submits a valid form for their own object with one
id-carrying field taken from elsewhere. Department-scoped forms are played in 熊本県 A01
with ids from B01 and from 熊本市; organisation-scoped forms (coordinator, evaluator,
drill participant) are played in 熊本市 with ids from 熊本県. The answer is a 404 or a
refusal (a form error, a 400, or a redirect with an error message), nothing is written,
and nothing from elsewhere (names, titles) appears in the response or its messages. The
same form with the actor's own id is then accepted, which shows that only the id was
wrong.

| object type             | URLs (part 1)                                                                                         | form fields (part 2)                                                       |
| ----------------------- | ----------------------------------------------------------------------------------------------------- | -------------------------------------------------------------------------- |
| person                  | people:person, reports:person_record (+_pdf, _csv)                                                    | department reading `person`; obligation_add `person`; session roster `person`; improvement item `point_of_contact`; briefing `briefed_by`; sign-in sheet 職員番号 |
| department              | training:department_reading, training:session_department (+mixed)                                    | improvement item `department`; session admin `departments`; dashboard `?organisation`, quiz analysis `?department` |
| organisation            | training:sharing_reminder_ladder                                                                      | admin `organisation` (question, quiz, training session, scenario add and edit); dashboard `?organisation` |
| plan / training page    | (training:reading, plan_pdf: BY_DESIGN)                                                               | department reading `page`; reading `revision`; briefing `materials`; improvement item `page`; contact-tree `plan`; session admin `modules`, question admin `module` |
| training session        | session_calendar, session_manage, invitations_send, attendance_close, checkin_display, signin_sheet, attendance_export, attendance_import(+confirm), session_department, checkin_entry, checkin, quiz_start, module_study; admin trainingsession:* | certificates_issue_pending `session`                              |
| attendance              | admin attendance:*                                                                                    | session roster rows, sign-in sheet rows                                    |
| quiz / question / choice| quiz_analysis, quiz_analysis_export; admin quiz:*, question:*                                        | attempt answers `answer-<question>` = choice ids; results `?quiz`; session admin `quiz` |
| attempt                 | attempt_review, attempt_take, attempt_submit; admin attempt:*                                         |                                                                            |
| certificate             | certificate_manage, certificate_pdf                                                                   |                                                                            |
| course policy           | admin coursepolicy:* (edit, delete, history, usage)                                                   |                                                                            |
| department sharing      | sharing_department, sharing_briefing_new, sharing_obligation_add, sharing_department_confirm, sharing_report_submit, sharing_report_pdf |                                               |
| briefing obligation     | sharing_obligation, sharing_obligation_confirm, sharing_material_open (+mixed page)                   | briefing `obligations`                                                     |
| scenario                | admin scenario:* (edit, copy, delete, history, usage, timeline import/confirm/export)                 | drill scheduling `scenario`                                                |
| drill                   | control, control_clock, staff_state, evaluate, tick, rate, play, play_state, score, hot_wash, hot_wash_summary, report, report_finalise, report_reopen, report_share(+withdraw), report_pdf, improvements | improvement verify `later_drill`                |
| drill inject            | release_now (+mixed)                                                                                  | player log `inject` (log and acknowledge; with an account and as a guest; of another drill, and of another role of the player's own drill) |
| drill role              |                                                                                                       | join on the console `role`; join by code `role`                            |
| drill objective         |                                                                                                       | evaluator rating `objective`; improvement item `objective`                 |
| expected action, log    |                                                                                                       | evaluator tick `action`, `log_entry`                                       |
| improvement item        | improvement, improvement_status, improvement_edit, improvement_verify                                 | drill scheduling `retest_items`                                            |
| audit review / finding  | audit:review                                                                                          | finding `department`; review draw `organisation`; trail `?department`      |
| person (leaver)         | admin person:anonymise                                                                                |                                                                            |
| terminal logs           | (no ids in the log's URLs; the coverage report's number is a fiscal year); the review's campaign, campaign_redraw, campaign_send, review_item, finding, finding_verify, finding_close | import and watch-list `organisation` (tests/test_terminal_logs_views.py); finding `action_owner` (tests/test_terminal_review_views.py); coverage `?organisation` |
| people admin            | admin organisation:*, closedday:*, department:*, person:*, idgrant:*, roleassignment:* (prefecture-wide only: "denied"); person_chooser:chosen, department_chooser:chosen (404) | roster import file: 団体コード + 職員番号 (people, ID grants)                 |

Wagtail's own page editor (/admin/pages/<id>/) is Wagtail's, gated by its page
permissions, and not one of our viewsets. The shared after-action report is addressed by
a secret token, not an id.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from people import groups
from people.models import Department, RoleAssignment
from tests.conftest import DRILL_T0, inject, make_person, staff_builder, staff_once_per_module
from tests.test_permission_matrix import closed_day, discovered_url_names

JST = DRILL_T0.tzinfo
CITY = frozenset({"city_operator", "city_supervisor", "city_coordinator", "city_evaluator"})
OTHER_DEPARTMENT = frozenset({"other_operator", "other_supervisor"})
EVERY_INTRUDER = CITY | OTHER_DEPARTMENT
CITY_COORDINATOR = frozenset({"city_coordinator"})

# What an intruder must never read: A01's people, its department, its session and drill.
A01_MARKERS = ["山田 花子", "佐藤 次郎", "県北広域本部福祉課", "令和8年度 住基ネット担当者研修",
               "不正照会の疑い", "第一報が遅れた"]


# The world


class World:
    """Every object, made only when a test asks for it; `w.closed_session` is conftest's
    fixture of that name, the others are built below with the services."""

    def __init__(self, request, people):
        self.request = request
        self.people = people

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.request.getfixturevalue(name)

    # 熊本県 A01: onward sharing

    @cached_property
    def sharing(self):
        return self.closed_session.sharings.get(department=self.department_a)

    @cached_property
    def obligation(self):
        return self.sharing.obligations.get(person=self.colleague)

    @cached_property
    def module(self):
        """A training module of 熊本県, a material of the closed session."""
        from wagtail.models import Site

        from cms.models import TrainingIndexPage, TrainingModulePage

        Site.objects.update_or_create(is_default_site=True, defaults={
            "hostname": "localhost", "root_page": self.home_page,
        })
        index = self.home_page.add_child(instance=TrainingIndexPage(
            title="熊本県 研修", slug="training-430005", organisation=self.prefecture
        ))
        module = index.add_child(instance=TrainingModulePage(title="保護", slug="m", body=[]))
        self.closed_session.modules.add(module)
        return module

    @cached_property
    def material(self):
        """The module, with which the operator briefed the colleague (training.sharing)."""
        from training.sharing import BriefingForm, briefing_record

        module = self.module
        briefing_record(
            sharing=self.sharing, form=BriefingForm(
                briefed_by=self.operator, held_on=datetime.date(2026, 11, 25), method="material",
                obligation_ids=[self.obligation.pk], material_ids=[module.pk], note="",
            ), may_brief_as_supervisor=False, recorded_by=self.operator, now=self.now,
        )
        return module

    @cached_property
    def now(self):
        from django.utils import timezone

        self.clock  # noqa: B018 (frozen at DRILL_T0)
        return timezone.now()

    # 熊本県 B01: a closed session of its own, whose colleague confirmed their briefing

    @cached_property
    def b01_obligation(self):
        from training.models import TrainingSession
        from training.sessions import RosterEntry, attendance_record_roster, invitations_send
        from training.sharing import (
            BriefingForm,
            attendance_close,
            briefing_confirm,
            briefing_record,
        )

        other_operator, other_colleague = self.people["other_operator"], self.other_colleague
        session = TrainingSession.objects.create(
            organisation=self.prefecture, title="用地課 住基ネット研修",
            starts_at=datetime.datetime(2026, 11, 19, 13, 30, tzinfo=JST),
            ends_at=datetime.datetime(2026, 11, 19, 16, 30, tzinfo=JST),
            venue="球磨地域振興局", capacity=20,
        )
        session.departments.set([self.department_b])
        invitations_send(session=session, today=datetime.date(2026, 11, 1))
        attendance_record_roster(
            session=session, entries=[RosterEntry(other_operator.pk, "present", "")],
            by=self.coordinator, now=session.ends_at,
        )
        attendance_close(session=session, now=self.now)
        sharing = session.sharings.get(department=self.department_b)
        obligation = sharing.obligations.get(person=other_colleague)
        briefing_record(
            sharing=sharing, form=BriefingForm(
                briefed_by=other_operator, held_on=datetime.date(2026, 11, 24),
                method="meeting", obligation_ids=[obligation.pk], material_ids=[], note="",
            ), may_brief_as_supervisor=False, recorded_by=other_operator, now=self.now,
        )
        briefing_confirm(obligation=obligation, by=other_colleague, on_behalf=False, note="",
                         now=self.now)
        return obligation

    @cached_property
    def other_colleague(self):
        return make_person("other_colleague", self.department_b, name="林 五郎",
                           kana="ハヤシ ゴロウ", granted_on=datetime.date(2024, 4, 1))

    # 熊本県 A01: quiz, attempt, certificate

    @cached_property
    def quiz_session(self):
        """The closed session with a one-question quiz."""
        session = self.closed_session
        session.quiz = make_quiz(self.prefecture, "確認テスト", "照合IDを他人に貸してよいか")
        session.save(update_fields=["quiz"])
        return session

    @cached_property
    def attempt(self):
        """The operator's open attempt (training.quizzes)."""
        from training.quizzes import attempt_start

        session = self.quiz_session
        return attempt_start(quiz=session.quiz, session=session, person=self.operator,
                             now=self.now)

    @cached_property
    def certificate(self):
        """The operator answers right; grading issues the certificate."""
        from training.models import Certificate, Choice
        from training.quizzes import attempt_submit

        attempt = self.attempt
        question = attempt.questions.get().question
        right = Choice.objects.get(question=question, is_correct=True)
        attempt_submit(attempt=attempt, answers={question.pk: [right.pk]}, now=self.now)
        return Certificate.objects.get(attempt=attempt)

    # 熊本県: drills

    @cached_property
    def running_drill(self):
        """The scenario's drill, started at DRILL_T0, the operator playing 所属長 and
        logging at +0:06, when the injects of +0:00 and +0:05 are out."""
        return play_drill(self.drill, self.operator, self.clock)

    @cached_property
    def ended_drill(self):
        """The drill, played 10:00 to 10:30 with the operator as 所属長."""
        from drills import runs
        from drills.models import Drill

        drill = self.running_drill
        runs.drill_end(drill=drill, now=DRILL_T0 + datetime.timedelta(minutes=30))
        self.clock.move_to(DRILL_T0 + datetime.timedelta(minutes=40))
        return Drill.objects.get(pk=drill.pk)

    @cached_property
    def item(self):
        """Department A01's improvement item; the colleague is its point of contact."""
        from drills.improvements import item_create

        drill = self.ended_drill
        return item_create(
            drill=drill, by=self.coordinator, now=drill.ended_at + datetime.timedelta(minutes=5),
            issue="第一報が遅れた", corrective_action="連絡網を更新する", element="plan",
            department=self.department_a, start_on=datetime.date(2026, 12, 1),
            due_on=datetime.date(2027, 1, 29), point_of_contact=self.colleague,
        )

    # 熊本県: its audit review (audit.reviews)

    @cached_property
    def audit_review(self):
        from audit.reviews import review_draw

        return review_draw(organisation=self.prefecture, period_start=datetime.date(2026, 4, 1),
                           period_end=datetime.date(2026, 10, 31), sample_size=5,
                           by=self.coordinator, now=self.now, seed=1)

    # 熊本市: its own objects, for the forms its people submit

    @cached_property
    def city_plan(self):
        from cms.models import EmergencyPlanPage
        from tests.conftest import PLAN_BODY

        page = self.home_page.add_child(instance=EmergencyPlanPage(
            title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=self.city,
            required_for="id_holders", body=PLAN_BODY,
        ))
        page.save_revision().publish()
        page.refresh_from_db()
        return page

    @cached_property
    def city_session(self):
        """熊本市's session on 2026-12-10 for K01; the city operator is invited."""
        from training.models import TrainingSession
        from training.sessions import invitations_send

        session = TrainingSession.objects.create(
            organisation=self.city, title="熊本市 担当者研修",
            starts_at=datetime.datetime(2026, 12, 10, 13, 30, tzinfo=JST),
            ends_at=datetime.datetime(2026, 12, 10, 16, 30, tzinfo=JST),
            venue="市役所", capacity=30,
        )
        session.departments.set([self.city_department])
        invitations_send(session=session, today=self.now.date())
        return session

    @cached_property
    def city_quiz(self):
        return make_quiz(self.city, "熊本市テスト", "熊本市の問題")

    @cached_property
    def planned_drill(self):
        """熊本県's drill planned for October of FY2026."""
        from drills.programme import planned_drill_create

        return planned_drill_create(
            organisation=self.prefecture, fiscal_year=2026,
            planned_month=datetime.date(2026, 10, 1), title="年次訓練",
            by=self.coordinator, now=timezone.now(),
        )

    @cached_property
    def city_drill(self):
        """熊本市's own drill, running, the city operator playing 所属長."""
        from drills.models import Scenario
        from drills.runs import drill_schedule

        scenario = Scenario.objects.create(
            organisation=self.city, title="熊本市 端末の紛失", incident_type="unauthorised_lookup",
            summary="",
            objectives=[{"type": "objective", "value": {"code": "1", "title": "初動",
                                                        "description": ""}}],
            timeline=[inject("+0:00", "市の通報", actions=["所属長へ報告する"]),
                      inject("+0:05", "市の続報")],
        )
        drill = drill_schedule(scenario=scenario, scheduled_for=DRILL_T0,
                               by=self.city_coordinator, now=DRILL_T0 - datetime.timedelta(hours=1))
        return play_drill(drill, self.outsider, self.clock)

    @cached_property
    def city_guest(self):
        """A guest who joined 熊本市's drill with its code, as 所属長 (no account)."""
        from django.utils import timezone

        from drills import runs

        drill = self.city_drill
        return runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"),
                                     now=timezone.now(), display_name="市の応援職員")

    @cached_property
    def guest(self):
        """A guest who joined 熊本県's running drill with its code, as 広報."""
        from django.utils import timezone

        from drills import runs

        drill = self.running_drill
        return runs.participant_join(drill=drill, role=drill.roles.get(name="広報"),
                                     now=timezone.now(), display_name="県の応援職員")

    # 熊本県 A01: the terminal look-up review

    @cached_property
    def review_campaign(self):
        from tests.test_terminal_review import sent_review

        return sent_review(self.operator, self.coordinator)

    @cached_property
    def review_draft(self):
        from tests.test_terminal_review import draft_review

        return draft_review(self.operator, self.coordinator)

    @cached_property
    def review_item(self):
        return self.review_campaign.items.filter(lookup__person=self.operator).first()

    @cached_property
    def lookup_finding(self):
        from tests.test_terminal_review import lookup_finding

        return lookup_finding(self.review_campaign, self.operator, self.supervisor)

    @cached_property
    def city_item(self):
        from drills.improvements import item_create

        return item_create(
            drill=self.city_drill, by=self.city_coordinator, now=self.now,
            issue="市の課題", corrective_action="市の対策", element="plan",
            department=self.city_department, start_on=datetime.date(2026, 12, 1),
            due_on=datetime.date(2027, 1, 29),
        )


def make_quiz(organisation, title, text):
    """A quiz drawing one question from a bank of one (two choices, the first right)."""
    from training.models import Choice, Question, Quiz, QuizRule

    question = Question.objects.create(organisation=organisation, category="保護",
                                       kind="single", text=text)
    Choice.objects.create(question=question, text="貸してはならない", is_correct=True, order=0)
    Choice.objects.create(question=question, text="貸してよい", is_correct=False, order=1)
    quiz = Quiz.objects.create(organisation=organisation, title=title)
    QuizRule.objects.create(quiz=quiz, category="保護", count=1)
    return quiz


def play_drill(drill, person, clock):
    """Start `drill` at DRILL_T0, join `person` as 所属長 and log at +0:06 (drills.runs)."""
    from drills import runs
    from drills.models import Drill

    drill = runs.drill_start(drill=drill, now=DRILL_T0)
    participant = runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"),
                                        now=DRILL_T0, person=person)
    moment = DRILL_T0 + datetime.timedelta(minutes=6)
    clock.move_to(moment)
    runs.log_record(participant=participant, text="所属長へ報告した", now=moment,
                    inject=drill.injects.get(subject__in=["監視センターからの通報", "市の通報"]))
    return Drill.objects.get(pk=drill.pk)


@staff_builder
def city_supervisor(city_department):
    person = make_person("city_supervisor", city_department, name="森 六子", kana="モリ ムツコ")
    RoleAssignment.objects.create(person=person, role="supervisor", department=city_department)
    return person


@staff_builder
def city_evaluator(city_department, city):
    person = make_person("city_evaluator", city_department, name="池田 七海", kana="イケダ ナナミ")
    RoleAssignment.objects.create(person=person, role="evaluator", organisation=city)
    return person


@staff_builder
def city_clerk(city):
    department = Department.objects.create(organisation=city, code="K02", name="市民税課")
    return make_person("city_clerk", department, name="石井 八郎", kana="イシイ ハチロウ",
                       granted_on=datetime.date(2025, 4, 1))


@staff_builder
def other_operator(department_b):
    return make_person("other_operator", department_b, name="木村 四郎", kana="キムラ シロウ",
                       granted_on=datetime.date(2024, 4, 1))


ROLES = {"operator": "operator", "colleague": "colleague", "supervisor": "supervisor",
         "coordinator": "coordinator", "evaluator": "evaluator",
         "other_operator": "other_operator", "other_supervisor": "other_supervisor",
         "city_operator": "outsider", "city_supervisor": "city_supervisor",
         "city_coordinator": "city_coordinator", "city_evaluator": "city_evaluator",
         "city_clerk": "city_clerk"}  # role -> fixture


def coordinators_permissions_for_everyone(staff):
    """Everyone holds the Django permissions the demo gives coordinators (the admin
    included), so that the admin rows test what people.access decides."""
    group = Group.objects.create(name="object-level")
    wanted = Q()
    for app_label, codename in groups.COORDINATOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    for fixture in ROLES.values():
        staff[fixture].user.groups.add(group)


# The people are made once for the module (the tests read them, and what a test writes is
# rolled back after it); the objects each test needs are made in it.
globals().update(staff_once_per_module(*ROLES.values(),
                                       then=coordinators_permissions_for_everyone))


@pytest.fixture
def world(request, clock, operator, colleague, supervisor, coordinator, evaluator,
          other_operator, other_supervisor, outsider, city_supervisor, city_coordinator,
          city_evaluator, city_clerk):
    people = {
        "operator": operator, "colleague": colleague, "supervisor": supervisor,
        "coordinator": coordinator, "evaluator": evaluator,
        "other_operator": other_operator, "other_supervisor": other_supervisor,
        "city_operator": outsider, "city_supervisor": city_supervisor,
        "city_coordinator": city_coordinator, "city_evaluator": city_evaluator,
        "city_clerk": city_clerk,
    }
    return World(request, people)


def fingerprint():
    """Every row the views under test may write, with the fields they may change."""
    from audit import models as audit
    from drills import models as drills
    from people.models import Person
    from terminal_logs import models as terminal_logs
    from training import models as training

    watched = {
        Person: ["name", "user", "department"],
        audit.AuditFinding: ["department"],
        audit.AuditReview: ["organisation", "outcome"],
        audit.AuditReviewItem: ["review", "verdict"],
        training.Acknowledgement: ["person", "page", "revision"],
        training.Invitation: ["session", "person"],
        training.Attendance: ["session", "person", "status", "note", "method"],
        training.Attempt: ["person", "submitted_at", "score_percent"],
        training.Certificate: ["person", "revoked_at"],
        training.DepartmentSharing: ["session", "department"],
        training.BriefingObligation: ["sharing", "person", "dropped_at"],
        training.Briefing: ["sharing", "briefed_by"],
        training.BriefingConfirmation: ["obligation"],
        training.MaterialOpening: ["obligation", "page"],
        training.DepartmentConfirmation: ["sharing"],
        training.DepartmentReport: ["sharing"],
        training.ReminderLadder: ["organisation", "days_before_due"],
        training.Notice: ["key", "recipient"],
        training.TrainingSession: ["organisation", "title", "quiz"],
        training.Question: ["organisation", "text", "module"],
        training.Quiz: ["organisation", "title"],
        drills.Scenario: ["organisation", "title", "offered_as_template", "copied_from"],
        drills.PlannedDrill: ["organisation", "fiscal_year", "planned_month", "drill"],
        drills.Drill: ["organisation", "scenario", "started_at", "ended_at"],
        drills.DrillObjective: ["drill", "retests"],
        drills.InjectRelease: ["inject"],
        drills.Participant: ["drill", "person", "role"],
        drills.LogEntry: ["drill", "participant", "inject", "text"],
        drills.InjectAcknowledgement: ["inject", "participant"],
        drills.ActionTick: ["action", "log_entry"],
        drills.ObjectiveRating: ["objective", "rating"],
        drills.HotWashAnswer: ["participant"],
        drills.AfterActionReport: ["drill", "superseded_at"],
        drills.ImprovementItem: ["drill", "department", "point_of_contact", "page", "objective",
                                 "status", "verified_in"],
        terminal_logs.ReviewCampaign: ["seed", "draws", "sent_at"],
        terminal_logs.ReviewItem: ["lookup", "state", "answered_by"],
        terminal_logs.Finding: ["severity", "action_owner", "action_verified_at", "closed_at"],
    }
    return {
        model.__name__: sorted(map(repr, model.objects.values_list("pk", *fields)))
        for model, fields in watched.items()
    }


def outcome(response) -> str:
    """"404", "400", "405", …; "refused" for a redirect with an error message, "redirect"
    for one without, "denied" for Wagtail's permission-denied redirect, "200"."""
    if response.status_code in (301, 302, 303):
        path = response["Location"].split("?", 1)[0]
        if path.rstrip("/").endswith("/admin"):
            return "denied"
        if any(message.level >= ERROR for message in get_messages(response.wsgi_request)):
            return "refused"
        return "redirect"
    return str(response.status_code)


def shown(response) -> str:
    """What the response shows: its body and the messages it leaves for the next page."""
    messages = " ".join(str(message) for message in get_messages(response.wsgi_request))
    body = "" if response.get("Content-Type", "").startswith("application/pdf") else (
        response.content.decode(errors="replace"))
    return f"{body} {messages}"


def is_login(response) -> bool:
    return response["Location"].split("?", 1)[0].endswith(("/login/", "/admin/login/"))


# Guests who joined a drill with its code: no account, the drill remembered in their session.
GUESTS = frozenset({"guest", "city_guest"})


def client_for(world, role):
    from drills.access import GUEST_PARTICIPANTS

    client = Client()
    if role in GUESTS:
        guest = getattr(world, role)
        session = client.session
        session[GUEST_PARTICIPANTS] = {str(guest.drill_id): guest.pk}
        session.save()
    elif role is not None:
        client.force_login(world.people[role].user)
    return client


# Part 1: every URL that carries an id


@dataclass(frozen=True)
class Url:
    name: str
    kwargs: Callable  # World -> the URL's kwargs, ids of 熊本県 A01's objects
    intruders: frozenset = EVERY_INTRUDER
    methods: tuple = ("get",)  # the methods the view answers
    owner: str | None = None  # a role whose GET reaches it: the id is real
    expect: str = "404"


def pk(attribute):
    return lambda w: {"pk": getattr(w, attribute).pk}


def drill_pk(w):
    return {"pk": w.ended_drill.pk}


def running_pk(w):
    return {"pk": w.running_drill.pk}


GET, POST, BOTH = ("get",), ("post",), ("get", "post")

URLS = [
    # People and departments
    Url("people:person", pk("colleague"), owner="supervisor"),
    *(Url(name, lambda w: {"pk": w.colleague.pk, "fiscal_year": 2026}, owner="supervisor")
      for name in ("reports:person_record", "reports:person_record_pdf",
                   "reports:person_record_csv")),
    Url("training:department_reading", pk("department_a"), methods=BOTH, owner="supervisor"),
    Url("training:sharing_reminder_ladder", lambda w: {"organisation_pk": w.prefecture.pk},
        methods=BOTH, owner="coordinator"),
    # Training sessions
    Url("training:session_calendar", pk("closed_session"), owner="operator"),
    Url("training:session_manage", pk("closed_session"), methods=BOTH, owner="coordinator"),
    Url("training:invitations_send", pk("closed_session"), methods=POST),
    Url("training:attendance_close", pk("closed_session"), methods=POST),
    Url("training:checkin_display", pk("closed_session"), owner="coordinator"),
    Url("training:signin_sheet", pk("closed_session"), owner="coordinator"),
    Url("training:attendance_export", lambda w: {"pk": w.closed_session.pk, "file_format": "csv"},
        owner="coordinator"),
    Url("training:attendance_import", pk("closed_session"), methods=BOTH, owner="coordinator"),
    Url("training:attendance_import_confirm", pk("closed_session"), methods=POST),
    Url("training:session_department",
        lambda w: {"pk": w.closed_session.pk, "department_pk": w.department_a.pk},
        owner="supervisor"),
    # mixed: the city supervisor's own department, 熊本県's session
    Url("training:session_department",
        lambda w: {"pk": w.closed_session.pk, "department_pk": w.city_department.pk},
        frozenset({"city_supervisor", "city_coordinator"})),
    # mixed: A01's supervisor's own department, 熊本市's session
    Url("training:session_department",
        lambda w: {"pk": w.city_session.pk, "department_pk": w.department_a.pk},
        frozenset({"supervisor"})),
    # Staff of 熊本県 learn that its sessions exist (to be told why a check-in is refused).
    Url("training:checkin_entry", lambda w: {"session_pk": w.closed_session.pk}, CITY, POST),
    Url("training:checkin", lambda w: {"session_pk": w.closed_session.pk, "code": "ABCDEF"},
        CITY),
    # Quizzes, attempts, certificates
    Url("training:quiz_start", lambda w: {"session_id": w.quiz_session.pk}, methods=BOTH,
        owner="operator"),
    # Online study (issue 17): a route's module page, through the session's quiz gate.
    Url("training:module_study",
        lambda w: {"session_id": w.quiz_session.pk, "page_pk": w.material.pk}, owner="operator"),
    Url("training:attempt_review", pk("attempt"), owner="supervisor"),
    Url("training:attempt_take", pk("attempt"), owner="operator"),
    Url("training:attempt_submit", pk("attempt"), methods=POST),
    Url("training:quiz_analysis", lambda w: {"pk": w.quiz_session.quiz.pk}, owner="coordinator"),
    Url("training:quiz_analysis_export",
        lambda w: {"pk": w.quiz_session.quiz.pk, "file_format": "csv"}, owner="coordinator"),
    Url("training:certificate_manage", pk("certificate"), methods=BOTH, owner="coordinator"),
    Url("training:certificate_pdf", pk("certificate"), owner="operator"),
    # Onward sharing
    Url("training:sharing_department", pk("sharing"), owner="supervisor"),
    Url("training:sharing_briefing_new", pk("sharing"), methods=BOTH, owner="operator"),
    Url("training:sharing_obligation_add", pk("sharing"), methods=POST),
    Url("training:sharing_department_confirm", pk("sharing"), methods=POST),
    Url("training:sharing_report_submit", pk("sharing"), methods=POST),
    Url("training:sharing_report_pdf", pk("sharing"), owner="supervisor"),
    Url("training:sharing_obligation", pk("obligation"), owner="colleague"),
    Url("training:sharing_obligation_confirm", pk("obligation"), methods=POST),
    Url("training:sharing_material_open",
        lambda w: {"pk": w.obligation.pk, "page_pk": w.material.pk}, owner="colleague"),
    # mixed: the colleague's own obligation, a page that is not one of its materials
    Url("training:sharing_material_open",
        lambda w: {"pk": w.obligation.pk, "page_pk": w.city_plan.pk},
        frozenset({"colleague"} | CITY)),
    # Drills: the controller's and evaluator's consoles
    Url("drills:control", running_pk, owner="coordinator"),
    Url("drills:control_clock", lambda w: {"pk": w.running_drill.pk, "action": "pause"},
        methods=POST),
    Url("drills:release_now",
        lambda w: {"pk": w.running_drill.pk,
                   "inject_pk": w.running_drill.injects.get(subject="追加の照会記録").pk},
        methods=POST),
    # mixed: 熊本市's own drill, an inject of 熊本県's
    Url("drills:release_now",
        lambda w: {"pk": w.city_drill.pk,
                   "inject_pk": w.running_drill.injects.get(subject="追加の照会記録").pk},
        CITY_COORDINATOR, POST),
    Url("drills:staff_state", running_pk, owner="evaluator"),
    Url("drills:evaluate", running_pk, owner="evaluator"),
    Url("drills:tick", running_pk, methods=POST),
    Url("drills:rate", running_pk, methods=POST),
    # Players: staff of 熊本県 may open its drills' consoles and join (by design).
    Url("drills:play", running_pk, CITY, BOTH, owner="operator"),
    Url("drills:play_state", running_pk, owner="operator"),
    Url("drills:score", drill_pk, owner="operator"),
    Url("drills:hot_wash", drill_pk, CITY, BOTH, owner="operator"),
    Url("drills:hot_wash_summary", drill_pk, owner="evaluator"),
    Url("drills:report", drill_pk, methods=BOTH, owner="coordinator"),
    Url("drills:report_finalise", drill_pk, methods=POST),
    Url("drills:report_reopen", drill_pk, methods=POST),
    Url("drills:report_share", drill_pk, methods=POST),
    Url("drills:report_share_withdraw", drill_pk, methods=POST),
    Url("drills:report_pdf", drill_pk, owner="evaluator"),
    Url("drills:improvements", drill_pk, methods=BOTH, owner="coordinator"),
    Url("drills:improvement", pk("item"), owner="supervisor"),
    Url("drills:improvement_status", pk("item"), methods=POST),
    Url("drills:improvement_edit", pk("item"), methods=POST),
    Url("drills:improvement_verify", pk("item"), methods=POST),
    # The annual drill programme, and 熊本県's scenario (not offered as a template)
    Url("drills:programme_link", pk("planned_drill"), methods=POST),
    Url("drills:programme_remove", pk("planned_drill"), methods=POST),
    Url("drills:template_copy", pk("scenario"), methods=POST),
    Url("drills:template_offer", pk("scenario"), methods=POST),
    # Audit: 熊本県's access-log review
    Url("audit:review", pk("audit_review"), methods=BOTH, owner="coordinator"),
    # The terminal look-up review of 熊本県: the draft is drawn again or sent by nobody else
    Url("terminal_logs:campaign", pk("review_campaign"), owner="coordinator"),
    Url("terminal_logs:campaign_redraw", pk("review_draft"), methods=POST),
    Url("terminal_logs:campaign_send", pk("review_draft"), methods=POST),
    Url("terminal_logs:review_item", pk("review_item"), methods=BOTH, owner="supervisor"),
    Url("terminal_logs:finding", pk("lookup_finding"), methods=BOTH, owner="coordinator"),
    Url("terminal_logs:finding_verify", pk("lookup_finding"), methods=POST),
    Url("terminal_logs:finding_close", pk("lookup_finding"), methods=POST),
    # Wagtail admin: anonymising a leaver, for the coordinators of their organisation
    Url("person:anonymise", pk("operator"), methods=BOTH, owner="coordinator"),
    # Wagtail admin: scenarios, with their timeline import and export
    *(Url(f"scenario:{view}", pk("scenario"), CITY_COORDINATOR, methods,
          owner="coordinator" if "get" in methods else None)
      for view, methods in [("edit", BOTH), ("copy", BOTH), ("delete", BOTH), ("history", GET),
                            ("history_results", GET), ("usage", GET),
                            ("timeline_import", BOTH), ("timeline_confirm", POST)]),
    Url("scenario:timeline_export", lambda w: {"pk": w.scenario.pk, "file_format": "csv"},
        CITY_COORDINATOR, owner="coordinator"),
]

# Drill players from elsewhere try every id of 熊本県's drills: 熊本市's operator, who plays
# 熊本市's drill with an account, is among the intruders already; a guest who joined it
# with its code (no account) is added here.
URLS = [replace(url, intruders=url.intruders | {"city_guest"})
        if url.name.startswith("drills:") else url for url in URLS]


def question_pk(w):
    from training.models import Question

    w.quiz_session  # noqa: B018 (makes the bank)
    return {"pk": Question.objects.get(text="照合IDを他人に貸してよいか").pk}


def course_policy_pk(w):
    from training.models import CoursePolicy

    return {"pk": CoursePolicy.objects.get_or_create(organisation=w.prefecture,
                                                     fiscal_year=2026)[0].pk}


def attendance_pk(w):
    return {"pk": w.closed_session.attendances.get(person=w.operator).pk}


# Wagtail admin: the question bank, quizzes, sessions and attempts (404 outside the
# coordinator's organisation), attendance (read-only: nobody edits it, "denied"), and the
# people viewsets (prefecture-wide users only: "denied" for a municipality's coordinator).
for model, of, views in [
    ("question", question_pk, ["edit", "delete", "history", "history_results", "usage"]),
    ("quiz", lambda w: {"pk": w.quiz_session.quiz.pk}, ["edit", "delete", "history",
                                                        "history_results", "usage"]),
    ("trainingsession", pk("closed_session"), ["edit", "delete", "history", "history_results",
                                               "usage"]),
    ("attempt", lambda w: {"pk": w.certificate.attempt_id}, ["inspect", "delete", "history",
                                                             "history_results", "usage"]),
    ("coursepolicy", lambda w: course_policy_pk(w), ["edit", "delete", "history",
                                                     "history_results", "usage"]),
]:
    URLS += [Url(f"{model}:{view}", of, CITY_COORDINATOR,
                 BOTH if view in ("edit", "delete") else GET, owner="coordinator")
             for view in views]
URLS.append(Url("attempt:edit", lambda w: {"pk": w.certificate.attempt_id}, CITY_COORDINATOR,
                BOTH, expect="denied"))  # read-only: nobody edits an attempt
URLS += [Url(f"attendance:{view}", attendance_pk, CITY_COORDINATOR, GET, expect="denied")
         for view in ["edit", "delete", "history", "history_results", "usage"]]
for model, of in [("organisation", pk("prefecture")), ("department", pk("department_a")),
                  ("closedday", lambda w: {"pk": closed_day(w)}),
                  ("person", pk("operator")),
                  ("idgrant", lambda w: {"pk": w.operator.id_grants.get().pk}),
                  ("roleassignment", lambda w: {"pk": w.supervisor.roles.get().pk})]:
    URLS += [Url(f"{model}:{view}", of, CITY_COORDINATOR, GET, owner="coordinator",
                 expect="denied")
             for view in ["edit", "copy", "delete", "history", "history_results", "usage"]]
# The people forms' choosers (directory.choosers) list every organisation: prefecture-wide
# users only, 404 for everyone else.
URLS += [Url("person_chooser:chosen", pk("operator"), owner="coordinator"),
         Url("department_chooser:chosen", pk("department_a"), owner="coordinator")]



def outgoing_mail_pk(w):
    from core.models import OutgoingMail

    now = timezone.now()
    return {"pk": OutgoingMail.objects.get_or_create(key="object-level", defaults={
        "to": "operator@example.jp", "subject": "研修のお知らせ", "body": "本文",
        "created_at": now, "next_attempt_at": now})[0].pk}


# The outbox: prefecture-wide users only ("denied" for a municipality's coordinator).
URLS += [Url(f"outbox:{view}", outgoing_mail_pk, CITY_COORDINATOR, GET, owner="coordinator",
             expect="denied")
         for view in ["inspect", "edit", "copy", "delete", "history", "history_results", "usage"]]

# URLs with an id that anyone concerned may open, on purpose.
BY_DESIGN = {
    "plan_pdf": "any logged-in member of staff may print any plan (cms.views.plan_pdf)",
    "training:reading": "any live page of required reading opens for any member of staff; "
                        "acknowledging it is checked in FORMS",
    "wagtailadmin_api:documents:detail": "answers only for documents in collections the "
                                         "user may choose from (cms.wagtail_hooks; "
                                         "tests/test_admin_scope.py)",
    "wagtailadmin_api:images:detail": "answers only for images in collections the user may "
                                      "choose from (cms.wagtail_hooks; "
                                      "tests/test_admin_scope.py)",
    **{name: "the number is a fiscal year, not an object's id; the report covers every "
             "organisation, so only a prefecture's coordinators see it (reports.access)"
       for name in ("reports:annual", "reports:annual_pdf", "reports:annual_xlsx",
                    "reports:annual_finalise", "reports:annual_recount")},
    **{name: "the number is a fiscal year, not an object's id; the organisation is a query "
             "parameter, checked in FORMS (terminal-log coverage)"
       for name in ("terminal_logs:coverage", "terminal_logs:coverage_pdf",
                    "terminal_logs:coverage_xlsx")},
}


def url_ids() -> dict[str, list[str]]:
    """namespace:name → the names of its int parameters, for every URL of ours."""
    ours = discovered_url_names()
    found = {}

    def walk(resolver, namespaces):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, namespaces + ([pattern.namespace] if pattern.namespace else []))
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = ":".join([*namespaces, pattern.name])
                ints = [key for key, converter in pattern.pattern.converters.items()
                        if isinstance(converter, IntConverter)]
                if name in ours and ints:
                    found[name] = ints

    walk(get_resolver(), [])
    return found


def test_every_id_in_a_url_is_covered():
    covered = {url.name for url in URLS} | BY_DESIGN.keys()
    missing = sorted(url_ids().keys() - covered)
    assert not missing, "\n".join(f"add {name} to URLS (or BY_DESIGN)" for name in missing)


def url_id(url: Url) -> str:
    mixed = sum(1 for other in URLS if other.name == url.name) > 1
    index = [other for other in URLS if other.name == url.name].index(url)
    return f"{url.name}#{index}" if mixed else url.name


@pytest.mark.parametrize("url", URLS, ids=url_id)
def test_an_id_from_elsewhere_is_not_found(url, world):
    if "city_guest" in url.intruders:
        world.city_guest  # noqa: B018 (the city's drill, its participant and its guest)
    path = reverse(url.name, kwargs=url.kwargs(world))
    if url.owner is not None:
        response = client_for(world, url.owner).get(path)
        assert response.status_code not in (404, 405), f"{url.owner} cannot open {path}"
    before = fingerprint()
    wrong = {}
    for role in sorted(url.intruders):
        client = client_for(world, role)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            got = outcome(response)
            if role in GUESTS and got == "redirect" and is_login(response):
                got = url.expect  # a guest has no account: a staff page sends them to log in
            allowed = {url.expect} if method in url.methods else {url.expect, "405"}
            if got not in allowed:
                wrong[f"{method.upper()} {role}"] = f"expected {url.expect}, got {got}"
            leaked = [marker for marker in A01_MARKERS if marker in shown(response)]
            if leaked:
                wrong[f"{method.upper()} {role} shows"] = leaked
    assert not wrong, f"{path} ({url.name}): {wrong}"
    assert fingerprint() == before, f"{path}: an intruder's request wrote something"


# Part 2: every form field that carries an id

REFUSED = frozenset({"404", "400", "refused"})
# What an actor in 熊本県 A01 must not learn of B01 and 熊本市.
ELSEWHERE_OF_A01 = ["木村 四郎", "林 五郎", "鈴木 三郎", "伊藤 健", "石井 八郎", "球磨地域振興局用地課",
                    "区民課", "市民税課", "用地課 住基ネット研修", "熊本市 担当者研修",
                    "熊本市 緊急時対応計画書"]
# What an actor in 熊本市 must not learn of 熊本県.
ELSEWHERE_OF_CITY = [*A01_MARKERS, "木村 四郎", "鈴木 三郎", "球磨地域振興局用地課", "熊本県 緊急時対応計画書",
                     "追加の照会記録", "監視センターからの通報", "照合IDを他人に貸してよいか"]


@dataclass(frozen=True)
class Form:
    actor: str | None  # None: a guest without an account
    url: Callable  # World -> the path
    data: Callable  # World -> a valid form but for one id, taken from elsewhere
    own: Callable | None = None  # World -> that field with the actor's own id: accepted
    expect: frozenset = REFUSED
    own_expect: str = "redirect"
    hidden: list = field(default_factory=lambda: ELSEWHERE_OF_A01)
    method: str = "post"
    own_replaces: bool = False  # `own` is the whole form, not a change to `data`


def path(name, *args):
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def briefing(**change):
    def data(w):
        return {"held_on": "2026-11-25", "method": "meeting", "briefed_by": w.operator.pk,
                "obligations": [w.obligation.pk], "materials": [], "note": "",
                **{key: value(w) for key, value in change.items()}}
    return data


def roster_sheet(employee_number):
    def data(w):
        sheet = f"職員番号,出欠,備考\r\n{employee_number(w)},出席,\r\n".encode()
        return {"file": SimpleUploadedFile("sheet.csv", sheet, content_type="text/csv"),
                "encoding": "utf-8"}
    return data


def answer(question, choice):
    return lambda w: {f"answer-{question(w).pk}": [choice(w).pk]}


def drilled_question(w):
    return w.attempt.questions.get().question


def right_choice(w):
    return drilled_question(w).choices.get(is_correct=True)


def _city_question(w):
    from training.models import Question

    w.city_quiz  # noqa: B018 (makes the bank)
    return Question.objects.get(text="熊本市の問題")


def city_choice(w):
    return _city_question(w).choices.get(is_correct=True)


def action_of(drill):
    return lambda w: getattr(w, drill).actions.get().pk


def log_of(drill):
    return lambda w: getattr(w, drill).log_entries.get().pk


def objective_of(drill):
    return lambda w: getattr(w, drill).objectives.get().pk


def first_inject_of(drill):
    return lambda w: getattr(w, drill).injects.order_by("pk").first().pk


def inject_about(subject):
    """An inject of 熊本県's running drill, by its subject."""
    return lambda w: w.running_drill.injects.get(subject=subject).pk


def role_of(drill):
    return lambda w: getattr(w, drill).roles.get(name="所属長").pk


def improvement(**change):
    def data(w):
        return {"issue": "連絡が遅れた", "corrective_action": "連絡網を直す", "element": "plan",
                "objective": "", "department": w.city_department.pk, "point_of_contact": "",
                "start_on": "2026-12-01", "due_on": "2027-01-29", "page": "",
                **{key: value(w) for key, value in change.items()}}
    return data


def session_admin(**change):
    def data(w):
        w.city_quiz  # noqa: B018 (a quiz of 熊本市's to choose)
        return {"organisation": w.city.pk, "title": "新しい研修", "starts_at": "2026-12-20 13:30",
                "ends_at": "2026-12-20 16:30", "venue": "市役所", "capacity": "30",
                "audience": "id_holders", "departments": [w.city_department.pk], "quiz": "",
                "briefing_due_days": "30", **{key: value(w) for key, value in change.items()}}
    return data


def question_admin(**change):
    def data(w):
        return {"organisation": w.city.pk, "category": "保護", "kind": "single", "is_active": "on",
                "text": "新しい問題", "choice_1": "正しい", "correct_1": "on", "choice_2": "誤り",
                "explanation": "解説", "module": "", "section_id": "",
                **{key: value(w) for key, value in change.items()}}
    return data


def quiz_admin(**change):
    def data(w):
        w.city_quiz  # noqa: B018 (the city's bank has a question in 保護)
        return {"organisation": w.city.pk, "title": "新しいテスト", "time_limit_minutes": "20",
                "grace_seconds": "30", "pass_mark_percent": "80", "max_attempts": "3",
                "cooldown_minutes": "60", "rule_category_1": "保護", "rule_count_1": "1",
                **{key: value(w) for key, value in change.items()}}
    return data


def schedule(**change):
    def data(w):
        return {"scenario": w.city_drill.scenario_id, "scheduled_for": "2026-12-01T10:00",
                "title": "", **{key: value(w) for key, value in change.items()}}
    return data


def scenario_admin(organisation):
    """The scenario form of tests.test_drill_authoring, without a link to a plan step."""
    from tests.test_drill_authoring import expected, scenario_form

    return scenario_form(organisation, actions=[expected("所属長へ報告する", "1", "発見者")])


def roster_file(kind, header, row):
    def data(w):
        sheet = "".join(",".join(line) + "\r\n" for line in [header, row]).encode()
        return {"kind": kind, "encoding": "utf-8",
                "file": SimpleUploadedFile("roster.csv", sheet, content_type="text/csv")}
    return data


def const(value):
    return lambda w: value


def attr(*names):
    def get(w):
        value = w
        for name in names:
            value = getattr(value, name)
        return value
    return get


def query(*built, **params):
    """A list's filter, once the world holds `built`: what the filter could reveal."""
    def data(w):
        for name in built:
            getattr(w, name)
        return {key: value(w) for key, value in params.items()}
    return data


CITY_ACTOR = {"hidden": ELSEWHERE_OF_CITY}
ADMIN_FORM = {"expect": frozenset({"200"}), "hidden": ELSEWHERE_OF_CITY}

FORMS = {
    # Required reading: the supervisor records a colleague's acknowledgement.
    "department reading: person of B01": Form(
        "supervisor", path("training:department_reading", attr("department_a", "pk")),
        lambda w: {"person": w.other_operator.pk, "page": w.plan.pk, "note": "口頭で確認"},
        own=lambda w: {"person": w.colleague.pk}),
    "department reading: person of 熊本市": Form(
        "supervisor", path("training:department_reading", attr("department_a", "pk")),
        lambda w: {"person": w.outsider.pk, "page": w.plan.pk, "note": "口頭で確認"},
        own=lambda w: {"person": w.colleague.pk}),
    "department reading: page of 熊本市": Form(
        "supervisor", path("training:department_reading", attr("department_a", "pk")),
        lambda w: {"person": w.colleague.pk, "page": w.city_plan.pk, "note": "口頭で確認"},
        own=lambda w: {"page": w.plan.pk}),
    "reading: revision of 熊本市's plan": Form(
        "operator", path("training:reading", attr("plan", "pk")),
        lambda w: {"revision": w.city_plan.live_revision_id},
        own=lambda w: {"revision": type(w.plan).objects.get(pk=w.plan.pk).live_revision_id}),
    # Onward sharing: the supervisor adds a colleague; an attendee records a briefing.
    "obligation add: person of B01": Form(
        "supervisor", path("training:sharing_obligation_add", attr("sharing", "pk")),
        lambda w: {"person": w.other_operator.pk},
        own=lambda w: {"person": w.operator.pk}),
    "obligation add: person of 熊本市": Form(
        "supervisor", path("training:sharing_obligation_add", attr("sharing", "pk")),
        lambda w: {"person": w.outsider.pk},
        own=lambda w: {"person": w.operator.pk}),
    "briefing: obligation of B01": Form(
        "operator", path("training:sharing_briefing_new", attr("sharing", "pk")),
        briefing(obligations=lambda w: [w.b01_obligation.pk]),
        own=lambda w: {"obligations": [w.obligation.pk]}),
    "briefing: material of 熊本市": Form(
        "operator", path("training:sharing_briefing_new", attr("sharing", "pk")),
        briefing(materials=lambda w: [w.city_plan.pk]), own=lambda w: {"materials": []}),
    "briefing: briefer of B01": Form(
        "supervisor", path("training:sharing_briefing_new", attr("sharing", "pk")),
        briefing(briefed_by=attr("other_operator", "pk")),
        own=lambda w: {"briefed_by": w.operator.pk}),
    # Sessions: 熊本市's coordinator records the roster and imports a sign-in sheet.
    "session roster: person of 熊本県": Form(
        "city_coordinator", path("training:session_manage", attr("city_session", "pk")),
        lambda w: {"person": [w.outsider.pk, w.operator.pk],
                   f"status-{w.outsider.pk}": "present", f"status-{w.operator.pk}": "present"},
        own=lambda w: {"person": [w.outsider.pk]}, **CITY_ACTOR),
    "sign-in sheet: employee number of 熊本県": Form(
        "city_coordinator", path("training:attendance_import", attr("city_session", "pk")),
        roster_sheet(attr("operator", "employee_number")),
        own=roster_sheet(attr("outsider", "employee_number")), own_expect="200", **CITY_ACTOR),
    "issue certificates: session of 熊本県": Form(
        "city_coordinator", path("training:certificates_issue_pending"),
        lambda w: {"session": w.quiz_session.pk},
        own=lambda w: {"session": w.city_session.pk}, **CITY_ACTOR),
    # Quizzes: the operator answers with another quiz's question or choice.
    "quiz answer: choice of 熊本市's question": Form(
        "operator", path("training:attempt_submit", attr("attempt", "pk")),
        answer(drilled_question, city_choice), own=answer(drilled_question, right_choice)),
    "quiz answer: 熊本市's question": Form(
        "operator", path("training:attempt_submit", attr("attempt", "pk")),
        answer(_city_question, city_choice), own=answer(drilled_question, right_choice),
        own_replaces=True),
    "quiz results: ?quiz of 熊本県": Form(
        "city_coordinator", path("training:quiz_results"),
        query("certificate", quiz=lambda w: w.quiz_session.quiz.pk),
        expect=frozenset({"200"}), method="get", **CITY_ACTOR),
    "quiz analysis: ?department of 熊本県": Form(
        "city_coordinator", path("training:quiz_analysis", attr("city_quiz", "pk")),
        query("certificate", department=attr("department_a", "pk")),
        expect=frozenset({"200"}), method="get", **CITY_ACTOR),
    "quiz analysis export: ?department of 熊本県": Form(
        "city_coordinator",
        path("training:quiz_analysis_export", attr("city_quiz", "pk"), lambda w: "csv"),
        query("certificate", department=attr("department_a", "pk")),
        expect=frozenset({"200"}), method="get", **CITY_ACTOR),
    "sharing dashboard: ?organisation 熊本県": Form(
        "city_coordinator", path("training:sharing_dashboard"),
        query("sharing", organisation=attr("prefecture", "pk")),
        expect=frozenset({"200", "400"}), method="get", **CITY_ACTOR),
    # The duty matrix: 熊本県's organisation or department asked for by 熊本市's coordinator.
    "duty matrix: ?organisation 熊本県": Form(
        "city_coordinator", path("overview:matrix"),
        query("sharing", organisation=attr("prefecture", "pk")),
        expect=frozenset({"404"}), method="get", **CITY_ACTOR),
    "duty matrix people: ?department of 熊本県": Form(
        "city_coordinator", path("overview:people"),
        query("sharing", duty=lambda w: "briefed", department=attr("department_a", "pk")),
        expect=frozenset({"404"}), method="get", **CITY_ACTOR),
    # A reminder round from the matrix naming a person of 熊本県: nobody is reminded.
    "duty matrix reminder round: person of 熊本県": Form(
        "city_coordinator", path("overview:remind"),
        lambda w: {"duty": "attended", "fiscal_year": 2026, "person": [w.operator.pk],
                   "confirm": "on"},
        own=lambda w: {"person": [w.outsider.pk]}, **CITY_ACTOR),
    "duty matrix export: ?organisation 熊本県": Form(
        "city_coordinator", path("overview:download", lambda w: "csv"),
        query("sharing", organisation=attr("prefecture", "pk")),
        expect=frozenset({"404"}), method="get", **CITY_ACTOR),
    # Drill consoles: 熊本市's evaluator and players, with ids of 熊本県's drill.
    "tick: action of 熊本県's drill": Form(
        "city_evaluator", path("drills:tick", attr("city_drill", "pk")),
        lambda w: {"action": action_of("running_drill")(w), "log_entry": log_of("city_drill")(w),
                   "achieved_at": ""},
        own=lambda w: {"action": action_of("city_drill")(w)}, **CITY_ACTOR),
    "tick: log entry of 熊本県's drill": Form(
        "city_evaluator", path("drills:tick", attr("city_drill", "pk")),
        lambda w: {"action": action_of("city_drill")(w), "log_entry": log_of("running_drill")(w),
                   "achieved_at": ""},
        own=lambda w: {"log_entry": log_of("city_drill")(w)}, **CITY_ACTOR),
    "rate: objective of 熊本県's drill": Form(
        "city_evaluator", path("drills:rate", attr("city_drill", "pk")),
        lambda w: {"objective": objective_of("running_drill")(w), "rating": "P", "notes": ""},
        own=lambda w: {"objective": objective_of("city_drill")(w)}, **CITY_ACTOR),
    "play: log against 熊本県's inject": Form(
        "city_operator", path("drills:play", attr("city_drill", "pk")),
        lambda w: {"inject": first_inject_of("running_drill")(w), "text": "報告した"},
        own=lambda w: {"inject": first_inject_of("city_drill")(w)}, **CITY_ACTOR),
    "play: acknowledge 熊本県's inject": Form(
        "city_operator", path("drills:play", attr("city_drill", "pk")),
        lambda w: {"inject": first_inject_of("running_drill")(w), "acknowledge": "1"},
        own=lambda w: {"inject": first_inject_of("city_drill")(w)}, **CITY_ACTOR),
    # A guest of 熊本市's drill (joined with its code), with ids of 熊本県's drill.
    "play (guest): log against 熊本県's inject": Form(
        "city_guest", path("drills:play", attr("city_drill", "pk")),
        lambda w: {"inject": first_inject_of("running_drill")(w), "text": "報告した"},
        own=lambda w: {"inject": first_inject_of("city_drill")(w)}, **CITY_ACTOR),
    "play (guest): acknowledge 熊本県's inject": Form(
        "city_guest", path("drills:play", attr("city_drill", "pk")),
        lambda w: {"inject": first_inject_of("running_drill")(w), "acknowledge": "1"},
        own=lambda w: {"inject": first_inject_of("city_drill")(w)}, **CITY_ACTOR),
    # Players of 熊本県's drill, with the id of an inject released to another role: only
    # the addressed role may act on it (a pick-up time must not be forged).
    **{
        f"play{' (guest)' if actor == 'guest' else ''}: {action} an inject addressed to "
        f"another role": Form(
            actor, path("drills:play", attr("running_drill", "pk")),
            lambda w, theirs=theirs, extra=extra: {"inject": inject_about(theirs)(w), **extra},
            own=lambda w, mine=mine: {"inject": inject_about(mine)(w)},
            hidden=[theirs])
        for actor, mine, theirs in [("operator", "監視センターからの通報", "報道機関からの問い合わせ"),
                                    ("guest", "報道機関からの問い合わせ", "監視センターからの通報")]
        for action, extra in [("log against", {"text": "対応した"}),
                              ("acknowledge", {"acknowledge": "1"})]
    },
    "play: join in a role of 熊本県's drill": Form(
        "city_clerk", path("drills:play", attr("city_drill", "pk")),
        lambda w: {"role": role_of("running_drill")(w)},
        own=lambda w: {"role": role_of("city_drill")(w)}, **CITY_ACTOR),
    "join by code: role of 熊本県's drill": Form(
        None, path("drills:join"),
        lambda w: {"code": w.city_drill.join_code, "display_name": "ゲスト",
                   "role": role_of("running_drill")(w)},
        own=lambda w: {"role": role_of("city_drill")(w)},
        expect=frozenset({"200", "400"}), **CITY_ACTOR),
    # Drill scheduling and improvement plans: 熊本市's coordinator.
    "schedule: scenario of 熊本県": Form(
        "city_coordinator", path("drills:list"), schedule(scenario=attr("scenario", "pk")),
        own=lambda w: {"scenario": w.city_drill.scenario_id}, **CITY_ACTOR),
    "schedule: retest item of 熊本県": Form(
        "city_coordinator", path("drills:list"), schedule(retest_items=lambda w: [w.item.pk]),
        own=lambda w: {"retest_items": []}, **CITY_ACTOR),
    **{
        f"improvement {view}: {label} of 熊本県": Form(
            "city_coordinator", url, improvement(**{name: value}),
            own=lambda w, name=name, mine=mine: {name: mine(w)}, **CITY_ACTOR)
        for view, url in [("plan", path("drills:improvements", attr("city_drill", "pk"))),
                          ("edit", path("drills:improvement_edit", attr("city_item", "pk")))]
        for label, name, value, mine in [
            ("department", "department", attr("department_a", "pk"),
             attr("city_department", "pk")),
            ("point of contact", "point_of_contact", attr("operator", "pk"),
             attr("outsider", "pk")),
            ("page", "page", attr("plan", "pk"), attr("city_plan", "pk")),
            ("objective", "objective", objective_of("running_drill"), objective_of("city_drill")),
        ]
    },
    "improvement verify: drill of 熊本県": Form(
        "city_coordinator", path("drills:improvement_verify", attr("city_item", "pk")),
        lambda w: {"later_drill": w.ended_drill.pk}, **CITY_ACTOR),
    # Wagtail admin forms: 熊本市's coordinator.
    "admin session: organisation 熊本県": Form(
        "city_coordinator", path("trainingsession:add"),
        session_admin(organisation=attr("prefecture", "pk"), departments=const([])),
        own=lambda w: {"organisation": w.city.pk}, **ADMIN_FORM),
    "admin session: department of 熊本県": Form(
        "city_coordinator", path("trainingsession:add"),
        session_admin(departments=lambda w: [w.department_a.pk]),
        own=lambda w: {"departments": [w.city_department.pk]}, **ADMIN_FORM),
    "admin session: quiz of 熊本県": Form(
        "city_coordinator", path("trainingsession:add"),
        session_admin(quiz=lambda w: w.quiz_session.quiz.pk),
        own=lambda w: {"quiz": w.city_quiz.pk}, **ADMIN_FORM),
    "admin session: module of 熊本県": Form(
        "city_coordinator", path("trainingsession:add"),
        session_admin(modules=lambda w: [w.module.pk]),
        own=lambda w: {"modules": []}, **ADMIN_FORM),
    "admin question: organisation 熊本県": Form(
        "city_coordinator", path("question:add"),
        question_admin(organisation=attr("prefecture", "pk")),
        own=lambda w: {"organisation": w.city.pk}, **ADMIN_FORM),
    "admin question: module of 熊本県": Form(
        "city_coordinator", path("question:add"), question_admin(module=attr("module", "pk")),
        own=lambda w: {"module": ""}, **ADMIN_FORM),
    "admin quiz: organisation 熊本県": Form(
        "city_coordinator", path("quiz:add"), quiz_admin(organisation=attr("prefecture", "pk")),
        own=lambda w: {"organisation": w.city.pk}, **ADMIN_FORM),
    "admin scenario: organisation 熊本県": Form(
        "city_coordinator", path("scenario:add"), lambda w: scenario_admin(w.prefecture),
        own=lambda w: {"organisation": w.city.pk}, **ADMIN_FORM),
    "admin scenario edit: organisation 熊本県": Form(
        "city_coordinator", path("scenario:edit", attr("city_drill", "scenario_id")),
        lambda w: scenario_admin(w.prefecture),
        own=lambda w: {"organisation": w.city.pk}, **ADMIN_FORM),
    "roster import: person of 熊本県": Form(
        "city_coordinator", path("roster_import"),
        roster_file("people", ["団体コード", "職員番号", "氏名", "フリガナ", "メールアドレス", "所属コード"],
                    ["430005", "operator", "山田 改名", "", "", "A01"]), **ADMIN_FORM),
    "roster import: ID grant of 熊本県's operator": Form(
        "city_coordinator", path("roster_import"),
        roster_file("id_grants", ["団体コード", "職員番号", "付与日", "失効日", "付与理由"],
                    ["430005", "operator", "2026/4/10", "2026/11/30", ""]), **ADMIN_FORM),
    # Audit: 熊本市's coordinator records a finding and draws a review sample.
    "audit finding: department of 熊本県": Form(
        "city_coordinator", path("audit:findings"),
        lambda w: {"department": w.department_a.pk, "found_on": "2026-11-20",
                   "source": "internal", "description": "照会記録の確認漏れ"},
        own=lambda w: {"department": w.city_department.pk}, **CITY_ACTOR),
    "audit review: organisation 熊本県": Form(
        "city_coordinator", path("audit:reviews"),
        lambda w: {"organisation": w.prefecture.pk, "period_start": "2026-04-01",
                   "period_end": "2026-10-31", "months_per_quarter": "1", "sample_size": "5"},
        own=lambda w: {"organisation": w.city.pk}, **CITY_ACTOR),
    "audit trail: ?department of 熊本県": Form(
        "city_coordinator", path("audit:trail"),
        query("sharing", department=attr("department_a", "pk")),
        expect=frozenset({"200", "400"}), method="get", **CITY_ACTOR),
    "terminal-log coverage: ?organisation 熊本県": Form(
        "city_coordinator", path("terminal_logs:coverage", lambda w: 2026),
        query(organisation=attr("prefecture", "pk")), own=lambda w: {"organisation": w.city.pk},
        expect=frozenset({"400"}), own_expect="200", method="get", **CITY_ACTOR),
    "admin contact tree: plan of 熊本県": Form(
        "city_coordinator", path("scenario:contact_tree"),
        lambda w: {"plan": w.plan.pk, "minutes_per_link": "5"}, **ADMIN_FORM),
}


def without_tags(text: str) -> str:
    return re.sub(r"<[^>]*>", " ", text)


@pytest.mark.parametrize("name", FORMS)
def test_an_id_from_elsewhere_in_a_form_is_refused(name, world):
    form = FORMS[name]
    url, data = form.url(world), form.data(world)
    client = client_for(world, form.actor)
    before = fingerprint()
    response = getattr(client, form.method)(url, data)
    got = outcome(response)
    assert got in form.expect, f"{name}: expected one of {sorted(form.expect)}, got {got}"
    assert fingerprint() == before, f"{name}: the form with an id from elsewhere wrote something"
    text = shown(response)
    leaked = [marker for marker in form.hidden if marker in text]
    assert not leaked, f"{name}: the response shows {leaked}"
    if form.own is not None:
        # The same form with the actor's own id is accepted: only the id was wrong.
        own = form.own(world) if form.own_replaces else {**form.data(world), **form.own(world)}
        response = getattr(client_for(world, form.actor), form.method)(url, own)
        assert outcome(response) == form.own_expect, (
            f"{name}: the form with the actor's own id was not accepted: {outcome(response)} "
            f"{without_tags(shown(response))[:2000]}"
        )

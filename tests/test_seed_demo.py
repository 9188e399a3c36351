"""seed_demo: the demo a visitor logs into (the large data set: test_seed_demo_large.py)."""

import datetime
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import models, transaction
from django.http import HttpRequest
from django.test import override_settings

from people.access import scope_for
from people.fiscal import FiscalYear
from people.models import (
    Department,
    IdGrant,
    Organisation,
    Person,
    RoleAssignment,
)

JST = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the `clock` fixture's moment
TODAY = NOW.date()  # in fiscal year 2026
ACCOUNTS = ["coordinator", "supervisor", "operator", "evaluator", "kumamoto-city"]


@dataclass(frozen=True)
class FirstRun:
    """The row counts after the first run, for the tests to compare after the second."""

    rows: dict
    sharing_rows: dict
    drill_rows: dict


def seed_demo() -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded twice (the second run must change nothing), once for the whole
    module: a run takes about 7 s. Each test runs in a savepoint of this transaction (its
    `db` fixture) and the whole is rolled back after the module's last test. Time stands
    at the `clock` fixture's moment throughout, as it did for each test."""
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        seed_demo()
        first_run = FirstRun(row_counts(), sharing_rows(), drill_rows())
        seed_demo()
        yield first_run
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, clock, db):
    return demo


def row_counts():
    from training.models import Acknowledgement, CoursePolicy

    counted = [Organisation, Department, Person, IdGrant, RoleAssignment, get_user_model(),
               Group, Acknowledgement, CoursePolicy]
    return {model.__name__: model.objects.count() for model in counted}


def test_running_it_twice_leaves_the_same_rows(seeded):
    assert row_counts() == seeded.rows
    assert seeded.rows["Organisation"] == 5 and seeded.rows["Person"] == 150


def test_it_mirrors_the_minutes(seeded):
    prefecture = Organisation.objects.get(lg_code="430005")
    assert prefecture.name == "熊本県" and prefecture.is_prefecture
    names = set(prefecture.departments.values_list("name", flat=True))
    assert {
        "県北広域本部福祉課", "阿蘇地域振興局総務福祉課", "県央広域本部収税第一課",
        "総務部自動車税事務所", "球磨地域振興局用地課", "上益城地域振興局福祉課",
        "阿蘇地域振興局保健予防課", "市町村課",
    } <= names
    assert prefecture.departments.get(is_coordinating_division=True).name == "市町村課"
    assert Organisation.objects.get(lg_code="431001").name == "熊本市"


def test_about_eighty_percent_of_id_holders_are_new_this_fiscal_year(seeded):
    holders = Person.objects.id_holders(TODAY).count()
    new = Person.objects.new_id_holders(FiscalYear(2026), TODAY).count()
    assert holders == 100
    assert new == 80
    assert not IdGrant.objects.filter(granted_on__gt=TODAY).exists()
    assert IdGrant.objects.filter(revoked_on__isnull=False).exists()  # some history


def test_the_demo_accounts_log_in_with_the_published_password(seeded, client):
    # django-axes, which counts failed logins per address, needs a request to read it from.
    for username in ACCOUNTS:
        assert client.login(request=HttpRequest(), username=username, password="kumamoto-demo"), username
        assert Person.objects.filter(user__username=username).exists()


def test_each_demo_account_has_the_scope_its_name_promises(seeded):
    users = {user.username: user for user in get_user_model().objects.all()}
    assert scope_for(users["coordinator"]).sees_everything
    [supervised_id] = scope_for(users["supervisor"]).supervised_department_ids
    supervised = Department.objects.get(pk=supervised_id)
    assert supervised.name == "県北広域本部福祉課"
    assert users["supervisor"].person.department == supervised
    operator = users["operator"].person
    assert operator.department == supervised
    assert Person.objects.new_id_holders(FiscalYear(2026), TODAY).filter(pk=operator.pk).exists()
    assert scope_for(users["evaluator"]).evaluated_organisation_ids == {operator.organisation_id}
    city = scope_for(users["kumamoto-city"])
    assert not city.sees_everything
    assert set(city.organisations().values_list("name", flat=True)) == {"熊本市"}


def test_every_demo_person_has_a_job_title_and_every_supervisor_is_a_head(seeded):
    """職名 as offices give them: 所属長 are 課長, the rest from 主事 to 参事 (issue 18)."""
    assert not Person.objects.filter(job_title="").exists()
    titles = dict(Person.objects.filter(user__username__in=ACCOUNTS)
                  .values_list("user__username", "job_title"))
    assert titles == {"coordinator": "主幹", "supervisor": "課長", "operator": "主事",
                      "evaluator": "課長補佐", "kumamoto-city": "主査"}
    heads = Person.objects.filter(roles__role=RoleAssignment.Role.SUPERVISOR)
    assert set(heads.values_list("job_title", flat=True)) == {"課長"}
    staff = Person.objects.exclude(roles__role=RoleAssignment.Role.SUPERVISOR)
    assert {"主事", "主任主事", "主査", "係長", "課長補佐"} <= set(
        staff.values_list("job_title", flat=True))


def test_only_coordinators_may_enter_the_wagtail_admin(seeded, client):
    client.login(request=HttpRequest(), username="coordinator", password="kumamoto-demo")
    assert client.get("/admin/").status_code == 200
    # 熊本市's coordinator edits the city's material, but not the prefecture-wide lists.
    client.login(request=HttpRequest(), username="kumamoto-city", password="kumamoto-demo")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/person/").status_code == 302
    client.login(request=HttpRequest(), username="operator", password="kumamoto-demo")
    assert client.get("/admin/").status_code == 302


def test_every_demo_question_points_at_a_heading_of_the_module_it_tests(seeded):
    from training.models import Question, Quiz

    assert Question.objects.count() == 15
    # This year's quiz and last year's, drawn from the same bank.
    assert [quiz.rules.count() for quiz in Quiz.objects.order_by("title")] == [5, 5]
    for question in Question.objects.select_related("module"):
        headings = {block.id for block in question.module.body if block.block_type == "heading"}
        assert question.section_id in headings, question.text
        assert question.choices.filter(is_correct=True).exists()


def test_the_demo_has_this_years_session_with_attendance_and_passed_quizzes(seeded):
    from training.models import Attempt, Certificate, TrainingSession

    past, today = TrainingSession.objects.filter(
        organisation__lg_code="430005", starts_at__date__gte=TODAY - datetime.timedelta(days=14),
    ).order_by("starts_at")
    assert past.invitations.count() == Person.objects.filter(
        organisation=past.organisation).id_holders(TODAY).count()
    assert past.attendances.count() == past.invitations.count()
    assert Attempt.objects.filter(passed=True).count() == Certificate.objects.count() > 0
    operator = Person.objects.get(user__username="operator")
    assert operator.attendances.get(session=past).status == "present"
    assert not operator.attempts.exists()  # left for the demo to take
    assert today.starts_at.date() == TODAY


def sharing_rows():
    from training.models import (
        Briefing,
        BriefingConfirmation,
        BriefingObligation,
        DepartmentConfirmation,
        DepartmentReport,
        DepartmentSharing,
        MaterialOpening,
    )

    models = [DepartmentSharing, BriefingObligation, Briefing, MaterialOpening,
              BriefingConfirmation, DepartmentConfirmation, DepartmentReport]
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_has_onward_sharing_at_every_stage_once(seeded):
    from training.models import DepartmentSharing, TrainingSession
    from training.sharing import sharings_with_counts

    first = seeded.sharing_rows
    assert sharing_rows() == first
    assert first["BriefingObligation"] >= 10 and first["Briefing"] >= 5
    closed = TrainingSession.objects.filter(attendance_closed_at__isnull=False)
    assert set(closed.values_list("organisation__lg_code", flat=True)) == {"430005", "431001"}

    rows = list(sharings_with_counts(DepartmentSharing.objects.all(), today=TODAY))
    submitted = [row for row in rows if hasattr(row, "report")]
    overdue = [row for row in rows if row.is_overdue]
    in_progress = [row for row in rows if not row.is_overdue and not hasattr(row, "report")]
    assert len(submitted) >= 4 and len(overdue) >= 2 and len(in_progress) >= 2
    # The prefecture's session is not due yet; 熊本市's was due before today.
    assert {row.session.organisation.lg_code for row in overdue} == {"431001"}
    assert any(row.briefed > row.confirmed > 0 for row in rows)  # part way
    for row in submitted:
        report = row.report
        assert (report.briefed, report.confirmed) == (row.to_brief, row.to_brief)
        assert report.confirmed + report.attended == report.id_holders


def test_every_step_of_the_demo_sharing_happens_after_the_one_before(seeded):
    from training.models import Briefing, BriefingConfirmation, DepartmentReport, MaterialOpening

    now = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the `clock` fixture's
    for briefing in Briefing.objects.select_related("sharing__session"):
        session = briefing.sharing.session
        assert session.ends_at < session.attendance_closed_at < briefing.recorded_at < now
        assert briefing.held_on == briefing.recorded_at.astimezone(JST).date()
        assert briefing.held_on.weekday() < 5
        assert briefing.materials.count() == session.modules.count() > 0
    for confirmation in BriefingConfirmation.objects.select_related("obligation"):
        briefings = confirmation.obligation.briefings.all()
        assert briefings and all(b.recorded_at < confirmation.confirmed_at < now
                                 for b in briefings)
        if not confirmation.on_behalf:
            openings = MaterialOpening.objects.filter(obligation=confirmation.obligation)
            assert openings.count() == briefings[0].materials.count()
            assert all(o.opened_at < confirmation.confirmed_at for o in openings)
    assert BriefingConfirmation.objects.filter(on_behalf=True).exclude(note="").exists()
    assert BriefingConfirmation.objects.filter(on_behalf=False).exists()
    for report in DepartmentReport.objects.select_related("confirmation", "sharing"):
        assert report.sharing.created_at < report.confirmation.confirmed_at
        assert report.confirmation.confirmed_at < report.submitted_at < now
        assert bytes(report.pdf).startswith(b"%PDF")


def test_the_operators_department_is_left_for_the_operator_to_brief(seeded):
    """The browser test briefs from here: an absent colleague and nothing recorded."""
    from training.models import DepartmentSharing

    operator = Person.objects.get(user__username="operator")
    sharing = DepartmentSharing.objects.get(
        session__organisation=operator.organisation, department=operator.department
    )
    assert not sharing.briefings.exists()
    assert not sharing.confirmations.exists()
    assert not hasattr(sharing, "report")
    obligations = sharing.obligations.filter(dropped_at__isnull=True)
    assert obligations.exists()
    assert not obligations.filter(person=operator).exists()
    assert sharing.session.attendances.get(person=operator).status == "present"
    # The demo's `colleague` login is the one left to brief, so the demo can show both sides.
    colleague = Person.objects.get(user__username="colleague")
    assert colleague.department == operator.department
    assert obligations.filter(person=colleague).exists()


def drill_rows():
    from drills.models import (
        ActionTick,
        AfterActionReport,
        Drill,
        DrillObjective,
        HotWashAnswer,
        ImprovementItem,
        InjectAcknowledgement,
        InjectRelease,
        LogEntry,
        ObjectiveRating,
        Participant,
    )

    models = [Drill, DrillObjective, Participant, InjectRelease, InjectAcknowledgement, LogEntry,
              ActionTick, ObjectiveRating, HotWashAnswer, AfterActionReport, ImprovementItem]
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_has_three_years_of_drills_and_one_to_come_once(seeded):
    from cms.models import EmergencyPlanPage
    from drills.improvements import improvement_reminders_send
    from drills.models import AfterActionReport, Drill, ImprovementItem
    from drills.scoring import drill_scores
    from drills.trends import fiscal_year_of_drill

    assert drill_rows() == seeded.drill_rows

    now = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the `clock` fixture's
    # 熊本県's; 熊本市's contact-tree drills of its programme are tests/test_drill_programme's.
    ended = list(Drill.objects.filter(ended_at__isnull=False, organisation__lg_code="430005")
                 .order_by("started_at"))
    assert [fiscal_year_of_drill(drill).year for drill in ended] == [2024, 2025, 2026]
    latest = ended[-1].started_at.astimezone(JST).date()
    assert latest <= TODAY - datetime.timedelta(days=21)
    for drill in ended:
        started, finished = drill.started_at.astimezone(JST), drill.ended_at.astimezone(JST)
        assert started.weekday() < 5 and 9 <= started.hour and finished.hour < 17
        assert started.date() == finished.date() and started.month == latest.month
        assert drill.organisation.lg_code == "430005"
        assert drill.participants.filter(person__isnull=True).count() == 1
        assert set(drill.participants.filter(person__isnull=False)
                   .values_list("person__user__username", flat=True)) == {
            "operator", "colleague", "supervisor"}
        assert drill.hot_wash_answers.filter(anonymous=True).count() == 1
        assert not drill.objectives.filter(rating__isnull=True).exists()
        assert not drill.objectives.filter(strengths="").exists()
        actions = drill.actions.filter(inject__is_contingency=False)
        assert actions.filter(tick__isnull=True).count() == 1  # one never achieved
    assert [drill.pauses.count() for drill in ended] == [0, 1, 0]

    scores = drill_scores(ended, now=now)
    overall = [scores[drill.pk].overall for drill in ended]
    assert None not in overall and overall == sorted(overall)  # better every year
    assert [drill.objectives.get(code="1").rating.rating for drill in ended] == ["M", "S", "P"]

    assert set(AfterActionReport.objects.values_list("drill", flat=True)) == {
        ended[0].pk, ended[1].pk}
    verified = ImprovementItem.objects.get(status="verified")
    assert (verified.drill, verified.verified_in) == (ended[0], ended[1])
    assert verified.page.specific == EmergencyPlanPage.objects.get(organisation__lg_code="430005")
    assert ended[1].objectives.get(retests=verified).rating.rating == "S"
    assert ImprovementItem.objects.filter(status="open", due_on__gt=TODAY).exists()
    assert ImprovementItem.objects.filter(status="in_progress", due_on__lt=TODAY).exists()
    assert improvement_reminders_send(now=now) > 0  # the ladder has work

    scheduled = Drill.objects.get(started_at__isnull=True)
    assert scheduled.incident_type == "contact_tree"
    day = scheduled.scheduled_for.astimezone(JST).date()
    assert TODAY < day <= TODAY + datetime.timedelta(days=7) and day.weekday() < 5
    assert scheduled.created_at < now


def test_everything_in_the_demo_drills_happened_in_order_and_in_the_past(seeded):
    from drills.models import (
        ActionTick,
        AfterActionReport,
        Drill,
        HotWashAnswer,
        ImprovementItem,
        InjectAcknowledgement,
        InjectRelease,
        LogEntry,
        ObjectiveRating,
        Participant,
    )

    now = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the `clock` fixture's
    for drill in Drill.objects.all():
        assert drill.created_at < drill.scheduled_for and drill.created_at < now
        if drill.started_at is not None:
            assert drill.scheduled_for <= drill.started_at < drill.ended_at < now
    for entry in LogEntry.objects.select_related("drill"):
        assert entry.drill.started_at <= entry.logged_at <= entry.drill.ended_at
    for tick in ActionTick.objects.select_related("action__drill", "log_entry"):
        drill = tick.action.drill
        assert drill.started_at <= tick.achieved_at <= drill.ended_at
        assert tick.achieved_at <= tick.ticked_at < now
        assert tick.log_entry.logged_at == tick.achieved_at
    for release in InjectRelease.objects.select_related("inject__drill"):
        drill = release.inject.drill
        assert drill.started_at <= release.released_at <= release.recorded_at <= drill.ended_at
    for acknowledgement in InjectAcknowledgement.objects.select_related("inject__release",
                                                                         "inject__drill"):
        assert (acknowledgement.inject.release.released_at < acknowledgement.acknowledged_at
                <= acknowledgement.inject.drill.ended_at)
    for participant in Participant.objects.select_related("drill"):
        assert participant.joined_at < participant.drill.started_at
    for rating in ObjectiveRating.objects.select_related("objective__drill"):
        assert rating.objective.drill.ended_at < rating.rated_at < now
    for answer in HotWashAnswer.objects.select_related("drill"):
        assert answer.drill.ended_at < answer.submitted_at < now
    for item in ImprovementItem.objects.select_related("drill", "verified_in"):
        assert item.drill.ended_at < item.created_at < now
        assert item.start_on == item.created_at.astimezone(JST).date()
        if item.verified_in is not None:
            assert item.verified_in.ended_at < item.verified_at < now
    for report in AfterActionReport.objects.select_related("drill"):
        assert report.drill.ended_at < report.finalised_at < now
        assert bytes(report.pdf).startswith(b"%PDF")
        assert report.finalised_at.astimezone(JST).strftime("D:%Y%m%d%H%M").encode() in bytes(
            report.pdf)


def test_the_demo_lets_briefing_and_online_study_count_this_fiscal_year(seeded):
    from training.models import CoursePolicy

    assert set(CoursePolicy.objects.values_list(
        "organisation__lg_code", "fiscal_year", "briefed_online_counts", "online_only_counts",
    )) == {("430005", 2026, True, True), ("431001", 2026, True, True),
           ("430005", 2025, False, False)}  # last year's, kept for its certificates' expiry


def test_most_required_reading_is_acknowledged_some_not_a_few_on_someones_behalf(seeded):
    from reports.duties import conditions
    from training.models import Acknowledgement

    rules = conditions(FiscalYear(2026), TODAY)
    holders = Person.objects.filter(rules.holder)
    for duty in ("reading", "plan"):
        due = holders.filter(rules.population(f"{duty}_due")).count()
        done = holders.filter(rules.done(duty)).count()
        assert due and 0.6 <= done / due <= 0.95, (duty, done, due)
    on_behalf = Acknowledgement.objects.exclude(recorded_by=None)
    assert 1 <= on_behalf.count() <= Acknowledgement.objects.count() * 0.1
    assert not on_behalf.filter(note="").exists()
    assert not on_behalf.filter(recorded_by=models.F("person")).exists()
    # Left for the visitor to try.
    assert not Acknowledgement.objects.filter(
        person__user__username__in=["operator", "colleague"]).exists()
    now = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
    for acknowledgement in Acknowledgement.objects.select_related("person"):
        assert acknowledgement.acknowledged_at <= now


def test_kumamoto_citys_drill_of_this_year_scores_believably(seeded):
    from drills.models import ActionTick, Drill, LogEntry
    from drills.scoring import drill_score
    from drills.trends import fiscal_year_of_drill

    now = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
    ended = [drill for drill in Drill.objects.filter(organisation__lg_code="431001",
                                                     ended_at__isnull=False)
             if fiscal_year_of_drill(drill).year == 2026]
    assert len(ended) == 1
    [drill] = ended
    assert LogEntry.objects.filter(drill=drill).count() == drill.injects.count()
    assert ActionTick.objects.filter(action__drill=drill).count() == drill.actions.count()
    score = drill_score(drill, now=now)
    assert 60 <= score.overall <= 95
    assert [objective.rating.rating for objective in drill.objectives.order_by("code")] == [
        "S", "P"]


def test_the_demo_names_the_fiscal_year_it_is_seeded_in(demo, db):
    """Seeded a year later, the quiz and sessions are that year's (令和9年度), alongside."""
    from training.models import Quiz, TrainingSession

    with override_settings(DEBUG=True), time_machine.travel(
            NOW + datetime.timedelta(days=365), tick=False):
        seed_demo()
    assert Quiz.objects.filter(title="令和9年度 住基ネット担当者研修 確認テスト").exists()
    assert set(TrainingSession.objects.filter(title__startswith="令和9年度")
               .values_list("title", flat=True)) == {
        "令和9年度 住基ネット担当者研修会", "令和9年度 熊本市 住基ネット担当者研修会",
        "令和9年度 新規ID付与者研修会"}


def test_the_demo_has_a_year_of_terminal_look_ups_with_a_case_for_each_kind_of_rule(seeded,
                                                                                      client):
    import datetime as dt

    from django.db.models import Count

    from terminal_logs.models import TerminalLogImport, TerminalLookup
    from terminal_logs.rules import Flag, flags_of

    # One import a month, as a coordinator would: the twelve months before this one.
    batches = TerminalLogImport.objects.order_by("first_at")
    assert [batch.file_name for batch in batches][::11] == [
        "端末アクセスログ_2025年11月分.csv", "端末アクセスログ_2026年10月分.csv"]
    assert all(batch.first_at.date() >= dt.date(2025, 11, 1) for batch in batches)
    raised = {flag for lookup in TerminalLookup.objects.all() for flag in flags_of(lookup.flags)}
    assert {Flag.OUTSIDE_HOURS, Flag.BURST, Flag.WATCHED_RESIDENT,
            Flag.UNKNOWN_OPERATOR} <= raised
    # Departments of different volumes: the busiest looks up far more than the quietest.
    volumes = sorted(TerminalLookup.objects.exclude(department=None).values("department")
                     .annotate(n=Count("pk")).values_list("n", flat=True))
    assert len(volumes) >= 8 and volumes[-1] > 10 * volumes[0]
    # Made-up residents, but kept as any import keeps them: masked and hashed.
    assert not TerminalLookup.objects.filter(masked__contains="太郎").exists()
    client.login(request=HttpRequest(), username="coordinator", password="kumamoto-demo")
    page = client.get("/terminal-logs/").content.decode()
    assert "短時間の大量照会" in page and "監視対象者" in page
    coverage = client.get("/terminal-logs/coverage/2026/")
    assert coverage.status_code == 200 and coverage.context["total"][2] > 500


def test_the_demo_id_holders_hold_the_certificates_of_the_sessions_before_this_one(seeded):
    from training.models import Certificate, TrainingSession

    last_year = TrainingSession.objects.get(title="令和7年度 住基ネット担当者研修会")
    spring = TrainingSession.objects.get(title="令和8年度 新規ID付与者研修会")
    # Last year's certificates last through this fiscal year, until this year's session.
    assert set(Certificate.objects.filter(session=last_year)
               .values_list("expires_on", flat=True)) == {datetime.date(2027, 3, 31)}
    assert Certificate.objects.filter(session=last_year).count() >= 10
    # Those given an ID after the spring session took it online, as the policy allows.
    assert Certificate.objects.filter(session=spring, route="online_only").exists()
    assert not Certificate.objects.filter(person__user__username="operator").exists()


def test_few_demo_look_ups_are_flagged_and_findings_weigh_the_draw(seeded):
    from terminal_logs.models import CampaignShare, TerminalLookup

    lookups = TerminalLookup.objects.all()
    assert lookups.filter(flags__gt=0).count() * 5 < lookups.count()
    assert CampaignShare.objects.filter(campaign__quarter=2,
                                        department__name="阿蘇地域振興局総務福祉課").count() == 3
    # The last reviewed quarter: 阿蘇's welfare office (two findings: ×3) and 県央's tax
    # office (none) look up about as often, more than the minimum sample of 3 a month;
    # the first gets three times the random sample (beside its flagged look-ups).
    quarter = CampaignShare.objects.filter(campaign__quarter=2)
    for audited in quarter.filter(department__name="阿蘇地域振興局総務福祉課"):
        plain = quarter.get(department__name="県央広域本部収税第一課", month=audited.month)
        assert audited.weight == 3 and plain.weight == 1
        assert min(audited.lookups, plain.lookups) > 9
        assert audited.sampled - audited.flagged == 9 and plain.sampled - plain.flagged == 3

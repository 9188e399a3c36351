"""The improvement plan: an item's lifecycle up to its verification by a later drill, each
refusal (nothing changed), who may see and change an item, the notice of the revised
plan, the re-test objectives offered when scheduling, and the reminders (timed, once).

The `drill` fixture runs from 10:00 to 10:30 on 2026-11-26; its item is due 2026-12-26.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_q.models import Schedule

from cms.models import EmergencyPlanPage, TrainingIndexPage, TrainingModulePage
from core.models import OutgoingMail
from core.outbox import outbox_send
from core.schedules import ensure_schedules
from drills import improvements, runs
from drills.improvements import (
    improvement_reminders_send,
    item_create,
    item_update,
    item_verify,
    revision_notice,
)
from drills.models import Drill, DrillObjective, ImprovementItem, ImprovementReminder, Scenario
from drills.tasks import IMPROVEMENT_REMINDERS, send_improvement_reminders
from tests.conftest import DRILL_T0 as T0
from tests.conftest import make_person, publish_revision

JST = ZoneInfo("Asia/Tokyo")
START, DUE = datetime.date(2026, 11, 26), datetime.date(2026, 12, 26)


def at(minutes=0, *, days=0):
    return T0 + datetime.timedelta(days=days, minutes=minutes)


@pytest.fixture
def ended(drill, clock):
    """The drill, run from 10:00 to 10:30."""
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_end(drill=drill, now=at(30))
    clock.move_to(at(40))
    return Drill.objects.get(pk=drill.pk)


def fields(department, **overrides):
    return {
        "issue": "第一報が遅れた", "corrective_action": "連絡網を更新し、手順を周知する",
        "element": "plan", "department": department, "start_on": START, "due_on": DUE,
        **overrides,
    }


@pytest.fixture
def item(ended, coordinator, department_a, colleague, supervisor):
    """Department A's item, with the colleague as point of contact."""
    return item_create(drill=ended, by=coordinator, now=at(40),
                       **fields(department_a, point_of_contact=colleague))


def later_drill(scenario, coordinator, *, retest_items, days=10, rating=None, evaluator=None):
    """Another drill of the scenario `days` later, re-testing `retest_items`, run for 30
    minutes; its re-test objectives rated `rating` if given."""
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(days=days), by=coordinator,
                                now=at(50), retest_items=retest_items)
    runs.drill_start(drill=drill, now=at(days=days))
    if rating:
        for objective in drill.objectives.filter(retests__isnull=False):
            runs.objective_rate(drill=drill, objective_id=objective.pk, rating=rating, notes="",
                                by=evaluator or coordinator, now=at(10, days=days))
    runs.drill_end(drill=drill, now=at(30, days=days))
    return Drill.objects.get(pk=drill.pk)


def snapshot(item):
    return ImprovementItem.objects.filter(pk=item.pk).values().get()


# The lifecycle


def test_an_item_goes_from_open_to_verified_by_a_later_drill_that_retested_it(
    clock, item, scenario, coordinator, supervisor, colleague
):
    assert item.status == "open" and item.created_by == coordinator
    item_update(item=item, by=supervisor, now=at(60), status="in_progress")
    item_update(item=item, by=colleague, now=at(days=3), status="completed")

    later = runs.drill_schedule(scenario=scenario, scheduled_for=at(days=10), by=coordinator,
                                now=at(days=4), retest_items=[item])
    retest = later.objectives.get(retests=item)
    assert retest.code == "R1"
    assert "第一報が遅れた" in retest.title
    assert retest.description == "連絡網を更新し、手順を周知する"
    assert retest.order == later.objectives.count() - 1  # after the scenario's own

    runs.drill_start(drill=later, now=at(days=10))
    runs.objective_rate(drill=later, objective_id=retest.pk, rating="S", notes="",
                        by=coordinator, now=at(20, days=10))
    runs.drill_end(drill=later, now=at(30, days=10))
    assert list(improvements.retest_drills(item)) == [later]

    verified = item_verify(item=item, later_drill=later, by=coordinator, now=at(40, days=10))
    stored = ImprovementItem.objects.get(pk=item.pk)
    assert (stored.status, stored.verified_in, stored.verified_at) == (
        "verified", later, at(40, days=10)
    )
    assert verified == stored


def test_a_verified_item_is_closed(item, scenario, coordinator):
    item_update(item=item, by=coordinator, now=at(60), status="completed")
    later = later_drill(scenario, coordinator, retest_items=[item], rating="P")
    item_verify(item=item, later_drill=later, by=coordinator, now=at(days=11))
    before = snapshot(item)
    for change in ({"status": "open"}, {"issue": "別の問題"}):
        with pytest.raises(ValidationError):
            item_update(item=item, by=coordinator, now=at(days=12), **change)
    with pytest.raises(ValidationError):
        item_verify(item=item, later_drill=later, by=coordinator, now=at(days=12))
    assert snapshot(item) == before


def test_a_coordinator_edits_what_the_item_says(item, coordinator, plan, department_b):
    item_update(item=item, by=coordinator, now=at(60), due_on=datetime.date(2027, 1, 31),
                department=department_b, page=plan)
    stored = ImprovementItem.objects.get(pk=item.pk)
    assert (stored.due_on, stored.department, stored.page_id) == (
        datetime.date(2027, 1, 31), department_b, plan.pk
    )


# Refusals: each with a message, nothing written


def city_plan(home_page, city):
    page = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city, body=[]))
    page.save_revision().publish()
    return page


def module_under(home_page, organisation, slug):
    index = TrainingIndexPage.objects.filter(organisation=organisation).first()
    if index is None:
        index = home_page.add_child(instance=TrainingIndexPage(
            title=f"{organisation.name} 研修", slug=f"training-{slug}", organisation=organisation))
    return index.add_child(instance=TrainingModulePage(title="照会の手順", slug=slug, body=[]))


INVALID_ITEMS = {  # what is wrong: (the fields changed, given the fixtures; the message)
    "due before start": (lambda get: {"due_on": START - datetime.timedelta(days=1)},
                         "before the start date"),
    "department elsewhere": (lambda get: {"department": get("city_department")},
                             "department of 熊本県"),
    "contact elsewhere": (lambda get: {"point_of_contact": get("outsider")},
                          "point of contact must work for 熊本県"),
    "another plan": (lambda get: {"page": city_plan(get("home_page"), get("city"))},
                     "emergency response plan or a training module of 熊本県"),
    "another module": (lambda get: {"page": module_under(get("home_page"), get("city"), "m")},
                       "emergency response plan or a training module of 熊本県"),
    "not a plan or module": (lambda get: {"page": get("home_page")},
                             "emergency response plan or a training module of 熊本県"),
    "unknown element": (lambda get: {"element": "budget"}, "Choose the element"),
    "blank issue": (lambda get: {"issue": "  "}, "Describe the issue"),
    "blank action": (lambda get: {"corrective_action": ""}, "Describe the corrective action"),
}


@pytest.mark.parametrize("wrong", INVALID_ITEMS)
def test_an_invalid_item_is_refused(request, ended, coordinator, department_a, wrong):
    changes, message = INVALID_ITEMS[wrong]
    overrides = changes(request.getfixturevalue)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        item_create(drill=ended, by=coordinator, now=at(40),
                    **{**fields(department_a), **overrides})
    assert message in " ".join(refused.value.messages)
    assert not ImprovementItem.objects.exists()


def test_an_objective_of_another_drill_is_refused(ended, scenario, coordinator, department_a):
    other = runs.drill_schedule(scenario=scenario, scheduled_for=at(days=5), by=coordinator,
                                now=at(40))
    with pytest.raises(ValidationError):
        item_create(drill=ended, by=coordinator, now=at(40),
                    **fields(department_a, objective=other.objectives.first()))
    assert not ImprovementItem.objects.exists()


def test_the_organisations_plan_and_modules_are_accepted(ended, coordinator, department_a, plan,
                                                         home_page, prefecture):
    module = module_under(home_page, prefecture, "module")
    for page in (plan, module):
        created = item_create(drill=ended, by=coordinator, now=at(40),
                              **fields(department_a, page=page,
                                       objective=ended.objectives.first()))
        assert created.page_id == page.pk


def test_an_update_with_a_due_date_before_the_start_is_refused(item, coordinator):
    before = snapshot(item)
    with pytest.raises(ValidationError):
        item_update(item=item, by=coordinator, now=at(60), status="in_progress",
                    due_on=datetime.date(2026, 11, 1))
    assert snapshot(item) == before


@pytest.mark.parametrize("status", ["verified", "closed", ""])
def test_a_status_other_than_open_in_progress_or_completed_is_refused(item, supervisor, status):
    before = snapshot(item)
    with pytest.raises(ValidationError):
        item_update(item=item, by=supervisor, now=at(60), status=status)
    assert snapshot(item) == before


def refused_verification(item, later, coordinator) -> str:
    before = snapshot(item)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        item_verify(item=item, later_drill=later, by=coordinator, now=at(days=20))
    assert snapshot(item) == before
    return " ".join(refused.value.messages)


def test_an_item_not_completed_cannot_be_verified(item, scenario, coordinator):
    later = later_drill(scenario, coordinator, retest_items=[item], rating="P")
    assert "completed" in refused_verification(item, later, coordinator)


@pytest.fixture
def completed(item, coordinator):
    return item_update(item=item, by=coordinator, now=at(60), status="completed")


def test_a_later_drill_that_did_not_retest_it_does_not_verify_it(completed, scenario,
                                                                 coordinator):
    later = later_drill(scenario, coordinator, retest_items=[])
    assert "No later drill has re-tested" in refused_verification(completed, later, coordinator)


def test_a_retest_that_has_not_ended_does_not_verify_it(completed, scenario, coordinator):
    later = runs.drill_schedule(scenario=scenario, scheduled_for=at(days=10), by=coordinator,
                                now=at(50), retest_items=[completed])
    assert "No later drill" in refused_verification(completed, later, coordinator)  # not started
    runs.drill_start(drill=later, now=at(days=10))
    objective = later.objectives.get(retests=completed)
    runs.objective_rate(drill=later, objective_id=objective.pk, rating="P", notes="",
                        by=coordinator, now=at(5, days=10))
    assert "No later drill" in refused_verification(completed, later, coordinator)  # running


def test_a_drill_that_started_before_the_item_s_drill_ended_does_not_verify_it(
    completed, scenario, coordinator
):
    earlier = runs.drill_schedule(scenario=scenario, scheduled_for=at(20), by=coordinator,
                                  now=at(0))
    Drill.objects.filter(pk=earlier.pk).update(started_at=at(20), ended_at=at(days=1))
    objective = DrillObjective.objects.create(drill=earlier, code="R1", title="再検証", order=9,
                                              retests=completed)
    runs.objective_rate(drill=earlier, objective_id=objective.pk, rating="P", notes="",
                        by=coordinator, now=at(days=1))
    assert "No later drill" in refused_verification(completed, earlier, coordinator)
    assert not improvements.retest_drills(completed).exists()


@pytest.mark.parametrize("rating", ["M", "U", None])
def test_a_retest_rated_m_or_u_or_not_rated_does_not_verify_it(completed, scenario, coordinator,
                                                               rating):
    later = later_drill(scenario, coordinator, retest_items=[completed], rating=rating)
    assert "did not show it fixed" in refused_verification(completed, later, coordinator)


# Re-test objectives when scheduling


def test_scheduling_refuses_an_item_of_another_organisation(item, city, city_coordinator):
    city_scenario = Scenario.objects.create(
        organisation=city, title="市の訓練", incident_type="unauthorised_lookup", summary="…",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "初動",
                                                    "description": ""}}],
        timeline=[{"type": "inject", "value": {
            "offset": "+0:00", "channel": "phone", "sender": "監視", "role": "所属長",
            "subject": "通報", "message": "通報", "contingency": False,
            "expected_actions": []}}],
    )
    drills_before = Drill.objects.count()
    with pytest.raises(ValidationError):
        runs.drill_schedule(scenario=city_scenario, scheduled_for=at(days=10),
                            by=city_coordinator, now=at(50), retest_items=[item])
    assert Drill.objects.count() == drills_before


def test_scheduling_refuses_a_verified_item(completed, scenario, coordinator):
    later = later_drill(scenario, coordinator, retest_items=[completed], rating="P")
    item_verify(item=completed, later_drill=later, by=coordinator, now=at(days=11))
    drills_before = Drill.objects.count()
    with pytest.raises(ValidationError):
        runs.drill_schedule(scenario=scenario, scheduled_for=at(days=20), by=coordinator,
                            now=at(days=12), retest_items=[completed])
    assert Drill.objects.count() == drills_before


def test_each_item_is_retested_once_under_a_free_code(item, ended, scenario, coordinator,
                                                      department_a):
    second = item_create(drill=ended, by=coordinator, now=at(41),
                         **fields(department_a, issue="報道対応の遅れ"))
    scenario.objectives = [{"type": "objective", "value": {"code": code, "title": code,
                                                           "description": ""}}
                           for code in ("1", "R1")]
    scenario.save()
    later = runs.drill_schedule(scenario=scenario, scheduled_for=at(days=10), by=coordinator,
                                now=at(50), retest_items=[item, second, item])
    assert list(later.objectives.filter(retests__isnull=False)
                .values_list("code", "retests")) == [("R2", item.pk), ("R3", second.pk)]


def test_the_drill_list_offers_the_items_to_retest_and_schedules_them(
    clock, login, item, scenario, coordinator, completed
):
    client = login(coordinator)
    page = client.get(reverse("drills:list")).content.decode()
    assert 'id="retest-items"' in page and "第一報が遅れた" in page
    response = client.post(reverse("drills:list"), {
        "scenario": scenario.pk, "scheduled_for": "2026-12-10T10:00", "title": "再訓練",
        "retest_items": [item.pk],
    })
    assert response.status_code == 302
    later = Drill.objects.get(title="再訓練")
    assert later.objectives.get(retests=item).code == "R1"


def test_the_drill_list_offers_no_verified_item_and_no_other_organisations(
    clock, login, completed, scenario, coordinator, city_coordinator
):
    assert "第一報が遅れた" not in login(city_coordinator).get(reverse("drills:list")).content.decode()
    later = later_drill(scenario, coordinator, retest_items=[completed], rating="P")
    item_verify(item=completed, later_drill=later, by=coordinator, now=at(days=11))
    assert 'id="retest-items"' not in login(coordinator).get(reverse("drills:list")).content.decode()


# Who may see and change an item


def item_urls(item):
    return [
        ("get", reverse("drills:improvement", args=[item.pk]), {}),
        ("post", reverse("drills:improvement_status", args=[item.pk]), {"status": "completed"}),
        ("post", reverse("drills:improvement_edit", args=[item.pk]), {"issue": "変更"}),
        ("post", reverse("drills:improvement_verify", args=[item.pk]), {"later_drill": "1"}),
    ]


def plan_urls(item):
    plan = reverse("drills:improvements", args=[item.drill_id])
    return [("get", plan, {}), ("post", plan, {"issue": "追加"})]


@pytest.mark.parametrize("who", ["outsider", "other_supervisor", "city_coordinator", "operator",
                                 "evaluator"])
def test_others_get_404_and_change_nothing(login, request, item, who):
    client = login(request.getfixturevalue(who))
    before = snapshot(item)
    for method, url, data in item_urls(item) + plan_urls(item):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert snapshot(item) == before
    assert ImprovementItem.objects.count() == 1
    mine = client.get(reverse("drills:my_improvements"))
    assert mine.status_code == 200 and "第一報が遅れた" not in mine.content.decode()


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, item):
    for method, url, data in item_urls(item) + plan_urls(item):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "login" in response.url, url


@pytest.mark.parametrize("who", ["supervisor", "colleague"])
def test_the_department_s_supervisor_and_the_point_of_contact_update_the_status_only(
    login, request, item, who
):
    client = login(request.getfixturevalue(who))
    page = client.get(reverse("drills:improvement", args=[item.pk]))
    assert page.status_code == 200
    assert page.context["edit_form"] is None and not page.context["may_verify"]
    client.post(reverse("drills:improvement_status", args=[item.pk]), {"status": "in_progress"})
    assert ImprovementItem.objects.get(pk=item.pk).status == "in_progress"
    for method, url, data in item_urls(item)[2:] + plan_urls(item):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert ImprovementItem.objects.count() == 1
    mine = client.get(reverse("drills:my_improvements")).content.decode()
    assert "第一報が遅れた" in mine


def form_data(department, **overrides):
    data = {
        "issue": "<script>alert(1)</script>報告漏れ", "corrective_action": "手順書を改訂する",
        "element": "training", "department": department.pk, "start_on": "2026-11-26",
        "due_on": "2026-12-26",
    }
    return {**data, **overrides}


def test_the_coordinator_adds_an_item_and_user_text_is_escaped(clock, login, ended, coordinator,
                                                               department_a, supervisor):
    client = login(coordinator)
    url = reverse("drills:improvements", args=[ended.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(department_a, point_of_contact=supervisor.pk))
    assert response.status_code == 302
    item = ImprovementItem.objects.get()
    assert (item.created_by, item.point_of_contact, item.element) == (
        coordinator, supervisor, "training"
    )
    for page in (client.get(url), client.get(reverse("drills:improvement", args=[item.pk]))):
        body = page.content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;報告漏れ" in body


def test_the_view_refuses_a_due_date_before_the_start(clock, login, ended, coordinator,
                                                      department_a):
    client = login(coordinator)
    response = client.post(reverse("drills:improvements", args=[ended.pk]),
                           form_data(department_a, due_on="2026-11-01"))
    assert response.status_code == 400
    assert not ImprovementItem.objects.exists()
    errors = " ".join(response.context["form"].non_field_errors())
    assert "2026" in errors  # the dates, in the user's language


def test_the_coordinator_edits_and_verifies_through_the_pages(clock, login, completed, scenario,
                                                              coordinator, department_b):
    client = login(coordinator)
    url = reverse("drills:improvement", args=[completed.pk])
    client.post(reverse("drills:improvement_edit", args=[completed.pk]),
                form_data(department_b, issue="第一報が遅れた（改）"))
    assert ImprovementItem.objects.get(pk=completed.pk).department == department_b
    later = later_drill(scenario, coordinator, retest_items=[completed], rating="M")
    assert client.get(url).context["candidates"] == [later]
    client.post(reverse("drills:improvement_verify", args=[completed.pk]),
                {"later_drill": later.pk})
    assert ImprovementItem.objects.get(pk=completed.pk).status == "completed"  # rated M
    retest = later.objectives.get(retests=completed)
    runs.objective_rate(drill=later, objective_id=retest.pk, rating="P", notes="",
                        by=coordinator, now=at(days=11))
    client.post(reverse("drills:improvement_verify", args=[completed.pk]),
                {"later_drill": later.pk})
    assert ImprovementItem.objects.get(pk=completed.pk).verified_in == later
    assert client.get(url).context["may_verify"] is False


# The revision of the page an item changes


def test_the_item_shows_when_the_revised_plan_was_published_with_reacknowledgement(
    clock, login, ended, coordinator, department_a, supervisor, plan
):
    # A revision asking for re-acknowledgement before the item was recorded does not count.
    publish_revision(plan, requires_reacknowledgement=True)
    clock.move_to(at(60))
    item = item_create(drill=ended, by=coordinator, now=at(60), **fields(department_a, page=plan))
    assert revision_notice(item) is None
    client = login(supervisor)
    url = reverse("drills:improvement", args=[item.pk])
    page = client.get(url)
    assert page.context["notice"] is None
    assert 'class="revision-notice"' in page.content.decode()

    clock.move_to(at(days=5))
    publish_revision(plan, requires_reacknowledgement=False)
    assert revision_notice(item) == (at(days=5), False)

    clock.move_to(at(days=9))
    publish_revision(plan, requires_reacknowledgement=True)
    clock.move_to(at(days=12))
    publish_revision(plan, requires_reacknowledgement=False)  # a later correction
    published_at, requires_reacknowledgement = revision_notice(item)
    assert (published_at, requires_reacknowledgement) == (at(days=9), True)
    client = login(supervisor)  # days later, so a new session
    page = client.get(url)
    assert page.context["notice"] == (at(days=9), True)
    assert 'class="revision-notice revised"' in page.content.decode()


# Query counts


def items_for(ended, coordinator, department, count, *, page=None, point_of_contact=None):
    for number in range(count):
        item_create(drill=ended, by=coordinator, now=at(40 + number),
                    **fields(department, issue=f"課題{number}", page=page,
                             point_of_contact=point_of_contact))


def test_my_items_take_a_constant_number_of_queries(clock, login, ended, coordinator,
                                                    department_a, supervisor, plan,
                                                    django_assert_num_queries):
    items_for(ended, coordinator, department_a, 1, page=plan)
    client = login(supervisor)
    client.get(reverse("drills:my_improvements"))
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, the scope (person, roles and ID grant in one query); the items; the re-acknowledgement baselines
    # and the publish log of their pages
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(11):
        assert client.get(reverse("drills:my_improvements")).status_code == 200
    items_for(ended, coordinator, department_a, 5, page=plan, point_of_contact=supervisor)
    with django_assert_num_queries(11):
        body = client.get(reverse("drills:my_improvements")).content.decode()
    assert body.count('id="item-') == 6


def test_the_drill_s_plan_takes_a_constant_number_of_queries(clock, login, ended, coordinator,
                                                             department_a, supervisor, plan,
                                                             django_assert_num_queries):
    items_for(ended, coordinator, department_a, 1, page=plan)
    client = login(coordinator)
    url = reverse("drills:improvements", args=[ended.pk])
    client.get(url)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, the scope (person, roles and ID grant in one query); the drill; the items; the baselines and the
    # publish log; the form's objectives, departments, people, training index and pages
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(17):
        assert client.get(url).status_code == 200
    items_for(ended, coordinator, department_a, 5, page=plan, point_of_contact=supervisor)
    with django_assert_num_queries(17):
        assert client.get(url).content.decode().count('id="item-') == 6


# Reminders


def run_on(clock, day: datetime.date) -> set[tuple[str, str]]:
    """Run the job at 07:00 on `day`; the (rung, username) of each reminder it sent."""
    clock.move_to(datetime.datetime(day.year, day.month, day.day, 7, 0, tzinfo=JST))
    before = set(ImprovementReminder.objects.values_list("pk", flat=True))
    sent = improvement_reminders_send(now=timezone.now())
    outbox_send()  # what the outbox's task does once the run has committed
    new = ImprovementReminder.objects.exclude(pk__in=before).select_related("recipient__user")
    assert sent == len(new)
    return {(reminder.key.split(":")[0], reminder.recipient.user.username) for reminder in new}


def test_each_rung_goes_out_on_its_day_once(clock, item, supervisor, colleague, coordinator):
    day = datetime.date
    # Due Saturday 12-26: 7 working days before is 12-17; the due rung waits for Monday.
    assert run_on(clock, day(2026, 12, 16)) == set()
    assert run_on(clock, day(2026, 12, 17)) == {("before_due", "supervisor"),
                                                ("before_due", "colleague")}
    assert run_on(clock, day(2026, 12, 17)) == set()  # again the same day
    assert run_on(clock, day(2026, 12, 25)) == set()
    assert run_on(clock, day(2026, 12, 26)) == set()  # the office is closed
    assert run_on(clock, day(2026, 12, 28)) == {("due", "supervisor"), ("due", "colleague")}
    # 5 working days after Saturday 12-26, over 年末年始: 12-28, 1-4, 1-5, 1-6, 1-7.
    assert run_on(clock, day(2027, 1, 6)) == set()
    assert run_on(clock, day(2027, 1, 7)) == {("overdue", "coordinator")}
    assert run_on(clock, day(2027, 1, 8)) == set()
    assert set(ImprovementReminder.objects.values_list("key", flat=True)) == {
        f"{rung}:{item.pk}:2026-12-26:{person.pk}"
        for rung, person in [("before_due", supervisor), ("before_due", colleague),
                             ("due", supervisor), ("due", colleague), ("overdue", coordinator)]
    }


def test_a_job_that_missed_days_sends_what_is_due_but_not_the_advance_notice(clock, item):
    assert run_on(clock, datetime.date(2027, 1, 7)) == {
        ("due", "supervisor"), ("due", "colleague"), ("overdue", "coordinator")
    }


def test_a_completed_item_is_not_chased(clock, completed):
    assert run_on(clock, datetime.date(2027, 1, 5)) == set()


def test_a_moved_due_date_starts_the_ladder_again(clock, item, coordinator):
    assert run_on(clock, datetime.date(2026, 12, 18)) == {("before_due", "supervisor"),
                                                          ("before_due", "colleague")}
    # Due Sunday 01-31: 7 working days before is 01-21.
    item_update(item=item, by=coordinator, now=timezone.now(), due_on=datetime.date(2027, 1, 31))
    assert run_on(clock, datetime.date(2027, 1, 20)) == set()
    assert run_on(clock, datetime.date(2027, 1, 21)) == {("before_due", "supervisor"),
                                                         ("before_due", "colleague")}


def test_one_e_mail_per_recipient_recorded_with_its_address(clock, item, ended, coordinator,
                                                           department_a, supervisor, colleague):
    item_create(drill=ended, by=coordinator, now=at(50),
                **fields(department_a, issue="報道対応の遅れ"))
    supervisor.email = "supervisor@example.lg.jp"
    supervisor.save()
    run_on(clock, datetime.date(2026, 12, 18))
    assert len(mail.outbox) == 1  # the colleague has no address
    message = mail.outbox[0]
    assert message.to == ["supervisor@example.lg.jp"]
    assert "第一報が遅れた" in message.body and "報道対応の遅れ" in message.body
    assert reverse("drills:improvement", args=[item.pk]) in message.body
    assert set(ImprovementReminder.objects.filter(recipient=supervisor)
               .values_list("emailed_to", flat=True)) == {"supervisor@example.lg.jp"}
    assert set(ImprovementReminder.objects.filter(recipient=colleague)
               .values_list("emailed_to", flat=True)) == {""}


def test_a_failed_e_mail_is_recorded_on_its_outbox_row_and_the_reminders_stand(
    clock, item, supervisor, monkeypatch
):
    supervisor.email = "supervisor@example.lg.jp"
    supervisor.save()

    def refuse(*args, **kwargs):
        raise OSError("SMTP refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    clock.move_to(datetime.datetime(2026, 12, 18, 7, 0, tzinfo=JST))
    assert improvement_reminders_send(now=timezone.now()) == 2
    assert outbox_send() == 0
    assert sorted(ImprovementReminder.objects.values_list("recipient__user__username",
                                                          flat=True)) == ["colleague", "supervisor"]
    failed = OutgoingMail.objects.get()
    assert (failed.to, failed.attempts, failed.last_error, failed.sent_at) == (
        "supervisor@example.lg.jp", 1, "OSError: SMTP refused", None)
    assert failed.next_attempt_at == timezone.now() + datetime.timedelta(minutes=1)


def test_the_reminders_read_a_constant_number_of_queries(clock, item, ended, coordinator,
                                                         prefecture):
    for code in range(4):
        department = prefecture.departments.create(code=f"D{code}", name=f"課{code}")
        boss = make_person(f"boss{code}", department, name=f"所属長{code}")
        boss.roles.create(role="supervisor", department=department)
        item_create(drill=ended, by=coordinator, now=at(50), **fields(department))
    clock.move_to(datetime.datetime(2027, 1, 7, 7, 0, tzinfo=JST))
    with CaptureQueriesContext(connection) as captured:
        sent = improvement_reminders_send(now=timezone.now())
    reads = [query for query in captured if query["sql"].lstrip().upper().startswith("SELECT")]
    # the organisations with unfinished items, their calendars and closed days (how far
    # ahead 7 working days reach), the items, the reminders already sent, the supervisors
    # and coordinators, whose offices are open today
    assert len(reads) == 7
    assert sent == 5 + 1 + 5  # due: 5 supervisors and the colleague; overdue: 5 items


def test_the_daily_schedule_exists_and_the_task_sends(clock, item):
    schedule = Schedule.objects.get(name=IMPROVEMENT_REMINDERS["name"])
    assert (schedule.func, schedule.schedule_type) == (
        "drills.tasks.send_improvement_reminders", Schedule.DAILY
    )
    schedule.delete()
    ensure_schedules(now=datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST))
    assert Schedule.objects.get(name=IMPROVEMENT_REMINDERS["name"]).next_run == datetime.datetime(
        2026, 11, 27, 7, 0, tzinfo=JST
    )
    clock.move_to(datetime.datetime(2026, 12, 18, 7, 0, tzinfo=JST))
    assert send_improvement_reminders() == 2

"""The annual drill programme (issue 17, point 5): planned drills per organisation and
fiscal year, linked to the drill that held each; the calendar across organisations;
annual_drill_status for the duty matrix; bad input; scope."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from drills import runs
from drills.models import PlannedDrill, Scenario
from drills.programme import (
    HELD,
    OVERDUE,
    PLANNED,
    SCHEDULED,
    UNPLANNED,
    annual_drill_status,
    planned_drill_create,
    planned_drill_link,
    planned_drill_remove,
    programme_calendar,
)
from people.fiscal import FiscalYear
from people.models import Organisation

TOKYO = ZoneInfo("Asia/Tokyo")


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=TOKYO)


def plan(organisation, by, *, year=2026, month=(2026, 10), day=None, title="年次訓練",
         scenario=None):
    return planned_drill_create(
        organisation=organisation, fiscal_year=year, planned_month=datetime.date(*month, 1),
        planned_on=day, title=title, scenario=scenario, by=by, now=at(2026, 4, 1),
    )


def held(scenario, by, start, *, minutes=30):
    """A drill of the scenario, started at `start` and ended `minutes` later."""
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=start, by=by,
                                now=start - datetime.timedelta(days=7))
    drill = runs.drill_start(drill=drill, now=start)
    return runs.drill_end(drill=drill, now=start + datetime.timedelta(minutes=minutes))


@pytest.fixture
def city_scenario(city):
    return Scenario.objects.create(
        organisation=city, title="熊本市 緊急連絡網訓練", incident_type="unauthorised_lookup",
        summary="連絡網をつなぐ。",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "連絡", "description": ""}}],
        timeline=[{"type": "inject", "value": {
            "offset": "+0:00", "channel": "phone", "sender": "発見者", "role": "所属長",
            "subject": "第1報", "message": "訓練です", "contingency": False,
            "expected_actions": []}}],
    )


# Planning, and its bad input


def test_it_keeps_the_first_of_the_month_and_the_day(prefecture, coordinator):
    planned = plan(prefecture, coordinator, month=(2026, 10), day=datetime.date(2026, 10, 15))
    assert planned.planned_month == datetime.date(2026, 10, 1)
    assert planned.planned_on == datetime.date(2026, 10, 15)
    assert planned.fiscal_year == 2026


def test_it_refuses_a_month_outside_the_fiscal_year(prefecture, coordinator):
    # March 2026 belongs to FY2025; April 2027 to FY2027: neither is in FY2026.
    for month in [(2026, 3), (2027, 4)]:
        with pytest.raises(ValidationError, match="2026年4月から2027年3月"):
            plan(prefecture, coordinator, month=month)
    assert not PlannedDrill.objects.exists()


def test_it_accepts_the_first_and_last_months_of_the_fiscal_year(prefecture, coordinator):
    plan(prefecture, coordinator, month=(2026, 4))
    plan(prefecture, coordinator, month=(2027, 3))
    assert PlannedDrill.objects.count() == 2


def test_it_refuses_a_day_outside_the_planned_month(prefecture, coordinator):
    with pytest.raises(ValidationError, match="2026-11-02"):
        plan(prefecture, coordinator, month=(2026, 10), day=datetime.date(2026, 11, 2))
    assert not PlannedDrill.objects.exists()


def test_it_refuses_another_organisations_scenario(city, coordinator, scenario):
    with pytest.raises(ValidationError):
        plan(city, coordinator, scenario=scenario)
    assert not PlannedDrill.objects.exists()


def test_it_takes_the_title_from_the_scenario(prefecture, coordinator, scenario):
    assert plan(prefecture, coordinator, title="", scenario=scenario).title == "不正照会の疑い"


# Linking the drill that held it, and the status


def test_a_plan_is_planned_then_overdue_scheduled_and_held(clock, prefecture, coordinator,
                                                           scenario):
    planned = plan(prefecture, coordinator, month=(2026, 11))
    calendar = programme_calendar([prefecture], FiscalYear(2026), today=datetime.date(2026, 11, 30))
    assert calendar.rows[0].months[7][0].status == PLANNED  # November is the 8th month
    calendar = programme_calendar([prefecture], FiscalYear(2026), today=datetime.date(2026, 12, 1))
    assert calendar.rows[0].months[7][0].status == OVERDUE
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 12, 10), by=coordinator,
                                now=at(2026, 11, 26))
    planned_drill_link(planned=planned, drill=drill)
    calendar = programme_calendar([prefecture], FiscalYear(2026), today=datetime.date(2026, 12, 1))
    assert calendar.rows[0].months[7][0].status == SCHEDULED
    drill = runs.drill_start(drill=drill, now=at(2026, 12, 10))
    runs.drill_end(drill=drill, now=at(2026, 12, 10, 11))
    calendar = programme_calendar([prefecture], FiscalYear(2026), today=datetime.date(2026, 12, 11))
    row = calendar.rows[0]
    # Shown in December, the month it was held, no longer in November.
    assert row.months[7] == [] and row.months[8][0].status == HELD
    assert (row.planned, row.held) == (1, 1)


def test_it_refuses_to_link_a_drill_of_another_fiscal_year(clock, prefecture, coordinator,
                                                           scenario):
    planned = plan(prefecture, coordinator, year=2025, month=(2026, 3))
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 4, 1), by=coordinator,
                                now=at(2026, 3, 1))
    with pytest.raises(ValidationError, match="令和8年度|2026"):
        planned_drill_link(planned=planned, drill=drill)
    assert PlannedDrill.objects.get().drill is None


def test_it_refuses_to_link_one_drill_to_two_plans(clock, prefecture, coordinator, scenario):
    first, second = plan(prefecture, coordinator, title="一"), plan(prefecture, coordinator,
                                                                   title="二")
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 10, 5), by=coordinator,
                                now=at(2026, 9, 1))
    planned_drill_link(planned=first, drill=drill)
    with pytest.raises(ValidationError, match="一"):
        planned_drill_link(planned=second, drill=drill)
    assert PlannedDrill.objects.get(pk=second.pk).drill is None


def test_it_refuses_to_link_another_organisations_drill(clock, city, prefecture, coordinator,
                                                       scenario):
    planned = plan(city, coordinator)
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 10, 5), by=coordinator,
                                now=at(2026, 9, 1))
    with pytest.raises(ValidationError):
        planned_drill_link(planned=planned, drill=drill)


def test_it_refuses_to_remove_a_plan_a_drill_holds(clock, prefecture, coordinator, scenario):
    planned = plan(prefecture, coordinator, title="年次訓練")
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 10, 5), by=coordinator,
                                now=at(2026, 9, 1))
    planned_drill_link(planned=planned, drill=drill)
    with pytest.raises(ValidationError, match="年次訓練"):
        planned_drill_remove(planned=planned)
    assert PlannedDrill.objects.filter(pk=planned.pk).exists()


def test_the_coordinator_removes_a_plan_only_with_the_box_ticked(clock, client, prefecture,
                                                                 coordinator):
    planned = plan(prefecture, coordinator, title="誤って登録した訓練")
    client.force_login(coordinator.user)
    url = reverse("drills:programme_remove", args=[planned.pk])
    page = client.get(reverse("drills:programme"), {"year": 2026}).content.decode()
    assert f'action="{url}"' in page and f'id="remove-{planned.pk}-confirm"' in page
    response = client.post(url, follow=True)
    assert "チェックボックス" in response.content.decode()
    assert PlannedDrill.objects.exists()
    client.post(url, {"confirm": "on"})
    assert not PlannedDrill.objects.exists()


def test_a_municipality_coordinator_cannot_remove_the_prefectures_plan(
        clock, client, prefecture, coordinator, city_coordinator):
    planned = plan(prefecture, coordinator)
    client.force_login(city_coordinator.user)
    response = client.post(reverse("drills:programme_remove", args=[planned.pk]),
                           {"confirm": "on"})
    assert response.status_code == 404
    assert PlannedDrill.objects.exists()


# annual_drill_status: what the duty matrix reads


def test_the_status_counts_planned_and_held_per_organisation(
        clock, prefecture, city, coordinator, city_coordinator, scenario, city_scenario,
        django_assert_num_queries):
    other = Organisation.objects.create(name="八代市", kind="municipality", lg_code="432024")
    plan(prefecture, coordinator, title="県 年次")
    plan(city, coordinator, title="市 勤務時間内", month=(2026, 6))
    plan(city, coordinator, title="市 夜間", month=(2027, 1))
    held(scenario, coordinator, at(2026, 10, 5))  # held without a plan
    held(city_scenario, city_coordinator, at(2026, 6, 10))
    held(city_scenario, city_coordinator, at(2025, 6, 10))  # FY2025: not this year's
    runs.drill_schedule(scenario=city_scenario, scheduled_for=at(2027, 1, 15),
                        by=city_coordinator, now=at(2026, 11, 1))  # not held yet
    # Two queries, however many organisations: the programme counted, the drills counted.
    organisations = list(Organisation.objects.all())
    with django_assert_num_queries(2):
        status = annual_drill_status(organisations, 2026)
    assert status == {prefecture.pk: (1, 1), city.pk: (2, 1), other.pk: (0, 0)}
    with django_assert_num_queries(2):
        assert annual_drill_status([city.pk], FiscalYear(2025)) == {city.pk: (0, 1)}


def test_a_drill_is_held_in_the_fiscal_year_of_the_day_it_started(clock, prefecture, coordinator,
                                                                   scenario):
    # 31 March 23:50 to 1 April 00:20: started in FY2025, so held in FY2025 only.
    held(scenario, coordinator, datetime.datetime(2026, 3, 31, 23, 50, tzinfo=TOKYO))
    assert annual_drill_status([prefecture], 2025) == {prefecture.pk: (0, 1)}
    assert annual_drill_status([prefecture], 2026) == {prefecture.pk: (0, 0)}
    held(scenario, coordinator, datetime.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO))
    assert annual_drill_status([prefecture], 2026) == {prefecture.pk: (0, 1)}


def test_the_programme_trends_and_duty_matrix_count_the_same_drills_as_held(
        clock, prefecture, coordinator, scenario):
    from drills.trends import ended_drills
    from people.models import Department, Person
    from reports.duties import matrix

    before = held(scenario, coordinator, datetime.datetime(2026, 3, 31, 23, 50, tzinfo=TOKYO))
    first = held(scenario, coordinator, datetime.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO))
    last = held(scenario, coordinator, datetime.datetime(2027, 3, 31, 23, 50, tzinfo=TOKYO))
    runs.drill_start(drill=runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 11, 1),
                                               by=coordinator, now=at(2026, 10, 1)),
                     now=at(2026, 11, 1))  # running, not held
    year, now = FiscalYear(2026), at(2027, 4, 2)
    assert annual_drill_status([prefecture], year) == {prefecture.pk: (0, 2)}
    assert set(ended_drills([prefecture], now=now, fiscal_year=year)) == {first, last}
    assert matrix([prefecture], Department.objects.all(), Person.objects.all(),
                  fiscal_year=year, now=now)[0].drills_held == 2
    assert set(ended_drills([prefecture], now=now, fiscal_year=FiscalYear(2025))) == {before}


def test_the_calendar_shows_a_drill_held_without_a_plan(clock, prefecture, coordinator, scenario):
    held(scenario, coordinator, at(2027, 3, 31, 9))
    row = programme_calendar([prefecture], FiscalYear(2026), today=datetime.date(2027, 4, 1)).rows[0]
    assert [entry.status for entry in row.months[11]] == [UNPLANNED]  # March
    assert (row.planned, row.held) == (0, 1)


# The page


def test_the_prefecture_coordinator_sees_every_organisation(
        clock, client, prefecture, city, coordinator, city_coordinator, city_scenario):
    plan(city, city_coordinator, title="熊本市 年次訓練")
    held(city_scenario, city_coordinator, at(2026, 6, 10))
    client.force_login(coordinator.user)
    response = client.get(reverse("drills:programme"), {"year": 2026})
    text = response.content.decode()
    assert response.status_code == 200
    assert "熊本県" in text and "熊本市 年次訓練" in text
    # Planned for October, not held by 26 November; the June drill held without a plan.
    assert '<span class="programme-entry overdue">熊本市 年次訓練' in text
    assert "熊本市 緊急連絡網訓練</a> <span class=\"programme-status\">[実施（計画外） 6/10]" in text


def test_a_municipality_coordinator_sees_only_their_organisation(
        clock, client, prefecture, city, coordinator, city_coordinator):
    plan(prefecture, coordinator, title="県の秘密の訓練")
    plan(city, city_coordinator, title="熊本市 年次訓練")
    client.force_login(city_coordinator.user)
    text = client.get(reverse("drills:programme"), {"year": 2026}).content.decode()
    assert "熊本市 年次訓練" in text
    assert "県の秘密の訓練" not in text and "熊本県" not in text


@pytest.mark.parametrize("who", ["operator", "supervisor", "evaluator"])
def test_it_is_not_found_for_anyone_but_coordinators(clock, client, request, who):
    client.force_login(request.getfixturevalue(who).user)
    assert client.get(reverse("drills:programme")).status_code == 404
    assert client.post(reverse("drills:programme_plan")).status_code == 404


def test_an_outsider_cannot_link_a_plan_of_another_organisation(
        clock, client, prefecture, coordinator, city_coordinator, scenario):
    planned = plan(prefecture, coordinator)
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2026, 10, 5), by=coordinator,
                                now=at(2026, 9, 1))
    client.force_login(city_coordinator.user)
    response = client.post(reverse("drills:programme_link", args=[planned.pk]), {"drill": drill.pk})
    assert response.status_code == 404
    assert PlannedDrill.objects.get().drill is None


def test_the_coordinator_plans_and_links_on_the_page(clock, client, prefecture, coordinator,
                                                     scenario):
    client.force_login(coordinator.user)
    response = client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "2026", "organisation": prefecture.pk, "planned_month": "2027-02",
        "scenario": scenario.pk, "title": "", "note": "夜間に実施",
    })
    assert response.status_code == 302
    planned = PlannedDrill.objects.get()
    assert (planned.title, planned.planned_month) == ("不正照会の疑い", datetime.date(2027, 2, 1))
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2027, 2, 3), by=coordinator,
                                now=at(2026, 12, 1))
    page = client.get(reverse("drills:programme"), {"year": 2026}).content.decode()
    assert f'action="{reverse("drills:programme_link", args=[planned.pk])}"' in page
    client.post(reverse("drills:programme_link", args=[planned.pk]), {"drill": drill.pk})
    assert PlannedDrill.objects.get().drill == drill


def test_the_page_refuses_a_month_outside_the_year_with_the_reason(clock, client, prefecture,
                                                                   coordinator):
    client.force_login(coordinator.user)
    response = client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "2026", "organisation": prefecture.pk, "planned_month": "2026-03",
        "title": "年次訓練",
    })
    assert response.status_code == 400
    assert "2026年3月" in response.content.decode()
    assert not PlannedDrill.objects.exists()


def test_the_page_refuses_a_municipality_coordinator_planning_for_another_organisation(
        clock, client, prefecture, city_coordinator):
    client.force_login(city_coordinator.user)
    response = client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "2026", "organisation": prefecture.pk, "planned_month": "2026-10",
        "title": "年次訓練",
    })
    assert response.status_code == 400
    assert not PlannedDrill.objects.exists()


def test_a_bad_year_is_a_400(clock, client, prefecture, coordinator):
    client.force_login(coordinator.user)
    assert client.get(reverse("drills:programme"), {"year": "x"}).status_code == 400
    assert client.get(reverse("drills:programme"), {"year": "99999999"}).status_code == 400
    response = client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "99999999", "organisation": prefecture.pk, "planned_month": "2026-10",
        "title": "年次訓練",
    })
    assert response.status_code == 400
    assert not PlannedDrill.objects.exists()


def test_the_page_costs_the_same_queries_whatever_the_data(
        clock, client, prefecture, city, coordinator, city_coordinator, scenario, city_scenario,
        django_assert_num_queries):
    client.force_login(coordinator.user)
    url = reverse("drills:programme") + "?year=2026"
    # 9: the session, the user, the scope (person, roles and ID grant in one query), the organisations,
    # the planned drills with their drills, the drills held without a plan, the
    # scenarios for the form, the organisations' emergency plans, the drills that may be
    # linked.
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200
    for n in range(3):
        plan(prefecture, coordinator, title=f"県 {n}", month=(2026, 5 + n))
        plan(city, coordinator, title=f"市 {n}", month=(2026, 5 + n))
        held(scenario, coordinator, at(2026, 5 + n, 10))
        held(city_scenario, city_coordinator, at(2026, 5 + n, 12))
    Organisation.objects.create(name="八代市", kind="municipality", lg_code="432024")
    with django_assert_num_queries(PAGE_QUERIES):
        text = client.get(url).content.decode()
    assert text.count('class="programme-entry unplanned"') == 1 + 6 * 2  # legend, wide, narrow


PAGE_QUERIES = 9


# The demo


def test_the_demo_carries_kumamoto_citys_programme(clock, settings, db):
    """熊本市 held its drill in FY2024 and FY2025, and this year (2026-11-26 minus six
    weeks, in October); its night drill is planned for February; the prefecture offers
    two templates. A second run adds nothing."""
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    city = Organisation.objects.get(lg_code="431001")
    for year in (2024, 2025):
        assert annual_drill_status([city], year) == {city.pk: (1, 1)}
    assert annual_drill_status([city], 2026) == {city.pk: (2, 1)}
    night = PlannedDrill.objects.get(organisation=city, planned_month=datetime.date(2027, 2, 1))
    assert night.drill is None
    assert Scenario.objects.filter(offered_as_template=True).count() == 2
    before = (PlannedDrill.objects.count(), Scenario.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (PlannedDrill.objects.count(), Scenario.objects.count()) == before


# A superuser without a person; the organisations' plans beside the form; the audit trail


def test_a_superuser_without_a_person_reads_the_programme_and_is_told_why_planning_fails(
        clock, client, prefecture):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="root-password")
    client.force_login(root)
    assert client.get(reverse("drills:programme"), {"year": 2026}).status_code == 200
    response = client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "2026", "organisation": prefecture.pk, "planned_month": "2026-12",
        "title": "年次訓練"})
    assert response.status_code == 400
    assert "職員名簿の人物に結び付いていない" in response.content.decode()
    assert not PlannedDrill.objects.exists()


def test_a_superuser_without_a_person_is_told_why_scheduling_a_drill_fails(
        clock, client, scenario):
    from django.contrib.auth import get_user_model

    from drills.models import Drill

    root = get_user_model().objects.create_superuser("root", password="root-password")
    client.force_login(root)
    response = client.post(reverse("drills:list"), {
        "scenario": scenario.pk, "scheduled_for": "2026-12-01T10:00", "title": "年次訓練"})
    assert "職員名簿の人物に結び付いていない" in response.content.decode()
    assert not Drill.objects.exists()


def test_the_planning_form_offers_each_organisations_own_plan(clock, client, home_page,
                                                               prefecture, city_coordinator,
                                                               city):
    from cms.models import EmergencyPlanPage

    for organisation in (prefecture, city):
        page = home_page.add_child(instance=EmergencyPlanPage(
            title=f"{organisation.name} 緊急時対応計画書", slug=f"plan-{organisation.lg_code}",
            organisation=organisation))
        page.save_revision().publish()
    city_plan = EmergencyPlanPage.objects.get(organisation=city)
    client.force_login(city_coordinator.user)
    page = client.get(reverse("drills:programme"), {"year": 2026}).content.decode()
    plans = page[page.index('id="programme-plans"'):]
    assert "熊本市 緊急時対応計画書" in plans and reverse("plan_pdf", args=[city_plan.pk]) in plans
    assert "熊本県 緊急時対応計画書" not in plans  # the prefecture's is not the city's to drill


def test_each_change_to_the_programme_is_in_the_audit_trail(clock, client, prefecture,
                                                            coordinator, scenario):
    from audit.models import AuditEvent

    client.force_login(coordinator.user)
    client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "2026", "organisation": prefecture.pk, "planned_month": "2027-02",
        "title": "年次訓練"})
    planned = PlannedDrill.objects.get()
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=at(2027, 2, 3), by=coordinator,
                                now=at(2026, 12, 1))
    client.post(reverse("drills:programme_link", args=[planned.pk]), {"drill": drill.pk})
    other = plan(prefecture, coordinator, title="誤って登録した訓練")
    client.post(reverse("drills:programme_remove", args=[other.pk]))  # box not ticked
    client.post(reverse("drills:programme_remove", args=[other.pk]), {"confirm": "on"})
    events = list(AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_CHANGED)
                  .order_by("pk").values_list("object_id", "detail", "organisation",
                                              "actor_person"))
    assert events == [
        (str(planned.pk), "計画された訓練を追加", prefecture.pk, coordinator.pk),
        (str(planned.pk), f"計画された訓練を訓練 {drill.pk} に関連付け", prefecture.pk,
         coordinator.pk),
        (str(other.pk), "計画された訓練を削除：誤って登録した訓練", prefecture.pk,
         coordinator.pk),
    ]


def test_a_refused_change_writes_nothing_to_the_audit_trail(clock, client, prefecture,
                                                           coordinator):
    from audit.models import AuditEvent

    client.force_login(coordinator.user)
    client.post(reverse("drills:programme_plan"), {
        "fiscal_year": "2026", "organisation": prefecture.pk, "planned_month": "2027-04",
        "title": "年次訓練"})
    assert not PlannedDrill.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_CHANGED).exists()

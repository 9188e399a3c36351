"""The trends page: ended drills' scores per organisation and fiscal year, per objective
by title, the chart, who may read it, escaping, and a query count that does not grow
with the years of drills."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from drills import runs
from drills.models import Scenario
from drills.trends import (
    CHART_MAX_LINES,
    PLOT_BOTTOM,
    PLOT_TOP,
    GroupTrend,
    YearOfDrills,
    trend_chart,
)
from people.fiscal import FiscalYear
from people.models import Organisation

JST = ZoneInfo("Asia/Tokyo")
TRENDS = reverse("drills:trends")


def scenario_with(organisation, *objectives, title="訓練"):
    """A scenario with one inject at +0:00 to 所属長, prompting one expected action per
    objective (deadline 10 minutes, weight 1); `objectives` are (code, title)."""
    return Scenario.objects.create(
        organisation=organisation, title=title, incident_type="unauthorised_lookup",
        summary="傾向確認用の訓練",
        objectives=[{"type": "objective", "value": {"code": code, "title": name,
                                                    "description": ""}}
                    for code, name in objectives],
        timeline=[{"type": "inject", "value": {
            "offset": "+0:00", "channel": "phone", "sender": "24時間監視", "role": "所属長",
            "subject": "通報", "message": "通報の内容", "contingency": False,
            "expected_actions": [
                {"description": f"{name}を行う", "objective": code, "role": "所属長",
                 "deadline_minutes": 10, "weight": 1, "plan_step": ""}
                for code, name in objectives
            ],
        }}],
    )


def ended_drill(scenario, started_at, by, *, title, achieved=None, ratings=None, end=True):
    """Run `scenario` from `started_at` for an hour. `achieved`: objective code -> minutes
    after the start at which its action was achieved (absent: never); `ratings`: objective
    code -> P/S/M/U. The late limit is the default 30 minutes."""
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=started_at, by=by,
                                now=started_at - datetime.timedelta(days=1), title=title)
    drill = runs.drill_start(drill=drill, now=started_at)
    finished = started_at + datetime.timedelta(hours=1)
    for action in drill.actions.select_related("objective"):
        minutes = (achieved or {}).get(action.objective.code)
        if minutes is not None:
            runs.action_tick(drill=drill, action_id=action.pk, by=by, now=finished,
                             achieved_at=started_at + datetime.timedelta(minutes=minutes))
    for objective in drill.objectives.all():
        if objective.code in (ratings or {}):
            runs.objective_rate(drill=drill, objective_id=objective.pk,
                                rating=ratings[objective.code], notes="", by=by, now=finished)
    if end:
        drill = runs.drill_end(drill=drill, now=finished)
    return drill


@pytest.fixture
def history(clock, prefecture, city, coordinator, city_coordinator):
    """熊本県's drills over two fiscal years, and one of 熊本市's. Scores by hand (deadline
    10 min, late limit 30 min; score = 100 × (0.7 × timeliness + 0.3 × rating value)):

    - A, 2025-06-10, FY2025: 初動報告 achieved at 5 min (1), S (0.75): 70 + 22.5 = 92.5
    - B, 2026-02-10, FY2025: 初動報告 at 25 min, 15 late: 1 − 15/30 = 0.5, P: 35 + 30 = 65
    - C, 2026-04-01 08:30 JST (still 3-31 in UTC), FY2026: 広報対応 at 5 min, not rated:
      100; 初動報告 at 40 min, 30 late: 0, U: 0; overall (100 + 0) / 2 = 50
    - D, 2026-10-01, FY2026: 初動報告 never achieved: 0, M (0.5): 15
    - E, started 2026-11-20 and not ended: left out
    - F, 熊本市, 2026-06-01: on time, P: 100
    """
    first = scenario_with(prefecture, ("1", "初動報告"))
    second = scenario_with(prefecture, ("1", "広報対応"), ("2", "初動報告"))
    return {
        "A": ended_drill(first, datetime.datetime(2025, 6, 10, 10, 0, tzinfo=JST), coordinator,
                         title="訓練A", achieved={"1": 5}, ratings={"1": "S"}),
        "B": ended_drill(first, datetime.datetime(2026, 2, 10, 10, 0, tzinfo=JST), coordinator,
                         title="訓練B", achieved={"1": 25}, ratings={"1": "P"}),
        "C": ended_drill(second, datetime.datetime(2026, 4, 1, 8, 30, tzinfo=JST), coordinator,
                         title="訓練C", achieved={"1": 5, "2": 40}, ratings={"2": "U"}),
        "D": ended_drill(first, datetime.datetime(2026, 10, 1, 10, 0, tzinfo=JST), coordinator,
                         title="訓練D", ratings={"1": "M"}),
        "E": ended_drill(first, datetime.datetime(2026, 11, 20, 10, 0, tzinfo=JST), coordinator,
                         title="訓練E", achieved={"1": 1}, end=False),
        "F": ended_drill(scenario_with(city, ("1", "初動報告")),
                         datetime.datetime(2026, 6, 1, 10, 0, tzinfo=JST), city_coordinator,
                         title="市の訓練F", achieved={"1": 3}, ratings={"1": "P"}),
    }


def trend_of(response, name):
    """The organisation's one group: the history's drills are all of one incident type."""
    (group,) = next(t for t in response.context["trends"] if t.organisation.name == name).groups
    return group


def test_each_fiscal_year_shows_its_drills_and_their_mean(login, history, coordinator):
    response = login(coordinator).get(TRENDS)
    assert response.status_code == 200
    trend = trend_of(response, "熊本県")
    assert [year.year for year in trend.years] == [FiscalYear(2025), FiscalYear(2026)]
    fy2025, fy2026 = trend.years
    assert [(r.drill.title, r.overall) for r in fy2025.drills] == [
        ("訓練A", pytest.approx(92.5)), ("訓練B", pytest.approx(65))]
    assert fy2025.mean == pytest.approx((92.5 + 65) / 2)  # 78.75
    # C started on 1 April in Japan, which is still 31 March in UTC: it is FY2026's.
    assert [(r.drill.title, r.overall) for r in fy2026.drills] == [
        ("訓練C", pytest.approx(50)), ("訓練D", pytest.approx(15))]
    assert fy2026.mean == pytest.approx((50 + 15) / 2)  # 32.5
    page = response.content.decode()
    for shown in ("78.8", "32.5", "92.5", "65.0", "50.0", "15.0"):
        assert shown in page
    assert "訓練E" not in page  # not ended


def test_objectives_are_grouped_by_title_across_drills(login, history, coordinator):
    trend = trend_of(login(coordinator).get(TRENDS), "熊本県")
    assert [objective.title for objective in trend.objectives] == ["初動報告", "広報対応"]
    first_report, press = trend.objectives
    fy2025, fy2026 = first_report.years
    assert [(r.drill.title, r.score, r.rating) for r in fy2025.results] == [
        ("訓練A", pytest.approx(92.5), "S"), ("訓練B", pytest.approx(65), "P")]
    # In C it was objective 2, in D objective 1: the same title, so the same row.
    assert [(r.drill.title, r.score, r.rating) for r in fy2026.results] == [
        ("訓練C", pytest.approx(0), "U"), ("訓練D", pytest.approx(15), "M")]
    assert fy2026.mean == pytest.approx(7.5)
    assert [year.results for year in press.years][0] == []  # not tested in FY2025
    assert [(r.drill.title, r.score, r.rating) for r in press.years[1].results] == [
        ("訓練C", pytest.approx(100), None)]


def test_the_chart_draws_a_line_per_organisation(login, history, coordinator):
    page = login(coordinator).get(TRENDS).content.decode()
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="trend-line"') == 2
    assert svg.index("熊本市") < svg.index("熊本県")  # by name
    assert "令和7年度" in svg
    assert "<script" not in page


def test_the_organisation_filter_narrows_the_page(login, history, coordinator, city):
    response = login(coordinator).get(TRENDS, {"organisation": city.pk})
    assert response.status_code == 200
    assert [t.organisation.name for t in response.context["trends"]] == ["熊本市"]
    assert [line.name.split("・")[0] for line in response.context["chart"].lines] == ["熊本市"]
    assert "訓練A" not in response.content.decode()


def test_a_bad_organisation_is_refused_with_a_message(login, history, coordinator):
    response = login(coordinator).get(TRENDS, {"organisation": "abc"})
    assert response.status_code == 400
    assert "trends" not in response.context
    assert "訓練A" not in response.content.decode()
    assert response.context["form"].errors["organisation"]


@pytest.mark.parametrize("who", ["outsider", "operator", "supervisor"])
def test_people_without_drills_to_compare_get_404(login, request, history, who):
    assert login(request.getfixturevalue(who)).get(TRENDS).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, history):
    response = client.get(TRENDS)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_city_coordinator_sees_only_their_city(login, history, city_coordinator, prefecture):
    client = login(city_coordinator)
    response = client.get(TRENDS)
    assert [t.organisation.name for t in response.context["trends"]] == ["熊本市"]
    page = response.content.decode()
    assert "市の訓練F" in page and "100.0" in page
    assert "訓練A" not in page and "熊本県" not in page
    # Naming the prefecture in the filter reveals nothing either.
    response = client.get(TRENDS, {"organisation": prefecture.pk})
    assert response.status_code == 400
    assert "訓練A" not in response.content.decode()


def test_the_prefecture_coordinator_sees_every_organisation(login, history, coordinator):
    response = login(coordinator).get(TRENDS)
    assert [t.organisation.name for t in response.context["trends"]] == ["熊本市", "熊本県"]


def test_an_evaluator_sees_the_organisation_they_evaluate(login, history, evaluator):
    response = login(evaluator).get(TRENDS)
    assert response.status_code == 200
    assert [t.organisation.name for t in response.context["trends"]] == ["熊本県"]


def test_objective_titles_and_names_are_escaped(login, clock, prefecture, coordinator):
    village = Organisation.objects.create(name="<i>テスト村</i>", kind="municipality",
                                          lg_code="439999")
    ended_drill(scenario_with(village, ("1", "<b>初動</b>報告")),
                datetime.datetime(2026, 6, 1, 10, 0, tzinfo=JST), coordinator,
                title="<script>alert(1)</script>", achieved={"1": 5}, ratings={"1": "P"})
    page = login(coordinator).get(TRENDS).content.decode()
    assert "&lt;b&gt;初動&lt;/b&gt;報告" in page
    assert "<b>初動" not in page
    assert "&lt;i&gt;テスト村&lt;/i&gt;" in page
    assert "<i>テスト村" not in page
    assert "<script>alert" not in page


def fiscal_years_of_drills(scenario, coordinator, years):
    for year in years:
        for month in (6, 11):
            ended_drill(scenario, datetime.datetime(year, month, 1, 10, 0, tzinfo=JST),
                        coordinator, title=f"{year}年{month}月の訓練", achieved={"1": 5},
                        ratings={"1": "S"})


def test_the_query_count_does_not_grow_with_the_years_of_drills(
    login, clock, prefecture, city, coordinator, django_assert_num_queries
):
    scenario = scenario_with(prefecture, ("1", "初動報告"), title="毎年の訓練")
    fiscal_years_of_drills(scenario, coordinator, [2025])
    client = login(coordinator)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user; the scope (person, roles and ID grant in one query); the organisations; the ended
    # scenarios for the filter; the ended drills; their scores (drills.scoring: pauses,
    # injects, roles, objectives, actions).
    with django_assert_num_queries(11):
        one_year = client.get(TRENDS)
    fiscal_years_of_drills(scenario, coordinator, range(2016, 2025))
    with django_assert_num_queries(11):
        ten_years = client.get(TRENDS)
    assert len(trend_of(one_year, "熊本県").years) == 1
    assert len(trend_of(ten_years, "熊本県").years) == 10
    assert len(ten_years.context["chart"].x_ticks) == 10


# The chart, drawn from trends directly


def trend(name, means):
    """An organisation's trend with one fiscal year per (year, mean)."""
    return GroupTrend(Organisation(name=name), "不正な照会の疑い",
                      [YearOfDrills(FiscalYear(year), [], mean) for year, mean in means], [])


def test_the_chart_places_scores_on_a_0_to_100_scale():
    chart = trend_chart([trend("甲町", [(2024, 0), (2025, 50), (2026, 100)])])
    (line,) = chart.lines
    assert [point.y for point in line.points] == [PLOT_BOTTOM, (PLOT_TOP + PLOT_BOTTOM) / 2,
                                                   PLOT_TOP]
    assert [label for _x, label in chart.x_ticks] == ["令和6年度", "令和7年度", "令和8年度"]
    assert len(line.segments) == 1


def test_a_year_without_a_score_breaks_the_line():
    chart = trend_chart([
        trend("甲町", [(2022, 80), (2023, 70), (2025, 60), (2026, 65)]),
        trend("乙村", [(2024, 90)]),  # brings 2024 onto the axis
    ])
    first, second = chart.lines
    assert len(first.segments) == 2  # 2022–2023, then 2025–2026
    assert len(first.points) == 4
    assert second.segments == [] and len(second.points) == 1  # one point, no line


def test_the_chart_draws_at_most_ten_organisations_and_says_so():
    trends = [trend(f"町{n:02}", [(2026, 50 + n)]) for n in range(12)]
    chart = trend_chart(trends)
    assert CHART_MAX_LINES == 10
    assert [line.name for line in chart.lines] == [f"町{n:02}・不正な照会の疑い" for n in range(10)]
    assert chart.left_out == 2


def test_no_chart_without_a_score():
    assert trend_chart([trend("甲町", [(2026, None)])]) is None
    assert trend_chart([]) is None


# Issue 15, point 5: like with like, and drills nobody evaluated apart


def test_a_drill_nobody_evaluated_is_listed_apart_and_not_averaged(
        login, clock, prefecture, coordinator):
    """A (92.5, as in `history`) and a test drill of the same scenario that ran 15
    seconds and was ended: nobody rated or ticked it, so it scores 0 but says nothing."""
    scenario = scenario_with(prefecture, ("1", "初動報告"))
    ended_drill(scenario, datetime.datetime(2025, 6, 10, 10, 0, tzinfo=JST), coordinator,
                title="訓練A", achieved={"1": 5}, ratings={"1": "S"})
    test_drill = runs.drill_schedule(
        scenario=scenario, scheduled_for=datetime.datetime(2025, 7, 1, 10, 0, tzinfo=JST),
        by=coordinator, now=datetime.datetime(2025, 6, 30, tzinfo=JST), title="動作確認")
    started = datetime.datetime(2025, 7, 1, 10, 0, tzinfo=JST)
    runs.drill_start(drill=test_drill, now=started)
    runs.drill_end(drill=test_drill, now=started + datetime.timedelta(seconds=15))

    response = login(coordinator).get(TRENDS)
    (fy2025,) = trend_of(response, "熊本県").years
    assert [r.drill.title for r in fy2025.drills] == ["訓練A"]
    assert fy2025.mean == pytest.approx(92.5)  # not (92.5 + 0) / 2
    (organisation,) = response.context["trends"]
    assert [drill.title for drill in organisation.unevaluated] == ["動作確認"]
    page = response.content.decode()
    assert "評価のない訓練" in page and "動作確認" in page


def test_drills_of_other_incident_types_are_compared_apart(login, history, coordinator,
                                                            prefecture):
    """A contact-tree drill of 熊本県 in FY2025, rated P (100): its own group, so
    FY2025's mean of the lookup drills stays (92.5 + 65) / 2."""
    tree = scenario_with(prefecture, ("1", "連絡網の伝達"), title="連絡網訓練")
    Scenario.objects.filter(pk=tree.pk).update(incident_type="contact_tree")
    tree.refresh_from_db()
    ended_drill(tree, datetime.datetime(2025, 9, 1, 10, 0, tzinfo=JST), coordinator,
                title="連絡網訓練", achieved={"1": 2}, ratings={"1": "P"})

    response = login(coordinator).get(TRENDS)
    (organisation,) = [t for t in response.context["trends"] if t.organisation.name == "熊本県"]
    lookup, contact_tree = organisation.groups
    assert (lookup.label, contact_tree.label) == ("不正な照会の疑い", "緊急連絡網訓練")
    assert lookup.years[0].mean == pytest.approx((92.5 + 65) / 2)
    assert [(r.drill.title, r.overall) for r in contact_tree.years[0].drills] == [
        ("連絡網訓練", pytest.approx(100))]
    assert [o.title for o in contact_tree.objectives] == ["連絡網の伝達"]
    assert len(response.context["chart"].lines) == 3  # 熊本市, and 熊本県's two


def test_the_filters_narrow_by_fiscal_year_incident_type_and_scenario(
        login, history, coordinator):
    client = login(coordinator)
    fy2025 = client.get(TRENDS, {"fiscal_year": "2025"})
    assert [r.drill.title for year in trend_of(fy2025, "熊本県").years for r in year.drills] == [
        "訓練A", "訓練B"]
    assert "訓練C" not in fy2025.content.decode()
    none = client.get(TRENDS, {"incident_type": "earthquake"})
    assert none.context["trends"] == []
    second = history["C"].scenario
    by_scenario = client.get(TRENDS, {"scenario": second.pk, "group_by": "scenario"})
    group = trend_of(by_scenario, "熊本県")
    assert group.label == second.title
    assert [r.drill.title for year in group.years for r in year.drills] == ["訓練C"]
    refused = client.get(TRENDS, {"fiscal_year": "令和7"})
    assert refused.status_code == 400 and refused.context["form"].errors["fiscal_year"]

"""Scoring a drill, against worked examples computed by hand here (never by the scoring
function itself): on time, late, very late, never, not prompted, weights, ratings,
pauses, the overall score and time to action; and the score page: who may read it, what
it shows, and its query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from drills import runs
from drills.models import Drill, Scenario
from drills.scoring import drill_score, drill_scores, times_to_action
from tests.conftest import DRILL_T0 as T0


def at(minutes=0, seconds=0):
    return T0 + datetime.timedelta(minutes=minutes, seconds=seconds)


def minutes(value):
    return datetime.timedelta(minutes=value)


def expected(description, *, objective="1", role="所属長", deadline=10, weight=1):
    return {"description": description, "objective": objective, "role": role,
            "deadline_minutes": deadline, "weight": weight, "plan_step": ""}


def inject(offset, subject, *actions, role="所属長", contingency=False):
    return {"type": "inject", "value": {
        "offset": offset, "channel": "phone", "sender": "24時間監視", "role": role,
        "subject": subject, "message": f"{subject}の内容", "contingency": contingency,
        "expected_actions": list(actions),
    }}


def objective(code, title):
    return {"type": "objective", "value": {"code": code, "title": title, "description": ""}}


@pytest.fixture
def schedule(prefecture, coordinator):
    """Schedule a drill for T0 from a timeline, start it at T0; objectives 1 and 2 unless
    told."""

    def schedule(*timeline, objectives=(("1", "初動報告"), ("2", "広報対応")), start=True):
        scenario = Scenario.objects.create(
            organisation=prefecture, title="不正照会の疑い", incident_type="unauthorised_lookup",
            summary="著名人の本人確認情報が照会された。",
            objectives=[objective(code, title) for code, title in objectives],
            timeline=list(timeline),
        )
        drill = runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator,
                                    now=at(-60))
        if start:
            runs.drill_start(drill=drill, now=at(0))
        return fresh(drill)

    return schedule


def fresh(drill):
    return Drill.objects.get(pk=drill.pk)


def tick(drill, description, achieved_minutes, by):
    action = drill.actions.get(description=description)
    runs.action_tick(drill=drill, action_id=action.pk, achieved_at=at(achieved_minutes), by=by,
                     now=at(achieved_minutes))


def rate(drill, code, rating, by):
    runs.objective_rate(drill=drill, objective_id=drill.objectives.get(code=code).pk,
                        rating=rating, notes="", by=by, now=at(90))


def action_score(score, description):
    return next(action for objective in score.objectives for action in objective.actions
                if action.action.description == description)


def objective_score(score, code):
    return next(o for o in score.objectives if o.objective.code == code)


# One expected action, against the default late limit of 30 minutes


@pytest.fixture
def one_action(schedule):
    """One inject at +0:00 with one expected action due 10 minutes after it."""
    return schedule(inject("+0:00", "監視センターからの通報", expected("所属長へ報告する")),
                    objectives=(("1", "初動報告"),))


def test_an_action_within_its_deadline_scores_one(one_action, evaluator):
    tick(one_action, "所属長へ報告する", 8, evaluator)
    score = drill_score(one_action, now=at(60))
    action = action_score(score, "所属長へ報告する")
    # Prompted at drill time 0:00, achieved at 0:08: delay 8 ≤ deadline 10 → 1.0.
    assert (action.prompted_at, action.achieved_at, action.delay) == (at(0), at(8), minutes(8))
    assert action.timeliness == 1.0
    # Not rated: the objective's score is 100 × 1.0 = 100, and so is the overall.
    assert objective_score(score, "1").score == 100.0
    assert score.overall == 100.0


def test_a_late_action_loses_score_linearly_up_to_the_late_limit(one_action, evaluator):
    tick(one_action, "所属長へ報告する", 25, evaluator)
    score = drill_score(one_action, now=at(60))
    action = action_score(score, "所属長へ報告する")
    # Delay 25, deadline 10, late limit 30: 1 − (25 − 10)/30 = 1 − 15/30 = 0.5.
    assert action.delay == minutes(25)
    assert action.timeliness == pytest.approx(0.5)
    assert score.overall == pytest.approx(50.0)


def test_a_late_action_against_a_shorter_late_limit(one_action, evaluator):
    Drill.objects.filter(pk=one_action.pk).update(late_limit_minutes=20)
    tick(one_action, "所属長へ報告する", 15, evaluator)
    # Delay 15, deadline 10, late limit 20: 1 − 5/20 = 0.75.
    score = drill_score(fresh(one_action), now=at(60))
    assert action_score(score, "所属長へ報告する").timeliness == pytest.approx(0.75)


def test_an_action_at_or_past_the_late_limit_scores_nothing(one_action, evaluator):
    tick(one_action, "所属長へ報告する", 45, evaluator)
    score = drill_score(one_action, now=at(60))
    # Delay 45 ≥ deadline 10 + late limit 30 = 40 → 0.
    assert action_score(score, "所属長へ報告する").timeliness == 0.0
    assert score.overall == 0.0


def test_an_action_never_achieved_scores_nothing(one_action):
    score = drill_score(one_action, now=at(60))
    action = action_score(score, "所属長へ報告する")
    # No tick: 0, and it still counts (it was prompted at 0:00).
    assert (action.achieved_at, action.delay, action.timeliness) == (None, None, 0.0)
    assert objective_score(score, "1").weight == 1
    assert score.overall == 0.0


def test_the_explanations_show_the_arithmetic(one_action, evaluator):
    tick(one_action, "所属長へ報告する", 25, evaluator)
    with translation.override("en"):
        score = drill_score(one_action, now=at(60))
    action = action_score(score, "所属長へ報告する")
    assert action.explanation == ("Achieved 25 min after the prompt (deadline 10 min, late "
                                  "limit 30 min): 1 − 15/30 = 0.50.")
    assert objective_score(score, "1").explanation == (
        "Timeliness (1 × 0.50) / 1 = 0.50; not rated yet, so the score is 100 × 0.50 = 50.0."
    )
    assert score.explanation.endswith("(1 × 50.0) / 1 = 50.0.")


# Prompting and pauses


def test_an_action_whose_inject_was_never_released_is_left_out(schedule, evaluator):
    drill = schedule(
        inject("+0:00", "監視センターからの通報", expected("所属長へ報告する")),
        inject("+0:10", "県からの督促", expected("県へ報告する"), contingency=True),
        objectives=(("1", "初動報告"),),
    )
    tick(drill, "所属長へ報告する", 8, evaluator)
    runs.drill_end(drill=drill, now=at(30))
    score = drill_score(fresh(drill), now=at(60))
    unprompted = action_score(score, "県へ報告する")
    assert (unprompted.prompted_at, unprompted.timeliness) == (None, None)
    assert unprompted.explanation
    # Only the prompted action counts: (1 × 1.0) / 1 = 1.0, not (1 × 1.0 + 1 × 0) / 2.
    objective_1 = objective_score(score, "1")
    assert (objective_1.timeliness, objective_1.weight, objective_1.score) == (1.0, 1, 100.0)
    assert [inject.subject for inject, _delays in score.by_inject] == ["監視センターからの通報"]


def test_a_contingency_counts_from_when_the_controller_released_it(schedule, coordinator,
                                                                    evaluator):
    drill = schedule(
        inject("+0:10", "県からの督促", expected("県へ報告する"), contingency=True),
        objectives=(("1", "初動報告"),),
    )
    contingency = drill.injects.get()
    runs.inject_release_now(inject=contingency, by=coordinator, now=at(12))
    tick(drill, "県へ報告する", 20, evaluator)
    action = action_score(drill_score(drill, now=at(60)), "県へ報告する")
    # Released at 0:12, achieved at 0:20: delay 8 ≤ 10 → 1.0.
    assert (action.prompted_at, action.delay, action.timeliness) == (at(12), minutes(8), 1.0)


def test_what_drill_time_had_not_reached_by_the_end_is_not_prompted(schedule, evaluator):
    drill = schedule(
        inject("+0:00", "監視センターからの通報", expected("所属長へ報告する")),
        inject("+0:20", "追加の照会記録", expected("記録を保全する")),
        objectives=(("1", "初動報告"),),
    )
    runs.drill_end(drill=drill, now=at(15))
    # Asked long after the end: drill time stopped at 0:15, so the +0:20 inject never came.
    score = drill_score(fresh(drill), now=at(120))
    assert action_score(score, "記録を保全する").timeliness is None
    assert action_score(score, "所属長へ報告する").timeliness == 0.0


def test_a_pause_between_the_prompt_and_the_achievement_is_not_counted(schedule, evaluator):
    drill = schedule(inject("+0:00", "監視センターからの通報", expected("所属長へ報告する")),
                     objectives=(("1", "初動報告"),))
    runs.drill_pause(drill=drill, now=at(5))
    runs.drill_resume(drill=drill, now=at(20))
    tick(drill, "所属長へ報告する", 23, evaluator)
    action = action_score(drill_score(fresh(drill), now=at(60)), "所属長へ報告する")
    # 23 minutes on the wall, less the 15 paused (0:05–0:20): drill-time delay 8 → 1.0.
    # Counting the pause would have made it 1 − 13/30 ≈ 0.57.
    assert (action.delay, action.timeliness) == (minutes(8), 1.0)


def test_a_scheduled_inject_held_back_by_a_pause_prompts_when_it_is_released(schedule,
                                                                            evaluator):
    drill = schedule(inject("+0:10", "報道機関からの問い合わせ", expected("広報へ連絡する")),
                     objectives=(("1", "初動報告"),))
    runs.drill_pause(drill=drill, now=at(5))
    runs.drill_resume(drill=drill, now=at(20))
    tick(drill, "広報へ連絡する", 33, evaluator)
    action = action_score(drill_score(fresh(drill), now=at(60)), "広報へ連絡する")
    # Drill time reaches 0:10 at wall 0:25 (5 running + 15 paused + 5 running);
    # achieved at wall 0:33, so the delay is 8 minutes.
    assert (action.prompted_at, action.delay, action.timeliness) == (at(25), minutes(8), 1.0)


# Weights, ratings and the overall score


@pytest.fixture
def weighted(schedule, evaluator):
    """Objective 1: two actions of weights 1 and 3 (the first on time, the second 25
    minutes after its inject); objective 2: one action on time; objectives 3 and 4 with no
    actions."""
    drill = schedule(
        inject("+0:00", "監視センターからの通報",
               expected("所属長へ報告する", weight=1),
               expected("照会記録を確認する", role="担当者", weight=3)),
        inject("+0:05", "報道機関からの問い合わせ",
               expected("広報へ連絡する", objective="2", role="広報")),
        objectives=(("1", "初動報告"), ("2", "広報対応"), ("3", "記録"), ("4", "復旧")),
    )
    tick(drill, "所属長へ報告する", 8, evaluator)  # delay 8: 1.0
    tick(drill, "照会記録を確認する", 25, evaluator)  # delay 25: 1 − 15/30 = 0.5
    tick(drill, "広報へ連絡する", 9, evaluator)  # prompted at 0:05: delay 4, 1.0
    return drill


def test_an_objectives_timeliness_is_weighted_by_its_actions(weighted):
    objective_1 = objective_score(drill_score(weighted, now=at(60)), "1")
    # (1 × 1.0 + 3 × 0.5) / (1 + 3) = 2.5 / 4 = 0.625; not rated: 100 × 0.625 = 62.5.
    assert objective_1.timeliness == pytest.approx(0.625)
    assert objective_1.weight == 4
    assert (objective_1.rating, objective_1.score) == (None, pytest.approx(62.5))


def test_a_rating_weighs_three_tenths(weighted, evaluator):
    rate(weighted, "1", "S", evaluator)
    objective_1 = objective_score(drill_score(weighted, now=at(60)), "1")
    # S = 0.75: 100 × (0.7 × 0.625 + 0.3 × 0.75) = 100 × (0.4375 + 0.225) = 66.25.
    assert (objective_1.rating, objective_1.rating_value) == ("S", 0.75)
    assert objective_1.score == pytest.approx(66.25)


def test_an_objectives_explanation_rounds_as_its_table_does(weighted, evaluator):
    rate(weighted, "1", "S", evaluator)
    with translation.override("en"):
        objective_1 = objective_score(drill_score(weighted, now=at(60)), "1")
    # 0.625 and 66.25 shown half up, as the page's floatformat shows them beside it.
    assert objective_1.explanation == (
        "Timeliness (1 × 1.00 + 3 × 0.50) / 4 = 0.63; rating S = 0.75; "
        "score 100 × (0.7 × 0.63 + 0.3 × 0.75) = 66.3."
    )


def test_the_overall_score_weighs_objectives_by_their_actions(weighted, evaluator):
    rate(weighted, "1", "S", evaluator)
    rate(weighted, "2", "P", evaluator)
    rate(weighted, "3", "M", evaluator)
    score = drill_score(weighted, now=at(60))
    # Objective 1: 66.25, weight 1 + 3 = 4.
    # Objective 2: 100 × (0.7 × 1.0 + 0.3 × 1.0) = 100, weight 1.
    # Objective 3: no actions, rated M: 100 × 0.5 = 50, weight 1.
    # Objective 4: no actions, not rated: no score, left out.
    assert [(o.score, o.weight) for o in score.objectives] == [
        (pytest.approx(66.25), 4), (pytest.approx(100.0), 1), (50.0, 1), (None, 0)
    ]
    # (4 × 66.25 + 1 × 100 + 1 × 50) / (4 + 1 + 1) = (265 + 100 + 50) / 6 = 415 / 6.
    assert score.overall == pytest.approx(69.1667, abs=1e-4)


def test_a_drill_with_nothing_scored_has_no_overall_score(schedule):
    drill = schedule(inject("+0:00", "監視センターからの通報", expected("所属長へ報告する")),
                     start=False)
    score = drill_score(drill, now=at(60))
    assert score.overall is None
    assert [o.score for o in score.objectives] == [None, None]
    assert score.explanation


# Time to action


def test_time_to_action_per_inject_and_per_role(weighted):
    score = drill_score(weighted, now=at(60))
    assert [(inject.subject, delays) for inject, delays in score.by_inject] == [
        ("監視センターからの通報", [minutes(8), minutes(25)]),
        ("報道機関からの問い合わせ", [minutes(4)]),
    ]
    assert sorted((role.name, delays) for role, delays in score.by_role) == [
        ("広報", [minutes(4)]),
        ("所属長", [minutes(8)]),
        ("担当者", [minutes(25)]),
    ]
    by_inject, _by_role = times_to_action(score)
    first = by_inject[0]
    # Delays 8 and 25: median (8 + 25) / 2 = 16.5, longest 25; 2 of 2 achieved.
    assert (first.expected, first.achieved) == (2, 2)
    assert (first.median, first.longest) == (minutes(16.5), minutes(25))


def test_time_to_action_counts_what_was_not_achieved(one_action):
    by_inject, by_role = times_to_action(drill_score(one_action, now=at(60)))
    assert [(row.expected, row.achieved, row.median) for row in by_inject] == [(1, 0, None)]
    assert [(row.subject.name, row.expected, row.achieved) for row in by_role] == [
        ("所属長", 1, 0)
    ]


# Many drills at once


def test_many_drills_are_scored_in_a_fixed_number_of_queries(schedule, evaluator,
                                                           django_assert_num_queries):
    timeline = [
        inject("+0:00", "監視センターからの通報", expected("所属長へ報告する"),
               expected("照会記録を確認する", role="担当者", weight=3)),
        inject("+0:05", "報道機関からの問い合わせ", expected("広報へ連絡する", objective="2")),
    ]
    drills = [schedule(*timeline) for _ in range(3)]
    for drill in drills:
        tick(drill, "所属長へ報告する", 8, evaluator)
    drills = list(Drill.objects.filter(pk__in=[d.pk for d in drills]))
    # Pauses, injects with releases, roles, objectives with ratings, actions with ticks.
    with django_assert_num_queries(5):
        scores = drill_scores(drills, now=at(60))
    with django_assert_num_queries(5):
        drill_scores(drills[:1], now=at(60))
    assert sorted(scores) == sorted(d.pk for d in drills)
    # Each: (1 × 1.0 + 3 × 0) / 4 = 0.25 for objective 1, 0 for objective 2;
    # overall (4 × 25 + 1 × 0) / 5 = 20.
    assert [score.overall for score in scores.values()] == [pytest.approx(20.0)] * 3


# The score page


def score_url(drill):
    return reverse("drills:score", args=[drill.pk])


def join(drill, role_name, *, person):
    return runs.participant_join(drill=drill, role=drill.roles.get(name=role_name), now=at(1),
                                 person=person)


@pytest.mark.parametrize("who", ["outsider", "city_coordinator", "colleague"])
def test_people_who_took_no_part_get_404(login, request, clock, weighted, who):
    # The colleague works for the drill's organisation and could join, but did not.
    client = login(request.getfixturevalue(who))
    assert client.get(score_url(weighted)).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "evaluator"])
def test_the_controller_and_the_evaluator_read_the_score(login, request, clock, weighted, who):
    assert login(request.getfixturevalue(who)).get(score_url(weighted)).status_code == 200


def test_a_participant_reads_the_score_once_the_drill_has_ended(login, clock, weighted,
                                                                operator):
    # While it runs they may not (tests/test_drill_secrecy.py): it would tell them what
    # is still to come.
    join(weighted, "所属長", person=operator)
    runs.drill_end(drill=weighted, now=at(30))
    clock.move_to(at(30))
    response = login(operator).get(score_url(weighted))
    assert response.status_code == 200
    page = response.content.decode()
    # Objective 1 not rated: 62.5; objective 2: 100; overall (4 × 62.5 + 1 × 100) / 5 = 70.
    assert "70.0" in page and "62.5" in page
    assert "1 − 15/30 = 0.50" in page
    assert reverse("drills:play", args=[weighted.pk]) in page


def test_a_guest_participant_reads_the_score_once_the_drill_has_ended(client, clock, weighted):
    role = weighted.roles.get(name="広報")
    client.post(reverse("drills:join"), {"code": weighted.join_code, "display_name": "応援職員",
                                         "role": role.pk})
    assert client.get(score_url(weighted)).status_code == 403
    runs.drill_end(drill=weighted, now=at(0, 30))
    clock.move_to(at(1))
    assert client.get(score_url(weighted)).status_code == 200


def test_a_visitor_not_logged_in_is_sent_to_log_in(client, clock, weighted):
    response = client.get(score_url(weighted))
    assert response.status_code == 302 and "login" in response["Location"]


def test_every_console_links_to_the_score(login, clock, weighted, operator, coordinator):
    join(weighted, "所属長", person=operator)
    runs.drill_end(drill=weighted, now=at(0, 30))  # the players' link shows from the end
    clock.move_to(at(1))
    assert score_url(weighted) in login(operator).get(
        reverse("drills:play", args=[weighted.pk])).content.decode()
    client = login(coordinator)
    for name in ("drills:control", "drills:evaluate"):
        assert score_url(weighted) in client.get(reverse(name, args=[weighted.pk])).content.decode()


def test_text_from_the_scenario_is_escaped(login, clock, schedule, coordinator):
    drill = schedule(inject("+0:00", "<b>通報</b>", expected("<script>alert(1)</script>")),
                     objectives=(("1", "<i>初動</i>"),))
    page = login(coordinator).get(score_url(drill)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<i>初動</i>" not in page


def test_the_score_page_query_count_does_not_grow(login, clock, schedule, coordinator, evaluator,
                                                   django_assert_num_queries):
    small = schedule(inject("+0:00", "監視センターからの通報", expected("所属長へ報告する")),
                     objectives=(("1", "初動報告"),))
    tick(small, "所属長へ報告する", 8, evaluator)
    large = schedule(*[
        inject(f"+0:{minute:02}", f"通報{minute}",
               *[expected(f"対応{minute}-{n}", objective=str(n % 4 + 1), role=f"役割{n}",
                          weight=n + 1) for n in range(4)])
        for minute in range(0, 30, 3)
    ], objectives=[(str(n), f"目標{n}") for n in range(1, 5)])
    for minute in range(0, 30, 3):
        tick(large, f"対応{minute}-0", minute + 5, evaluator)
    for code, rating in (("1", "P"), ("2", "S")):
        rate(large, code, rating, evaluator)
    clock.move_to(at(60))
    client = login(coordinator)  # sessions end after 30 idle minutes
    client.get(score_url(small))  # the session and the user are read the same way each time
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user; the scope (person, roles and ID grant in one query); the drill the user evaluates;
    # the scoring: pauses, injects with releases, roles, objectives with ratings, actions
    # with ticks.
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    for drill in (small, large):
        with django_assert_num_queries(14):
            assert client.get(score_url(drill)).status_code == 200

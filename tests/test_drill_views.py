"""Drill pages: who may open which console, what a participant can read, joining with a
code, and the refusals. The clock itself is in test_drill_clock.py."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from drills import runs
from drills.models import ActionTick, Drill, LogEntry, ObjectiveRating, Participant
from tests.conftest import DRILL_T0 as T0
from tests.test_drill_clock import at


@pytest.fixture
def started(drill, clock):
    clock.move_to(at(0))
    runs.drill_start(drill=drill, now=at(0))
    return Drill.objects.get(pk=drill.pk)


def urls(drill):
    first = drill.injects.order_by("offset").first()
    return [
        ("get", reverse("drills:control", args=[drill.pk])),
        ("post", reverse("drills:control_clock", args=[drill.pk, "pause"])),
        ("post", reverse("drills:release_now", args=[drill.pk, first.pk])),
        ("get", reverse("drills:staff_state", args=[drill.pk])),
        ("get", reverse("drills:evaluate", args=[drill.pk])),
        ("post", reverse("drills:tick", args=[drill.pk])),
        ("post", reverse("drills:rate", args=[drill.pk])),
        ("get", reverse("drills:play", args=[drill.pk])),
        ("get", reverse("drills:play_state", args=[drill.pk])),
    ]


@pytest.mark.parametrize("who", ["outsider", "city_coordinator"])
def test_outsiders_get_404_on_every_drill_page(login, request, started, who):
    client = login(request.getfixturevalue(who))
    for method, url in urls(started):
        assert getattr(client, method)(url).status_code == 404, url
    assert started.pauses.count() == 0


def test_an_operator_may_play_but_not_control_or_evaluate(login, started, operator):
    client = login(operator)
    for method, url in urls(started)[:7]:
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("drills:play", args=[started.pk])).status_code == 200


def test_the_evaluator_evaluates_but_does_not_control(login, started, evaluator):
    client = login(evaluator)
    assert client.get(reverse("drills:evaluate", args=[started.pk])).status_code == 200
    assert client.get(reverse("drills:control", args=[started.pk])).status_code == 404


def join_as(client, drill, role_name):
    role = drill.roles.get(name=role_name)
    return client.post(reverse("drills:play", args=[drill.pk]), {"role": role.pk})


def test_an_inject_cannot_be_read_before_its_time(login, clock, started, operator):
    client = login(operator)
    join_as(client, started, "広報")
    clock.move_to(at(4, 59))
    page = client.get(reverse("drills:play", args=[started.pk])).content.decode()
    state = client.get(reverse("drills:play_state", args=[started.pk])).content.decode()
    for text in (page, state):
        assert "報道機関からの問い合わせ" not in text
        assert "追加の照会記録" not in text  # addressed to another role
    clock.move_to(at(5))
    state = client.get(reverse("drills:play_state", args=[started.pk])).json()
    assert [i["subject"] for i in state["injects"]] == ["報道機関からの問い合わせ"]


def test_a_participant_logs_and_the_server_stamps_it(login, clock, started, operator):
    client = login(operator)
    join_as(client, started, "所属長")
    clock.move_to(at(2, 30))
    response = client.post(reverse("drills:play", args=[started.pk]), {"text": "市町村課へ第一報"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    entry = LogEntry.objects.get()
    assert (entry.logged_at, entry.drill_time) == (at(2, 30), datetime.timedelta(minutes=2, seconds=30))
    assert response.json()["log"][0]["text"] == "市町村課へ第一報"


def test_a_log_entry_after_the_end_is_refused(login, clock, started, operator, coordinator):
    client = login(operator)
    join_as(client, started, "所属長")
    runs.drill_end(drill=started, now=at(1))
    clock.move_to(at(2))
    response = client.post(reverse("drills:play", args=[started.pk]), {"text": "遅い報告"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "終了" in response.json()["error"] or "ended" in response.json()["error"]
    assert not LogEntry.objects.exists()


def test_the_evaluator_ticks_from_a_log_entry_and_rates(login, clock, started, operator,
                                                        evaluator):
    player = login(operator)
    join_as(player, started, "所属長")
    clock.move_to(at(3))
    player.post(reverse("drills:play", args=[started.pk]), {"text": "所属長へ報告した"})
    entry = LogEntry.objects.get()
    action = started.actions.get()
    clock.move_to(at(8))
    client = login(evaluator)
    client.post(reverse("drills:tick", args=[started.pk]),
                {"action": action.pk, "log_entry": entry.pk})
    tick = ActionTick.objects.get()
    assert (tick.achieved_at, tick.ticked_by, tick.ticked_at) == (at(3), evaluator, at(8))
    objective = started.objectives.get()
    client.post(reverse("drills:rate", args=[started.pk]),
                {"objective": objective.pk, "rating": "S", "notes": "報告がやや遅い"})
    assert ObjectiveRating.objects.get().rating == "S"


def test_a_tick_on_another_drills_action_is_refused(login, clock, started, scenario, coordinator,
                                                    evaluator):
    other = runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator, now=at(0))
    response = login(evaluator).post(reverse("drills:tick", args=[started.pk]),
                                     {"action": other.actions.get().pk}, follow=True)
    assert not ActionTick.objects.exists()
    [message] = response.context["messages"]
    assert "別の訓練" in str(message) or "another drill" in str(message)


def test_a_rating_outside_p_s_m_u_is_refused(login, started, evaluator):
    objective = started.objectives.get()
    response = login(evaluator).post(reverse("drills:rate", args=[started.pk]),
                                     {"objective": objective.pk, "rating": "A"}, follow=True)
    assert not ObjectiveRating.objects.exists()
    [message] = response.context["messages"]
    assert "P" in str(message) and "U" in str(message)


def test_pausing_a_drill_that_is_not_running_says_so(login, drill, clock, coordinator):
    response = login(coordinator).post(
        reverse("drills:control_clock", args=[drill.pk, "pause"]), follow=True
    )
    [message] = response.context["messages"]
    assert message.level_tag == "error"
    assert drill.pauses.count() == 0


def test_the_controller_starts_and_the_clock_task_is_launched(login, drill, clock, coordinator,
                                                              monkeypatch):
    queued = []
    monkeypatch.setattr("drills.tasks.async_task", lambda *args: queued.append(args))
    login(coordinator).post(reverse("drills:control_clock", args=[drill.pk, "start"]))
    assert Drill.objects.get(pk=drill.pk).started_at == timezone.now()
    assert [args[0] for args in queued] == ["drills.tasks.run_drill_clock"]


# Joining with a code, without an account


def test_a_guest_joins_with_the_code_and_sees_their_console(client, clock, started):
    first = client.post(reverse("drills:join"), {"code": started.join_code.lower(),
                                                 "display_name": "応援職員"})
    assert first.status_code == 200 and "広報" in first.content.decode()
    role = started.roles.get(name="広報")
    response = client.post(reverse("drills:join"), {
        "code": started.join_code, "display_name": "応援職員", "role": role.pk,
    })
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert (participant.person, participant.display_name, participant.role) == (None, "応援職員", role)
    assert client.get(reverse("drills:play", args=[started.pk])).status_code == 200
    assert client.get(reverse("drills:play_state", args=[started.pk])).status_code == 200


def test_a_join_code_typed_in_full_width_finds_the_drill(client, clock, started):
    full_width = "".join(chr(ord(character) + 0xFEE0) for character in started.join_code.lower())
    response = client.post(reverse("drills:join"), {"code": f"{full_width[:4]}－{full_width[4:]}",
                                                    "display_name": "応援職員"})
    assert response.status_code == 200 and "広報" in response.content.decode()


def test_a_join_code_for_an_ended_drill_is_refused(client, clock, started):
    runs.drill_end(drill=started, now=at(0))
    response = client.post(reverse("drills:join"), {"code": started.join_code,
                                                    "display_name": "応援職員"})
    assert response.status_code == 400
    assert "終了" in response.content.decode() or "ended" in response.content.decode()
    assert not Participant.objects.exists()


def test_a_guest_cannot_open_another_drills_console(client, clock, started, scenario, coordinator):
    other = runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator, now=at(0))
    role = started.roles.first()
    client.post(reverse("drills:join"), {"code": started.join_code, "display_name": "応援",
                                         "role": role.pk})
    assert client.get(reverse("drills:play_state", args=[other.pk])).status_code == 404


# A contact-tree drill


def test_acknowledging_a_link_is_timed_for_the_controller(login, clock, prefecture, coordinator,
                                                          operator):
    from drills.models import Scenario
    from tests.conftest import inject

    scenario = Scenario.objects.create(
        organisation=prefecture, title="緊急連絡網訓練", incident_type="contact_tree",
        summary="連絡網の確認",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "連絡", "description": ""}}],
        timeline=[inject("+0:00", "所属から市町村課へ", role="市町村課")],
    )
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator, now=T0)
    runs.drill_start(drill=drill, now=at(0))
    player = login(operator)
    join_as(player, drill, "市町村課")
    clock.move_to(at(1, 30))
    link = drill.injects.get()
    player.post(reverse("drills:play", args=[drill.pk]), {"inject": link.pk, "acknowledge": "1"})
    player.post(reverse("drills:play", args=[drill.pk]), {"inject": link.pk, "acknowledge": "1"})
    page = login(coordinator).get(reverse("drills:control", args=[drill.pk])).content.decode()
    assert 'id="contact-tree"' in page
    assert ">01:30<" in page  # from the call to the acknowledgement, in drill time
    assert "執務時間内" in page  # started on a Thursday at 10:00

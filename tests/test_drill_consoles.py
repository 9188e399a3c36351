"""The consoles as people use them in a drill (issue 15, points 6, 10, 12, 13): drill time
shown one way, each inject at its actual release time, the evaluator's forms answering
in the background with a message, no rating or click-time tick chosen for the evaluator,
a join link and QR code for guests, a status in the drill lists, and ending a drill only
after saying what happens. The browser side is in test_browser_consoles.py."""

import datetime
import re

import pytest
from django.urls import reverse

from drills import runs
from drills.clock import format_drill_time
from drills.consoles import staff_state
from drills.models import ActionTick, Drill, LogEntry, ObjectiveRating
from tests.test_drill_clock import at
from tests.test_drill_views import join_as


@pytest.fixture
def started(drill, clock):
    clock.move_to(at(0))
    return runs.drill_start(drill=drill, now=at(0))


# Drill time, one way (point 13)


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "00:00"), (59, "00:59"), (276, "04:36"), (3599, "59:59"), (3600, "1:00:00"),
    (3725, "1:02:05"), (-65, "-01:05"),
])
def test_drill_time_is_minutes_and_seconds_and_hours_beyond_an_hour(seconds, shown):
    assert format_drill_time(datetime.timedelta(seconds=seconds)) == shown


def test_the_score_table_says_what_its_time_column_measures(login, clock, started, operator,
                                                             evaluator):
    """The action is prompted at +0:00 and ticked from an entry logged at 5:30: the column
    shows 05:30 of drill time, under a heading that says it runs from the inject."""
    player = login(operator)
    join_as(player, started, "所属長")
    clock.move_to(at(5, 30))
    player.post(reverse("drills:play", args=[started.pk]), {"text": "所属長へ報告した"})
    runs.action_tick(drill=started, action_id=started.actions.get().pk, by=evaluator,
                     now=at(6), log_entry_id=LogEntry.objects.get().pk)
    page = login(evaluator).get(reverse("drills:score", args=[started.pk])).content.decode()
    assert "遅延（分）" not in page and "期限（分）" not in page
    assert "所要時間（状況付与から達成まで）" in page
    row = re.search(r'<tr id="action-\d+">.*?</tr>', page, re.S).group(0)
    assert ">10:00<" in row  # the deadline
    assert ">05:30<" in row  # taken after the inject


# The participant's console (point 12)


def test_a_contingency_shows_the_drill_time_it_was_released_at(login, clock, started,
                                                               operator, coordinator):
    """Planned at +0:10, released by the controller at 4:36 after a one-minute pause
    from 1:00 to 2:00: drill time 3:36."""
    player = login(operator)
    join_as(player, started, "所属長")
    runs.drill_pause(drill=started, now=at(1))
    runs.drill_resume(drill=started, now=at(2))
    contingency = started.injects.get(is_contingency=True)
    runs.inject_release_now(inject=contingency, by=coordinator, now=at(4, 36))
    clock.move_to(at(5))
    state = player.get(reverse("drills:play_state", args=[started.pk])).json()
    newest = state["injects"][0]
    assert (newest["subject"], newest["released_drill_time"]) == ("県からの督促", "03:36")
    page = player.get(reverse("drills:play", args=[started.pk])).content.decode()
    assert "付与時刻 03:36" in page
    assert "00:10" not in page and "+0:10" not in page


def test_a_paused_drill_shows_the_pause_banner(login, clock, started, operator):
    player = login(operator)
    join_as(player, started, "所属長")
    running = player.get(reverse("drills:play", args=[started.pk])).content.decode()
    assert re.search(r'id="pause-banner"[^>]*hidden', running)
    runs.drill_pause(drill=started, now=at(1))
    clock.move_to(at(2))
    paused = player.get(reverse("drills:play", args=[started.pk])).content.decode()
    banner = re.search(r'<div id="pause-banner"[^>]*>', paused).group(0)
    assert "hidden" not in banner


# The evaluator's console (point 10)


def test_no_rating_is_chosen_for_the_evaluator(login, started, evaluator):
    page = login(evaluator).get(reverse("drills:evaluate", args=[started.pk])).content.decode()
    rating = re.search(r'<select name="rating".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>", rating) == [
        '<option value="" disabled selected>'
    ]


def test_the_log_entry_choice_defaults_to_the_matching_entry_never_to_the_click(
    login, clock, started, operator, colleague, evaluator
):
    """The action is 所属長's, prompted at +0:00. An entry by another role does not match;
    the first by 所属長 after the release does. Before either, nothing is chosen."""
    client = login(evaluator)
    action = started.actions.get()
    page = client.get(reverse("drills:evaluate", args=[started.pk])).content.decode()
    choice = re.search(r'<select name="log_entry".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>", choice) == [
        '<option value="" disabled selected>'
    ]
    press = runs.participant_join(drill=started, role=started.roles.get(name="広報"),
                                  now=at(0), person=colleague)
    head = runs.participant_join(drill=started, role=started.roles.get(name="所属長"),
                                 now=at(0), person=operator)
    runs.log_record(participant=press, text="報道対応の準備", now=at(1))
    first = runs.log_record(participant=head, text="所属長へ報告した", now=at(2))
    runs.log_record(participant=head, text="続報を送った", now=at(3))
    clock.move_to(at(4))
    assert staff_state(Drill.objects.get(pk=started.pk), at(4)).data["matching_entries"] == {
        action.pk: first.pk
    }
    page = client.get(reverse("drills:evaluate", args=[started.pk])).content.decode()
    choice = re.search(r'<select name="log_entry".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d*)"[^>]*selected', choice) == [str(first.pk)]


def test_a_tick_and_a_rating_answer_in_json_when_sent_in_the_background(login, clock, started,
                                                                       evaluator):
    client = login(evaluator)
    clock.move_to(at(4, 36))
    response = client.post(reverse("drills:tick", args=[started.pk]),
                           {"action": started.actions.get().pk, "log_entry": "now"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["message"] == "達成として記録しました。"
    assert response.json()["achieved_drill_time"] == "04:36"
    assert ActionTick.objects.get().achieved_at == at(4, 36)
    page = client.get(reverse("drills:evaluate", args=[started.pk])).content.decode()
    assert "04:36に達成" in page
    response = client.post(reverse("drills:rate", args=[started.pk]),
                           {"objective": started.objectives.get().pk, "rating": "M"},
                           HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()["rating"]) == (200, "M")
    assert ObjectiveRating.objects.get().rating == "M"


def test_a_refused_rating_says_why_in_japanese_and_writes_nothing(login, started, evaluator):
    response = login(evaluator).post(
        reverse("drills:rate", args=[started.pk]),
        {"objective": started.objectives.get().pk, "rating": ""},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "評価は P、S、M、U のいずれかです。"
    assert not ObjectiveRating.objects.exists()


# The controller's console and the lists (points 6 and 12)


def test_ending_a_drill_asks_first_and_says_what_happens(login, clock, started, coordinator):
    client = login(coordinator)
    page = client.get(reverse("drills:control", args=[started.pk])).content.decode()
    end = re.search(r'<section class="card" id="end-drill">.*?</section>', page, re.S).group(0)
    assert "状況付与は行われず" in end and "得点が計算されます" in end
    assert 'name="confirm"' in end and "required" in end
    # 一時停止 lives in the clock's card, not in the ending's.
    assert "一時停止</button>" not in end and "一時停止</button>" in page
    clock.move_to(at(3))
    url = reverse("drills:control_clock", args=[started.pk, "end"])
    response = client.post(url, follow=True)
    assert Drill.objects.get(pk=started.pk).ended_at is None
    [message] = response.context["messages"]
    assert str(message) == "訓練を終了してよいことを確認し、チェックを入れてください。"
    client.post(url, {"confirm": "on"})
    assert Drill.objects.get(pk=started.pk).ended_at == at(3)


def test_the_controller_shows_guests_a_join_link_and_qr_code(login, started, coordinator, client):
    page = login(coordinator).get(reverse("drills:control", args=[started.pk])).content.decode()
    link = f"http://testserver/drills/join/?code={started.join_code}"
    assert f'href="{link}"' in page
    qr = re.search(r'<div class="join-qr" id="join-qr"><svg[^>]*>.*?</svg>', page, re.S)
    assert qr and "<path d=\"M" in qr.group(0)
    client.logout()
    join = client.get(link).content.decode()
    assert f'value="{started.join_code}"' in join


def test_the_drill_lists_show_each_drill_s_status(login, clock, drill, scenario, coordinator,
                                                  django_assert_num_queries):
    client = login(coordinator)
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_pause(drill=drill, now=at(1))
    runs.drill_schedule(scenario=scenario, scheduled_for=at(60), by=coordinator, now=at(0))
    clock.move_to(at(2))
    page = client.get(reverse("drills:list")).content.decode()
    states = re.findall(r'<td class="drill-state"><span class="stage (\w+)">([^<]+)<', page)
    assert sorted(states) == [("paused", "一時停止中"), ("scheduled", "開始前")]
    # The status costs one query per list, however many drills it holds.
    with django_assert_num_queries(QUERIES_FOR_THE_LIST) as one_more:
        client.get(reverse("drills:list"))
    runs.drill_schedule(scenario=scenario, scheduled_for=at(90), by=coordinator, now=at(0))
    with django_assert_num_queries(len(one_more.captured_queries)):
        client.get(reverse("drills:list"))


# session, user, the scope (person, roles and ID grant in one query); the controlled drills and their pauses; the
# evaluated drills (none here, so no pauses looked up); the playable drills and their
# pauses; the scenarios and the re-testable items of the scheduling form.
QUERIES_FOR_THE_LIST = 10

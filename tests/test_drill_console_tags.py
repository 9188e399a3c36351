"""A console's poll answered 304 from the cache while nothing it shows has changed
(issue 20: a drill's consoles polling every second), and in full as soon as something has:
a write that concerns it, or drill time releasing an inject."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from drills import runs
from drills.models import Participant
from tests.test_drill_clock import at
from tests.test_drill_views import join_as


@pytest.fixture(autouse=True)
def no_stamps_left_over():
    cache.clear()


@pytest.fixture
def started(drill, clock):
    clock.move_to(at(0))
    return runs.drill_start(drill=drill, now=at(0))


@pytest.fixture
def press_officer(login, started, operator, django_capture_on_commit_callbacks):
    """The operator's client, joined as 広報 (whose inject falls due at +0:05)."""
    client = login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        join_as(client, started, "広報")
    return client


def play_state(client, drill, tag=None):
    headers = {"HTTP_IF_NONE_MATCH": tag} if tag else {}
    return client.get(reverse("drills:play_state", args=[drill.pk]), **headers)


def staff_state(client, drill, tag=None):
    headers = {"HTTP_IF_NONE_MATCH": tag} if tag else {}
    return client.get(reverse("drills:staff_state", args=[drill.pk]), **headers)


def test_an_unchanged_poll_is_answered_304_without_a_query(
        clock, started, press_officer, django_assert_num_queries):
    clock.move_to(at(1))
    full = play_state(press_officer, started)
    assert full.status_code == 200 and full["ETag"]
    with django_assert_num_queries(0):
        again = play_state(press_officer, started, full["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert "no-store" in again["Cache-Control"]
    # Answered before the session was loaded: nothing in it changes, nothing is written.
    assert settings.SESSION_COOKIE_NAME not in again.cookies


def test_the_staff_console_s_unchanged_poll_runs_no_query_either(
        clock, started, evaluator, django_assert_num_queries):
    from django.test import Client

    clock.move_to(at(6))
    staff = Client()
    staff.force_login(evaluator.user)
    tag = staff_state(staff, started)["ETag"]
    with django_assert_num_queries(0):
        assert staff_state(staff, started, tag).status_code == 304


def test_a_guest_s_unchanged_poll_runs_no_query_and_ends_with_their_session(
        client, clock, started, django_assert_num_queries, django_capture_on_commit_callbacks):
    clock.move_to(at(6))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("drills:join"), {
            "code": started.join_code, "display_name": "応援職員",
            "role": started.roles.get(name="広報").pk,
        })
    tag = play_state(client, started)["ETag"]
    with django_assert_num_queries(0):
        assert play_state(client, started, tag).status_code == 304
    client.cookies.pop(settings.SESSION_COOKIE_NAME)  # the browser closed: a new session
    assert play_state(client, started, tag).status_code == 404


def test_a_log_out_ends_the_tag(clock, started, press_officer):
    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]
    press_officer.logout()
    assert play_state(press_officer, started, tag).status_code == 404


def test_drill_time_releasing_an_inject_ends_the_tag(clock, started, press_officer):
    clock.move_to(at(1))
    tag = play_state(press_officer, started)["ETag"]
    clock.move_to(at(4, 59))
    assert play_state(press_officer, started, tag).status_code == 304
    clock.move_to(at(5))
    answer = play_state(press_officer, started, tag)
    assert answer.status_code == 200
    assert [i["subject"] for i in answer.json()["injects"]] == ["報道機関からの問い合わせ"]


@pytest.mark.parametrize("write", ["own log entry", "pause", "contingency released", "end"])
def test_a_write_that_concerns_the_console_ends_the_tag(
        write, clock, started, press_officer, operator, coordinator,
        django_capture_on_commit_callbacks):
    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]
    participant = Participant.objects.get(drill=started, person=operator)
    with django_capture_on_commit_callbacks(execute=True):
        if write == "own log entry":
            runs.log_record(participant=participant, text="広報対応を開始", now=at(6))
        elif write == "pause":
            runs.drill_pause(drill=started, now=at(6))
        elif write == "contingency released":
            runs.inject_release_now(inject=started.injects.get(is_contingency=True),
                                    by=coordinator, now=at(6))
        else:
            runs.drill_end(drill=started, now=at(6))
    answer = play_state(press_officer, started, tag)
    assert answer.status_code == 200
    assert answer["ETag"] != tag


def test_another_participant_s_log_leaves_the_tag_but_not_the_staff_s(
        login, clock, started, press_officer, colleague, evaluator, client,
        django_capture_on_commit_callbacks):
    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        other = runs.participant_join(drill=started, role=started.roles.get(name="広報"),
                                      now=at(6), person=colleague)
    from django.test import Client
    staff = Client()
    staff.force_login(evaluator.user)
    staff_tag = staff_state(staff, started)["ETag"]
    assert staff_state(staff, started, staff_tag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        runs.log_record(participant=other, text="記者へ折り返し", now=at(6))
    assert play_state(press_officer, started, tag).status_code == 304
    answer = staff_state(staff, started, staff_tag)
    assert answer.status_code == 200
    assert "記者へ折り返し" in [entry["text"] for entry in answer.json()["log"]]


def test_a_tag_holds_only_for_the_visitor_it_was_given_to(
        clock, started, press_officer, colleague, outsider, django_capture_on_commit_callbacks):
    from django.test import Client

    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]
    other = Client()
    other.force_login(colleague.user)
    with django_capture_on_commit_callbacks(execute=True):
        join_as(other, started, "広報")
    assert play_state(other, started, tag).status_code == 200  # its own state, not a 304
    stranger = Client()
    stranger.force_login(outsider.user)
    assert play_state(stranger, started, tag).status_code == 404
    assert play_state(Client(), started, tag).status_code in (302, 404)


@pytest.mark.parametrize("tag", ['"made-up"', '"0.9999999999.abcdef"', "*", '"1.2.3.4"'])
def test_a_made_up_tag_gets_the_full_answer(tag, clock, started, press_officer):
    clock.move_to(at(6))
    play_state(press_officer, started)
    assert play_state(press_officer, started, tag).status_code == 200


def test_stamps_lost_from_the_cache_mean_a_full_answer(clock, started, press_officer):
    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]
    cache.clear()
    assert play_state(press_officer, started, tag).status_code == 200


def test_a_participant_s_tag_is_no_good_on_the_staff_console(
        clock, started, press_officer, operator, coordinator, evaluator):
    from django.test import Client

    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]
    staff = Client()
    staff.force_login(evaluator.user)
    assert staff_state(staff, started, tag).status_code == 200


def test_a_cache_out_of_reach_fails_no_write_and_every_poll_is_answered_in_full(
        monkeypatch, clock, started, press_officer, operator, django_capture_on_commit_callbacks):
    clock.move_to(at(6))
    tag = play_state(press_officer, started)["ETag"]

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set_many", unreachable)
    monkeypatch.setattr(cache, "get_many", unreachable)
    participant = Participant.objects.get(drill=started, person=operator)
    with django_capture_on_commit_callbacks(execute=True):
        entry = runs.log_record(participant=participant, text="広報対応を開始", now=at(6))
    assert entry.pk is not None
    answer = play_state(press_officer, started, tag)
    assert answer.status_code == 200
    assert answer.json()["log"][0]["text"] == "広報対応を開始"

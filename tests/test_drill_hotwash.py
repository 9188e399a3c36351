"""The hot wash: who may answer and when, the refusals (before the end, a second answer,
a confidence or text out of bounds, someone who did not take part), anonymity and
escaping in the summary, and who may read the summary."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from drills import hotwash, runs
from drills.hotwash import hot_wash_submit, hot_wash_summary
from drills.models import Drill, HotWashAnswer, Participant
from tests.test_drill_clock import at


def fresh(drill):
    return Drill.objects.get(pk=drill.pk)


@pytest.fixture
def running(drill, clock, operator, colleague):
    """The drill started at +0:00; the operator plays 所属長 and the colleague 広報."""
    clock.move_to(at(0))
    runs.drill_start(drill=drill, now=at(0))
    runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), person=operator,
                          now=at(0))
    runs.participant_join(drill=drill, role=drill.roles.get(name="広報"), person=colleague,
                          now=at(0))
    return fresh(drill)


@pytest.fixture
def ended(running, clock):
    """The drill ended at +0:30; it is now +0:31."""
    runs.drill_end(drill=running, now=at(30))
    clock.move_to(at(31))
    return fresh(running)


def participant_of(drill, person):
    return Participant.objects.get(drill=drill, person=person)


def submit(participant, *, confidence=4, went_well="", to_improve="", anonymous=False,
           now=None):
    return hot_wash_submit(participant=participant, went_well=went_well, to_improve=to_improve,
                           confidence=confidence, anonymous=anonymous, now=now or at(31))


def answer_url(drill):
    return reverse("drills:hot_wash", args=[drill.pk])


def summary_url(drill):
    return reverse("drills:hot_wash_summary", args=[drill.pk])


def says(response_or_text, japanese, english):
    text = getattr(response_or_text, "content", response_or_text)
    if isinstance(text, bytes):
        text = text.decode()
    elif not isinstance(text, str):  # a ValidationError's messages
        text = " ".join(text)
    return japanese in text or english in text


# Answering


def test_a_participant_answers_after_the_end(login, ended, operator):
    response = login(operator).post(answer_url(ended), {
        "went_well": "第一報が早かった\r\n連絡網も機能した", "to_improve": "報道対応の手順",
        "confidence": "4",
    })
    assert response.status_code == 302
    answer = HotWashAnswer.objects.get()
    assert (answer.drill, answer.participant, answer.confidence, answer.anonymous) == (
        ended, participant_of(ended, operator), 4, False)
    assert (answer.went_well, answer.to_improve) == ("第一報が早かった\n連絡網も機能した", "報道対応の手順")
    assert answer.submitted_at == at(31)
    page = login(operator).get(answer_url(ended))
    assert 'id="hot-wash-answered"' in page.content.decode()
    assert 'id="hot-wash-form"' not in page.content.decode()


def test_the_console_links_to_the_hot_wash_once_the_drill_has_ended(login, running, clock,
                                                                      operator):
    client = login(operator)
    play = reverse("drills:play", args=[running.pk])
    assert answer_url(running) not in client.get(play).content.decode()
    clock.move_to(at(29))
    client.get(play)  # the console polls, which keeps the session alive
    runs.drill_end(drill=running, now=at(30))
    clock.move_to(at(31))
    page = client.get(play).content.decode()
    assert answer_url(running) in page
    assert not says(page, "回答済み", "You have answered")
    submit(participant_of(running, operator))
    assert says(client.get(play).content.decode(), "回答済み", "You have answered")


def test_an_answer_before_the_end_is_refused(login, running, operator):
    with pytest.raises(ValidationError) as refused:
        submit(participant_of(running, operator), now=at(10))
    assert says(refused.value.messages, "終了", "when the drill ends")
    client = login(operator)
    assert 'id="hot-wash-closed"' in client.get(answer_url(running)).content.decode()
    response = client.post(answer_url(running), {"confidence": "3", "went_well": "早い"})
    assert response.status_code == 400
    assert says(response, "終了", "when the drill ends")
    assert not HotWashAnswer.objects.exists()


def test_an_answer_before_the_start_is_refused(drill, clock, operator):
    participant = runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"),
                                        person=operator, now=at(-5))
    with pytest.raises(ValidationError):
        submit(participant, now=at(-1))
    assert not HotWashAnswer.objects.exists()


def test_a_second_answer_is_refused_and_the_first_is_kept(login, ended, operator):
    client = login(operator)
    client.post(answer_url(ended), {"went_well": "最初の回答", "confidence": "2"})
    response = client.post(answer_url(ended), {"went_well": "二度目", "confidence": "5",
                                               "anonymous": "on"})
    assert response.status_code == 400
    assert says(response, "既に", "already answered")
    answer = HotWashAnswer.objects.get()
    assert (answer.went_well, answer.confidence, answer.anonymous) == ("最初の回答", 2, False)


def test_the_second_of_two_simultaneous_answers_is_refused_by_the_key(ended, operator,
                                                                       monkeypatch):
    """Both submissions passed the check before either wrote: the one-to-one key refuses
    the second, with the same message, and the transaction stays usable."""
    participant = participant_of(ended, operator)
    submit(participant, confidence=2, went_well="先の回答")
    monkeypatch.setattr(hotwash, "_has_answered", lambda participant: False)
    with pytest.raises(ValidationError) as refused:
        submit(participant, confidence=5, went_well="後の回答")
    assert says(refused.value.messages, "既に", "already answered")
    answer = HotWashAnswer.objects.get()
    assert (answer.went_well, answer.confidence) == ("先の回答", 2)


THREADS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite serialises every writer, so no race")
def test_simultaneous_answers_keep_exactly_one(ended, operator):
    participant = participant_of(ended, operator)
    barrier = threading.Barrier(THREADS)
    accepted, refused, errors = [], [], []

    def answer(n):
        try:
            mine = Participant.objects.select_related("drill").get(pk=participant.pk)
            barrier.wait(timeout=10)
            accepted.append(submit(mine, confidence=n % 5 + 1, went_well=f"回答{n}").pk)
        except ValidationError as error:
            refused.append(error.messages)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(accepted) == 1 and len(refused) == THREADS - 1
    assert all(says(messages, "既に", "already answered") for messages in refused)
    assert list(HotWashAnswer.objects.values_list("pk", flat=True)) == accepted


@pytest.mark.parametrize("confidence", [0, 6, -1, "0", "6", "abc", "", "3.5", "４", None, True,
                                        3.0])
def test_a_confidence_outside_one_to_five_is_refused(ended, operator, confidence):
    with pytest.raises(ValidationError) as refused:
        submit(participant_of(ended, operator), confidence=confidence)
    assert says(refused.value.messages, "1", "1 to 5")
    assert not HotWashAnswer.objects.exists()


@pytest.mark.parametrize("confidence", ["0", "6", "abc"])
def test_the_page_refuses_a_confidence_outside_one_to_five(login, ended, operator, confidence):
    response = login(operator).post(answer_url(ended), {"went_well": "残る文", "confidence": confidence})
    assert response.status_code == 400
    assert says(response.context["errors"], "5", "1 to 5")
    assert "残る文" in response.content.decode()  # what they typed is not lost
    assert not HotWashAnswer.objects.exists()


@pytest.mark.parametrize("confidence", [1, 5, "3", " 2 "])
def test_a_confidence_from_one_to_five_is_accepted(ended, operator, confidence):
    answer = submit(participant_of(ended, operator), confidence=confidence)
    assert answer.confidence == int(str(confidence).strip())


def test_a_text_over_2000_characters_is_refused(ended, operator):
    participant = participant_of(ended, operator)
    with pytest.raises(ValidationError) as refused:
        submit(participant, went_well="あ" * 2000, to_improve="い" * 2001)
    assert says(refused.value.messages, "2000", "2000")
    assert not HotWashAnswer.objects.exists()
    # A line break counts once, as the browser counted it, though it arrives as CRLF.
    went_well = "x" * 1000 + "\r\n" + "y" * 999
    answer = submit(participant, went_well=went_well, to_improve="い" * 2000)
    assert len(answer.went_well) == 2000


def test_a_guest_who_joined_with_the_code_answers(client, running, clock):
    role = running.roles.get(name="広報")
    client.post(reverse("drills:join"), {"code": running.join_code, "display_name": "応援職員",
                                         "role": role.pk})
    guest = Participant.objects.get(person=None)
    clock.move_to(at(29))
    client.get(reverse("drills:play", args=[running.pk]))  # the console keeps the session alive
    runs.drill_end(drill=running, now=at(30))
    clock.move_to(at(31))
    assert client.get(answer_url(running)).status_code == 200
    response = client.post(answer_url(running), {"to_improve": "役割分担", "confidence": "3",
                                                 "anonymous": "on"})
    assert response.status_code == 302
    answer = HotWashAnswer.objects.get()
    assert (answer.participant, answer.confidence, answer.anonymous) == (guest, 3, True)


def test_staff_who_did_not_take_part_are_told_so(login, ended, supervisor):
    client = login(supervisor)
    page = client.get(answer_url(ended))
    assert page.status_code == 400
    assert says(page, "参加", "did not take part")
    response = client.post(answer_url(ended), {"went_well": "見ていた", "confidence": "5"})
    assert response.status_code == 400
    assert says(response, "参加", "did not take part")
    assert not HotWashAnswer.objects.exists()


def test_a_visitor_without_an_account_is_sent_to_log_in(client, ended):
    response = client.post(answer_url(ended), {"confidence": "5"})
    assert response.status_code == 302 and "login" in response.url
    assert not HotWashAnswer.objects.exists()


# The summary


def test_the_summary_counts_and_averages_by_hand(ended, operator, colleague, supervisor):
    guest = Participant.objects.create(drill=ended, role=ended.roles.get(name="広報"),
                                            display_name="応援職員", joined_at=at(1))
    Participant.objects.create(drill=ended, role=ended.roles.get(name="広報"),
                               display_name="未回答の応援", joined_at=at(1))
    submit(participant_of(ended, operator), confidence=2, went_well="早い", now=at(31))
    submit(participant_of(ended, colleague), confidence=4, to_improve="遅い", anonymous=True,
           now=at(32))
    submit(guest, confidence=5, now=at(33))
    summary = hot_wash_summary(ended)
    # 3 of 4 answered; (2 + 4 + 5) / 3 = 3.666…
    assert (summary.answered, summary.participants) == (3, 4)
    assert summary.mean_confidence == pytest.approx(11 / 3)
    assert summary.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert [(entry.name, entry.confidence) for entry in summary.answers] == [
        ("山田 花子", 2), ("", 4), ("応援職員", 5)]


def test_a_summary_without_answers_has_no_mean(ended):
    summary = hot_wash_summary(ended)
    assert (summary.answered, summary.participants, summary.mean_confidence) == (0, 2, None)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


def test_an_anonymous_answer_shows_no_name_in_the_summary(login, ended, operator, colleague,
                                                          coordinator):
    submit(participant_of(ended, operator), confidence=3, went_well="伏せた感想", anonymous=True)
    submit(participant_of(ended, colleague), confidence=4, went_well="記名の感想")
    page = login(coordinator).get(summary_url(ended))
    assert page.status_code == 200
    text = page.content.decode()
    assert "伏せた感想" in text and "記名の感想" in text
    assert "佐藤 次郎" in text
    assert "山田" not in text  # the anonymous author's name
    assert "所属長" not in text  # nor their role
    assert says(text, "匿名", "Anonymous")


def test_what_a_participant_typed_is_escaped_in_the_summary(login, ended, operator, evaluator):
    submit(participant_of(ended, operator), went_well="<script>alert(1)</script>",
           to_improve="<b>太字</b>")
    text = login(evaluator).get(summary_url(ended)).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;太字&lt;/b&gt;" in text


def test_the_summary_shows_figures_and_bars(login, ended, operator, colleague, coordinator):
    submit(participant_of(ended, operator), confidence=2)
    submit(participant_of(ended, colleague), confidence=5)
    text = login(coordinator).get(summary_url(ended)).content.decode()
    assert "3.5 / 5" in text  # (2 + 5) / 2
    assert text.count("width:50%\"></span>") == 2 and text.count("width:0%\"></span>") == 3


def answer_as_guests(drill, count, *, start=0):
    for number in range(start, start + count):
        participant = Participant.objects.create(
            drill=drill, role=drill.roles.get(name="広報"), display_name=f"応援{number}",
            joined_at=at(1),
        )
        submit(participant, confidence=number % 5 + 1, went_well=f"よかった{number}",
               anonymous=number % 2 == 0)


def test_the_summary_query_count_does_not_grow_with_answers(login, ended, coordinator,
                                                            django_assert_num_queries):
    client = login(coordinator)
    answer_as_guests(ended, 1)
    client.get(summary_url(ended))  # warm the caches (the audit event's content type)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user; scope (person, roles and ID grant in one query); the drill; participants counted;
    # the answers with their authors' names.
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(11):
        assert client.get(summary_url(ended)).status_code == 200
    answer_as_guests(ended, 30, start=1)
    with django_assert_num_queries(11):
        response = client.get(summary_url(ended))
    assert response.context["summary"].answered == 31


# Who reaches which page


@pytest.mark.parametrize("who", ["outsider", "city_coordinator"])
def test_outsiders_get_404_on_both_pages(login, request, ended, who):
    client = login(request.getfixturevalue(who))
    for url in (answer_url(ended), summary_url(ended)):
        assert client.get(url).status_code == 404, url
    assert client.post(answer_url(ended), {"confidence": "3"}).status_code == 404
    assert not HotWashAnswer.objects.exists()


def test_a_guest_of_another_drill_gets_404(client, running, clock, scenario, coordinator):
    other = runs.drill_schedule(scenario=scenario, scheduled_for=at(0), by=coordinator,
                                now=at(0))
    client.post(reverse("drills:join"), {"code": running.join_code, "display_name": "応援",
                                         "role": running.roles.first().pk})
    assert client.get(answer_url(other)).status_code == 404
    assert client.get(summary_url(running)).status_code == 302  # to log in


def test_a_participant_who_is_not_staff_gets_404_on_the_summary(login, ended, operator):
    submit(participant_of(ended, operator))
    assert login(operator).get(summary_url(ended)).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "evaluator"])
def test_controllers_and_evaluators_read_the_summary(login, request, ended, who):
    assert login(request.getfixturevalue(who)).get(summary_url(ended)).status_code == 200


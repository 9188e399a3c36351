"""Drill secrecy and addressed roles (issue 14, points 1 and 2).

Until an inject is released, only the drill's staff (its controllers, who author its
scenario, and its evaluators) may learn anything about it. A participant, with an
account or as a guest with the join code, reads the score only once the drill has ended,
and then without the expected actions of injects that were never released (a contingency
that was not needed, a scheduled inject the drill ended before): the scenario is reused,
so they would tell the next drill's players what is coming.

Only the role an inject is addressed to may acknowledge it or log against it, and the
contact-tree timings count only that role's acknowledgements.

The permission matrix (tests/test_permission_matrix.py, `DRILL_MATRIX`) walks every drill
URL as these visitors before, during and after the drill; this module proves each rule on
its own.
"""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse

from drills import runs
from drills.consoles import contact_tree_timings
from drills.models import Drill, InjectAcknowledgement, LogEntry, Scenario
from drills.report import after_action_report_pdf
from tests.conftest import DRILL_T0 as T0
from tests.conftest import inject


def at(minutes=0, seconds=0):
    return T0 + datetime.timedelta(minutes=minutes, seconds=seconds)


# What a participant may read once released, and what they must never read.
RELEASED = ["監視センターからの通報", "所属長へ報告する"]
NEVER_RELEASED = [
    "追加の照会記録", "照会記録を保全する",  # +0:20: the drill ends at +0:15
    "県からの督促", "県へ回答する",  # a contingency the controller never released
]


@pytest.fixture
def secret_drill(prefecture, coordinator, clock):
    """A drill with expected actions on every inject; scheduled for T0, not started."""
    scenario = Scenario.objects.create(
        organisation=prefecture, title="不正照会の疑い", incident_type="unauthorised_lookup",
        summary="著名人の本人確認情報が照会された。",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "初動報告",
                                                    "description": ""}}],
        timeline=[
            inject("+0:00", "監視センターからの通報", actions=["所属長へ報告する"]),
            inject("+0:05", "報道機関からの問い合わせ", role="広報"),
            inject("+0:20", "追加の照会記録", actions=["照会記録を保全する"]),
            inject("+0:10", "県からの督促", contingency=True, actions=["県へ回答する"]),
        ],
    )
    clock.move_to(at(-30))
    return runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator,
                               now=at(-60))


def start(drill, clock, minutes):
    runs.drill_start(drill=drill, now=at(0))
    clock.move_to(at(minutes))
    return Drill.objects.get(pk=drill.pk)


def end(drill, clock):
    """Run to +0:15 and end: the +0:20 inject and the contingency were never released."""
    runs.drill_end(drill=drill, now=at(15))
    clock.move_to(at(20))
    return Drill.objects.get(pk=drill.pk)


def guest_client(client, drill, role_name="広報"):
    client.post(reverse("drills:join"), {"code": drill.join_code, "display_name": "応援職員",
                                         "role": drill.roles.get(name=role_name).pk})
    return client


def score_url(drill):
    return reverse("drills:score", args=[drill.pk])


# Point 1: the score


def test_a_participant_cannot_read_the_score_while_the_drill_runs(login, clock, secret_drill,
                                                                  operator):
    runs.participant_join(drill=secret_drill, role=secret_drill.roles.get(name="所属長"),
                          now=at(-10), person=operator)
    for moment in ("before", "during"):
        if moment == "during":
            start(secret_drill, clock, 6)
        response = login(operator).get(score_url(secret_drill))
        page = response.content.decode()
        assert response.status_code == 403, moment
        assert "訓練が終了すると" in page, moment
        for text in [*RELEASED, *NEVER_RELEASED, "広報"]:
            assert text not in page, (moment, text)


def test_a_guest_cannot_read_the_score_while_the_drill_runs(client, clock, secret_drill):
    drill = start(secret_drill, clock, 6)
    guest = guest_client(client, drill)
    response = guest.get(score_url(drill))
    assert response.status_code == 403
    for text in [*RELEASED, *NEVER_RELEASED]:
        assert text not in response.content.decode(), text


def test_after_the_end_a_participant_reads_the_score_without_what_was_never_released(
        login, client, clock, secret_drill, operator):
    runs.participant_join(drill=secret_drill, role=secret_drill.roles.get(name="所属長"),
                          now=at(-10), person=operator)
    guest = guest_client(client, secret_drill)
    drill = end(start(secret_drill, clock, 6), clock)
    for reader in (login(operator), guest):
        response = reader.get(score_url(drill))
        page = response.content.decode()
        assert response.status_code == 200
        for text in RELEASED:
            assert text in page, text
        for text in NEVER_RELEASED:
            assert text not in page, text


@pytest.mark.parametrize("who", ["coordinator", "evaluator"])
def test_the_staff_read_the_whole_score_at_any_time(login, request, clock, secret_drill, who):
    drill = start(secret_drill, clock, 6)
    page = login(request.getfixturevalue(who)).get(score_url(drill)).content.decode()
    # The +0:20 inject's expected action is listed as not prompted yet.
    assert "照会記録を保全する" in page and "県へ回答する" in page


def test_the_console_links_to_the_score_only_once_the_drill_has_ended(login, clock,
                                                                       secret_drill, operator):
    runs.participant_join(drill=secret_drill, role=secret_drill.roles.get(name="所属長"),
                          now=at(-10), person=operator)
    client = login(operator)
    play = reverse("drills:play", args=[secret_drill.pk])
    drill = start(secret_drill, clock, 6)
    assert score_url(drill) not in client.get(play).content.decode()
    end(drill, clock)
    assert score_url(drill) in login(operator).get(play).content.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_the_report_that_can_be_shared_names_no_inject_that_was_never_released(clock,
                                                                                secret_drill):
    # The final report is what the shareable link serves to anyone who holds it.
    drill = end(start(secret_drill, clock, 6), clock)
    content = after_action_report_pdf(drill, now=at(30), draft=False)
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()
    assert "所属長へ報告する" in text
    for secret in NEVER_RELEASED:
        assert secret not in text, secret


# Point 2: only the addressed role acts on an inject


@pytest.fixture
def running(secret_drill, clock):
    """At +0:06: 所属長's +0:00 inject and 広報's +0:05 inject are out."""
    return start(secret_drill, clock, 6)


def play_url(drill):
    return reverse("drills:play", args=[drill.pk])


@pytest.mark.parametrize("action", ["acknowledge", "log"])
def test_a_participant_cannot_act_on_an_inject_addressed_to_another_role(
        login, running, operator, action):
    runs.participant_join(drill=running, role=running.roles.get(name="所属長"), now=at(6),
                          person=operator)
    theirs = running.injects.get(subject="報道機関からの問い合わせ")  # to 広報, released
    data = ({"inject": theirs.pk, "acknowledge": "1"} if action == "acknowledge"
            else {"inject": theirs.pk, "text": "広報として回答した"})
    response = login(operator).post(play_url(running), data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "その状況付与は、あなたが受け取ったものではありません。"
    assert not InjectAcknowledgement.objects.exists()
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("action", ["acknowledge", "log"])
def test_a_guest_cannot_act_on_an_inject_addressed_to_another_role(client, running, action):
    guest = guest_client(client, running, "広報")
    theirs = running.injects.get(subject="監視センターからの通報")  # to 所属長, released
    data = ({"inject": theirs.pk, "acknowledge": "1"} if action == "acknowledge"
            else {"inject": theirs.pk, "text": "所属長として報告した"})
    response = guest.post(play_url(running), data)
    assert response.status_code == 302
    assert not InjectAcknowledgement.objects.exists()
    assert not LogEntry.objects.exists()
    # Their own role's inject is accepted: only the addressee was wrong.
    mine = running.injects.get(subject="報道機関からの問い合わせ")
    guest.post(play_url(running), {**data, "inject": mine.pk})
    assert (InjectAcknowledgement.objects.filter(inject=mine).exists()
            or LogEntry.objects.filter(inject=mine).exists())


def test_contact_tree_timings_count_only_the_addressed_roles_acknowledgements(
        login, clock, prefecture, coordinator, operator, colleague):
    scenario = Scenario.objects.create(
        organisation=prefecture, title="緊急連絡網訓練", incident_type="contact_tree",
        summary="連絡網の確認",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "連絡",
                                                    "description": ""}}],
        timeline=[inject("+0:00", "所属から市町村課へ", role="市町村課"),
                  inject("+0:00", "市町村課から県へ", role="県")],
    )
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator, now=T0)
    drill = runs.drill_start(drill=drill, now=at(0))
    link = drill.injects.get(role__name="市町村課")
    forger = runs.participant_join(drill=drill, role=drill.roles.get(name="県"), now=at(0),
                                   person=colleague)
    addressee = runs.participant_join(drill=drill, role=link.role, now=at(0), person=operator)
    # A forged pick-up at +0:10, written before this rule (the services refuse it now).
    InjectAcknowledgement.objects.create(inject=link, participant=forger, acknowledged_at=at(0, 10))
    runs.inject_acknowledge(participant=addressee, inject=link, now=at(1, 30))
    timing = next(t for t in contact_tree_timings(drill, at(5)) if t["inject"] == link)
    assert (timing["acknowledged_at"], timing["taken"]) == (at(1, 30), datetime.timedelta(seconds=90))


def test_the_services_refuse_another_roles_inject(running):
    guest = runs.participant_join(drill=running, role=running.roles.get(name="広報"), now=at(6),
                                  display_name="応援職員")
    theirs = running.injects.get(subject="監視センターからの通報")
    with pytest.raises(Exception, match="受け取ったものではありません"):
        runs.inject_acknowledge(participant=guest, inject=theirs, now=at(6))
    with pytest.raises(Exception, match="受け取ったものではありません"):
        runs.log_record(participant=guest, text="報告", inject=theirs, now=at(6))
    assert not InjectAcknowledgement.objects.exists() and not LogEntry.objects.exists()


def test_a_participant_cannot_change_role_once_the_drill_has_started(login, clock,
                                                                     secret_drill, operator):
    # Changing role mid-drill would let one person pick up another role's link, then
    # return: the same forgery by another way.
    def join_by_code(role_name):
        return login(operator).post(reverse("drills:join"), {
            "code": secret_drill.join_code, "display_name": "山田",
            "role": secret_drill.roles.get(name=role_name).pk,
        })

    assert join_by_code("広報").status_code == 302  # before the start: free to change
    assert join_by_code("所属長").status_code == 302
    start(secret_drill, clock, 6)
    response = join_by_code("広報")
    assert response.status_code == 400
    assert "開始後は役割を変更できません" in response.content.decode()
    participant = secret_drill.participants.get(person=operator)
    assert participant.role.name == "所属長"

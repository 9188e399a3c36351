"""The drill clock: drill time, pauses, releases exactly once, contingency releases, and
the worker task that records releases, all on a controlled clock (never a sleep)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_q.signals import post_spawn

from core.models import OutgoingMail
from core.outbox import outbox_send
from drills import runs
from drills.clock import Clock, is_released
from drills.consoles import participant_state, staff_state
from drills.models import Drill, InjectRelease, Participant
from drills.tasks import clock_ensure, run_drill_clock, watch_running_drills
from tests.conftest import DRILL_T0 as T0
from tests.conftest import inject


def at(minutes=0, seconds=0):
    return T0 + datetime.timedelta(minutes=minutes, seconds=seconds)


def minutes(value):
    return datetime.timedelta(minutes=value)


def subjects(drill, now):
    clock = Clock.of(drill)
    return [i.subject for i in drill.injects.select_related("release").order_by("offset")
            if is_released(i, clock, now, InjectRelease.objects.filter(inject=i).first())]


def fresh(drill):
    return Drill.objects.get(pk=drill.pk)


# Drill time


def test_drill_time_stands_still_while_paused_and_stops_at_the_end(drill):
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_pause(drill=drill, now=at(3))
    clock = Clock.of(fresh(drill))
    assert clock.state(at(50)) == "paused"
    assert clock.elapsed(at(50)) == minutes(3)
    runs.drill_resume(drill=drill, now=at(60))
    runs.drill_end(drill=drill, now=at(70))
    clock = Clock.of(fresh(drill))
    assert clock.elapsed(at(65)) == minutes(8)
    assert clock.elapsed(at(500)) == minutes(13)
    assert clock.state(at(500)) == "ended"


def test_an_inject_falls_due_when_drill_time_reaches_it(drill):
    runs.drill_start(drill=drill, now=at(0))
    assert subjects(fresh(drill), at(4, 59)) == ["監視センターからの通報"]
    assert subjects(fresh(drill), at(5)) == ["監視センターからの通報", "報道機関からの問い合わせ"]


def test_a_long_pause_neither_expires_nor_skips_injects(drill):
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_pause(drill=drill, now=at(2))
    # Two days later, nothing more has been released...
    assert len(subjects(fresh(drill), at(2 * 24 * 60))) == 1
    runs.drill_resume(drill=drill, now=at(2 * 24 * 60))
    # ...and after the resume the next one comes three minutes of drill time later, not at once.
    later = 2 * 24 * 60
    assert len(subjects(fresh(drill), at(later + 2, 59))) == 1
    assert subjects(fresh(drill), at(later + 3))[-1] == "報道機関からの問い合わせ"
    clock = Clock.of(fresh(drill))
    assert clock.wall_time_of(minutes(5)) == at(later + 3)


def test_the_first_inject_after_a_resume_fires(drill):
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_pause(drill=drill, now=at(4, 59))
    runs.drill_resume(drill=drill, now=at(30))
    recorded = runs.releases_record(drill=fresh(drill), now=at(30, 1))
    assert [i.subject for i in recorded] == ["監視センターからの通報", "報道機関からの問い合わせ"]
    release = InjectRelease.objects.get(inject__subject="報道機関からの問い合わせ")
    assert release.released_at == at(30, 1)  # 4:59 + 1 s of drill time after the resume


def test_nothing_is_released_twice_across_pauses_and_restarts(drill):
    runs.drill_start(drill=drill, now=at(0))
    assert len(runs.releases_record(drill=fresh(drill), now=at(6))) == 2
    runs.drill_pause(drill=drill, now=at(7))
    # A restarted worker and the watchdog both look again: nothing new.
    assert runs.releases_record(drill=fresh(drill), now=at(8)) == []
    runs.drill_resume(drill=drill, now=at(9))
    assert runs.releases_record(drill=fresh(drill), now=at(9)) == []
    assert [i.subject for i in runs.releases_record(drill=fresh(drill), now=at(22))] == [
        "追加の照会記録"
    ]
    assert InjectRelease.objects.count() == 3
    # Once per release, the role's participants were notified (none have e-mail here).
    assert mail.outbox == []


def test_a_contingency_inject_is_released_only_by_the_controller_at_once_even_paused(
    drill, coordinator
):
    runs.drill_start(drill=drill, now=at(0))
    runs.releases_record(drill=fresh(drill), now=at(15))
    assert "県からの督促" not in subjects(fresh(drill), at(15))
    runs.drill_pause(drill=drill, now=at(16))
    contingency = fresh(drill).injects.get(is_contingency=True)
    runs.inject_release_now(inject=contingency, by=coordinator, now=at(17))
    assert "県からの督促" in subjects(fresh(drill), at(17))
    release = InjectRelease.objects.get(inject=contingency)
    assert (release.kind, release.released_at, release.released_by) == ("manual", at(17), coordinator)
    with pytest.raises(ValidationError):
        runs.inject_release_now(inject=contingency, by=coordinator, now=at(18))
    assert InjectRelease.objects.filter(inject=contingency).count() == 1


def test_release_now_brings_a_scheduled_inject_forward(drill, coordinator):
    runs.drill_start(drill=drill, now=at(0))
    later = fresh(drill).injects.get(subject="追加の照会記録")
    runs.inject_release_now(inject=later, by=coordinator, now=at(1))
    assert "追加の照会記録" in subjects(fresh(drill), at(1))
    assert runs.releases_record(drill=fresh(drill), now=at(25))[-1].subject != "追加の照会記録"


def test_an_inject_not_reached_before_the_end_is_never_released(drill):
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_end(drill=drill, now=at(10))
    assert "追加の照会記録" not in subjects(fresh(drill), at(60))
    assert [i.subject for i in runs.releases_record(drill=fresh(drill), now=at(60))] == [
        "監視センターからの通報", "報道機関からの問い合わせ"
    ]


@pytest.mark.parametrize("change, now", [
    (runs.drill_pause, at(1)),  # not started
    (runs.drill_resume, at(1)),
    (runs.drill_end, at(1)),
])
def test_clock_changes_out_of_turn_are_refused(drill, change, now):
    with pytest.raises(ValidationError):
        change(drill=drill, now=now)
    drill.refresh_from_db()
    assert (drill.started_at, drill.ended_at, drill.pauses.count()) == (None, None, 0)


def test_pausing_a_paused_drill_and_starting_twice_are_refused(drill):
    runs.drill_start(drill=drill, now=at(0))
    runs.drill_pause(drill=drill, now=at(1))
    with pytest.raises(ValidationError, match="一時停止|paused"):
        runs.drill_pause(drill=drill, now=at(2))
    with pytest.raises(ValidationError):
        runs.drill_start(drill=drill, now=at(2))
    assert fresh(drill).pauses.count() == 1


# What participants may see


def test_a_participant_sees_only_released_injects_for_their_role(drill):
    runs.drill_start(drill=drill, now=at(0))
    head = runs.participant_join(drill=drill, role=drill.roles.get(name="所属長"), now=at(0),
                                 display_name="所属長役")
    press = runs.participant_join(drill=drill, role=drill.roles.get(name="広報"), now=at(0),
                                  display_name="広報役")
    head, press = (Participant.objects.select_related("drill").get(pk=p.pk) for p in (head, press))
    # Newest first: on a phone, what just arrived is on top.
    assert [i["subject"] for i in participant_state(head, at(30)).data["injects"]] == [
        "追加の照会記録", "監視センターからの通報"
    ]
    early = participant_state(press, at(4)).data
    assert early["injects"] == []
    assert "報道機関" not in str(early)
    assert [i["subject"] for i in participant_state(press, at(5)).data["injects"]] == [
        "報道機関からの問い合わせ"
    ]
    # The controller's state has everything.
    assert len(staff_state(fresh(drill), at(4)).data["injects"]) == 4


# The worker task, driven by a fake clock


class FakeTime:
    def __init__(self, start):
        self.now = start
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += datetime.timedelta(seconds=seconds)


def test_the_clock_task_records_each_inject_as_it_falls_due(drill, monkeypatch):
    queued = []
    monkeypatch.setattr("drills.tasks.async_task", lambda *args: queued.append(args))
    runs.drill_start(drill=drill, now=at(0))
    assert clock_ensure(drill.pk, now=at(0))
    assert not clock_ensure(drill.pk, now=at(0, 1))  # one task holds the lease
    (_func, drill_id, token), = queued
    fake = FakeTime(at(0))
    recorded = run_drill_clock(drill_id, token, now=fake, sleep=fake.sleep, seconds=400)
    assert recorded == 2  # +0:00 and +0:05 within 400 s
    release = InjectRelease.objects.get(inject__subject="報道機関からの問い合わせ")
    assert release.released_at == at(5)
    assert release.recorded_at - release.released_at <= datetime.timedelta(seconds=1)
    # It handed over to a fresh task before its time ran out.
    assert len(queued) == 2


def test_the_watchdog_records_what_fell_due_while_no_worker_ran(drill, monkeypatch):
    monkeypatch.setattr("drills.tasks.async_task", lambda *args: None)
    runs.drill_start(drill=drill, now=at(0))
    import time_machine

    with time_machine.travel(at(21), tick=False):
        assert watch_running_drills() == {"drills": 1, "recorded": 3}
        assert watch_running_drills() == {"drills": 1, "recorded": 0}


def test_a_starting_worker_records_what_fell_due_and_relaunches_the_clock(drill, monkeypatch):
    queued = []
    monkeypatch.setattr("drills.tasks.async_task", lambda *args: queued.append(args))
    runs.drill_start(drill=drill, now=at(0))
    import time_machine

    with time_machine.travel(at(6), tick=False):
        # What django_q sends in each worker it starts, before the worker takes a task.
        post_spawn.send(sender="django_q", proc_name="Process-1")
    assert InjectRelease.objects.filter(inject__drill=drill).count() == 2  # +0:00, +0:05
    assert [args[0] for args in queued] == ["drills.tasks.run_drill_clock"]  # +0:20 to come


def test_a_failing_resume_does_not_stop_the_worker(drill, monkeypatch, caplog):
    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr("drills.tasks.watch_running_drills", broken)
    post_spawn.send(sender="django_q", proc_name="Process-1")  # logged, not raised
    assert "Could not resume the running drills' clocks" in caplog.text


# The inject notice: written with the release, sent after it


def participant_with_email(drill, role_name, person, email):
    person.email = email
    person.save()
    return Participant.objects.create(drill=drill, role=drill.roles.get(name=role_name),
                                      person=person, display_name=person.name, joined_at=at(0))


def test_each_participant_of_the_role_gets_one_notice_per_release(
    drill, operator, colleague, supervisor
):
    participant_with_email(drill, "所属長", operator, "operator@example.lg.jp")
    participant_with_email(drill, "所属長", colleague, "shared@example.lg.jp")
    participant_with_email(drill, "所属長", supervisor, "shared@example.lg.jp")
    runs.drill_start(drill=drill, now=at(0))
    runs.releases_record(drill=fresh(drill), now=at(1))
    runs.releases_record(drill=fresh(drill), now=at(2))  # nothing new
    assert outbox_send() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "operator@example.lg.jp", "shared@example.lg.jp"]
    assert {message.subject for message in mail.outbox} == {"【訓練】所属長への新しい状況付与"}


def test_the_release_is_recorded_whatever_the_mail_server_does(drill, operator, monkeypatch):
    participant_with_email(drill, "所属長", operator, "operator@example.lg.jp")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    runs.drill_start(drill=drill, now=at(0))
    assert [i.subject for i in runs.releases_record(drill=fresh(drill), now=at(1))] == [
        "監視センターからの通報"]
    assert outbox_send() == 0
    assert InjectRelease.objects.filter(inject__drill=drill).count() == 1
    notice = OutgoingMail.objects.get()
    assert (notice.to, notice.attempts, notice.sent_at) == ("operator@example.lg.jp", 1, None)


# Scheduling freezes the scenario


def test_editing_the_scenario_later_never_changes_a_scheduled_drill(scenario, drill):
    scenario.title = "改訂後のシナリオ"
    scenario.timeline = [inject("+0:01", "差し替えた状況付与")]
    scenario.save()
    drill.refresh_from_db()
    assert drill.title == "不正照会の疑い"
    assert list(drill.injects.order_by("offset").values_list("subject", flat=True)) == [
        "監視センターからの通報", "報道機関からの問い合わせ", "県からの督促", "追加の照会記録"
    ]
    assert drill.actions.get().description == "所属長へ報告する"
    assert set(drill.roles.values_list("name", flat=True)) == {"所属長", "広報"}


def test_a_scenario_whose_action_names_a_missing_objective_cannot_be_scheduled(
    scenario, coordinator
):
    scenario.timeline = [{**inject("+0:00", "通報", actions=["報告"])}]
    scenario.timeline[0].value["expected_actions"][0]["objective"] = "9"
    scenario.save()
    with pytest.raises(ValidationError, match="9"):
        runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator, now=T0)
    assert not Drill.objects.exists()


# The real worker


def test_a_real_worker_records_each_release_once(task_worker, scenario, coordinator):
    from django.utils import timezone

    # A starting worker does the watchdog's round (drills.tasks.clocks_resume): let it
    # start before there is a drill, so that what is recorded below is the task's.
    assert task_worker("math.factorial", 1) == 1
    # Long enough ago that every scheduled inject is due, so no clock task is left running.
    started = timezone.now() - datetime.timedelta(minutes=25)
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=started, by=coordinator,
                                now=started)
    runs.drill_start(drill=drill, now=started)
    first = task_worker("drills.tasks.watch_running_drills")
    assert first == {"drills": 1, "recorded": 3}  # +0:00, +0:05 and +0:20
    # Another run, as after a worker restart: nothing is recorded twice.
    assert task_worker("drills.tasks.watch_running_drills") == {"drills": 1, "recorded": 0}
    assert InjectRelease.objects.filter(inject__drill=drill).count() == 3

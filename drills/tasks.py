"""django-q2 tasks that record inject releases as drill time reaches them.

The consoles never wait for these: they show what the clock says. The tasks write the
release records (once each) and send the notifications, as close to the due time as a
worker can. django-q2's scheduler wakes only about every 30 seconds, so it cannot be the
clock; instead a running drill has one `run_drill_clock` task that sleeps until the
next inject is due, records it, and hands over to a fresh task before django-q2's
timeout. Start and resume launch it; a scheduled watchdog relaunches it after a worker
died, and records anything that fell due meanwhile.

When a django-q2 worker starts (django_q's post_spawn signal, connected in
DrillsConfig.ready), it does the watchdog's round at once: a release that fell due while
no worker ran is recorded as soon as one is back, not at the next watchdog run.

A daily task records the improvement plan's reminders (drills.improvements). The
schedules are registered with core.schedules when this module is imported.
"""

import datetime
import logging
import time
import uuid

from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task
from redis.exceptions import RedisError

from core import schedules
from drills.clock import Clock
from drills.improvements import improvement_reminders_send
from drills.models import Drill
from drills.runs import next_due_at, releases_record

logger = logging.getLogger(__name__)

# A clock task runs this long, then hands over; well inside Q_CLUSTER's timeout.
CLOCK_TASK_SECONDS = 50
# Sleep at most this long between checks, so a pause or an end is noticed quickly.
CLOCK_TICK_SECONDS = 1.0
WATCHDOG = {
    "name": "drill-clock-watchdog",
    "func": "drills.tasks.watch_running_drills",
    "schedule_type": Schedule.MINUTES,
    "minutes": 1,
}

# Daily, with the training reminders, so that they arrive at the start of the working day.
IMPROVEMENT_REMINDERS = {
    "name": "improvement-reminders",
    "func": "drills.tasks.send_improvement_reminders",
    "schedule_type": Schedule.DAILY,
}
schedules.register(**WATCHDOG)
schedules.register(**IMPROVEMENT_REMINDERS, daily=True)


# A clock task renews its lease every tick; one that died loses it after this long.
LEASE_SECONDS = 15


def clock_ensure(drill_id: int, *, now=None) -> bool:
    """Start the drill's clock task unless one holds the lease. Returns whether it
    started one. The lease is a conditional UPDATE, so of any number of callers on any
    number of hosts one wins. With the task queue's Redis down it starts none and says
    so in the log, and the watchdog starts it once Redis is back."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    won = Drill.objects.filter(pk=drill_id).filter(
        Q(clock_lease_until__isnull=True) | Q(clock_lease_until__lt=now)
    ).update(clock_token=token, clock_lease_until=now + datetime.timedelta(seconds=LEASE_SECONDS))
    if not won:
        return False
    try:
        async_task("drills.tasks.run_drill_clock", drill_id, token)
    except RedisError:
        # The queue is down. The caller (a controller's start or resume) carries on: the
        # drill runs on database time and consoles show injects as they fall due; the
        # lease is given back so that the watchdog, once the queue is back, launches the
        # clock at its next round and records what fell due meanwhile.
        logger.warning("Could not queue the clock of drill %s; the watchdog will",
                       drill_id, exc_info=True)
        _release(drill_id, token)
        return False
    return True


def _renew(drill_id: int, token: str, now: datetime.datetime) -> bool:
    return bool(Drill.objects.filter(pk=drill_id, clock_token=token).update(
        clock_lease_until=now + datetime.timedelta(seconds=LEASE_SECONDS)
    ))


def _release(drill_id: int, token: str) -> None:
    Drill.objects.filter(pk=drill_id, clock_token=token).update(
        clock_token="", clock_lease_until=None
    )


def run_drill_clock(drill_id: int, token: str, *, now=timezone.now, sleep=time.sleep,
                    seconds: float = CLOCK_TASK_SECONDS) -> int:
    """Record releases as they fall due for up to `seconds`, then hand over to a new task
    if the drill still has injects to come. Returns the number of releases recorded.

    `now` and `sleep` are injectable so tests can drive it without waiting.
    """
    deadline = now() + datetime.timedelta(seconds=seconds)
    recorded = 0
    while True:
        moment = now()
        if not _renew(drill_id, token, moment):
            return recorded  # another task holds the lease now
        drill = Drill.objects.get(pk=drill_id)
        recorded += len(releases_record(drill=drill, now=moment))
        upcoming = next_due_at(drill, moment)
        if Clock.of(drill).state(moment) != "running" or upcoming is None:
            break  # paused, ended or nothing left: resume or the watchdog relaunch it
        if moment >= deadline:
            _release(drill_id, token)
            clock_ensure(drill_id, now=moment)
            return recorded
        wait = min((upcoming - moment).total_seconds(), (deadline - moment).total_seconds(),
                   CLOCK_TICK_SECONDS)
        sleep(max(wait, 0.0))
    _release(drill_id, token)
    return recorded


def watch_running_drills() -> dict[str, int]:
    """Every minute: record what fell due for each running drill, and relaunch its clock
    task if none is alive (the worker that ran it may have died). Returns how many drills
    it looked at and how many releases it recorded."""
    now = timezone.now()
    summary = {"drills": 0, "recorded": 0}
    for drill in Drill.objects.filter(started_at__isnull=False, ended_at__isnull=True):
        summary["drills"] += 1
        summary["recorded"] += len(releases_record(drill=drill, now=now))
        if Clock.of(drill).state(now) == "running" and next_due_at(drill, now) is not None:
            clock_ensure(drill.pk, now=now)
    return summary


def clocks_resume(sender=None, **kwargs) -> None:
    """A worker has started: do the watchdog's round now. Runs in the new worker before
    it takes a task; a failure is logged, never raised, for it would kill the worker."""
    try:
        watch_running_drills()
    except Exception:
        logger.exception("Could not resume the running drills' clocks; the watchdog will")


def send_improvement_reminders() -> int:
    return improvement_reminders_send(now=timezone.now())

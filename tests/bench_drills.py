"""Drill figures for `make bench` (tests/bench.py runs these after its own).

- How late an inject is: from the moment drill time reaches it to the worker's release
  record, and to the moment a participant's console, polling as the page does, shows it.
  A real django-q2 worker runs beside the bench, on the bench's database.
- What the consoles cost: one participant's poll with 200 participants in the drill, and
  what 200 of them polling every POLL_SECONDS add up to.
"""

import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
LATENCY_INJECTS = 10
LATENCY_SPACING_SECONDS = 3
CONSOLE_PARTICIPANTS = 200
CONSOLE_ROLES = 5
CONSOLE_INJECTS = 30
CONSOLE_LOG_ENTRIES = 1000


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _inject(offset_seconds, subject, role):
    minutes, seconds = divmod(offset_seconds, 60)
    return {"type": "inject", "value": {
        "offset": f"+0:{minutes:02}:{seconds:02}", "channel": "phone", "sender": "統制",
        "role": role, "subject": subject, "message": f"{subject}。状況を確認し、対応してください。",
        "contingency": False, "expected_actions": [{
            "description": f"{subject}に対応する", "objective": "1", "role": role,
            "deadline_minutes": 10, "weight": 1, "plan_step": "",
        }],
    }}


def _drill(title, timeline, *, started_at):
    from drills import runs
    from drills.models import Scenario
    from people.models import Person

    coordinator = Person.objects.get(user__username="coordinator")
    scenario = Scenario.objects.create(
        organisation=coordinator.organisation, title=title, incident_type="other",
        summary="負荷計測用の訓練",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "対応",
                                                    "description": ""}}],
        timeline=timeline,
    )
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=started_at, by=coordinator,
                                now=started_at)
    return runs.drill_start(drill=drill, now=started_at)


def _guest_client(participant):
    from people.access import GUEST_PARTICIPANTS

    client = Client(HTTP_HOST="localhost")
    session = client.session
    session[GUEST_PARTICIPANTS] = {str(participant.drill_id): participant.pk}
    session.save()
    return client


def _worker():
    """A real cluster on the bench's database, ready once it has run a first task."""
    from django_q.tasks import async_task, result

    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT,
        env={**os.environ, "Q_WORKERS": "2"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    if result(async_task("math.floor", 1.5), wait=60_000) != 1:
        process.terminate()
        raise SystemExit("the django-q2 worker did not start; cannot measure release latency")
    return process


def drill_release_latency():
    from django.utils import timezone

    from drills.consoles import POLL_SECONDS
    from drills.models import InjectRelease
    from drills.runs import participant_join
    from drills.tasks import clock_ensure

    worker = _worker()
    try:
        timeline = [
            _inject(LATENCY_SPACING_SECONDS * (n + 1), f"状況{n + 1}", "対策本部")
            for n in range(LATENCY_INJECTS)
        ]
        drill = _drill("遅延計測", timeline, started_at=timezone.now())
        clock_ensure(drill.pk)
        participant = participant_join(drill=drill, role=drill.roles.get(), now=timezone.now(),
                                       display_name="計測")
        client = _guest_client(participant)
        url = reverse("drills:play_state", args=[drill.pk])
        due = {inject.pk: drill.started_at + inject.offset for inject in drill.injects.all()}
        seen = {}
        # A console polls every POLL_SECONDS from whenever its page was opened.
        time.sleep(random.Random(7).uniform(0, POLL_SECONDS))
        deadline = time.monotonic() + LATENCY_SPACING_SECONDS * LATENCY_INJECTS + 15
        while len(seen) < len(due) and time.monotonic() < deadline:
            state = client.get(url).json()
            now = timezone.now()
            for inject in state["injects"]:
                seen.setdefault(inject["id"], now)
            time.sleep(POLL_SECONDS)
        while (InjectRelease.objects.filter(inject__drill=drill).count() < len(due)
               and time.monotonic() < deadline):
            time.sleep(0.2)
        releases = list(InjectRelease.objects.filter(inject__drill=drill))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    if len(seen) < len(due) or len(releases) < len(due):
        raise SystemExit(f"only {len(seen)} injects seen and {len(releases)} recorded of "
                         f"{len(due)}")
    recorded = [(r.recorded_at - r.released_at).total_seconds() * 1000 for r in releases]
    visible = [(seen[pk] - moment).total_seconds() * 1000 for pk, moment in due.items()]
    yield "drill_release_recorded_ms", f"{statistics.median(recorded):.0f}", "ms"
    yield "drill_release_recorded_max_ms", f"{max(recorded):.0f}", "ms"
    yield "drill_console_visible_ms", f"{statistics.median(visible):.0f}", "ms"
    yield "drill_console_visible_max_ms", f"{max(visible):.0f}", "ms"


def drill_console_polls():
    from django.utils import timezone

    from drills.consoles import POLL_SECONDS
    from drills.models import LogEntry, Participant

    started_at = timezone.now() - datetime.timedelta(hours=1)
    roles = [f"班{n + 1}" for n in range(CONSOLE_ROLES)]
    timeline = [_inject(60 * n, f"状況{n + 1}", roles[n % CONSOLE_ROLES])
                for n in range(CONSOLE_INJECTS)]
    drill = _drill("200人訓練", timeline, started_at=started_at)
    drill_roles = list(drill.roles.order_by("pk"))
    participants = Participant.objects.bulk_create(
        Participant(drill=drill, role=drill_roles[n % len(drill_roles)],
                    display_name=f"参加者{n + 1}", joined_at=started_at)
        for n in range(CONSOLE_PARTICIPANTS)
    )
    LogEntry.objects.bulk_create(
        LogEntry(drill=drill, participant=participants[n % len(participants)],
                 text=f"対応記録 {n + 1}", logged_at=started_at + datetime.timedelta(seconds=3 * n),
                 drill_time=datetime.timedelta(seconds=3 * n))
        for n in range(CONSOLE_LOG_ENTRIES)
    )
    progress(f"{CONSOLE_PARTICIPANTS} participants polling")
    clients = [_guest_client(participant) for participant in participants]
    url = reverse("drills:play_state", args=[drill.pk])
    clients[0].get(url)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        clients[0].get(url)
    timings = []
    for _round in range(3):
        for client in clients:
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise SystemExit(f"a participant's poll answered {response.status_code}")
    median_ms = statistics.median(timings) * 1000
    yield "drill_console_poll_ms", f"{median_ms:.1f}", "ms"
    yield "drill_console_poll_queries", len(queries), "queries"
    # The server time all 200 consoles need each second, as a share of one core.
    load = CONSOLE_PARTICIPANTS * median_ms / (POLL_SECONDS * 1000)
    yield "drill_console_200_participants_load", f"{load:.2f}", "cores"


MEASUREMENTS = [drill_release_latency, drill_console_polls]

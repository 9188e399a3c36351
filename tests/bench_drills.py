"""Drill figures for `make bench` (tests/bench.py runs these after its own).

- How late an inject is: from the moment drill time reaches it to the worker's release
  record, and to the moment a participant's console, polling as the page does, shows it.
  A real django-q2 worker runs beside the bench, on the bench's database.
- What the consoles cost: one participant's poll with 200 participants in the drill, in
  full and answered "unchanged" (drills.console_tags), and what 200 and 1,000 of them
  polling every POLL_SECONDS add up to.
- The after-action report PDF of an ended drill with 200 participants and 1,000 log
  entries, every section filled.
- The prefecture coordinator's trends page with ten fiscal years of drills, and its query
  count with one year and with ten: the same, however many drills.
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
CONSOLE_LOADS = (CONSOLE_PARTICIPANTS, 1000)
CONSOLE_ROUNDS = 5
CONSOLE_ROLES = 5
CONSOLE_INJECTS = 30
CONSOLE_LOG_ENTRIES = 1000


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _inject(offset_seconds, subject, role):
    hours, rest = divmod(offset_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return {"type": "inject", "value": {
        "offset": f"+{hours}:{minutes:02}:{seconds:02}", "channel": "phone", "sender": "統制",
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
    from drills.access import GUEST_PARTICIPANTS

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
        tag = None
        while len(seen) < len(due) and time.monotonic() < deadline:
            response = client.get(url, **({"HTTP_IF_NONE_MATCH": tag} if tag else {}))
            now = timezone.now()
            if response.status_code == 200:
                tag = response["ETag"]
                for inject in response.json()["injects"]:
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


def _console_drill(participant_count):
    from django.utils import timezone

    from drills.models import LogEntry, Participant

    started_at = timezone.now() - datetime.timedelta(hours=1)
    roles = [f"班{n + 1}" for n in range(CONSOLE_ROLES)]
    # Injects every minute from the start, and on past the hour: some still to come.
    timeline = [_inject(60 * n, f"状況{n + 1}", roles[n % CONSOLE_ROLES])
                for n in range(CONSOLE_INJECTS * 3)]
    drill = _drill(f"{participant_count}人訓練", timeline, started_at=started_at)
    drill_roles = list(drill.roles.order_by("pk"))
    participants = Participant.objects.bulk_create(
        Participant(drill=drill, role=drill_roles[n % len(drill_roles)],
                    display_name=f"参加者{n + 1}", joined_at=started_at)
        for n in range(participant_count)
    )
    LogEntry.objects.bulk_create(
        LogEntry(drill=drill, participant=participants[n % len(participants)],
                 text=f"対応記録 {n + 1}", logged_at=started_at + datetime.timedelta(seconds=3 * n),
                 drill_time=datetime.timedelta(seconds=3 * n))
        for n in range(CONSOLE_LOG_ENTRIES)
    )
    return drill, participants


def _poll(client, url, tag):
    began = time.perf_counter()
    response = client.get(url, **({"HTTP_IF_NONE_MATCH": tag} if tag else {}))
    took = time.perf_counter() - began
    if response.status_code not in (200, 304):
        raise SystemExit(f"a participant's poll answered {response.status_code}")
    return response, took


def drill_console_polls():
    """Every participant polls as the page does: the first answer in full, then with the
    tag it was given, answered 304 while nothing it shows has changed. In each round one
    participant logs an entry (more than the 1,000 an hour of the bench's drill), so their
    next poll is answered in full."""
    from django.utils import timezone

    from drills.consoles import POLL_SECONDS
    from drills.runs import log_record

    for participant_count in CONSOLE_LOADS:
        drill, participants = _console_drill(participant_count)
        progress(f"{participant_count} participants polling")
        clients = [_guest_client(participant) for participant in participants]
        url = reverse("drills:play_state", args=[drill.pk])
        tags = {}
        full = []
        for index, client in enumerate(clients):
            response, took = _poll(client, url, None)
            tags[index] = response["ETag"]
            full.append(took)
        reset_queries()
        # Counted at once: the next request empties the connection's log.
        with CaptureQueriesContext(connection) as queries:
            clients[0].get(url)
        full_queries = len(queries)
        with CaptureQueriesContext(connection) as queries:
            clients[0].get(url, HTTP_IF_NONE_MATCH=tags[0])
        unchanged_queries = len(queries)
        rounds = []
        rounds_cpu = []
        unchanged = []
        answered_in_full = 0
        for round_number in range(CONSOLE_ROUNDS):
            log_record(participant=participants[round_number], text="進捗を報告",
                       now=timezone.now())
            round_seconds = 0.0
            cpu_started = time.process_time()
            for index, client in enumerate(clients):
                response, took = _poll(client, url, tags[index])
                round_seconds += took
                if response.status_code == 200:
                    tags[index] = response["ETag"]
                    answered_in_full += 1
                else:
                    unchanged.append(took)
            rounds.append(round_seconds)
            rounds_cpu.append(time.process_time() - cpu_started)
        if participant_count == CONSOLE_PARTICIPANTS:
            yield "drill_console_poll_ms", f"{statistics.median(full) * 1000:.1f}", "ms"
            yield "drill_console_poll_queries", full_queries, "queries"
            yield ("drill_console_unchanged_poll_ms",
                   f"{statistics.median(unchanged) * 1000:.2f}", "ms")
            yield "drill_console_unchanged_poll_queries", unchanged_queries, "queries"
        # The server time all consoles need each second, as a share of one core: each
        # round is every console polling once, which the page does every POLL_SECONDS.
        load = statistics.median(rounds) / POLL_SECONDS
        yield f"drill_console_{participant_count}_participants_load", f"{load:.2f}", "cores"
        # The same in this process's CPU time, which other processes on a busy machine
        # do not inflate as they do the wall time above (SQLite and the file cache run
        # in this process; PostgreSQL's own share is not counted).
        cpu = statistics.median(rounds_cpu) / POLL_SECONDS
        yield f"drill_console_{participant_count}_participants_cpu", f"{cpu:.2f}", "cores"
        yield (f"drill_console_{participant_count}_participants_answered_in_full",
               f"{answered_in_full / (participant_count * CONSOLE_ROUNDS) * 100:.1f}", "%")


MEASUREMENTS = [drill_release_latency, drill_console_polls]


# The after-action report and the trends page (issue 7)

REPORT_PARTICIPANTS = 200
REPORT_ACCOUNT_HOLDERS = 50  # the rest joined as guests with the code
REPORT_ROLES = 5
REPORT_INJECTS = 30
REPORT_LOG_ENTRIES = 1000
REPORT_HOT_WASH_ANSWERS = 60
REPORT_IMPROVEMENT_ITEMS = 8
REPORT_REPEATS = 5
REPORT_OBJECTIVES = ["初動報告", "被害範囲の確認", "関係機関への連絡"]

TREND_YEARS = 10
TREND_DRILLS_PER_YEAR = 4
TREND_MONTHS = (5, 8, 11, 2)  # one drill a quarter; February falls in the next calendar year
TREND_OBJECTIVES = ["初動報告", "所属長への報告", "広報対応"]
TREND_ACTIONS_PER_OBJECTIVE = 2
PAGE_REPEATS = 11


def _report_drill():
    """An ended drill of an hour with 200 participants (50 with accounts), 1,000 log
    entries, 30 injects each expecting an action (most ticked from a log entry, some
    late, some never), every objective rated and written up, hot wash answers and
    improvement items: every section of the report has content."""
    from django.utils import timezone

    from drills import runs
    from drills.hotwash import hot_wash_submit
    from drills.improvements import item_create
    from drills.models import LogEntry, Participant, Scenario
    from drills.report import objective_findings_save
    from people.models import Person

    coordinator = Person.objects.select_related("department").get(user__username="coordinator")
    rng = random.Random(11)
    roles = [f"班{n + 1}" for n in range(REPORT_ROLES)]
    timeline = []
    for n in range(REPORT_INJECTS):
        value = _inject(60 * n, f"状況{n + 1}", roles[n % REPORT_ROLES])["value"]
        value["expected_actions"][0].update(objective=str(n % len(REPORT_OBJECTIVES) + 1),
                                            weight=1 + n % 3)
        timeline.append({"type": "inject", "value": value})
    scenario = Scenario.objects.create(
        organisation=coordinator.organisation, title="報告書計測用の訓練", incident_type="other",
        summary="負荷計測用の訓練。<b>タグ</b>も文字として扱う。",
        objectives=[{"type": "objective", "value": {"code": str(n + 1), "title": title,
                                                    "description": f"{title}を時間内に行う"}}
                    for n, title in enumerate(REPORT_OBJECTIVES)],
        timeline=timeline,
    )
    started_at = timezone.now() - datetime.timedelta(hours=3)
    ended_at = started_at + datetime.timedelta(hours=1)
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=started_at, by=coordinator,
                                now=started_at - datetime.timedelta(days=7))
    drill = runs.drill_start(drill=drill, now=started_at)
    drill_roles = {role.name: role for role in drill.roles.all()}
    people = list(Person.objects.filter(organisation=coordinator.organisation)
                  .exclude(pk=coordinator.pk).order_by("pk")[:REPORT_ACCOUNT_HOLDERS])
    participants = Participant.objects.bulk_create(
        Participant(drill=drill, role=drill_roles[roles[n % REPORT_ROLES]],
                    person=people[n] if n < len(people) else None,
                    display_name=people[n].name if n < len(people) else f"参加者{n + 1}",
                    joined_at=started_at)
        for n in range(REPORT_PARTICIPANTS)
    )
    injects = list(drill.injects.select_related("role").order_by("offset"))
    # No pauses, so drill time is wall time since the start, as log_record would stamp it.
    step = datetime.timedelta(hours=1) / (REPORT_LOG_ENTRIES + 1)
    entries = []
    for n in range(REPORT_LOG_ENTRIES):
        drill_time = step * (n + 1)
        participant = participants[n % len(participants)]
        answered = [i for i in injects if i.role_id == participant.role_id
                    and i.offset <= drill_time]
        entries.append(LogEntry(
            drill=drill, participant=participant, inject=answered[-1] if answered else None,
            text=f"対応記録 {n + 1}: {answered[-1].subject if answered else '待機'}に対応した",
            logged_at=started_at + drill_time, drill_time=drill_time,
        ))
    entries = LogEntry.objects.bulk_create(entries)
    for n, action in enumerate(drill.actions.select_related("inject").order_by("inject__offset")):
        if n % 7 == 6:
            continue  # never achieved
        after = [e for e in entries if e.inject_id == action.inject_id]
        # Most on time; every fifth from a later entry, to score some late.
        entry = after[min(len(after) - 1, 12 if n % 5 == 4 else 0)] if after else None
        runs.action_tick(drill=drill, action_id=action.pk, by=coordinator, now=ended_at,
                         log_entry_id=entry.pk if entry else None,
                         achieved_at=None if entry else ended_at)
    objectives = list(drill.objectives.order_by("order"))
    for objective, rating in zip(objectives, "PSM", strict=False):
        runs.objective_rate(drill=drill, objective_id=objective.pk, rating=rating,
                            notes="評価メモ", by=coordinator, now=ended_at)
    objective_findings_save(drill=drill, findings={
        objective.pk: (f"{objective.title}は迅速だった。", f"{objective.title}の手順書を見直す。")
        for objective in objectives
    })
    drill = runs.drill_end(drill=drill, now=ended_at)
    answered_at = ended_at + datetime.timedelta(minutes=10)
    for n, participant in enumerate(participants[:REPORT_HOT_WASH_ANSWERS]):
        participant.drill = drill
        hot_wash_submit(participant=participant, went_well=f"連絡が早かった ({n + 1})",
                        to_improve="報告様式が分かりにくい", confidence=rng.randint(1, 5),
                        anonymous=n % 3 == 0, now=answered_at)
    today = timezone.localdate()
    for n in range(REPORT_IMPROVEMENT_ITEMS):
        item_create(drill=drill, by=coordinator, now=answered_at,
                    issue=f"課題{n + 1}: {REPORT_OBJECTIVES[n % 3]}が遅れた",
                    corrective_action="手順書を改訂し、研修で周知する",
                    element=["plan", "organisation", "equipment", "training", "exercise"][n % 5],
                    department=coordinator.department, point_of_contact=coordinator,
                    start_on=today, due_on=today + datetime.timedelta(days=30 + n),
                    objective=objectives[n % len(objectives)])
    return drill, ended_at


def drill_report_pdf():
    from drills.report import after_action_report_pdf

    drill, ended_at = _report_drill()
    now = ended_at + datetime.timedelta(hours=1)
    content = after_action_report_pdf(drill, now=now)  # warm-up: registers the font
    timings = []
    for _ in range(REPORT_REPEATS):
        started = time.perf_counter()
        after_action_report_pdf(drill, now=now)
        timings.append(time.perf_counter() - started)
    progress(f"report: {len(content) // 1024} KiB for {REPORT_PARTICIPANTS} participants, "
             f"{REPORT_LOG_ENTRIES} log entries")
    yield "drill_report_pdf_ms", f"{statistics.median(timings) * 1000:.1f}", "ms"


def _trend_drills_seed(fiscal_years, rng):
    """TREND_DRILLS_PER_YEAR ended drills in each of `fiscal_years` for the prefecture,
    each with three objectives of two expected actions, its injects released on schedule,
    most actions ticked and every objective rated: the rows drills.runs writes, in bulk."""
    from django.utils import timezone

    from drills.models import (
        ActionTick,
        Drill,
        DrillAction,
        DrillInject,
        DrillObjective,
        DrillRole,
        InjectRelease,
        ObjectiveRating,
    )
    from drills.runs import new_join_code
    from people.models import Person

    coordinator = Person.objects.get(user__username="coordinator")
    minute = datetime.timedelta(minutes=1)
    starts = [
        timezone.make_aware(datetime.datetime(year + (month < 4), month, 10, 10, 0))
        for year in fiscal_years for month in TREND_MONTHS
    ]
    drills = Drill.objects.bulk_create(
        Drill(organisation_id=coordinator.organisation_id, title=f"定例訓練 {start:%Y-%m}",
              incident_type="other", summary="傾向計測用の訓練", scheduled_for=start,
              join_code=new_join_code(), created_by=coordinator,
              created_at=start - datetime.timedelta(days=14), started_at=start,
              ended_at=start + 60 * minute)
        for start in starts
    )
    roles = DrillRole.objects.bulk_create(
        DrillRole(drill=drill, name=name) for drill in drills for name in ("所属長", "担当者")
    )
    objectives = DrillObjective.objects.bulk_create(
        DrillObjective(drill=drill, code=str(n + 1), title=title, order=n)
        for drill in drills for n, title in enumerate(TREND_OBJECTIVES)
    )
    # One inject per expected action, ten minutes apart, to alternate roles.
    per_drill = len(TREND_OBJECTIVES) * TREND_ACTIONS_PER_OBJECTIVE
    injects = DrillInject.objects.bulk_create(
        DrillInject(drill=drill, order=n, offset=10 * n * minute, channel="phone",
                    sender="統制", role=roles[2 * d + n % 2], subject=f"状況{n + 1}",
                    message=f"状況{n + 1}の内容")
        for d, drill in enumerate(drills) for n in range(per_drill)
    )
    InjectRelease.objects.bulk_create(
        InjectRelease(inject=inject, kind="scheduled", released_at=inject.drill.started_at
                      + inject.offset, recorded_at=inject.drill.started_at + inject.offset
                      + datetime.timedelta(seconds=1))
        for inject in injects
    )
    actions = DrillAction.objects.bulk_create(
        DrillAction(drill=drill, inject=injects[d * per_drill + n],
                    objective=objectives[d * len(TREND_OBJECTIVES)
                                         + n // TREND_ACTIONS_PER_OBJECTIVE],
                    role=roles[2 * d + n % 2], description=f"状況{n + 1}に対応する",
                    deadline=10 * minute, weight=1 + n % 2, order=0)
        for d, drill in enumerate(drills) for n in range(per_drill)
    )
    ActionTick.objects.bulk_create(
        ActionTick(action=action, achieved_at=action.drill.started_at + action.inject.offset
                   + rng.randint(1, 25) * minute, ticked_by=coordinator,
                   ticked_at=action.drill.ended_at)
        for action in actions if rng.random() < 0.85  # the rest never achieved
    )
    ObjectiveRating.objects.bulk_create(
        ObjectiveRating(objective=objective, rating=rng.choice("PPSSMU"), rated_by=coordinator,
                        rated_at=objective.drill.ended_at)
        for objective in objectives
    )
    return len(drills)


def _page_figures(name, url, username="coordinator"):
    """As tests/bench.py measures a page: the median of PAGE_REPEATS requests after a
    warm-up, and the query count of one."""
    from django.contrib.auth import get_user_model

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}; cannot measure {name}")
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings = []
    for _ in range(PAGE_REPEATS):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000, len(queries)


def drill_trends_page():
    """The prefecture coordinator's trends page with one fiscal year of drills, then ten:
    the query count must be the same."""
    from people.fiscal import current_fiscal_year

    rng = random.Random(13)
    url = reverse("drills:trends")
    last = current_fiscal_year().year - 1  # whole fiscal years, every drill in the past
    seeded = _trend_drills_seed([last], rng)
    _ms, one_year_queries = _page_figures("drill_trends_page", url)
    seeded += _trend_drills_seed(range(last - TREND_YEARS + 1, last), rng)
    progress(f"trends: {seeded} drills over {TREND_YEARS} fiscal years")
    ms, queries = _page_figures("drill_trends_page", url)
    yield "drill_trends_page_ms", f"{ms:.1f}", "ms"
    yield "drill_trends_page_queries", queries, "queries"
    yield "drill_trends_page_queries_1_year", one_year_queries, "queries"


# The trends page first, so that its one-year figure counts only the one year it seeds.
MEASUREMENTS += [drill_trends_page, drill_report_pdf]

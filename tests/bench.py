"""Benchmarks at the size of a whole prefecture (`make bench`).

A prefecture coordinator sees 45 organisations and 50,000 staff, so the pages they use
must stay fast and their query counts flat at that size. Each figure is printed to stdout
as one line, `bench: NAME VALUE UNIT`, for CI to collect and compare; progress goes to
stderr.

The benchmark seeds its own database and never touches yours: a fresh SQLite file in
.bench/, or, when DATABASE_URL names a PostgreSQL server, a database kunren_bench that it
creates on that server and drops afterwards.

BENCH_REUSE_SQLITE=1 keeps the SQLite file of an earlier run instead (and seed_large
then seeds nothing when the file already holds the large seed): for working on one page,
`BENCH_ONLY=seed_large,page_walk` seeds once and each later run measures at once. The
file keeps whatever earlier runs wrote, so figures for the record come from a fresh one.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

# Importing these needs no settings; the project's own models are imported after setup.
import dj_database_url
import django
import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections, reset_queries
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / ".bench" / "bench.sqlite3"
POSTGRES_DATABASE = os.environ.get("BENCH_POSTGRES_DATABASE", "kunren_bench")
REPEATS = 11


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def client_for(username):
    """A test client logged in as a demo account; `coordinator` sees everything."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page_figures(name, url, username="coordinator"):
    """Median wall time over REPEATS requests, after one warm-up, and the query count."""
    client = client_for(username)
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}; cannot measure {name}")
    # With DEBUG on, the query log is a deque that seeding has filled to its limit, where
    # its length no longer grows; empty it so that the capture can count.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    yield f"{name}_ms", f"{statistics.median(timings) * 1000:.1f}", "ms"
    yield f"{name}_queries", len(queries), "queries"


def bare_sql_ms(sql, params):
    """Median time of the raw SQL over REPEATS runs after one that warms the cache, and
    its rows: what a page is compared with."""
    timings = []
    with connection.cursor() as cursor:
        for _ in range(REPEATS + 1):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings[1:]) * 1000, rows


# The measuring functions, run in order. Each yields (name, value, unit) figures.


def seed_large():
    from people.models import Organisation

    if REUSED_SQLITE and Organisation.objects.count() >= 45:
        progress("seed_large: reusing the seeded .bench/bench.sqlite3")
        return
    started = time.perf_counter()
    call_command("seed_demo", scale="large", stdout=sys.stderr)
    yield "seed_large_seconds", f"{time.perf_counter() - started:.2f}", "s"
    if connection.vendor == "postgresql":
        # Autovacuum gathers planner statistics within a minute of a bulk load; measure
        # the pages with them, as a running server would.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def directory_page():
    yield from page_figures("directory_page", reverse("people:directory"))


def directory_department_page():
    """The second page of the largest department: filter, count and offset together."""
    from people.models import Person

    largest = (
        Person.objects.order_by().values("department")
        .annotate(staff=Count("pk")).order_by("-staff").first()
    )
    progress(f"largest department: {largest['staff']} people")
    url = f"{reverse('people:directory')}?department={largest['department']}&page=2"
    yield from page_figures("directory_department_page2", url)


def home_page():
    yield from page_figures("home_page", reverse("home"))


def my_training_page():
    yield from page_figures("my_training_page", reverse("training:mine"), username="operator")


def person_record_page():
    """One person's training record (issue 17) for the current fiscal year, opened by the
    prefecture coordinator: the demo operator, who was invited, attended, took the quiz
    and briefed colleagues. Each opening also writes its audit event."""
    from people.fiscal import current_fiscal_year
    from people.models import Person

    person = Person.objects.get(user__username="operator")
    url = reverse("reports:person_record", args=[person.pk, current_fiscal_year().year])
    yield from page_figures("person_record_page", url)


def department_reading_pages():
    """Who has acknowledged the plan: the supervisor's own department, and the largest."""
    from people.models import Person

    supervisor = Person.objects.get(user__username="supervisor")
    url = reverse("training:department_reading", args=[supervisor.department_id])
    yield from page_figures("department_reading_page", url, username="supervisor")
    largest = (
        Person.objects.order_by().values("department")
        .annotate(staff=Count("pk")).order_by("-staff").first()
    )
    url = reverse("training:department_reading", args=[largest["department"]])
    yield from page_figures("department_reading_largest_page", url)


def plan_pdf():
    from cms.models import EmergencyPlanPage
    from cms.plan_pdf import render_plan_pdf

    plan = EmergencyPlanPage.objects.get(organisation__lg_code="430005")
    render_plan_pdf(plan)  # warm-up: registers the font
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        render_plan_pdf(plan)
        timings.append(time.perf_counter() - started)
    yield "plan_pdf_render_ms", f"{statistics.median(timings) * 1000:.1f}", "ms"


def certificate_pdf():
    """One operator's certificate: its own session, quiz, pass and attendance, then the PDF."""
    import datetime

    from people.models import Person
    from training.certificates import certificate_issue
    from training.certificates import certificate_pdf as render_certificate_pdf
    from training.models import Attempt, Attendance, Quiz, TrainingSession

    person = Person.objects.select_related("organisation").get(user__username="operator")
    now = timezone.now()
    quiz = Quiz.objects.create(organisation=person.organisation, title="bench 確認テスト")
    session = TrainingSession.objects.create(
        organisation=person.organisation, title="bench 住基ネット担当者研修会", quiz=quiz,
        starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1),
        venue="県庁 地下大会議室", capacity=100,
    )
    Attendance.objects.create(session=session, person=person, status="present",
                              method="roster", recorded_at=now)
    attempt = Attempt.objects.create(
        quiz=quiz, session=session, person=person, number=1, started_at=now,
        deadline=now, submitted_at=now, score_percent=100, passed=True,
    )
    certificate = certificate_issue(attempt=attempt, today=timezone.localdate())
    base_url = "https://kunren.example.lg.jp/"
    render_certificate_pdf(certificate, base_url=base_url)  # warm-up: registers the font
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        render_certificate_pdf(certificate, base_url=base_url)
        timings.append(time.perf_counter() - started)
    yield "certificate_pdf_render_ms", f"{statistics.median(timings) * 1000:.1f}", "ms"


def roster_import():
    """A 50,000-row staff list in Shift_JIS, as Excel writes it: preview, import, re-run."""
    import csv
    import io

    from people.models import Department
    from people.roster import roster_import as import_roster
    from people.roster.resources import (
        DEPARTMENT_CODE,
        EMAIL,
        EMPLOYEE_NUMBER,
        KANA,
        NAME,
        ORGANISATION_CODE,
    )

    departments = list(
        Department.objects.values_list("organisation__lg_code", "code").order_by("pk")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([ORGANISATION_CODE, EMPLOYEE_NUMBER, NAME, KANA, EMAIL, DEPARTMENT_CODE])
    for n in range(50_000):
        lg_code, department_code = departments[n % len(departments)]
        writer.writerow([lg_code, f"B{n:07d}", f"試験 職員{n}", f"シケン ショクイン{n}",
                         f"bench{n}@example.lg.jp", department_code])
    content = buffer.getvalue().encode("cp932")
    coordinator = get_user_model().objects.get(username="coordinator")

    def run(dry_run):
        started = time.perf_counter()
        result = import_roster(kind="people", content=content, file_name="bench.csv",
                               encoding="auto", by=coordinator, dry_run=dry_run)
        if result.has_errors:
            raise SystemExit(f"the bench roster has errors: {result.file_errors or result.bad_rows[:3]}")
        return time.perf_counter() - started, result

    seconds, _result = run(dry_run=True)
    yield "roster_import_preview_50k_seconds", f"{seconds:.2f}", "s"
    seconds, result = run(dry_run=False)
    yield "roster_import_50k_seconds", f"{seconds:.2f}", "s"
    yield "roster_import_50k_new_rows", result.totals["new"], "rows"
    seconds, result = run(dry_run=False)
    yield "roster_import_rerun_50k_seconds", f"{seconds:.2f}", "s"
    yield "roster_import_rerun_50k_changed_rows", result.totals["new"] + result.totals["update"], "rows"


def _bench_quiz(title, *, questions_per_category=10):
    """A quiz of the prefecture drawing 5 + 5 of 2 × `questions_per_category` questions of
    four choices each (the first one right), a session that has it, and the question ids."""
    import datetime

    from django.utils import timezone

    from people.models import Organisation
    from training.models import Choice, Question, Quiz, QuizRule, TrainingSession

    prefecture = Organisation.objects.get(lg_code="430005")
    quiz = Quiz.objects.create(organisation=prefecture, title=title, time_limit_minutes=30)
    question_ids = []
    for category in (f"{title} 保護", f"{title} 緊急時"):
        QuizRule.objects.create(quiz=quiz, category=category, count=5)
        for n in range(questions_per_category):
            question = Question.objects.create(
                organisation=prefecture, category=category, text=f"{category} 問{n}",
                explanation="解説",
            )
            question_ids.append(question.pk)
            Choice.objects.bulk_create(
                Choice(question=question, text=f"選択肢{c}", is_correct=c == 0, order=c)
                for c in range(4)
            )
    now = timezone.now()
    session = TrainingSession.objects.create(
        organisation=prefecture, title=f"{title} 研修会", quiz=quiz, venue="県庁", capacity=10_000,
        starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1),
    )
    return quiz, session, question_ids


def quiz_submissions():
    """Simultaneous quiz submissions through gunicorn (2 workers) on PostgreSQL.

    Every attempt is submitted twice at once, once with right and once with wrong answers,
    as a double click or a second tab would. Triggers count each write of a score and of
    an answer, so a second grading shows even when it writes the same values.
    """
    import concurrent.futures
    import http.client
    import random
    import secrets
    import signal
    import socket
    import string
    import subprocess
    from importlib import import_module
    from urllib.parse import urlencode

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Q
    from django.utils import timezone

    from people.models import Person
    from training.models import Attempt, Attendance, Choice, Invitation
    from training.quizzes import attempt_start

    if connection.vendor != "postgresql":
        progress("quiz_submissions: skipped on SQLite (run with DATABASE_URL=postgres://...)")
        return
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        progress("quiz_submissions: skipped: gunicorn is missing (pip install -e '.[dev]')")
        return

    attempts_wanted = 300
    quiz, session, question_ids = _bench_quiz("bench submissions")
    User = get_user_model()
    # The prefecture's session, for staff of every organisation (as its annual one is).
    people = list(Person.objects.filter(user__isnull=True).order_by("pk")[:attempts_wanted])
    users = User.objects.bulk_create(User(username=f"bench-quiz-{p.pk}") for p in people)
    for person, user in zip(people, users, strict=True):
        person.user = user
    Person.objects.bulk_update(people, ["user"])
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(session=session, person=p, invited_at=now) for p in people)
    Attendance.objects.bulk_create(
        Attendance(session=session, person=p, status="present", method="roster", recorded_at=now)
        for p in people)
    attempts = [attempt_start(quiz=quiz, session=session, person=p, now=now) for p in people]
    choices = Choice.objects.filter(question__in=question_ids)
    correct = dict(choices.filter(order=0).values_list("question_id", "pk"))
    wrong = dict(choices.filter(order=1).values_list("question_id", "pk"))

    csrf_secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    requests = []
    for user, attempt in zip(users, attempts, strict=True):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookie = (f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
                  f"{settings.CSRF_COOKIE_NAME}={csrf_secret}")
        path = reverse("training:attempt_submit", args=[attempt.pk])
        question_ids = attempt.questions.values_list("question_id", flat=True)
        pair = []
        for answer in (correct, wrong):
            fields = [("csrfmiddlewaretoken", csrf_secret)]
            fields += [(f"answer-{q}", answer[q]) for q in question_ids]
            pair.append((path, cookie, urlencode(fields)))
        requests.append(pair)
    random.shuffle(requests)
    submissions = [request for pair in requests for request in pair]  # duplicates side by side

    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE TABLE bench_grading_log (tablename text, attempt_id bigint);
            CREATE FUNCTION bench_log_grading() RETURNS trigger AS $$
            BEGIN
                IF TG_TABLE_NAME = 'training_attempt' THEN
                    INSERT INTO bench_grading_log VALUES (TG_TABLE_NAME, NEW.id);
                ELSE
                    INSERT INTO bench_grading_log VALUES (TG_TABLE_NAME, NEW.attempt_id);
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER bench_score_written AFTER UPDATE OF score_percent
                ON training_attempt FOR EACH ROW EXECUTE FUNCTION bench_log_grading();
            CREATE TRIGGER bench_answer_written AFTER UPDATE OF answer
                ON training_attemptquestion FOR EACH ROW EXECUTE FUNCTION bench_log_grading();
        """)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.DEVNULL,
        env={**os.environ, "DEBUG": "true", "ALLOWED_HOSTS": "127.0.0.1",
             "DATABASE_URL": os.environ["DATABASE_URL"]},
    )

    def send(method, path, cookie="", body=""):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    try:
        for _ in range(300):
            try:
                if send("GET", reverse("login")) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not answer within 30 s")
        for _ in range(20):  # each worker loads the URLconf and templates on first use
            send("GET", reverse("login"))
        progress(f"quiz_submissions: {len(submissions)} submissions of {len(attempts)} attempts")
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(lambda request: send("POST", *request), submissions))
        seconds = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    unexpected = [status for status in statuses if status != 302]
    if unexpected:
        progress(f"quiz_submissions: {len(unexpected)} answers were not redirects: "
                 f"{sorted(set(unexpected))}")
    yield "quiz_submissions_per_second", f"{len(submissions) / seconds:.1f}", "submissions/s"

    ids = [attempt.pk for attempt in attempts]
    lost = Attempt.objects.filter(pk__in=ids).filter(
        Q(submitted_at__isnull=True) | Q(score_percent__isnull=True)).count()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM (
                SELECT attempt_id FROM bench_grading_log
                GROUP BY attempt_id
                HAVING count(*) FILTER (WHERE tablename = 'training_attempt') > 1
                    OR count(*) FILTER (WHERE tablename = 'training_attemptquestion') > 10
            ) AS twice
        """)
        double_graded = cursor.fetchone()[0]
        cursor.execute("""
            DROP TRIGGER bench_score_written ON training_attempt;
            DROP TRIGGER bench_answer_written ON training_attemptquestion;
            DROP FUNCTION bench_log_grading();
            DROP TABLE bench_grading_log;
        """)
    yield "quiz_submissions_lost", lost, "attempts"
    yield "quiz_submissions_double_graded", double_graded, "attempts"


def quiz_analysis_page():
    """The item analysis of a quiz with 10,000 graded attempts (7,000 people, 3,000 retakes)."""
    import random
    from decimal import Decimal

    from people.models import Person
    from training.models import Attempt, AttemptQuestion, Choice

    quiz, session, question_ids = _bench_quiz("bench analysis")
    questions = {}
    for question_id, choice_id, is_correct in Choice.objects.filter(
        question__in=question_ids
    ).values_list("question_id", "pk", "is_correct"):
        questions.setdefault(question_id, []).append((choice_id, is_correct))
    rng = random.Random(2026)
    people = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:7_000])
    drawn = []  # per attempt: [(question, choice order, answer, correct)]
    attempts = []
    started = session.ends_at
    for number, takers in ((1, people), (2, people[:3_000])):
        for person_id in takers:
            ability = rng.random()
            asked = []
            for question_id in rng.sample(sorted(questions), 10):
                choices = questions[question_id]
                right = rng.random() < 0.3 + 0.6 * ability
                pick = next(c for c, ok in choices if ok == right) if right else rng.choice(
                    [c for c, ok in choices if not ok])
                asked.append((question_id, [c for c, _ok in choices], [pick], right))
            score = Decimal(sum(a[3] for a in asked) * 10)
            attempts.append(Attempt(
                quiz=quiz, session=session, person_id=person_id, number=number,
                started_at=started, deadline=started, submitted_at=started,
                score_percent=score, passed=score >= quiz.pass_mark_percent,
            ))
            drawn.append(asked)
    Attempt.objects.bulk_create(attempts, batch_size=2_000)
    AttemptQuestion.objects.bulk_create(
        (
            AttemptQuestion(attempt=attempt, question_id=question_id, position=position,
                            choice_order=order, answer=answer, is_correct=right)
            for attempt, asked in zip(attempts, drawn, strict=True)
            for position, (question_id, order, answer, right) in enumerate(asked, start=1)
        ),
        batch_size=5_000,
    )
    progress(f"quiz_analysis_page: {len(attempts)} attempts, "
             f"{sum(len(a) for a in drawn)} questions asked")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE training_attempt, training_attemptquestion")
    yield from page_figures("quiz_analysis_page", reverse("training:quiz_analysis", args=[quiz.pk]))


# Onward sharing at the size of the prefecture: a session per organisation, closed, with
# its departments at every stage. Later measurements read what earlier ones measured.

SHARING_ATTENDANCE = [("present", 59), ("late", 4), ("absent", 25), ("excused", 12)]
SHARING_PROGRESS = [("reported", 30), ("confirming", 25), ("briefing", 20), ("not_started", 25)]
sharing_figures = {}


def _sharing_sessions_seed(rng):
    """A session per organisation, held 10 to 59 days ago (due 30 days after the close,
    so about half are overdue), with every ID holder invited and about 63% attending."""
    import datetime

    from django.utils import timezone

    from cms.models import TrainingModulePage
    from people.models import Organisation, Person
    from training.models import Attendance, Invitation, TrainingSession

    now = timezone.now()
    today = timezone.localdate(now)
    modules = list(TrainingModulePage.objects.all())
    statuses = [status for status, share in SHARING_ATTENDANCE for _ in range(share)]
    sessions = []
    for n, organisation in enumerate(Organisation.objects.order_by("lg_code")):
        held_on = today - datetime.timedelta(days=10 + n * 13 % 50)
        starts_at = timezone.make_aware(datetime.datetime.combine(held_on, datetime.time(13, 30)))
        session = TrainingSession.objects.create(
            organisation=organisation, title=f"bench {organisation.name} 担当者研修会",
            starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=3),
            venue="会議室", capacity=5_000,
        )
        session.modules.set(modules)
        sessions.append(session)
    holders = Person.objects.id_holders(today).order_by("pk").values_list("pk", "organisation_id")
    of_organisation = {session.organisation_id: session for session in sessions}
    invitations, attendances = [], []
    for person_id, organisation_id in holders:
        session = of_organisation[organisation_id]
        invitations.append(Invitation(session=session, person_id=person_id,
                                      invited_at=session.starts_at))
        attendances.append(Attendance(
            session=session, person_id=person_id, status=rng.choice(statuses),
            method=Attendance.Method.ROSTER, recorded_at=session.ends_at,
        ))
    Invitation.objects.bulk_create(invitations, batch_size=5_000)
    Attendance.objects.bulk_create(attendances, batch_size=5_000)
    return sessions


def _sharing_close(sessions):
    """Close each session's attendance the day after it: the obligations come from the
    service itself. Returns the seconds taken."""
    import datetime

    from training.sharing import attendance_close

    started = time.perf_counter()
    for session in sessions:
        attendance_close(session=session, now=session.ends_at + datetime.timedelta(days=1))
    return time.perf_counter() - started


def _sharing_progress_seed(sessions, rng, report_pdf):
    """Briefings, confirmations and reports for the sessions' departments, written in bulk:
    the services would take minutes, and what is measured is reading them."""
    import datetime
    from collections import defaultdict

    from django.utils import timezone

    from people.models import RoleAssignment
    from training.models import (
        Attendance,
        Briefing,
        BriefingConfirmation,
        BriefingObligation,
        DepartmentConfirmation,
        DepartmentReport,
        DepartmentSharing,
        MaterialOpening,
    )

    now = timezone.now()
    sharings = list(DepartmentSharing.objects.filter(session__in=sessions)
                    .select_related("session").order_by("pk"))
    obligations = defaultdict(list)
    for pk, sharing_id, person_id in BriefingObligation.objects.filter(
        sharing__in=sharings, dropped_at__isnull=True
    ).order_by("pk").values_list("pk", "sharing_id", "person_id"):
        obligations[sharing_id].append((pk, person_id))
    attendees = defaultdict(list)
    for session_id, department_id, person_id in Attendance.objects.filter(
        session__in=sessions, status__in=Attendance.ATTENDED
    ).order_by("person_id").values_list("session_id", "person__department_id", "person_id"):
        attendees[session_id, department_id].append(person_id)
    supervisors = dict(RoleAssignment.objects.filter(
        role=RoleAssignment.Role.SUPERVISOR
    ).values_list("department_id", "person_id"))
    modules = list(sessions[0].modules.values_list("pk", flat=True))
    stages = [stage for stage, share in SHARING_PROGRESS for _ in range(share)]

    def after(moment, *, days):
        """A moment some days after `moment`, kept before now."""
        later = moment + datetime.timedelta(days=days, minutes=rng.randint(0, 480))
        return min(later, now - datetime.timedelta(minutes=rng.randint(5, 600)))

    briefings, briefed, confirmations, reports = [], [], [], []
    for sharing in sharings:
        stage = rng.choice(stages)
        closed_at = sharing.session.attendance_closed_at
        mine = obligations[sharing.pk]
        briefer = next(iter(attendees[sharing.session_id, sharing.department_id]),
                       supervisors.get(sharing.department_id))
        if stage == "not_started" or briefer is None:
            continue
        mine = [(pk, person_id) for pk, person_id in mine if person_id != briefer]
        if stage == "briefing":
            mine = mine[: (len(mine) + 1) // 2]
        recorded_at = after(closed_at, days=rng.randint(1, 10))
        if mine:
            briefings.append(Briefing(
                sharing=sharing, briefed_by_id=briefer, recorded_by_id=briefer,
                held_on=timezone.localdate(recorded_at), method="meeting",
                recorded_at=recorded_at,
            ))
            briefed.append(mine)
        if stage == "briefing":
            continue
        confirmed = mine if stage == "reported" else mine[: len(mine) // 2]
        last = recorded_at
        for pk, person_id in confirmed:
            confirmed_at = after(recorded_at, days=rng.randint(0, 4))
            last = max(last, confirmed_at)
            on_behalf = rng.random() < 0.3
            confirmations.append(BriefingConfirmation(
                obligation_id=pk, confirmed_at=confirmed_at, on_behalf=on_behalf,
                recorded_by_id=supervisors.get(sharing.department_id, person_id)
                if on_behalf else person_id,
                note="紙の確認票に署名済み" if on_behalf else "",
            ))
        supervisor = supervisors.get(sharing.department_id)
        if stage == "reported" and supervisor is not None and len(mine) == len(
            obligations[sharing.pk]
        ):
            reports.append((sharing, supervisor, after(last, days=1), len(mine)))

    briefings = Briefing.objects.bulk_create(briefings, batch_size=2_000)
    Briefing.obligations.through.objects.bulk_create(
        (
            Briefing.obligations.through(briefing_id=briefing.pk, briefingobligation_id=pk)
            for briefing, mine in zip(briefings, briefed, strict=True)
            for pk, _person_id in mine
        ),
        batch_size=5_000,
    )
    Briefing.materials.through.objects.bulk_create(
        (
            Briefing.materials.through(briefing_id=briefing.pk, trainingmodulepage_id=module)
            for briefing in briefings
            for module in modules
        ),
        batch_size=5_000,
    )
    BriefingConfirmation.objects.bulk_create(confirmations, batch_size=5_000)
    MaterialOpening.objects.bulk_create(
        (
            MaterialOpening(obligation_id=confirmation.obligation_id, page_id=module,
                            opened_at=confirmation.confirmed_at - datetime.timedelta(minutes=20))
            for confirmation in confirmations if not confirmation.on_behalf
            for module in modules
        ),
        batch_size=5_000,
    )
    department_confirmations = DepartmentConfirmation.objects.bulk_create(
        (
            DepartmentConfirmation(sharing=sharing, confirmed_by_id=supervisor,
                                   confirmed_at=submitted_at - datetime.timedelta(minutes=10))
            for sharing, supervisor, submitted_at, _count in reports
        ),
        batch_size=2_000,
    )
    attended = {key: len(people) for key, people in attendees.items()}
    DepartmentReport.objects.bulk_create(
        (
            DepartmentReport(
                sharing=sharing, confirmation=confirmation, submitted_by_id=supervisor,
                submitted_at=submitted_at, briefed=count, confirmed=count, dropped=0,
                attended=attended.get((sharing.session_id, sharing.department_id), 0),
                id_holders=count + attended.get((sharing.session_id, sharing.department_id), 0),
                pdf=report_pdf,
            )
            for (sharing, supervisor, submitted_at, count), confirmation in zip(
                reports, department_confirmations, strict=True
            )
        ),
        batch_size=500,
    )
    progress(f"onward sharing: {len(sharings)} departments, {len(briefings)} briefings, "
             f"{len(confirmations)} confirmations, {len(reports)} reports")


def _report_pdf():
    """A real department report, so that the stored reports weigh what real ones do."""
    from django.utils import timezone

    from training.models import DepartmentSharing
    from training.sharing import department_status
    from training.sharing_report import department_report_pdf

    sharing = DepartmentSharing.objects.order_by("pk").first()
    status = department_status(sharing, today=timezone.localdate())
    return department_report_pdf(status, submitted_by=status.sharing.department.people.first(),
                                 submitted_at=timezone.now())


def _obligation_count():
    from training.models import BriefingObligation

    return BriefingObligation.objects.filter(dropped_at__isnull=True).count()


def _reminders_run(reminders_send=None):
    """One run of a reminder job (the onward-sharing one unless told): (seconds, notices
    recorded, e-mails written to the outbox). No worker sends them here: what is timed is
    the job, which only writes its e-mails (core.outbox)."""
    from django.utils import timezone

    from core.models import OutgoingMail

    if reminders_send is None:
        from training.sharing_reminders import reminders_send

    before = OutgoingMail.objects.count()
    started = time.perf_counter()
    sent = reminders_send(now=timezone.now())
    seconds = time.perf_counter() - started
    return seconds, sent, OutgoingMail.objects.count() - before


def sharing_close():
    """Close a session per organisation; in between, time the reminder job at half the
    size, then forget its notices, so that the full run below shows how it grows."""
    import random

    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from core.models import OutgoingMail
    from people.models import Person
    from training.models import DepartmentSharing, Notice

    rng = random.Random(2027)
    # Staff have work addresses, so the reminder job sends e-mails as it would live.
    Person.objects.filter(email="").update(
        email=Concat(Value("staff"), Cast("pk", CharField()), Value("@example.lg.jp"))
    )
    sessions = _sharing_sessions_seed(rng)
    report_pdf = _report_pdf()
    first_half, second_half = sessions[::2], sessions[1::2]
    close_seconds = _sharing_close(first_half)
    _sharing_progress_seed(first_half, rng, report_pdf)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    obligations = _obligation_count()
    seconds, sent, _emails = _reminders_run()
    sharing_figures["half"] = (obligations, seconds)
    progress(f"reminders at half size: {obligations} obligations, {sent} notices, "
             f"{seconds:.2f} s")
    # Forget them and their e-mails, so that the full run below sends as many again and
    # more (an e-mail left in the outbox would refuse its recipient's notices as sent).
    Notice.objects.all().delete()
    OutgoingMail.objects.all().delete()
    close_seconds += _sharing_close(second_half)
    _sharing_progress_seed(second_half, rng, report_pdf)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    progress(f"onward sharing: {DepartmentSharing.objects.count()} departments, "
             f"{_obligation_count()} live obligations")
    yield "sharing_close_seconds", f"{close_seconds:.2f}", "s"


def sharing_dashboard():
    for name, value, unit in page_figures("sharing_dashboard",
                                          reverse("training:sharing_dashboard")):
        sharing_figures[name] = float(value)
        yield name, value, unit


# The dashboard's counts for every department in one hand-written statement: what the
# page's queries should cost at best. Plain SQL that SQLite and PostgreSQL both run.
SHARING_AGGREGATE_SQL = """
    WITH briefed AS (
        SELECT DISTINCT briefingobligation_id AS obligation_id FROM {briefing_obligations}
    ), counts AS (
        SELECT o.sharing_id,
               COUNT(*) FILTER (WHERE o.dropped_at IS NULL) AS to_brief,
               COUNT(*) FILTER (WHERE o.dropped_at IS NULL AND b.obligation_id IS NOT NULL)
                   AS briefed,
               COUNT(*) FILTER (WHERE o.dropped_at IS NULL AND c.id IS NOT NULL) AS confirmed,
               COUNT(*) FILTER (WHERE o.dropped_at IS NULL AND c.id IS NULL AND o.due_on < %s)
                   AS overdue,
               COUNT(*) FILTER (WHERE o.dropped_at IS NOT NULL) AS dropped
        FROM {obligation} o
        LEFT JOIN briefed b ON b.obligation_id = o.id
        LEFT JOIN {confirmation} c ON c.obligation_id = o.id
        GROUP BY o.sharing_id
    ), attended AS (
        SELECT a.session_id, p.department_id, COUNT(*) AS attended
        FROM {attendance} a JOIN {person} p ON p.id = a.person_id
        WHERE a.status IN (%s, %s)
        GROUP BY a.session_id, p.department_id
    ), confirmed_departments AS (
        SELECT sharing_id, MAX(confirmed_at) AS confirmed_at FROM {department_confirmation}
        GROUP BY sharing_id
    )
    SELECT s.id, COALESCE(att.attended, 0), COALESCE(c.to_brief, 0), COALESCE(c.briefed, 0),
           COALESCE(c.confirmed, 0), COALESCE(c.overdue, 0), COALESCE(c.dropped, 0),
           dc.confirmed_at, r.id IS NOT NULL AS submitted
    FROM {sharing} s
    JOIN {session} se ON se.id = s.session_id
    LEFT JOIN counts c ON c.sharing_id = s.id
    LEFT JOIN attended att ON att.session_id = s.session_id AND att.department_id = s.department_id
    LEFT JOIN confirmed_departments dc ON dc.sharing_id = s.id
    LEFT JOIN {report} r ON r.sharing_id = s.id
    WHERE se.starts_at >= %s AND se.starts_at < %s
"""


def sharing_aggregate():
    import datetime

    from django.utils import timezone

    from people.fiscal import current_fiscal_year
    from people.models import Person
    from training.models import (
        Attendance,
        Briefing,
        BriefingConfirmation,
        BriefingObligation,
        DepartmentConfirmation,
        DepartmentReport,
        DepartmentSharing,
        TrainingSession,
    )

    sql = SHARING_AGGREGATE_SQL.format(
        briefing_obligations=Briefing.obligations.through._meta.db_table,
        obligation=BriefingObligation._meta.db_table,
        confirmation=BriefingConfirmation._meta.db_table,
        attendance=Attendance._meta.db_table,
        person=Person._meta.db_table,
        department_confirmation=DepartmentConfirmation._meta.db_table,
        sharing=DepartmentSharing._meta.db_table,
        session=TrainingSession._meta.db_table,
        report=DepartmentReport._meta.db_table,
    )
    year = current_fiscal_year()

    def midnight(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    params = [timezone.localdate(), *map(str, Attendance.ATTENDED), midnight(year.first_day),
              midnight(year.last_day + datetime.timedelta(days=1))]
    aggregate_ms, rows = bare_sql_ms(sql, params)
    progress(f"sharing_aggregate: {len(rows)} departments, "
             f"{sum(row[2] for row in rows)} live obligations")
    yield "sharing_aggregate_ms", f"{aggregate_ms:.1f}", "ms"
    ratio = sharing_figures["sharing_dashboard_ms"] / aggregate_ms
    yield "sharing_dashboard_ratio", f"{ratio:.2f}", "x"


def sharing_sync():
    """The daily sync at full size; the first run may find people whose ID changed since
    the sessions were closed, so the figure is of a run with nothing to change."""
    from django.utils import timezone

    from training.sharing import obligations_sync

    started = time.perf_counter()
    result = obligations_sync(now=timezone.now())
    seconds = time.perf_counter() - started
    if result.created or result.dropped:
        progress(f"sharing_sync: the first run changed {result}; timing a second run")
        started = time.perf_counter()
        result = obligations_sync(now=timezone.now())
        seconds = time.perf_counter() - started
    if result.created or result.dropped:
        progress(f"sharing_sync: the second run changed {result} too")
    yield "sharing_sync_seconds", f"{seconds:.2f}", "s"


def sharing_reminders():
    obligations = _obligation_count()
    seconds, sent, emails = _reminders_run()
    progress(f"reminders: {obligations} obligations, {sent} notices, {emails} e-mails, "
             f"{seconds:.2f} s")
    yield "sharing_reminders_seconds", f"{seconds:.2f}", "s"
    rerun_seconds, rerun_sent, _emails = _reminders_run()
    if rerun_sent:
        progress(f"reminders: the second run sent {rerun_sent} notices")
    yield "sharing_reminders_rerun_seconds", f"{rerun_seconds:.2f}", "s"
    # The growth between the two sizes, per 1,000 obligations; a flat per-obligation cost
    # shows as the same figure at each size.
    half_obligations, half_seconds = sharing_figures["half"]
    progress(f"reminders per 1,000 obligations: {half_seconds / half_obligations * 1e6:.1f} ms "
             f"at {half_obligations}, {seconds / obligations * 1e6:.1f} ms at {obligations}")
    slope = (seconds - half_seconds) / (obligations - half_obligations) * 1e6
    yield "sharing_reminders_per_1000_obligations_ms", f"{slope:.1f}", "ms"


def training_reminders():
    """The whole daily run (training.duty_reminders): onward sharing, already sent above,
    with required reading and the quiz of every ID holder."""
    from training.duty_reminders import training_reminders_send

    seconds, sent, emails = _reminders_run(training_reminders_send)
    progress(f"training reminders (reading, quiz): {sent} notices, {emails} e-mails, "
             f"{seconds:.2f} s")
    yield "training_reminders_seconds", f"{seconds:.2f}", "s"
    rerun_seconds, _sent, _emails = _reminders_run(training_reminders_send)
    yield "training_reminders_rerun_seconds", f"{rerun_seconds:.2f}", "s"


def duty_matrix():
    """The duty matrix for the prefecture coordinator (every organisation, department and
    ID holder), against the bare SQL of its one aggregate: what the page adds to the
    database's own work (reading the required pages, the rows, the template)."""
    from django.utils import timezone

    from people.fiscal import current_fiscal_year
    from people.models import Person
    from reports.duties import counts_query, report_day

    figures = dict((name, value) for name, value, _unit in page_figures(
        "duty_matrix", reverse("overview:matrix")))
    yield "duty_matrix_ms", figures["duty_matrix_ms"], "ms"
    yield "duty_matrix_queries", figures["duty_matrix_queries"], "queries"

    year = current_fiscal_year()
    day = report_day(year, timezone.localdate())
    # The very SQL the page runs for the prefecture coordinator, who sees everyone
    # (reports.access.OverviewScope.people), without the page around it.
    sql, params = counts_query(Person.objects.all(), year, day)
    bare_ms, rows = bare_sql_ms(sql, params)
    progress(f"duty_matrix: {len(rows)} departments with ID holders, "
             f"{sum(row[1] for row in rows)} ID holders")
    yield "duty_matrix_bare_sql_ms", f"{bare_ms:.1f}", "ms"
    yield "duty_matrix_ratio", f"{float(figures['duty_matrix_ms']) / bare_ms:.2f}", "x"


def annual_report():
    """The annual report to the council at large scale: its figures built, the page (its
    draft counted once, then reused while fresh), the draft PDF. A count over
    reports.annual.drafts.INLINE_SECONDS runs as a task, its progress on the page."""
    from people.fiscal import current_fiscal_year
    from reports.annual.documents import annual_report_pdf
    from reports.annual.figures import annual_figures

    fiscal_year = current_fiscal_year()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        figures = annual_figures(fiscal_year, now=timezone.now())
        timings.append(time.perf_counter() - started)
    yield "annual_report_build_ms", f"{statistics.median(timings) * 1000:.1f}", "ms"
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        annual_figures(fiscal_year, now=timezone.now())
    yield "annual_report_build_queries", len(queries), "queries"
    started = time.perf_counter()
    annual_report_pdf(figures, draft=True, printed_at=timezone.now())
    yield "annual_report_pdf_ms", f"{(time.perf_counter() - started) * 1000:.1f}", "ms"
    yield from page_figures("annual_report_page",
                            reverse("reports:annual", args=[fiscal_year.year]))


def terminal_log_import():
    """A quarter of a prefecture's terminal access logs (BENCH_TERMINAL_LOG_ROWS, by default
    1,000,000 rows) imported at once on PostgreSQL, as issue 19 asks: read, hashed, matched,
    flagged and written with COPY; then the same file again, which changes nothing, and the
    same rows in another file, which the duplicate detection leaves out.

    The PostgreSQL figures come from a bench of their own (this file, BENCH_ONLY=
    terminal_log_import) in a child process on a fresh database, kunren_bench_terminal_logs,
    on DATABASE_URL's server or else TERMINAL_LOG_PG's (default the local one), so that
    `make bench` on SQLite prints them too, and the child's CPU time and peak memory are the
    import's. On SQLite, a smaller log (BENCH_TERMINAL_LOG_SQLITE_ROWS, 200,000 rows) is
    imported in this process first: its figures end in _sqlite."""
    if os.environ.get(TERMINAL_LOG_CHILD):
        yield from terminal_log_figures(int(os.environ.get("BENCH_TERMINAL_LOG_ROWS", 1_000_000)))
        return
    if connection.vendor != "postgresql":
        yield from terminal_log_figures(
            int(os.environ.get("BENCH_TERMINAL_LOG_SQLITE_ROWS", 200_000)))
    yield from terminal_log_on_postgresql()


TERMINAL_LOG_CHILD = "BENCH_TERMINAL_LOG_CHILD"


def terminal_log_on_postgresql():
    import subprocess

    server_url = SERVER_URL or os.environ.get(
        "TERMINAL_LOG_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/") + "/postgres"
    try:
        postgres_admin(server_url).close()
    except psycopg.Error as error:
        progress(f"terminal_log_import on PostgreSQL skipped: no server at "
                 f"{urlsplit(server_url).hostname}: {error}")
        return
    child = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "DATABASE_URL": server_url, "BENCH_ONLY": "terminal_log_import",
             "BENCH_POSTGRES_DATABASE": "kunren_bench_terminal_logs", TERMINAL_LOG_CHILD: "1"},
        check=False)
    for line in child.stdout.splitlines():
        if line.startswith("bench: "):
            yield tuple(line.removeprefix("bench: ").split(" ", 2))
    if child.returncode:
        raise SystemExit(f"terminal_log_import on PostgreSQL exited {child.returncode}")


def terminal_log_figures(rows):
    """Import a log of `rows` rows, then the same file again, then the same rows in another
    file: wall and CPU seconds (this process's, and PostgreSQL's server process for this
    connection when it runs on this machine), and this process's peak memory."""
    import datetime
    import random
    import resource
    from zoneinfo import ZoneInfo

    from people.models import Department, IdGrant, Organisation, Person
    from terminal_logs.importing import terminal_log_import as import_log

    organisation = Organisation.objects.filter(people__isnull=False).order_by("pk").first()
    if organisation is None:  # run alone (BENCH_ONLY): a small organisation of its own
        organisation = Organisation.objects.create(name="ベンチ県", kind="prefecture",
                                                   lg_code="439999")
        department = Department.objects.create(organisation=organisation, code="T01",
                                               name="ベンチ課")
        for n in range(500):
            person = Person.objects.create(organisation=organisation, department=department,
                                           employee_number=f"T{n:05d}", name=f"試験 {n}")
            IdGrant.objects.create(person=person, granted_on=datetime.date(2020, 4, 1))
    operators = list(Person.objects.filter(organisation=organisation)
                     .values_list("employee_number", flat=True)[:2_000])
    rng = random.Random(19)
    start = datetime.datetime(2026, 7, 1, 8, 0)
    seconds_in_quarter = 92 * 24 * 3600
    lines = ["日時,端末,操作者,操作,検索条件,結果件数,住民票コード"]
    for n in range(rows):
        at = start + datetime.timedelta(seconds=rng.randrange(seconds_in_quarter))
        operator = operators[n % len(operators)] if n % 50 else f"X{n % 997}"
        resident = rng.randrange(300_000)
        lines.append(f"{at:%Y/%m/%d %H:%M:%S},T-{n % 300:03d},{operator},照会,"
                     f"氏名:試験 太郎{resident} 生年月日:昭和{resident % 60 + 1}年1月1日,1,"
                     f"{resident:011d}")
    content = ("\r\n".join(lines) + "\r\n").encode()
    del lines
    now = datetime.datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    label = (f"{rows // 1000}k" if rows % 1_000_000 else f"{rows // 1_000_000}m") + "_rows_" + (
        "postgresql" if connection.vendor == "postgresql" else "sqlite")

    def run(content):
        server_started, cpu_started = server_cpu_seconds(), time.process_time()
        started = time.perf_counter()
        result = import_log(organisation=organisation, by=None, content=content,
                            file_name="bench-access.csv", encoding="auto", dry_run=False, now=now)
        if result.has_errors:
            raise SystemExit(f"the bench log has errors: {result.file_errors or result.bad_rows[:3]}")
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        server = None if server_started is None else server_cpu_seconds() - server_started
        return seconds, cpu, server, result

    seconds, cpu, server, result = run(content)
    yield f"terminal_log_import_{label}", f"{seconds:.1f}", "s"
    yield f"terminal_log_import_{label}_per_second", f"{result.new_rows / seconds:.0f}", "rows/s"
    yield f"terminal_log_import_{label}_cpu", f"{cpu:.1f}", "s"
    if server is not None:
        yield f"terminal_log_import_{label}_server_cpu", f"{server:.1f}", "s"
    if os.environ.get(TERMINAL_LOG_CHILD):  # this process did nothing else
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        yield f"terminal_log_import_{label}_peak_memory", peak, "MB"
    seconds, _cpu, _server, result = run(content)
    yield f"terminal_log_reimport_{label}", f"{seconds:.2f}", "s"
    seconds, _cpu, _server, result = run(content + b"\r\n")  # another file, the same rows
    if result.new_rows or result.already_imported != rows:
        raise SystemExit(f"the same rows again: {result.new_rows} imported, "
                         f"{result.already_imported} seen before")
    yield f"terminal_log_reimport_{label}_other_file", f"{seconds:.1f}", "s"


def server_cpu_seconds():
    """CPU seconds of the PostgreSQL server process serving this connection, from /proc
    when the server runs on this machine; None otherwise (or on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def terminal_review_draw():
    """The quarterly review's draw (terminal_logs.review) over the quarter of look-ups
    terminal_log_import wrote (July–September 2026), or, run alone, over
    BENCH_TERMINAL_REVIEW_ROWS look-ups of the large seed's prefecture written directly:
    counted per department and month, the unflagged ones streamed, the sample written."""
    import datetime
    import random
    from zoneinfo import ZoneInfo

    from django.db import transaction

    from people.models import Organisation, Person
    from terminal_logs.models import ReviewCampaign, TerminalLogImport, TerminalLookup
    from terminal_logs.review import campaign_draw

    jst = ZoneInfo("Asia/Tokyo")
    now = datetime.datetime(2026, 11, 26, 10, tzinfo=jst)
    start = datetime.datetime(2026, 7, 1, 0, 0, tzinfo=jst)
    in_quarter = TerminalLookup.objects.filter(looked_up_at__gte=start,
                                               looked_up_at__lt=datetime.datetime(
                                                   2026, 10, 1, tzinfo=jst))
    # An organisation of the large seed without the demo's look-ups or review (the demo
    # reviews 熊本県's quarters), unless terminal_log_import wrote its quarter here.
    organisation = (Organisation.objects.filter(pk__in=in_quarter.values("organisation"))
                    .exclude(pk__in=ReviewCampaign.objects.values("organisation"))
                    .first()
                    or Organisation.objects.filter(people__isnull=False)
                    .exclude(pk__in=TerminalLookup.objects.values("organisation"))
                    .order_by("pk").first())
    if not in_quarter.filter(organisation=organisation).exists():
        rows = int(os.environ.get("BENCH_TERMINAL_REVIEW_ROWS", 1_000_000))
        people = list(Person.objects.filter(organisation=organisation)
                      .values_list("pk", "department_id", "employee_number")[:2_000])
        batch = TerminalLogImport.objects.create(
            organisation=organisation, file_name="bench", file_sha256="b" * 64,
            imported_at=now, rows_in_file=rows, rows_imported=rows)
        rng = random.Random(19)
        for first in range(0, rows, 50_000):
            TerminalLookup.objects.bulk_create([
                TerminalLookup(
                    batch=batch, organisation=organisation, looked_up_at=start + datetime.timedelta(
                        seconds=rng.randrange(92 * 24 * 3600)),
                    terminal="T-01", operator_reference=people[n % len(people)][2],
                    person_id=people[n % len(people)][0],
                    department_id=people[n % len(people)][1], operation="inquiry",
                    operation_raw="照会", conditions_hash="c" * 64, masked="*",
                    result_count=1, flags=int(n % 200 == 0), row_key=f"b{n}")
                for n in range(first, min(rows, first + 50_000))])
    lookups = in_quarter.filter(organisation=organisation).count()
    coordinator = Person.objects.filter(organisation=organisation).first()
    with transaction.atomic():
        started = time.perf_counter()
        campaign = campaign_draw(organisation=organisation, fiscal_year=2026, quarter=2,
                                 by=coordinator, now=now, seed=19)
        seconds = time.perf_counter() - started
        drawn = campaign.items.count()
        transaction.set_rollback(True)  # leave no campaign behind for a second run
    progress(f"terminal_review_draw: {lookups} look-ups, {drawn} drawn")
    yield "terminal_review_draw", f"{seconds * 1000:.0f}", "ms"


def terminal_lookups_page():
    """The list of imported look-ups (/terminal-logs/), newest first, for the prefecture's
    coordinator, over the million look-ups terminal_review_draw (run before it) wrote, and
    the same list filtered to flagged look-ups."""
    yield from page_figures("terminal_lookups_page", reverse("terminal_logs:lookups"))
    yield from page_figures("terminal_lookups_flagged_page",
                            reverse("terminal_logs:lookups") + "?flag=-1")


MEASUREMENTS = [
    seed_large,
    directory_page,
    directory_department_page,
    home_page,
    my_training_page,
    department_reading_pages,
    plan_pdf,
    certificate_pdf,
    roster_import,
    quiz_submissions,
    quiz_analysis_page,
    sharing_close,
    sharing_dashboard,
    sharing_aggregate,
    sharing_sync,
    sharing_reminders,
    training_reminders,
    person_record_page,
    duty_matrix,
    annual_report,
    terminal_log_import,
    terminal_review_draw,
    terminal_lookups_page,
]


REUSED_SQLITE = False  # BENCH_REUSE_SQLITE=1 and an earlier run's file is there


def fresh_sqlite_url():
    global REUSED_SQLITE
    SQLITE_FILE.parent.mkdir(exist_ok=True)
    if os.environ.get("BENCH_REUSE_SQLITE") == "1" and SQLITE_FILE.exists():
        REUSED_SQLITE = True
        return f"sqlite:///{SQLITE_FILE}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_FILE}"


def postgres_admin(server_url):
    """An autocommit connection to the server's own database, to create or drop ours."""
    database = dj_database_url.parse(server_url)
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (unset it for SQLite).")
    return psycopg.connect(
        dbname=database["NAME"], user=database["USER"], password=database["PASSWORD"],
        host=database["HOST"], port=database["PORT"] or None, autocommit=True,
    )


def fresh_postgres_url(server_url, database=POSTGRES_DATABASE):
    with postgres_admin(server_url) as admin:
        # Only our own database, left behind if an earlier run was interrupted.
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.execute(f"CREATE DATABASE {database}")
    return urlsplit(server_url)._replace(path=f"/{database}").geturl()


def drop_postgres_database(server_url):
    connections.close_all()
    with postgres_admin(server_url) as admin:
        admin.execute(f"DROP DATABASE {POSTGRES_DATABASE}")


SERVER_URL = None  # DATABASE_URL's PostgreSQL server, if the bench runs on one


def main():
    global SERVER_URL
    sys.path.insert(0, str(ROOT))
    server_url = SERVER_URL = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = (
        fresh_postgres_url(server_url) if server_url else fresh_sqlite_url()
    )
    os.environ["DEBUG"] = "true"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

    try:
        django.setup()
        database = settings.DATABASES["default"]  # not the URL: it may hold a password
        progress(f"migrating {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}")
        call_command("migrate", verbosity=0)
        # What an earlier run counted (the home page's duties, a quiz's analysis) belongs
        # to its own database: the cache starts empty, as the database does.
        from django.core.cache import cache

        cache.clear()
        from tests import bench_drills, bench_load, bench_pages

        measures = (MEASUREMENTS + bench_pages.MEASUREMENTS + bench_drills.MEASUREMENTS
                    + bench_load.MEASUREMENTS)
        # BENCH_ONLY=seed_large,duty_matrix runs only those, in the usual order: a quick
        # look at one figure (seed_large first, as every page needs its data).
        only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
        if only:
            measures = [measure for measure in measures if measure.__name__ in only]
        for measure in measures:
            progress(measure.__name__)
            for name, value, unit in measure():
                print(f"bench: {name} {value} {unit}", flush=True)
    finally:
        if server_url:
            drop_postgres_database(server_url)


if __name__ == "__main__":
    main()

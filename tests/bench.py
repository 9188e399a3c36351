"""Benchmarks at the size of a whole prefecture (`make bench`).

A prefecture coordinator sees 45 organisations and 50,000 staff, so the pages they use
must stay fast and their query counts flat at that size. Each figure is printed to stdout
as one line, `bench: NAME VALUE UNIT`, for CI to collect and compare; progress goes to
stderr.

The benchmark seeds its own database and never touches yours: a fresh SQLite file in
.bench/, or, when DATABASE_URL names a PostgreSQL server, a database kunren_bench that it
creates on that server and drops afterwards.
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

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / ".bench" / "bench.sqlite3"
POSTGRES_DATABASE = "kunren_bench"
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


# The measuring functions, run in order. Each yields (name, value, unit) figures.


def seed_large():
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

    from django.utils import timezone

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
]


def fresh_sqlite_url():
    SQLITE_FILE.parent.mkdir(exist_ok=True)
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


def fresh_postgres_url(server_url):
    with postgres_admin(server_url) as admin:
        # Only our own database, left behind if an earlier run was interrupted.
        admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
        admin.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    return urlsplit(server_url)._replace(path=f"/{POSTGRES_DATABASE}").geturl()


def drop_postgres_database(server_url):
    connections.close_all()
    with postgres_admin(server_url) as admin:
        admin.execute(f"DROP DATABASE {POSTGRES_DATABASE}")


def main():
    sys.path.insert(0, str(ROOT))
    server_url = os.environ.get("DATABASE_URL")
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
        for measure in MEASUREMENTS:
            progress(measure.__name__)
            for name, value, unit in measure():
                print(f"bench: {name} {value} {unit}", flush=True)
    finally:
        if server_url:
            drop_postgres_database(server_url)


if __name__ == "__main__":
    main()

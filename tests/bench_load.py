"""The load run of `make bench`: 200 operators on gunicorn + PostgreSQL for 60 seconds.

The site runs as production runs it (tests/bench.py's other figures use DEBUG and the test
client): a fresh database kunren_load on the PostgreSQL server, `migrate`, `collectstatic`
into a temporary folder for WhiteNoise, Redis (database 4) as cache and task queue, and
gunicorn with DEBUG unset, a random SECRET_KEY and plain HTTP on loopback
(SECURE_SSL_REDIRECT=false), as .ci/smoke runs it. The demo data (`seed_demo`) gives it
organisations, training material and a question bank; on top, 200 operators of the
prefecture, each with a login, a current operator ID, an invitation to a session they
attended, and that session's quiz with attempts enough for the whole run and no wait
between them.

locust (tests/locustfile.py, in its own process: importing locust patches the standard
library for gevent) logs the 200 in through the login form, a few at a time since each
login is a password hash, then lets them all browse and take the quiz, and measures
RUN_SECONDS of that. The figures are of that window: throughput (requests completed per
second), p50 and p95 latency of every request, quiz submissions graded; logging in is
reported apart (load_login_p95). Any failed request or exception, in the window or while
logging in, is an error: the figures are printed, then the first errors, and the bench
exits non-zero. The database is dropped at the end.

Then capacity, measured in the same run so that it holds on a noisy machine: SATURATION_USERS
users with no pause between pages, first on the same mix, then on a trivial signed-in page
(tests/load_urls.py: the site's middleware and session, one query, a tiny template).
`load_capacity_ratio` is the mix's requests/s over the trivial page's: how much the real
pages cost beyond what Django itself costs here.

The PostgreSQL server is DATABASE_URL's when that names one, else LOAD_PG (default
postgres://postgres@127.0.0.1:5432), and the database on it LOAD_DATABASE (default
kunren_load); Redis is LOAD_REDIS_URL (default
redis://127.0.0.1:6379/4), emptied before and after. Alone:

    .venv/bin/python tests/bench_load.py
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run alone
    sys.path.insert(0, str(ROOT))

from tests.bench import fresh_postgres_url, postgres_admin  # noqa: E402

# LOAD_DATABASE names another database, so that two checkouts can run at once.
DATABASE = os.environ.get("LOAD_DATABASE", "kunren_load")
USERS = 200
SPAWN_RATE = 50  # users started per second; each logs in first, a few at a time
RUN_SECONDS = 60
# Capacity (load_capacity_ratio): the mix and then a trivial page, each asked for by this
# many users with no pause between pages, more than the workers can answer at once.
SATURATION_USERS = 30
SATURATION_SECONDS = 20
# 2 cores are shared by gunicorn, PostgreSQL and locust, and a page is mostly Python, so
# the CPU is the limit. Sync workers are processes: no GIL shared between requests, and no
# keep-alive (a gthread trial lost a request to a connection closed under it). Three keep
# both cores busy while one waits for PostgreSQL; a fourth only added context switches
# (trials on this machine: 3 workers ~100 req/s, 4 workers ~88 req/s).
GUNICORN_WORKERS = 3
# Seconds each worker keeps its PostgreSQL connection (README: DB_CONN_MAX_AGE), as a
# production host with sync workers should: with the default 0, every request opens a
# connection, which on 2 cores cost half the throughput (~50 req/s instead of ~100).
DB_CONN_MAX_AGE = "60"
USERNAME = "load-op-{:03d}"  # as tests/locustfile.py numbers its users
SESSION_TITLE = "負荷試験 住基ネット担当者研修会"
QUIZ_TITLE = "負荷試験 確認テスト"


def progress(message):
    print(f"[bench] load: {message}", file=sys.stderr, flush=True)


# Run by `manage.py shell` on the load database, after seed_demo.


def seed():
    """200 operators of the prefecture with a login each (one password, hashed once), a
    current ID, an invitation to a session they attended, and its quiz without limits
    that a minute could reach; writes the answer key to LOAD_ANSWER_KEY."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from people.fiscal import fiscal_year_of
    from people.models import Department, IdGrant, Organisation, Person
    from training.demo import QUIZ_TITLE as DEMO_QUIZ_TITLE
    from training.demo import titled
    from training.models import (
        Attendance,
        Choice,
        Invitation,
        Quiz,
        QuizRule,
        TrainingSession,
    )

    prefecture = Organisation.objects.get(lg_code="430005")
    demo_quiz = Quiz.objects.get(organisation=prefecture,
                                 title=titled(DEMO_QUIZ_TITLE, timezone.localdate()))
    quiz = Quiz.objects.create(
        organisation=prefecture, title=QUIZ_TITLE, time_limit_minutes=20,
        pass_mark_percent=80, max_attempts=1000, cooldown_minutes=0,
    )
    QuizRule.objects.bulk_create(
        QuizRule(quiz=quiz, category=rule.category, count=rule.count)
        for rule in demo_quiz.rules.all()
    )
    now = timezone.now()
    session = TrainingSession.objects.create(
        organisation=prefecture, title=SESSION_TITLE, quiz=quiz, venue="県庁 地下大会議室",
        capacity=USERS, starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
    )
    departments = list(Department.objects.filter(organisation=prefecture).order_by("code"))
    password = make_password(os.environ["LOAD_PASSWORD"])
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=USERNAME.format(n), password=password, last_name="負荷",
             first_name=f"試験{n}")
        for n in range(1, USERS + 1)
    )
    people = Person.objects.bulk_create(
        Person(user=user, organisation=prefecture, department=departments[n % len(departments)],
               employee_number=f"L{n:05d}", name=f"負荷 試験{n}", kana=f"フカ シケン{n}",
               email=f"load{n}@example.lg.jp")
        for n, user in enumerate(users, start=1)
    )
    granted_on = max(fiscal_year_of(timezone.localdate()).first_day,
                     timezone.localdate() - datetime.timedelta(days=30))
    IdGrant.objects.bulk_create(IdGrant(person=p, granted_on=granted_on) for p in people)
    Invitation.objects.bulk_create(
        Invitation(session=session, person=p, invited_at=session.starts_at) for p in people)
    Attendance.objects.bulk_create(
        Attendance(session=session, person=p, status="present", method="roster",
                   recorded_at=session.ends_at)
        for p in people)
    key = {}
    for question_id, choice_id in Choice.objects.filter(
        question__organisation=prefecture, is_correct=True
    ).values_list("question_id", "pk"):
        key.setdefault(question_id, []).append(choice_id)
    Path(os.environ["LOAD_ANSWER_KEY"]).write_text(json.dumps(key))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps({"users": len(users), "session": session.pk, "questions": len(key)}))


# The run, from the process of tests/bench.py or alone.


def _locust(base, env, result_file, *, users, seconds, options=()):
    """Run tests/locustfile.py's driver against `base`; its figures."""
    driver = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "locustfile.py"), "--host", base,
         "--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--run-time", str(seconds),
         "--result", str(result_file), *options],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, timeout=seconds + 240,
    )  # its progress and any traceback go to stderr
    if driver.returncode != 0 or not result_file.exists():
        raise LoadFailure(f"locust exited {driver.returncode}")
    return json.loads(result_file.read_text())


class LoadFailure(Exception):
    pass


def _server_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/") + "/postgres"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command, env, log, *, timeout=900):
    """Run a command of the project; its output goes to `log`, shown if it fails. The
    timeout is generous: on the 2-core machine shared with other work, `migrate` once
    took over five minutes."""
    with log.open("ab") as out:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                timeout=timeout)
    if result.returncode != 0:
        raise LoadFailure(f"{' '.join(map(str, command[:3]))} exited {result.returncode}:\n"
                          f"{_tail(log)}")


def _tail(log, lines=30):
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(text[-lines:])


def _redis_flush(url):
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()  # our own database number only
    finally:
        client.close()


def _wait_for(base, server, log):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LoadFailure(f"gunicorn exited with {server.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(base + "/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.2)
    raise LoadFailure(f"gunicorn did not answer within 60 s:\n{_tail(log)}")


def environment(database_url, redis_url, work):
    """The environment of the site as production runs it, on `database_url` and
    `redis_url`, with its static and media files in `work`."""
    return {
        **{key: value for key, value in os.environ.items()
           if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        # Plain HTTP on loopback: no TLS proxy in front, so no redirect to https.
        "SECURE_SSL_REDIRECT": "false",
        "DB_CONN_MAX_AGE": DB_CONN_MAX_AGE,
        "LOG_LEVEL": "WARNING",
        "LOAD_PASSWORD": secrets.token_urlsafe(16),
        "LOAD_ANSWER_KEY": str(work / "answers.json"),
        "PYTHONUNBUFFERED": "1",
    }


def prepare(env, work, log):
    """Empty Redis, migrate the (fresh) database, seed it (seed_demo, then seed()) and
    collect the static files, as `env` says."""
    python = Path(sys.executable)
    try:
        _redis_flush(env["REDIS_URL"])
    except redis.RedisError as error:
        raise LoadFailure(f"no Redis at {env['REDIS_URL']}: {error}") from None
    # collectstatic (hashing and compressing) beside migrate and the seed: two cores.
    static = subprocess.Popen(
        [str(python), "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=(work / "collectstatic.log").open("wb"))
    try:
        _run([str(python), "manage.py", "migrate", "--noinput"], env, log)
        # seed_demo refuses to run without DEBUG (its accounts have a published password);
        # this database is dropped at the end.
        _run([str(python), "manage.py", "shell", "-c",
              "from django.core.management import call_command; call_command('seed_demo'); "
              "from tests.bench_load import seed; seed()"],
             {**env, "DEBUG": "true"}, log)
        if static.wait(timeout=900) != 0:
            raise LoadFailure(f"collectstatic failed:\n{_tail(work / 'collectstatic.log')}")
    finally:
        if static.poll() is None:
            static.kill()
            static.wait()


def load_run():
    """Yield the load run's figures; raise SystemExit after them if any request failed."""
    python = Path(sys.executable)
    gunicorn = python.with_name("gunicorn")
    if not gunicorn.exists():
        progress("skipped: gunicorn is missing (pip install -e '.[dev]')")
        return
    server_url = _server_url()
    try:
        database_url = fresh_postgres_url(server_url, database=DATABASE)
    except psycopg.Error as error:
        progress(f"skipped: no PostgreSQL server at {urlsplit(server_url).hostname}: {error}")
        return
    redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/4")
    work = Path(tempfile.mkdtemp(prefix="kunren-load-"))
    env = environment(database_url, redis_url, work)
    server = None
    log = work / "load.log"
    started = time.monotonic()
    try:
        prepare(env, work, log)
        progress(f"database {DATABASE} seeded with {USERS} operators, static files collected "
                 f"in {time.monotonic() - started:.0f} s")

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = work / "gunicorn.log"
        server = subprocess.Popen(
            [str(gunicorn), "config.wsgi", "--workers", str(GUNICORN_WORKERS),
             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "20",
             "--log-level", "warning"],
            cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "tests.load_settings"},
            stdout=subprocess.DEVNULL, stderr=server_log.open("wb"), start_new_session=True,
        )
        _wait_for(base, server, server_log)
        for _ in range(4 * GUNICORN_WORKERS):  # each worker loads the URLconf on first use
            urllib.request.urlopen(base + "/login/", timeout=10).read()
        progress(f"gunicorn ({GUNICORN_WORKERS} sync workers, DB_CONN_MAX_AGE={DB_CONN_MAX_AGE}) "
                 f"at {base}; {USERS} users "
                 f"log in, then {RUN_SECONDS} s of browsing and quizzes")
        result = _locust(base, env, work / "browse.json", users=USERS, seconds=RUN_SECONDS)
        progress(f"capacity: {SATURATION_USERS} users without pauses, {SATURATION_SECONDS} s "
                 "on the mix, then on the trivial page")
        saturated = {
            kind: _locust(base, env, work / f"{kind}.json", users=SATURATION_USERS,
                          seconds=SATURATION_SECONDS, options=["--no-wait", "--user-class", kind])
            for kind in ("operator", "trivial")
        }
        server_errors = _tail(server_log, 10)
    except LoadFailure as failure:
        raise SystemExit(f"load run failed: {failure}") from None
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        with postgres_admin(server_url) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        try:
            _redis_flush(redis_url)
        except redis.RedisError as error:
            progress(f"could not empty {redis_url}: {error}")
        shutil.rmtree(work, ignore_errors=True)
    progress(f"done in {time.monotonic() - started:.0f} s")

    measured, login = result["measured"], result["login"]
    progress(f"logins: {login['users']} in {login['seconds']:.1f} s, p50 {login['p50_ms']} ms, "
             f"p95 {login['p95_ms']} ms")
    for title, run in (("browsing", measured), *(
            (f"without pauses ({kind})", saturated[kind]["measured"])
            for kind in ("operator", "trivial"))):
        if run:
            progress(f"{title}: {run['requests']} requests in {run['seconds']:.0f} s")
        for page, (count, p50, p95) in sorted((run or {}).get("pages", {}).items()):
            if count:
                progress(f"  {count:5d}  p50 {p50:5d} ms  p95 {p95:5d} ms  {page}")
    yield "load_users", login["users"], "users"
    if measured:
        yield "load_throughput", f"{measured['throughput']:.1f}", "req/s"
        yield "load_p50", measured["p50_ms"], "ms"
        yield "load_p95", measured["p95_ms"], "ms"
        yield "load_quiz_submissions", measured["submissions"], "submissions"
    yield "load_login_p95", login["p95_ms"], "ms"
    mix, trivial = (saturated[kind]["measured"] for kind in ("operator", "trivial"))
    if mix and trivial:
        yield "load_saturated_mix_throughput", f"{mix['throughput']:.1f}", "req/s"
        yield "load_trivial_page_throughput", f"{trivial['throughput']:.1f}", "req/s"
        yield ("load_capacity_ratio", f"{mix['throughput'] / trivial['throughput']:.2f}",
               "ratio")
    errors = result["errors"] + sum(run["errors"] for run in saturated.values())
    yield "load_errors", errors, "count"
    if errors or not (measured and mix and trivial):
        for message in [*result["first_errors"],
                        *(m for run in saturated.values() for m in run["first_errors"])][:10]:
            progress(f"error: {message}")
        if server_errors:
            progress(f"gunicorn's log ends:\n{server_errors}")
        raise SystemExit(f"load run: {errors} errors"
                         + ("" if measured and mix and trivial
                            else "; not every user could log in"))


MEASUREMENTS = [load_run]  # run by tests/bench.py after its own


def main():
    for name, value, unit in load_run():
        print(f"bench: {name} {value} {unit}", flush=True)


if __name__ == "__main__":
    main()

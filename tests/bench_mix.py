"""What each page of the load mix costs the server (issue 20), without locust: the compass
between two load runs.

The load run (tests/bench_load.py) measures the whole: requests/s on gunicorn with locust
beside it on the same two cores, minutes per run and noisy when other work shares the
machine. This measures the parts, in one process, in seconds: on a database seeded as
the load run seeds it (the demo, then its 200 operators), with production's settings as
the load run's gunicorn has them (DEBUG off, the cached template loader, the cache and
static files production has with REDIS_URL), one load operator logs in through the
form, then asks for each page of the mix REPEATS times in the test client. For each page
it prints the CPU time of this process per request (time.process_time: Python's own
cost, PostgreSQL's excluded) and the queries of one request:

    bench: mix_cpu_ms_home 12.3 ms
    bench: mix_queries_home 5 queries

then the same for the trivial page (tests/load_urls.py), the mix's mean weighted as the
locustfile weighs its tasks, and `mix_cpu_ratio`: the trivial page's CPU over the
mix's mean, what load_capacity_ratio would be if the CPU of this process were all that
counted.

The database is LOAD_DATABASE with `_mix` appended, on the load run's PostgreSQL server,
and Redis LOAD_REDIS_URL, as for tests/bench_load.py. It is kept, with the static files
in .bench/DATABASE/, so that the next run starts at once: `--fresh` seeds it again (after a
migration or a change to the seed). Alone, from the project folder:

    LOAD_DATABASE=... LOAD_REDIS_URL=... .venv/bin/python tests/bench_mix.py [--fresh]
    [--repeats N] [--profile PAGE]

`--profile home` prints a cProfile of that page's REPEATS requests instead.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run alone
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests import bench_load  # noqa: E402
from tests.bench import postgres_admin  # noqa: E402

REPEATS = 30
# How often the locustfile's operator asks for each page, per 14 tasks: home ×3, my
# training ×3 (each followed by a required reading page), certificates ×1, the directory
# ×2, and the quiz ×2 (its session page, start, take, submit and review each time; the
# quiz list only once per user, so not counted).
WEIGHTS = {
    "home": 3, "training": 3, "reading": 3, "certificates": 1, "directory": 2,
    "quiz_session": 2, "quiz_start": 2, "quiz_take": 2, "quiz_submit": 2, "quiz_review": 2,
}
READING = re.compile(r'href="(/training/reading/\d+/)"')
QUIZ_SESSION = re.compile(r'href="(/training/quizzes/sessions/\d+/)"')
SUBMIT = re.compile(r'action="(/training/quizzes/attempts/\d+/submit/)"')
ANSWER = re.compile(r'<input type="(radio|checkbox)" name="answer-(\d+)" value="(\d+)"')


def progress(message):
    print(f"[bench] mix: {message}", file=sys.stderr, flush=True)


def seeded_environment(*, fresh):
    """The load run's environment on the mix's own database, seeded unless it is already
    (or afresh with `fresh`)."""
    server_url = bench_load._server_url()
    database = bench_load.DATABASE + "_mix"
    database_url = urlsplit(server_url)._replace(path=f"/{database}").geturl()
    work = ROOT / ".bench" / database
    work.mkdir(parents=True, exist_ok=True)
    saved = work / "environment.json"
    with postgres_admin(server_url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [database]).fetchone()
        if exists and saved.exists() and not fresh:
            return json.loads(saved.read_text())
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {database}")
    redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/4")
    env = bench_load.environment(database_url, redis_url, work)
    saved.unlink(missing_ok=True)
    started = time.monotonic()
    progress(f"seeding {database} (migrate, seed_demo, 200 operators) and collecting static files")
    bench_load.prepare(env, work, work / "prepare.log")
    progress(f"seeded in {time.monotonic() - started:.0f} s")
    saved.write_text(json.dumps(env))
    return env


def setup(env):
    os.environ.update(env)
    # The test client's host; production's ALLOWED_HOSTS otherwise.
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.load_settings"
    os.environ.pop("DEBUG", None)
    import django

    django.setup()


class Operator:
    """A load operator in the test client, asking for the mix's pages as the locustfile's
    Operator does, each request measured: {page: [(cpu seconds, queries), ...]}."""

    def __init__(self, answer_key):
        from django.test import Client

        self.answer_key = answer_key
        self.figures = {}
        # One client, as gunicorn has one handler per worker: a new one loads every
        # middleware again (WhiteNoise reads every static file then).
        self.client = Client()
        self.warming = True  # the first round's requests: compiling, filling caches

    def log_in(self, username):
        """As the login form does (the session it leaves is the same), without the cost of
        a password hash each time."""
        from django.contrib.auth import get_user_model

        self.client.cookies.clear()
        self.client.force_login(get_user_model().objects.get(username=username),
                                backend="django.contrib.auth.backends.ModelBackend")

    def ask(self, page, method, path, data=None, expect=200):
        from django.db import connection

        queries = []

        def counted(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            started = time.process_time()
            response = getattr(self.client, method)(path, data or {})
            cpu = time.process_time() - started
        if response.status_code != expect:
            raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")
        self.figures.setdefault(page, []).append((cpu, len(queries)))
        return response

    def get(self, page, path):
        return self.ask(page, "get", path).content.decode()

    def post(self, page, path, data):
        return self.ask(page, "post", path, data, expect=302)["Location"]

    def round(self):
        """Each page of the mix once."""
        self.get("home", "/")
        readings = READING.findall(self.get("training", "/training/"))
        self.get("reading", readings[len(self.figures["training"]) % len(readings)])
        self.get("certificates", "/training/certificates/")
        self.get("directory", "/people/")
        quiz = QUIZ_SESSION.findall(self.get("quiz_list", "/training/quizzes/"))[0]
        html = self.get("quiz_session", quiz)
        take = self.post("quiz_start", quiz, {})
        html = self.get("quiz_take", take)
        fields = {}
        for kind, question, choice in ANSWER.findall(html):
            right = self.answer_key.get(question, [])
            if int(choice) in right or (not right and kind == "radio"):
                fields.setdefault(f"answer-{question}", []).append(choice)
        review = self.post("quiz_submit", SUBMIT.search(html).group(1), fields)
        self.get("quiz_review", review)

    def trivial(self):
        self.get("trivial", "/bench/trivial/")


def rounds(env, repeats, operator):
    """A warm-up round, then `repeats` rounds, each by the next load operator, so that
    each has a few attempts at most, as in the load run; those of earlier runs are
    deleted first, so that every run starts from the same data."""
    from training.models import Attempt, Certificate

    load_operators = {"person__user__username__startswith": bench_load.USERNAME[:8]}
    Certificate.objects.filter(**load_operators).delete()
    Attempt.objects.filter(**load_operators).delete()
    for number in range(repeats + 1):
        operator.log_in(bench_load.USERNAME.format(number % bench_load.USERS + 1))
        operator.round()
        operator.trivial()
        if operator.warming:
            operator.figures.clear()
            operator.warming = False
    return operator.figures


def answer_key(env):
    return json.loads(Path(env["LOAD_ANSWER_KEY"]).read_text())


def figures(measured):
    """The bench lines: per page its mean CPU ms and its queries (the most of any
    request: a page's count may vary with what it shows), then the weighted mix."""
    cpu_ms = {page: 1000 * sum(cpu for cpu, _ in runs) / len(runs)
              for page, runs in measured.items()}
    for page, runs in measured.items():
        yield f"mix_cpu_ms_{page}", f"{cpu_ms[page]:.1f}", "ms"
        yield f"mix_queries_{page}", max(queries for _, queries in runs), "queries"
    weight = sum(WEIGHTS.values())
    mean = sum(cpu_ms[page] * share for page, share in WEIGHTS.items()) / weight
    queries = sum(max(q for _, q in measured[page]) * share
                  for page, share in WEIGHTS.items()) / weight
    yield "mix_cpu_ms_weighted_mean", f"{mean:.1f}", "ms"
    yield "mix_queries_weighted_mean", f"{queries:.1f}", "queries"
    yield "mix_cpu_ratio", f"{cpu_ms['trivial'] / mean:.2f}", "ratio"


def profile(env, page, repeats):
    """cProfile over `page`'s requests only: the functions that cost most with what they
    call, then on their own."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    operator = Operator(answer_key(env))
    asked = operator.ask

    def profiled(name, *args, **kwargs):
        if name != page or operator.warming:
            return asked(name, *args, **kwargs)
        profiler.enable()
        try:
            return asked(name, *args, **kwargs)
        finally:
            profiler.disable()

    operator.ask = profiled
    rounds(env, repeats, operator)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true", help="seed the database again")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--profile", metavar="PAGE")
    args = parser.parse_args()
    try:
        env = seeded_environment(fresh=args.fresh)
    except psycopg.Error as error:
        raise SystemExit(f"no PostgreSQL server: {error}") from None
    except bench_load.LoadFailure as failure:
        raise SystemExit(f"seeding failed: {failure}") from None
    setup(env)
    if args.profile:
        profile(env, args.profile, args.repeats)
        return
    for name, value, unit in figures(rounds(env, args.repeats, Operator(answer_key(env)))):
        print(f"bench: {name} {value} {unit}", flush=True)


if __name__ == "__main__":
    main()

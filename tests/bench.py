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


MEASUREMENTS = [
    seed_large,
    directory_page,
    directory_department_page,
    home_page,
    my_training_page,
    department_reading_pages,
    plan_pdf,
    roster_import,
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

"""Shared fixture people, reused across the suite.

Two organisations: 熊本県 (the prefecture) and 熊本市 (a municipality). In the prefecture,
department A (福祉課) has an operator, a colleague and their supervisor; department B has
its own supervisor. The outsider works for the city.
"""

import contextlib
import copy
import datetime
import inspect
import os
import shutil
import signal
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django_q.tasks import async_task, fetch
from wagtail.signal_handlers import disable_reference_index_auto_update

from core.stamps import held_forget
from people.models import Department, IdGrant, Organisation, Person, RoleAssignment

# pytest-django's live_server runs beside the Playwright event loop in one thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "test-password"


def pytest_collection_modifyitems(config, items):
    """Browser tests skip where Chromium is missing, except in CI (REQUIRE_BROWSER=1)."""
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` "
        "(or set CHROMIUM_PATH) to run the browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Free the PostgreSQL test database before it is dropped.

    The live server's threads and the worker's processes may still hold a connection
    when the session ends, and PostgreSQL refuses to drop a database in use.
    """
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture(autouse=True)
def japanese():
    """Every test starts in Japanese: a request switched to English leaves the language
    active in the thread, as it does in a server between requests."""
    translation.activate("ja")
    yield
    translation.activate("ja")


@pytest.fixture(autouse=True)
def no_reference_index():
    """Wagtail records every save of a page, image or document in its reference index
    (the admin's "usage" listings): about 14 ms a save, a tenth of the suite's time in
    the fixtures' pages, and no test reads the index. Per thread: a live server's saves
    are still indexed."""
    with disable_reference_index_auto_update():
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """The tests' cache (locmem) lives as long as the process: what one test counted (the
    home page's duties, say) must not answer the next, nor what a process holds
    (core.stamps) of data a test wrote and rolled back."""
    yield
    cache.clear()
    held_forget()


CLOCK_START = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def clock():
    """Freeze time on 2026-11-26 10:00 JST (fiscal year 2026); `clock.move_to(...)` moves it."""
    with time_machine.travel(CLOCK_START, tick=False) as traveller:
        yield traveller


# The shared staff: organisations, departments and people. Each is a fixture, made again
# for every test; a module whose tests only read them may make them once instead
# (staff_once_per_module).
STAFF = {}


def staff_builder(builder):
    """Let staff_once_per_module make the fixture of this name with `builder`, whose
    arguments are other staff fixtures (and `db`)."""
    assert STAFF.get(builder.__name__, builder) is builder, f"two staff fixtures {builder.__name__}"
    STAFF[builder.__name__] = builder
    return builder


def staff(builder):
    """A fixture of the shared staff (function-scoped) that staff_once_per_module can
    also make once per module."""
    return pytest.fixture(staff_builder(builder))


def staff_once_per_module(*names, then=None):
    """Fixtures for a test module's globals(): the staff fixtures `names` (and those they
    depend on) made once for the module, as Django's TestCase.setUpTestData makes its
    data once for a class.

    They are made under the `clock`'s frozen time, in a transaction left open over the
    module's tests and rolled back after the last; each test runs in a savepoint within
    it (pytest-django's `db`), so what a test writes is rolled back after it as before.
    Each test gets its own deep copies of the instances, so that one test's changes to
    an instance in memory do not reach the next. `then(made)`, if given, runs after
    them, on the same terms: {name: instance} of every staff fixture made.

    Only for a module whose every test reads all of them (each would have made them
    anyway) and none is transactional (a flush, or another connection, would not see
    them)."""

    @pytest.fixture(scope="module")
    def staff_of_the_module(django_db_setup, django_db_blocker):
        made = {}

        def build(name):
            if name not in made:
                builder = STAFF[name]
                made[name] = builder(**{
                    parameter: None if parameter == "db" else build(parameter)
                    for parameter in inspect.signature(builder).parameters
                })
            return made[name]

        with django_db_blocker.unblock():
            kept = transaction.atomic()
            kept.__enter__()
            try:
                with time_machine.travel(CLOCK_START, tick=False), \
                        disable_reference_index_auto_update():
                    for name in names:
                        build(name)
                    if then is not None:
                        then(made)
            except BaseException:
                transaction.set_rollback(True)
                kept.__exit__(None, None, None)
                raise
        yield made
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            kept.__exit__(None, None, None)

    def copy_of(name):
        def fixture(db, staff_of_the_module):
            return copy.deepcopy(staff_of_the_module[name])

        return pytest.fixture(name=name)(fixture)

    every = set(names)
    pending = list(names)
    while pending:
        for parameter in inspect.signature(STAFF[pending.pop()]).parameters:
            if parameter != "db" and parameter not in every:
                every.add(parameter)
                pending.append(parameter)
    return {"staff_of_the_module": staff_of_the_module,
            **{f"{name}_of_the_module": copy_of(name) for name in sorted(every)}}


@staff
def prefecture(db):
    return Organisation.objects.create(name="熊本県", kind="prefecture", lg_code="430005")


@staff
def city(db):
    return Organisation.objects.create(name="熊本市", kind="municipality", lg_code="431001")


@staff
def department_a(prefecture):
    return Department.objects.create(organisation=prefecture, code="A01", name="県北広域本部福祉課")


@staff
def department_b(prefecture):
    return Department.objects.create(organisation=prefecture, code="B01", name="球磨地域振興局用地課")


@staff
def coordinating_division(prefecture):
    return Department.objects.create(
        organisation=prefecture, code="C01", name="市町村課", is_coordinating_division=True
    )


@staff
def city_department(city):
    return Department.objects.create(organisation=city, code="K01", name="区民課")


def make_person(username, department, *, name, kana="", number=None, granted_on=None):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    person = Person.objects.create(
        user=user,
        organisation=department.organisation,
        department=department,
        employee_number=number or username,
        name=name,
        kana=kana,
    )
    if granted_on:
        IdGrant.objects.create(person=person, granted_on=granted_on)
    return person


@staff
def operator(department_a):
    return make_person(
        "operator", department_a, name="山田 花子", kana="ヤマダ ハナコ",
        granted_on=datetime.date(2026, 4, 10),
    )


@staff
def colleague(department_a):
    return make_person(
        "colleague", department_a, name="佐藤 次郎", kana="サトウ ジロウ",
        granted_on=datetime.date(2023, 4, 1),
    )


@staff
def supervisor(department_a):
    person = make_person("supervisor", department_a, name="田中 一郎", kana="タナカ イチロウ")
    RoleAssignment.objects.create(person=person, role="supervisor", department=department_a)
    return person


@staff
def other_supervisor(department_b):
    person = make_person("other_supervisor", department_b, name="鈴木 三郎", kana="スズキ サブロウ")
    RoleAssignment.objects.create(person=person, role="supervisor", department=department_b)
    return person


@staff
def coordinator(coordinating_division, prefecture):
    person = make_person("coordinator", coordinating_division, name="高橋 恵", kana="タカハシ メグミ")
    RoleAssignment.objects.create(person=person, role="coordinator", organisation=prefecture)
    return person


@staff
def city_coordinator(city_department, city):
    person = make_person("city_coordinator", city_department, name="中村 修", kana="ナカムラ オサム")
    RoleAssignment.objects.create(person=person, role="coordinator", organisation=city)
    return person


@staff
def evaluator(coordinating_division, prefecture):
    person = make_person("evaluator", coordinating_division, name="小林 誠", kana="コバヤシ マコト")
    RoleAssignment.objects.create(person=person, role="evaluator", organisation=prefecture)
    return person


@staff
def outsider(city_department):
    return make_person(
        "outsider", city_department, name="伊藤 健", kana="イトウ ケン",
        granted_on=datetime.date(2025, 5, 1),
    )


def log_in(page, live_server, username):
    """Log a browser page in through the login form, as a person would."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


@pytest.fixture
def login(client):
    """Log the test client in as a fixture person."""

    def log_in(person):
        client.force_login(person.user)
        return client

    return log_in


@pytest.fixture
def task_worker(transactional_db):
    """A real django-q2 cluster (`manage.py qcluster`) on the test database.

    Yields a function that queues a task and returns its result once the worker has
    run it (None if it has not after `timeout_ms`). The worker is a separate process, so
    the data it needs must be committed: hence transactional_db.
    """
    database = connection.settings_dict
    url = (
        f"sqlite:///{database['NAME']}" if connection.vendor == "sqlite"
        else f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=os.path.dirname(os.path.dirname(__file__)),
        env={**os.environ, "DEBUG": "true", "DATABASE_URL": url, "Q_WORKERS": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )

    def run(func, *args, timeout_ms=30_000):
        # Wait for the task, not for its result: django-q2's result() cannot tell a task
        # that returned None from one not run yet, and would wait out the timeout.
        task = fetch(async_task(func, *args), wait=timeout_ms)
        return None if task is None else task.result

    yield run
    process.send_signal(signal.SIGTERM)  # the cluster stops its workers itself
    process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any worker that outlived it


PLAN_BODY = [
    {"type": "heading", "id": "h-intro", "value": {"text": "目的"}},
    {"type": "paragraph", "id": "p-intro", "value": "<p>この計画は住基ネットの緊急時の対応を定める。</p>"},
    {"type": "procedure", "id": "proc-lost", "value": {
        "incident_type": "lost_device", "title": "静脈認証装置の紛失", "summary": "",
        "steps": [
            {"type": "item", "id": "step-1", "value": {
                "action": "所属長へ報告する", "responsible_role": "発見者", "time_target_minutes": 15}},
            {"type": "item", "id": "step-2", "value": {
                "action": "市町村課へ第一報", "responsible_role": "所属長", "time_target_minutes": 30}},
        ]}},
]


@pytest.fixture
def home_page(db):
    from wagtail.models import Locale, Page

    from cms.models import HomePage

    # Transactional tests (live_server, task_worker) flush the tables, and with them the
    # locale and root page that Wagtail's migrations create.
    Locale.objects.get_or_create(language_code="ja")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="研修・訓練", slug="kunren"))
    return home


@pytest.fixture
def plan(home_page, prefecture):
    """熊本県's plan, required reading for its ID holders, published once."""
    from cms.models import EmergencyPlanPage

    page = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本県 緊急時対応計画書", slug="plan-430005", organisation=prefecture,
        required_for="id_holders", body=PLAN_BODY,
    ))
    page.save_revision().publish()
    return page


def publish_revision(page, *, requires_reacknowledgement, change=None, reason=""):
    """Publish a new revision of `page`, optionally editing its body first; with
    `requires_reacknowledgement` it is a new edition, for `reason`."""
    page = page.specific_class.objects.get(pk=page.pk)
    if change:
        change(page)
    page.requires_reacknowledgement = requires_reacknowledgement
    page.edition_reason = reason
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def closed_session(clock, prefecture, department_a, operator, colleague, supervisor):
    """A session for department A held on 2026-11-20, closed now (2026-11-26 10:00 JST).

    The operator attended and the colleague did not, so the colleague must be briefed by
    2026-12-26. The supervisor holds no ID, so is not in the audience.
    """
    from training.models import Attendance, TrainingSession
    from training.sessions import invitations_send
    from training.sharing import attendance_close

    tokyo = ZoneInfo("Asia/Tokyo")
    session = TrainingSession.objects.create(
        organisation=prefecture, title="令和8年度 住基ネット担当者研修",
        starts_at=datetime.datetime(2026, 11, 20, 13, 30, tzinfo=tokyo),
        ends_at=datetime.datetime(2026, 11, 20, 16, 30, tzinfo=tokyo),
        venue="県庁本館", capacity=50,
    )
    session.departments.set([department_a])
    invitations_send(session=session, today=datetime.date(2026, 11, 1))
    Attendance.objects.create(
        session=session, person=operator, status="present", method="roster",
        recorded_at=session.ends_at,
    )
    attendance_close(session=session, now=datetime.datetime(2026, 11, 26, 10, 0, tzinfo=tokyo))
    return session


# Drills

DRILL_T0 = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def inject(offset, subject, role="所属長", *, contingency=False, actions=()):
    """One inject of a scenario's timeline, as Wagtail stores it, with its expected
    actions (all for objective 1)."""
    return {"type": "inject", "value": {
        "offset": offset, "channel": "phone", "sender": "24時間監視", "role": role,
        "subject": subject, "message": f"{subject}の内容", "contingency": contingency,
        "expected_actions": [
            {"description": description, "objective": "1", "role": role,
             "deadline_minutes": 10, "weight": 1, "plan_step": ""}
            for description in actions
        ],
    }}


@pytest.fixture
def scenario(prefecture):
    """熊本県's unauthorised-lookup scenario: injects at +0:00 (to 所属長, with one expected
    action), +0:05 (to 広報), +0:20, and a contingency at +0:10."""
    from drills.models import Scenario

    return Scenario.objects.create(
        organisation=prefecture, title="不正照会の疑い", incident_type="unauthorised_lookup",
        summary="著名人の本人確認情報が照会された。",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "初動報告",
                                                    "description": ""}}],
        timeline=[
            inject("+0:00", "監視センターからの通報", actions=["所属長へ報告する"]),
            inject("+0:05", "報道機関からの問い合わせ", role="広報"),
            inject("+0:20", "追加の照会記録"),
            inject("+0:10", "県からの督促", contingency=True),
        ],
    )


@pytest.fixture
def drill(scenario, coordinator):
    """The scenario scheduled for DRILL_T0 (2026-11-26 10:00 JST), not started."""
    from drills.runs import drill_schedule

    return drill_schedule(scenario=scenario, scheduled_for=DRILL_T0, by=coordinator,
                          now=DRILL_T0 - datetime.timedelta(hours=1))


@pytest.fixture(scope="session", autouse=True)
def flush_sets_the_audit_triggers_aside():
    """Transactional tests (live_server, task_worker) empty every table after each test,
    and the audit trail's triggers (audit migrations 0002 and 0005) refuse DELETE.

    - PostgreSQL: Django's flush is one TRUNCATE of every table, about two seconds here
      for the ~200 tables (new files for each table and index), a third of the suite's
      time on PostgreSQL. The suite deletes the rows instead, with triggers and foreign
      keys set aside for the session (session_replication_role = replica; the test
      database's owner is a superuser): milliseconds.
    - SQLite: Django's flush deletes; the suite drops the triggers around it and makes
      them again after it.

    The application's own code has no such way round the triggers."""
    import importlib

    DatabaseOperations = type(connection.ops)  # noqa: N806 (the class patched)
    sql_flush = DatabaseOperations.sql_flush

    if connection.vendor == "postgresql":
        def flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
            if reset_sequences or not tables:
                return sql_flush(self, style, tables, reset_sequences=reset_sequences,
                                 allow_cascade=allow_cascade)
            return [
                "SET session_replication_role = replica",
                *(f"DELETE FROM {self.quote_name(table)}" for table in tables),
                "SET session_replication_role = DEFAULT",
            ]
    else:
        triggers = importlib.import_module("audit.migrations.0005_append_only_in_sqlite")

        def flush(self, style, tables, **kwargs):
            statements = sql_flush(self, style, tables, **kwargs)
            if "audit_auditevent" not in tables or not statements:
                return statements
            return [*triggers.DROP, *statements, *triggers.CREATE]

    DatabaseOperations.sql_flush = flush
    yield
    DatabaseOperations.sql_flush = sql_flush


def class_views_without_arguments(resolver=None, prefix=""):
    """(address, view callback, view class) of every class-based view whose URL takes no
    argument: for tests that must cover every view of a kind, including ones added later."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from class_views_without_arguments(pattern, route)
        elif isinstance(pattern, URLPattern) and not pattern.pattern.regex.groups:
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None:
                address = "/" + route.lstrip("^").replace("\\Z", "").replace("$", "")
                yield address, pattern.callback, view_class


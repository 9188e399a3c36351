"""Faults of the task queue, with real processes: a django-q2 `qcluster` killed (SIGKILL,
the whole process group) in the middle of a task, and Redis down under the production
configuration (REDIS_URL set) while gunicorn serves pages.

What holds, precisely:

- With the ORM broker (no REDIS_URL) a task handed to a worker is locked for Q_CLUSTER
  "retry" seconds and deleted only once it succeeded, so a task whose cluster was killed
  is handed out again after "retry" seconds. The tests move that lock back rather than wait.
- With the Redis broker a task leaves Redis when a cluster pops it (BLPOP; django-q2
  has no acknowledgement for Redis), so a task whose cluster was killed is lost. Its next
  run makes up for it: the daily schedule's, for the reminders; the watchdog's, for a
  drill clock.
- Reminders are recorded (a row with a unique key) with their e-mail written to the
  outbox (core.outbox) in one transaction; a sending task claims outbox rows, hands
  each to the mail server and then marks it sent. A killed sender's claims run out
  (the tests move them back rather than wait), and its rows go again: a mail handed
  over but not yet marked goes twice, with the same Message-ID (core.mail), by which it
  can be dropped. A sender killed anywhere else sends nothing twice.
- A task queued with the Redis broker in the moment after a cluster died can be lost as
  well: until Redis sees that cluster's connection close, its pending BLPOP takes it.
- With Redis down, pages render (the cache is the database's, not Redis), a drill starts
  without its clock task, /healthz says 503 and why, and once Redis is back the watchdog's
  next round launches the clock, which records the due injects.

The subprocesses run the production settings (DEBUG off) on the test database, through a
small settings module that only adds the test's e-mail backend and the plain static-file
storage (the hashed one needs a 30-second collectstatic that has nothing to do with this).
"""

import collections
import contextlib
import datetime
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.core.mail.backends import filebased
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler
from django_q.tasks import async_task, result

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# Every wait below polls for a subprocess's effect, and gives up after this long.
WAIT_SECONDS = 40

SUBPROCESS_SETTINGS = '''\
"""The production settings, as the test's subprocesses run them."""
import os

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
if os.environ.get("KUNREN_FAULTS_MAIL"):
    EMAIL_BACKEND = "tests.test_faults_worker.HoldingFileBackend"
    EMAIL_FILE_PATH = os.environ["KUNREN_FAULTS_MAIL"]
'''


# In the worker: an e-mail backend that stops where the test wants to kill it


class HoldingFileBackend(filebased.EmailBackend):
    """The file-based backend (a file per connection), which stops once, at the second
    message written, while the test's hold file exists: "before" it writes that message
    (the first is sent and marked, the second claimed) or "after" it (the second is handed
    over, not yet marked sent). Stopped, it writes its process id to the "held" file and
    waits for the hold file to go, which it never does: the test kills it there."""

    def send_messages(self, messages):
        hold = Path(os.environ["KUNREN_FAULTS_HOLD"])
        when = hold.read_text() if hold.exists() else ""
        second = sum(1 for _message in messages_in(self.file_path)) == 1
        if when == "before" and second:
            self._hold(hold)
        sent = super().send_messages(messages)
        if when == "after" and second:
            self._hold(hold)
        return sent

    @staticmethod
    def _hold(hold):
        held = Path(os.environ["KUNREN_FAULTS_HELD"])
        if held.exists():
            return  # another sender holds already: this one carries on
        held.write_text(str(os.getpid()))
        while hold.exists():
            time.sleep(0.05)


# Processes


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what, *, log=None, timeout=WAIT_SECONDS):
    """Poll `condition` until it is true; fail, with the end of `log`, after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.1)


class RedisServer:
    """A private redis-server on a free port, stopped and started again by the test."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def answers():
            with contextlib.suppress(redis.ConnectionError):
                return client.ping()

        wait_for(answers, "redis-server to answer")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    if not os.path.exists(REDIS_SERVER):
        message = f"needs {REDIS_SERVER} for a private Redis it can stop and start"
        if os.environ.get("REDIS_URL"):
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_broker(redis_server, monkeypatch):
    """A django-q2 Redis broker on the private Redis, for the test process to enqueue
    and schedule with, whatever broker the test settings chose."""
    monkeypatch.setattr(Conf, "REDIS", redis_server.url)
    return Redis(list_key=Conf.CLUSTER_NAME)


@pytest.fixture
def environment(tmp_path):
    """The environment of a production process on the test database: DEBUG off, and the
    test's SECRET_KEY, which signs the queued tasks and the test client's sessions."""
    (tmp_path / "kunren_faults_settings.py").write_text(SUBPROCESS_SETTINGS)
    database = connection.settings_dict
    url = (
        f"sqlite:///{database['NAME']}" if connection.vendor == "sqlite"
        else f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
    dropped = ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "REDIS_URL",
               "EMAIL_HOST", "PYTHONPATH")
    base = {key: value for key, value in os.environ.items() if key not in dropped}

    def environment_with(**more):
        return {
            **base, "DJANGO_SETTINGS_MODULE": "kunren_faults_settings",
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false", "Q_WORKERS": "1", "PYTHONUNBUFFERED": "1",
            "HEALTHZ_TOKEN": MONITOR_TOKEN,
            "MEDIA_ROOT": str(tmp_path / "media"), **more,
        }

    return environment_with


@contextlib.contextmanager
def running(command, env, log, *, stop=signal.SIGTERM):
    """Run `command` in a process group of its own; at the end send it `stop`, then
    SIGKILL whatever is left of the group."""
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(stop)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def qcluster(env, log):
    """A `manage.py qcluster`. The test kills it at the end: its work is done and checked
    by then, and a graceful stop would only add seconds."""
    return running([sys.executable, "manage.py", "qcluster"], env, log, stop=signal.SIGKILL)


def kill_group(process):
    """SIGKILL the cluster and every process it started, as a crash or the OOM killer would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


# Reminders that a killed worker was sending


def certificates_expiring(people):
    """A certificate for each person, expiring 10, 11, 12… days after today (the real
    clock's: the worker runs on it), so the reminders go out in this order."""
    from people.calendar import office_calendar
    from training import certificates
    from training.models import Attempt, Attendance, Certificate, Quiz, TrainingSession

    today = timezone.localdate()
    organisation = people[0].organisation
    if not office_calendar(organisation).is_working_day(today):
        pytest.skip("The worker runs on the real clock, and today the office is closed: "
                    "reminders wait for its next working day (people.calendar).")
    starts = timezone.now() - datetime.timedelta(days=300)
    session = TrainingSession.objects.create(
        organisation=organisation, title="令和7年度 住基ネット担当者研修会", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2), venue="県庁", capacity=100,
        quiz=Quiz.objects.create(organisation=organisation, title="確認テスト"),
    )
    for days, person in enumerate(people, start=10):
        person.email = f"{person.user.username}@example.lg.jp"
        person.save()
        Attendance.objects.create(session=session, person=person, status="present",
                                  method="roster", recorded_at=starts)
        attempt = Attempt.objects.create(
            quiz=session.quiz, session=session, person=person, number=1, started_at=starts,
            deadline=starts, submitted_at=starts, score_percent=90, passed=True,
        )
        expires_on = today + datetime.timedelta(days=days)
        Certificate.objects.create(
            person=person, session=session, attempt=attempt, code=certificates.code_new(),
            issued_on=expires_on - datetime.timedelta(days=365), expires_on=expires_on,
        )
    return [person.email for person in people]


def messages_in(folder):
    """The messages the file-based backend wrote."""
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in Path(folder).iterdir():
        for raw in path.read_bytes().split(separator):
            if raw.strip():
                yield email.message_from_bytes(raw)


def mails_to(folder):
    """How many messages the file-based backend wrote to each recipient."""
    return collections.Counter(message["To"] for message in messages_in(folder))


def reminders_recorded():
    from training.models.certificates import CertificateReminder

    return sorted(CertificateReminder.objects.values_list("sent_to", flat=True))


@pytest.fixture
def mail_run(tmp_path, environment):
    """The folders and environment of a worker whose e-mail goes to files and holds where
    the test asks."""
    folder = tmp_path / "mail"
    folder.mkdir()
    hold, held = tmp_path / "hold", tmp_path / "held"
    env = environment(KUNREN_FAULTS_MAIL=str(folder), KUNREN_FAULTS_HOLD=str(hold),
                      KUNREN_FAULTS_HELD=str(held))
    return collections.namedtuple("MailRun", "folder hold held env log")(
        folder, hold, held, env, tmp_path / "qcluster.log")


def run_until_held(mail_run, broker, when, clusters):
    """Queue the real certificate-reminder task and wait until the sender in one of
    `clusters` holds (`when`, see HoldingFileBackend); kill that cluster there. Returns
    the clusters left."""
    mail_run.hold.write_text(when)
    async_task("training.tasks.send_certificate_reminders", broker=broker)
    pid = wait_for(lambda: mail_run.held.exists() and mail_run.held.read_text(),
                   "a sender to hold in the middle of its batch", log=mail_run.log)
    [held] = [cluster for cluster in clusters if cluster.pid == os.getpgid(int(pid))]
    kill_group(held)
    mail_run.hold.unlink()  # the next sender goes through
    return [cluster for cluster in clusters if cluster is not held]


def claims_run_out():
    """As a claim's duration after the sender died: its rows are due again."""
    from core.models import OutgoingMail

    OutgoingMail.objects.filter(sent_at__isnull=True).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1))


def all_sent():
    from core.models import OutgoingMail

    return OutgoingMail.objects.exists() and not OutgoingMail.objects.filter(
        sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("when, sent_twice", [("before", 0), ("after", 1)])
def test_orm_broker_a_sender_whose_cluster_was_killed_runs_again_after_the_retry_period(
    mail_run, operator, colleague, supervisor, when, sent_twice
):
    """Two clusters, as in production. The one sending the reminders is killed in the
    middle of its batch; the other runs its task again once the retry period is over.
    Killed before handing the second mail over, each reminder goes once; killed between
    handing it over and marking it sent, that one mail goes twice, with one Message-ID."""
    first, second, third = certificates_expiring([operator, colleague, supervisor])
    broker = ORM(list_key=Conf.CLUSTER_NAME)

    with qcluster(mail_run.env, mail_run.log) as one, qcluster(mail_run.env, mail_run.log) as two:
        run_until_held(mail_run, broker, when, [one, two])

        # Killed in the middle: every reminder is recorded, whatever the sending did.
        assert reminders_recorded() == sorted([first, second, third])
        assert mails_to(mail_run.folder)[first] == 1
        assert mails_to(mail_run.folder)[second] == sent_twice
        # The broker still holds the killed cluster's tasks (the sender's, and any it had
        # taken besides), locked until the retry period is over; the other cluster has run
        # the rest.
        def only_the_killed_clusters_tasks_left():
            return OrmQ.objects.exists() and not OrmQ.objects.filter(
                lock__lte=timezone.now()).exists()

        wait_for(only_the_killed_clusters_tasks_left, "the other cluster to run the rest",
                 log=mail_run.log)
        retry = datetime.timedelta(seconds=settings.Q_CLUSTER["retry"])
        for queued in OrmQ.objects.all():
            assert queued.task["func"] in ("core.outbox.send_pending",
                                           "training.tasks.send_certificate_reminders")
            assert queued.lock > timezone.now() + retry - datetime.timedelta(seconds=60)

        claims_run_out()
        OrmQ.objects.update(lock=timezone.now() - datetime.timedelta(seconds=1))  # it is over
        wait_for(all_sent, "every reminder to be sent", log=mail_run.log)
        wait_for(lambda: not OrmQ.objects.exists(), "the broker to let go of the tasks")

    assert mails_to(mail_run.folder) == {first: 1, second: 1 + sent_twice, third: 1}
    # A copy sent again carries the first one's Message-ID, so that it can be dropped.
    message_ids = {message["Message-ID"] for message in messages_in(mail_run.folder)
                   if message["To"] == second}
    assert len(message_ids) == 1


@pytest.mark.django_db(transaction=True)
def test_redis_broker_a_sender_whose_cluster_was_killed_is_lost_and_the_sweep_makes_up(
    mail_run, redis_server, redis_broker, operator, colleague, supervisor
):
    from core.schedules import ensure_schedules

    first, second, third = certificates_expiring([operator, colleague, supervisor])
    mail_run = mail_run._replace(env={**mail_run.env, "REDIS_URL": redis_server.url})

    with qcluster(mail_run.env, mail_run.log) as cluster:
        run_until_held(mail_run, redis_broker, "before", [cluster])

    assert reminders_recorded() == sorted([first, second, third])
    assert mails_to(mail_run.folder) == {first: 1}
    assert redis_broker.queue_size() == 0  # popped by the killed cluster: gone
    # Until Redis sees the dead cluster's connection close (at once for a killed process;
    # on a host that vanished, when its BLPOP's 1 s is up), that cluster's pending BLPOP
    # would take, and lose, the next task queued.
    info = redis.Redis(port=redis_server.port).info
    wait_for(lambda: info("clients")["blocked_clients"] == 0, "Redis to drop the dead cluster")

    with qcluster(mail_run.env, mail_run.log):
        # A fresh cluster runs what is queued after the kill, never the lost task.
        marker = async_task("math.factorial", 5, broker=redis_broker)
        assert result(marker, wait=WAIT_SECONDS * 1000) == 120, mail_run.log.read_text()[-3000:]
        assert mails_to(mail_run.folder) == {first: 1}

        # Once the dead sender's claims have run out, the outbox's sweep (every minute)
        # sends what it did not, and nothing twice. (This process is the scheduler's tick.)
        claims_run_out()
        ensure_schedules(names=["outbox-sweep"])
        Schedule.objects.filter(name="outbox-sweep").update(
            next_run=timezone.now() - datetime.timedelta(seconds=1)
        )
        scheduler(broker=redis_broker)
        sweep = Schedule.objects.get(name="outbox-sweep").task
        assert result(sweep, wait=WAIT_SECONDS * 1000) == 2, mail_run.log.read_text()[-3000:]

    assert mails_to(mail_run.folder) == {first: 1, second: 1, third: 1}


# Redis down under the production configuration


# The monitor's token: /healthz gives its details (which part is down) only to it.
MONITOR_TOKEN = "faults-monitor-token"


class Browser:
    """HTTP to the test's gunicorn, logged in as `user` by a session the test client made
    in the shared database."""

    def __init__(self, base, user):
        self.base = base
        self.session = requests.Session()
        client = Client()
        client.force_login(user)
        self.session.cookies.set(settings.SESSION_COOKIE_NAME,
                                 client.cookies[settings.SESSION_COOKIE_NAME].value)

    def get(self, path):
        return self.session.get(self.base + path, allow_redirects=False, timeout=30)

    def post(self, path, data=None):
        token = self.session.cookies.get(settings.CSRF_COOKIE_NAME)
        return self.session.post(self.base + path, data={**(data or {}),
                                 "csrfmiddlewaretoken": token},
                                 allow_redirects=False, timeout=30)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_pages_work_and_the_drill_clock_starts_once_redis_is_back(
    tmp_path, environment, redis_server, redis_broker, plan, home_page, drill, coordinator
):
    from wagtail.models import Site

    from core.schedules import ensure_schedules
    from drills.models import Drill, InjectRelease

    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "127.0.0.1", "root_page": home_page,
    })
    # The watchdog, due now (the test database was flushed).
    ensure_schedules(names=["drill-clock-watchdog"])
    env = environment(REDIS_URL=redis_server.url)
    log = tmp_path / "processes.log"
    port = free_port()
    web = [str(GUNICORN), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", "1", "--timeout", "30", "--no-control-socket"]
    with running(web, env, log), qcluster(env, log):
        # While they start: `migrate` makes the database cache's table (ops.apps), as on
        # an install.
        migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert migrate.returncode == 0, migrate.stderr
        assert "kunren_cache" in connection.introspection.table_names()
        browser = Browser(f"http://127.0.0.1:{port}", coordinator.user)
        browser.session.headers["X-Healthz-Token"] = MONITOR_TOKEN  # /healthz's details

        def healthy():
            with contextlib.suppress(requests.ConnectionError):
                response = browser.get("/healthz")
                return response.status_code == 200 and response.json()["task_queue"]["clusters"]

        wait_for(healthy, "gunicorn and the cluster to be up", log=log)

        redis_server.stop()

        started = time.monotonic()
        health = browser.get("/healthz")
        assert health.status_code == 503
        assert health.json()["database"]["ok"] is True
        assert health.json()["task_queue"]["ok"] is False
        assert time.monotonic() - started < 5  # refused at once; a hung Redis: 2 s + 5 s
        for path in ["/", "/pages/", "/drills/", f"/drills/{drill.pk}/control/",
                     f"/training/reading/{plan.pk}/", "/search/?q=計画"]:
            response = browser.get(path)
            assert response.status_code == 200, (path, response.status_code)
        assert "熊本県 緊急時対応計画書" in browser.get("/pages/").text  # a Wagtail link

        response = browser.post(f"/drills/{drill.pk}/control/start/")
        assert response.status_code == 302, response.status_code
        assert "訓練を開始しました" in browser.get(f"/drills/{drill.pk}/control/").text
        drill.refresh_from_db()
        assert drill.started_at is not None
        assert (drill.clock_token, drill.clock_lease_until) == ("", None)  # none running
        assert not InjectRelease.objects.filter(inject__drill=drill).exists()

        redis_server.start()  # empty: it keeps nothing

        # The scheduler's next tick (this process's) queues the watchdog, which records
        # the inject due at the start and launches the clock task, in the cluster that
        # lived through the outage.
        scheduler(broker=redis_broker)
        assert Schedule.objects.get(name="drill-clock-watchdog").task
        first_inject = drill.injects.get(offset=datetime.timedelta(0))
        wait_for(InjectRelease.objects.filter(inject=first_inject).exists,
                 "the release of the first inject", log=log)
        wait_for(lambda: Drill.objects.get(pk=drill.pk).clock_token,
                 "a clock task to hold the drill's lease", log=log)

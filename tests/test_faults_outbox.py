"""Faults around the drill clock and the outbox, with a real `qcluster` on the test
database (tests.test_faults_worker's processes and settings):

- a worker killed while a drill runs: an inject falls due while no worker runs, and is
  recorded within 5 s of a worker's return (a starting worker resumes running drills);
- the mail server refusing connections: releases are recorded on time, their notices
  wait with the failure recorded, and once the server is back each is sent exactly once;
- a mail server that accepts and hangs: the send gives up after EMAIL_TIMEOUT, the
  release is recorded on time, and the notice goes out once at its retry;
- a worker killed while the mail server holds the conversation: its claim on the notice
  is short, and once it has lapsed a returning worker sends the notice at once, once.

The mail server is a small SMTP sink in this process (no dependency). Times are the
database's records; the waits poll for an effect and give up after a timeout.
"""

import contextlib
import datetime
import email
import socketserver
import threading
import time

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.tasks import async_task

from tests import test_faults_worker
from tests.test_faults_worker import (
    WAIT_SECONDS,
    free_port,
    kill_group,
    qcluster,
    wait_for,
)

# Its fixture, here under another name: the production environment of a subprocess.
worker_environment = test_faults_worker.environment

# How late a release may be recorded by a running clock task (it ticks every second).
ON_TIME = datetime.timedelta(seconds=2)


class SmtpSink:
    """An SMTP server on 127.0.0.1:`port` that keeps what it receives, or (`hang`)
    accepts connections and never answers, or (`stall_on_data`) converses until a DATA
    command and leaves it unanswered (`stalled` is set then) until told to answer()."""

    def __init__(self, port, *, hang=False, stall_on_data=False):
        self.port, self.hang = port, hang
        self.messages, self.sessions_with_mail = [], 0
        self.stopping = threading.Event()
        self.stalled, self.answering = threading.Event(), threading.Event()
        if not stall_on_data:
            self.answering.set()
        sink = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                if sink.hang:
                    sink.stopping.wait()
                    return
                delivered = sink.converse(self.rfile, self.wfile)
                if delivered:
                    sink.sessions_with_mail += 1

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Session)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def converse(self, rfile, wfile) -> int:
        def say(line):
            wfile.write(line + b"\r\n")
            wfile.flush()

        delivered = 0
        say(b"220 sink")
        while line := rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                say(b"250-sink")
                say(b"250 8BITMIME")
            elif command == b"DATA":
                if not self.answering.is_set():
                    self.stalled.set()
                    self.answering.wait()
                    break  # its sender is gone by then
                say(b"354 go on")
                lines = []
                while (data := rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.messages.append(email.message_from_bytes(b"".join(lines)))
                delivered += 1
                say(b"250 kept")
            elif command == b"QUIT":
                say(b"221 bye")
                break
            else:
                say(b"250 ok")
        return delivered

    def message_ids(self):
        return [message["Message-ID"] for message in self.messages]

    def answer(self):
        """Answer every conversation from now on."""
        self.answering.set()

    def stop(self):
        self.stopping.set()
        self.answering.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mail_port():
    port = free_port()  # nothing listens here until a test starts a sink on it
    sinks = []
    yield port, sinks
    for sink in sinks:
        sink.stop()


@pytest.fixture
def running_drill(drill, operator, colleague):
    """`drill` with a participant with an address in each role; start(seconds) starts it
    so that the +0:05 inject falls due `seconds` from now (+0:00 is then due already)."""
    from drills import runs
    from drills.models import Participant

    for person, role in ((operator, "所属長"), (colleague, "広報")):
        person.email = f"{person.user.username}@example.lg.jp"
        person.save()
        Participant.objects.create(drill=drill, role=drill.roles.get(name=role), person=person,
                                   display_name=person.name, joined_at=timezone.now())

    def start(seconds):
        due = timezone.now() + datetime.timedelta(seconds=seconds)
        runs.drill_start(drill=drill, now=due - datetime.timedelta(minutes=5))
        return due

    return start


def release_of(drill, subject):
    from drills.models import InjectRelease

    return InjectRelease.objects.filter(inject__drill=drill, inject__subject=subject).first()


def notices():
    from core.models import OutgoingMail

    return list(OutgoingMail.objects.order_by("pk"))


def queue(func):
    """Queue a task for the test's cluster (the ORM broker, whatever the test's own)."""
    async_task(func, broker=ORM(list_key=Conf.CLUSTER_NAME))


def start_when_ready(start, log, seconds=4):
    """Once the cluster is ready, start the drill so that +0:05 falls due `seconds` later,
    and have a worker look at it, as the controller's start does (drills.tasks)."""
    wait_for(lambda: ready_for_work_after(log), "the cluster to be ready", log=log)
    due = start(seconds)
    queue("drills.tasks.watch_running_drills")
    return due


def retry_now():
    """The notices' next attempt is due now (as the back-off's wait would make it), and
    a sending task is queued (as the sweep's next round would)."""
    from core.models import OutgoingMail

    OutgoingMail.objects.update(next_attempt_at=timezone.now())
    queue("core.outbox.send_pending")


# The subprocesses' settings, with each log line stamped with its time (seconds since
# the epoch), so that the test can tell when a worker was ready for work.
STAMPED_SETTINGS = '''\
from kunren_faults_settings import *  # noqa: F403

LOGGING = {**LOGGING, "formatters": {"stamped": {"format": "%(created).3f %(message)s"}},  # noqa: F405
           "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "stamped"}}}
'''


def smtp_env(make_environment, port, tmp_path, *, email_timeout=1):
    """A worker's environment: two workers (one may be in a clock task, the other sends),
    SMTP to the test's port, EMAIL_TIMEOUT `email_timeout` s, stamped logs."""
    (tmp_path / "kunren_faults_stamped.py").write_text(STAMPED_SETTINGS)
    env = make_environment(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), EMAIL_USE_TLS="false",
                           EMAIL_TIMEOUT=str(email_timeout), Q_WORKERS="2")
    return {**env, "DJANGO_SETTINGS_MODULE": "kunren_faults_stamped"}, tmp_path / "qcluster.log"


def ready_for_work_after(log, moment=None) -> float | None:
    """When the first worker started after `moment` (or at all) was ready for work."""
    since = moment.timestamp() if moment else 0
    for line in log.read_text(errors="replace").splitlines():
        stamp, _space, message = line.partition(" ")
        with contextlib.suppress(ValueError):
            if "ready for work" in message and float(stamp) > since:
                return float(stamp)
    return None


@pytest.mark.django_db(transaction=True)
def test_a_release_due_while_no_worker_ran_is_recorded_within_5_s_of_its_return(
    tmp_path, worker_environment, running_drill, drill, mail_port
):
    port, sinks = mail_port
    sinks.append(SmtpSink(port))
    env, log = smtp_env(worker_environment, port, tmp_path)
    due = running_drill(seconds=12)

    with qcluster(env, log) as cluster:
        wait_for(lambda: release_of(drill, "監視センターからの通報"),
                 "the starting worker to record the inject due at the start", log=log)
        kill_group(cluster)
    killed_at = timezone.now()
    assert killed_at < due, "the worker started too slowly for the test's timetable"
    wait_for(lambda: timezone.now() > due, "the +0:05 inject to fall due with no worker")
    assert release_of(drill, "報道機関からの問い合わせ") is None

    back_at = timezone.now()
    with qcluster(env, log):
        release = wait_for(lambda: release_of(drill, "報道機関からの問い合わせ"),
                           "the returning worker to record it", log=log)
        assert release.released_at == due  # at its due moment, however late recorded
        # The worker's return: the moment its first worker was ready for work. (Starting
        # Django takes the cluster 2-6 s before that, depending on the machine's load.)
        ready = wait_for(lambda: ready_for_work_after(log, back_at), "the worker's log")
        late = release.recorded_at.timestamp() - ready
        assert late < 5, (late, release.recorded_at - back_at)
        # Its notice went out once the release was recorded.
        wait_for(lambda: len(sinks[0].messages) == 2, "both notices to arrive", log=log)
    assert sorted(message["To"] for message in sinks[0].messages) == [
        "colleague@example.lg.jp", "operator@example.lg.jp"]


@pytest.mark.django_db(transaction=True)
def test_with_the_mail_server_refusing_releases_are_on_time_and_notices_go_once_it_is_back(
    tmp_path, worker_environment, running_drill, drill, mail_port
):
    port, sinks = mail_port
    env, log = smtp_env(worker_environment, port, tmp_path)

    with qcluster(env, log):
        due = start_when_ready(running_drill, log)
        release = wait_for(lambda: release_of(drill, "報道機関からの問い合わせ"),
                           "the +0:05 inject to be recorded", log=log)
        assert release.recorded_at - due < ON_TIME
        assert release_of(drill, "監視センターからの通報") is not None

        def both_failed():
            rows = notices()
            return len(rows) == 2 and all(row.attempts >= 1 for row in rows) and rows

        for row in wait_for(both_failed, "both notices to fail", log=log):
            assert row.sent_at is None and "refused" in row.last_error.lower(), row.last_error
            assert row.next_attempt_at > row.last_attempt_at  # waits for its retry

        sink = SmtpSink(port)  # the mail server is back
        sinks.append(sink)
        retry_now()
        wait_for(lambda: all(row.sent_at for row in notices()), "the notices to go", log=log)

    assert sorted(sink.message_ids()) == sorted(row.headers["Message-ID"] for row in notices())
    assert len(set(sink.message_ids())) == 2  # each exactly once
    assert sink.sessions_with_mail == 1  # one connection for the batch


@pytest.mark.django_db(transaction=True)
def test_a_hanging_mail_server_is_given_up_after_the_timeout_and_the_notice_goes_later(
    tmp_path, worker_environment, running_drill, drill, mail_port
):
    port, sinks = mail_port
    hanging = SmtpSink(port, hang=True)
    sinks.append(hanging)
    env, log = smtp_env(worker_environment, port, tmp_path)  # EMAIL_TIMEOUT=1

    with qcluster(env, log):
        due = start_when_ready(running_drill, log)

        def first_failed():
            rows = notices()
            return rows and rows[0].attempts >= 1 and rows[0]

        started = time.monotonic()
        failed = wait_for(first_failed, "the first notice's send to give up", log=log)
        assert "timed out" in failed.last_error.lower(), failed.last_error
        assert failed.last_attempt_at - failed.created_at < datetime.timedelta(seconds=4)
        release = wait_for(lambda: release_of(drill, "報道機関からの問い合わせ"),
                           "the +0:05 inject to be recorded", log=log)
        assert release.recorded_at - due < ON_TIME
        wait_for(lambda: len(notices()) == 2 and all(r.attempts for r in notices()),
                 "the second notice's send to give up too", log=log)
        assert time.monotonic() - started < 30

        hanging.stop()
        sink = SmtpSink(port)
        sinks.append(sink)
        retry_now()
        wait_for(lambda: all(row.sent_at for row in notices()), "the notices to go", log=log)

    assert sorted(sink.message_ids()) == sorted(row.headers["Message-ID"] for row in notices())
    assert len(set(sink.message_ids())) == 2


# Long enough for the test to kill the worker before its send gives up.
STALL_TIMEOUT = 3


@pytest.mark.django_db(transaction=True)
def test_a_notice_whose_sender_was_killed_mid_conversation_goes_once_on_a_return_after_its_claim(
    tmp_path, worker_environment, mail_port, monkeypatch, settings
):
    from core import outbox
    from core.models import OutgoingMail

    settings.EMAIL_TIMEOUT = STALL_TIMEOUT  # the worker's, for its claim's duration
    port, sinks = mail_port
    sink = SmtpSink(port, stall_on_data=True)
    sinks.append(sink)
    env, log = smtp_env(worker_environment, port, tmp_path, email_timeout=STALL_TIMEOUT)
    monkeypatch.setattr(outbox, "_queue_sending", lambda: queue("core.outbox.send_pending"))

    with qcluster(env, log) as cluster:
        wait_for(lambda: ready_for_work_after(log), "the cluster to be ready", log=log)
        with transaction.atomic():
            outbox.mail_write(keys=["fault:1"], to="operator@example.lg.jp",
                              subject="訓練の通知", body="本文")
        assert sink.stalled.wait(WAIT_SECONDS), log.read_text()[-3000:]
        kill_group(cluster)  # in the middle of the conversation
    killed_at = timezone.now()
    row = OutgoingMail.objects.get()
    assert (row.sent_at, row.attempts, row.last_error) == (None, 0, "")  # no give-up first
    assert row.claimed_by and killed_at < row.claimed_until  # a live claim died with it
    # Short: renewed before the message, it lasts no longer than one claim from then.
    assert row.claimed_until <= killed_at + outbox.claim_duration()

    sink.answer()  # the mail server answers again
    wait_for(lambda: timezone.now() > row.claimed_until, "the dead sender's claim to lapse")
    back_at = timezone.now()
    with qcluster(env, log):
        ready = wait_for(lambda: ready_for_work_after(log, back_at), "the worker's return",
                         log=log)
        wait_for(lambda: OutgoingMail.objects.get().sent_at, "the notice to go", log=log)
    row.refresh_from_db()
    # Sent on the return (the starting worker's task), not at a sweep a minute later.
    assert row.sent_at.timestamp() - ready < 5, (row.sent_at.timestamp() - ready)
    assert sink.message_ids() == [row.headers["Message-ID"]]  # once, under its own ID
    assert (row.attempts, row.claimed_by) == (1, "")

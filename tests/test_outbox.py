"""The outbox (core.outbox): written with the work, sent after commit by one task, with
the Message-ID of its keys, retries with back-off, failures recorded per recipient, one
connection per batch, claims; its read-only admin listing; the schedule registry."""

import datetime
import importlib
import smtplib

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from redis.exceptions import ConnectionError as RedisConnectionError

from core import outbox, schedules
from core.mail import message_id
from core.models import MAX_ATTEMPTS, OutgoingMail
from core.outbox import mail_write, outbox_send
from people.groups import coordinators_group
from training.models import Notice


def write(key, to="hanako@example.lg.jp", subject="件名", body="本文"):
    return mail_write(keys=[key], to=to, subject=subject, body=body)


@pytest.fixture
def queued(monkeypatch):
    """The sending tasks queued, instead of a task queue."""
    tasks = []
    monkeypatch.setattr(outbox, "async_task", lambda *args: tasks.append(args))
    return tasks


def test_a_notice_is_queued_for_sending_once_its_work_commits(
    db, clock, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            write("certificate-reminder:1")
            with transaction.atomic():
                write("certificate-reminder:2", to="jiro@example.lg.jp")
            assert queued == []  # nothing leaves before the commit
    assert queued == [("core.outbox.send_pending",)]  # one task for the transaction

    assert outbox.send_pending() == 2
    message = next(message for message in mail.outbox if message.to == ["hanako@example.lg.jp"])
    assert message.to == ["hanako@example.lg.jp"] and message.subject == "件名"
    assert message.message()["Message-ID"] == message_id(["certificate-reminder:1"])
    sent = OutgoingMail.objects.get(key="certificate-reminder:1")
    assert (sent.sent_at, sent.attempts, sent.claimed_by) == (timezone.now(), 1, "")
    assert outbox_send() == 0  # never twice


def test_a_run_of_many_transactions_sent_together_queues_one_task(
    db, clock, queued, django_capture_on_commit_callbacks
):
    @outbox.sent_together
    def reminder_run():
        for number in range(3):
            with transaction.atomic():
                write(f"certificate-reminder:{number}")

    with django_capture_on_commit_callbacks(execute=True):
        reminder_run()
    assert queued == [("core.outbox.send_pending",)]
    assert OutgoingMail.objects.count() == 3
    assert not outbox._sending_deferred.get()  # a later transaction queues its own again


def test_work_that_rolls_back_leaves_no_notice(db, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            write("certificate-reminder:1")
            raise RuntimeError("the work failed")
    assert not OutgoingMail.objects.exists() and queued == []


def test_a_rolled_back_savepoint_does_not_take_the_next_rows_task_with_it(
    db, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            with pytest.raises(IntegrityError), transaction.atomic():
                write("certificate-reminder:1")
                write("certificate-reminder:1")  # the savepoint, and its callback, go
            write("certificate-reminder:2")
    assert queued == [("core.outbox.send_pending",)]
    assert list(OutgoingMail.objects.values_list("key", flat=True)) == ["certificate-reminder:2"]


def test_the_same_keys_twice_are_refused(db):
    write("due:1:2026-12-01:5")
    with pytest.raises(IntegrityError), transaction.atomic():
        write("due:1:2026-12-01:5")
    assert OutgoingMail.objects.count() == 1


def _notices(person, *keys):
    return [Notice(key=key, kind=Notice.Kind.QUIZ_DUE, recipient=person, message="受講してください",
                   sent_at=timezone.now(), emailed_to=person.email) for key in keys]


def test_a_recipients_notices_are_recorded_with_one_bilingual_e_mail_under_their_keys(
        clock, operator):
    operator.email = "hanako@example.lg.jp"
    recorded = outbox.notices_record(_notices(operator, "quiz:1", "quiz:2"), to=operator.email,
                                     subject=lambda: "件名", body=lambda: "本文")
    assert recorded == 2
    assert set(Notice.objects.values_list("key", flat=True)) == {"quiz:1", "quiz:2"}
    row = OutgoingMail.objects.get()
    assert row.to == "hanako@example.lg.jp" and row.subject == "件名 / 件名"
    assert row.headers["Message-ID"] == message_id(["quiz:1", "quiz:2"])


def test_notices_another_run_recorded_first_are_not_recorded_again_nor_e_mailed(
        clock, operator):
    outbox.notices_record(_notices(operator, "quiz:1"), to="hanako@example.lg.jp",
                          subject=lambda: "件名", body=lambda: "本文")
    # One key taken makes the whole group fail: nothing of it is written.
    assert outbox.notices_record(_notices(operator, "quiz:2", "quiz:1"),
                                 to="hanako@example.lg.jp", subject=lambda: "件名",
                                 body=lambda: "本文") == 0
    assert list(Notice.objects.values_list("key", flat=True)) == ["quiz:1"]
    assert OutgoingMail.objects.count() == 1


def test_notices_for_someone_without_an_address_are_recorded_without_an_e_mail(
        clock, operator):
    assert outbox.notices_record(_notices(operator, "quiz:1"), to="", subject=lambda: "件名",
                                 body=lambda: "本文") == 1
    assert Notice.objects.filter(key="quiz:1").exists()
    assert not OutgoingMail.objects.exists()


def test_many_keys_make_one_row_whose_message_id_is_theirs(db):
    keys = [f"colleague:{number}" for number in range(30)]
    mail_write(keys=keys, to="a@example.lg.jp", subject="s", body="b")
    row = OutgoingMail.objects.get()
    assert row.key.startswith("sha256:") and len(row.key) <= 200
    assert row.headers["Message-ID"] == message_id(list(reversed(keys)))


def test_an_attachment_is_stored_with_the_row_and_sent_with_it_on_every_attempt(db, clock):
    calendar = "BEGIN:VCALENDAR\r\nSUMMARY:研修\r\nEND:VCALENDAR\r\n"
    mail_write(keys=["session-invitation:7"], to="a@example.lg.jp", subject="開催通知",
               body="本文", attachments=[outbox.Attachment("session.ics", calendar,
                                                          "text/calendar")])
    row = OutgoingMail.objects.get()
    assert row.attachment_names == "session.ics"
    assert outbox_send() == 1
    message = mail.outbox[0].message()
    parts = [part for part in message.walk() if part.get_filename() == "session.ics"]
    assert len(parts) == 1 and parts[0].get_content_type() == "text/calendar"
    assert "SUMMARY:研修" in parts[0].get_payload(decode=True).decode()


def test_a_mail_without_attachments_has_none(db):
    write("certificate-reminder:9")
    assert OutgoingMail.objects.get().attachments == []
    assert outbox_send() == 1
    assert mail.outbox[0].attachments == []


def test_a_task_queue_that_is_down_does_not_fail_the_committed_work(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    def queue_down(*args):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(outbox, "async_task", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            write("certificate-reminder:1")
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 1  # for the sweep


def test_a_failed_attempt_waits_longer_each_time_and_stops_after_the_last(
    db, clock, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    write("certificate-reminder:1")
    waits = []
    for _attempt in range(MAX_ATTEMPTS):
        assert outbox_send() == 0
        row = OutgoingMail.objects.get()
        waits.append(row.next_attempt_at - timezone.now())
        assert outbox_send() == 0 and OutgoingMail.objects.get().attempts == row.attempts
        clock.shift(waits[-1])
    minutes = [wait.total_seconds() / 60 for wait in waits]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 120][:MAX_ATTEMPTS]
    row = OutgoingMail.objects.get()
    assert row.attempts == MAX_ATTEMPTS and row.last_error == (
        "ConnectionRefusedError: Connection refused")
    assert str(row.status) == "送信を断念"  # given up
    clock.shift(datetime.timedelta(days=30))
    assert outbox_send() == 0 and OutgoingMail.objects.get().attempts == MAX_ATTEMPTS


def test_one_connection_sends_the_batch(db, monkeypatch):
    opened = []
    get_connection = outbox.get_connection

    def counting_get_connection(*args, **kwargs):
        opened.append(get_connection(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(outbox, "get_connection", counting_get_connection)
    for number in range(3):
        write(f"certificate-reminder:{number}", to=f"p{number}@example.lg.jp")
    assert outbox_send() == 3
    assert len(opened) == 1 and len(mail.outbox) == 3


def test_the_task_sends_batch_after_batch_until_nothing_is_due(db, monkeypatch):
    # A reminder run can write hundreds of rows at once: they must not wait a minute per
    # batch for the sweep.
    monkeypatch.setattr(outbox, "BATCH", 2)
    opened = []
    get_connection = outbox.get_connection

    def counting_get_connection(*args, **kwargs):
        opened.append(get_connection(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(outbox, "get_connection", counting_get_connection)
    for number in range(5):
        write(f"certificate-reminder:{number}", to=f"p{number}@example.lg.jp")
    assert outbox.send_pending() == 5
    assert len(mail.outbox) == 5 and len(opened) == 3


def test_a_refused_recipient_fails_alone_and_a_dead_connection_fails_the_rest_untried(
    db, clock, monkeypatch
):
    tried = []
    send = mail.EmailMessage.send

    def server(message, *args, **kwargs):
        tried.append(message.to[0])
        if message.to[0] == "refused@example.lg.jp":
            raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        if message.to[0] == "hangs@example.lg.jp":
            raise TimeoutError("timed out")
        return send(message, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", server)
    for number, to in enumerate(["ok@example.lg.jp", "refused@example.lg.jp",
                                 "ok2@example.lg.jp", "hangs@example.lg.jp",
                                 "later@example.lg.jp"]):
        write(f"k:{number}", to=to)
        clock.shift(datetime.timedelta(seconds=1))  # sent in the order written
    assert outbox_send() == 2
    assert tried == ["ok@example.lg.jp", "refused@example.lg.jp", "ok2@example.lg.jp",
                     "hangs@example.lg.jp"]  # not the one after the timeout
    rows = {row.to: row for row in OutgoingMail.objects.all()}
    assert "no such user" in rows["refused@example.lg.jp"].last_error
    assert rows["hangs@example.lg.jp"].last_error == "TimeoutError: timed out"
    assert rows["later@example.lg.jp"].last_error == "TimeoutError: timed out"
    assert [rows[to].attempts for to in sorted(rows)] == [1, 1, 1, 1, 1]
    assert rows["later@example.lg.jp"].sent_at is None
    assert rows["ok2@example.lg.jp"].sent_at is not None


def test_a_claimed_row_is_left_to_its_sender_until_the_claim_runs_out(db, clock):
    write("certificate-reminder:1")
    [claimed] = outbox._claim("another-worker", batch=10)
    assert outbox_send() == 0 and mail.outbox == []  # another sender holds it
    clock.shift(outbox.claim_duration() + datetime.timedelta(seconds=1))  # that sender died
    assert outbox_send() == 1
    # The dead sender cannot mark it afterwards: its claim is gone.
    outbox._failed([claimed], "another-worker", OSError("late"))
    assert OutgoingMail.objects.get().last_error == ""


def test_a_claim_lasts_two_mail_server_timeouts_and_a_margin(settings):
    settings.EMAIL_TIMEOUT = 10
    assert outbox.claim_duration() == datetime.timedelta(seconds=25)
    settings.EMAIL_TIMEOUT = None  # a backend that never times out: the default's
    assert outbox.claim_duration() == datetime.timedelta(seconds=25)
    settings.EMAIL_TIMEOUT = 1
    assert outbox.claim_duration() == datetime.timedelta(seconds=7)


def test_the_sender_renews_its_claim_before_each_message(db, clock, monkeypatch):
    # Each message may take the whole claim: without the renewals, a batch whose sending
    # outlasts one claim would be taken and sent again by the next sender.
    claim = outbox.claim_duration()
    send = mail.EmailMessage.send
    held = []

    def slow_server(message, *args, **kwargs):
        held.append(OutgoingMail.objects.get(to=message.to[0]).claimed_until)
        later = OutgoingMail.objects.filter(to__gt=message.to[0])
        assert all(row.claimed_until == timezone.now() + claim for row in later)
        assert not outbox._claim("another-worker", batch=10)  # none to take
        sent = send(message, *args, **kwargs)
        clock.shift(claim - datetime.timedelta(seconds=1))  # nearly a claim per message
        return sent

    monkeypatch.setattr("django.core.mail.EmailMessage.send", slow_server)
    for number in range(3):
        write(f"certificate-reminder:{number}", to=f"p{number}@example.lg.jp")
    started = timezone.now()
    assert outbox_send() == 3
    step = claim - datetime.timedelta(seconds=1)
    assert held == [started + claim, started + step + claim, started + 2 * step + claim]
    assert len(mail.outbox) == 3
    assert not OutgoingMail.objects.exclude(claimed_by="").exists()


def test_a_sender_whose_claim_was_taken_stops_sending_its_batch(db, clock, monkeypatch):
    send = mail.EmailMessage.send
    taken = []

    def stalling_server(message, *args, **kwargs):
        sent = send(message, *args, **kwargs)
        if not taken:  # it stalls past its claim, and another sender takes two rows
            clock.shift(outbox.claim_duration() + datetime.timedelta(seconds=1))
            taken.extend(outbox._claim("another-worker", batch=2))
        return sent

    monkeypatch.setattr("django.core.mail.EmailMessage.send", stalling_server)
    for number in range(3):
        write(f"certificate-reminder:{number}", to=f"p{number}@example.lg.jp")
        clock.shift(datetime.timedelta(seconds=1))  # sent in the order written
    assert outbox_send() == 1  # the first; the second is another sender's now
    assert [message.to for message in mail.outbox] == [["p0@example.lg.jp"]]
    rows = {row.to: row for row in OutgoingMail.objects.all()}
    # The one it was sending goes again, under the same Message-ID (it was not marked).
    assert [row.to for row in taken] == ["p0@example.lg.jp", "p1@example.lg.jp"]
    assert {rows[to].claimed_by for to in ("p0@example.lg.jp", "p1@example.lg.jp")} == {
        "another-worker"}
    # What it still held goes to the next sender at once, untried.
    third = rows["p2@example.lg.jp"]
    assert (third.claimed_by, third.claimed_until, third.attempts) == ("", None, 0)
    assert outbox_send() == 1 and mail.outbox[-1].to == ["p2@example.lg.jp"]


def test_a_starting_worker_queues_a_sending_task_only_if_something_is_due(
    db, clock, queued
):
    outbox.sending_resume()
    assert queued == []  # nothing in the outbox
    write("certificate-reminder:1")
    outbox._claim("a-dead-worker", batch=10)
    queued.clear()
    outbox.sending_resume()
    assert queued == []  # its sender may be alive yet
    clock.shift(outbox.claim_duration() + datetime.timedelta(seconds=1))
    outbox.sending_resume()
    assert queued == [("core.outbox.send_pending",)]


def test_a_starting_worker_is_not_killed_by_a_task_queue_that_is_down(db, monkeypatch):
    def queue_down(*args):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(outbox, "async_task", queue_down)
    write("certificate-reminder:1")
    outbox.sending_resume()  # logged, not raised
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 1  # for the sweep


# The schedules


def test_every_app_registers_its_schedules_and_the_sweep_runs_every_minute(db, clock):
    Schedule.objects.all().delete()
    schedules.ensure_schedules()
    assert set(Schedule.objects.values_list("name", flat=True)) == {
        "outbox-sweep", "certificate-reminders", "sharing-reminders",
        "drill-clock-watchdog", "improvement-reminders", "abandoned-uploads",
        "terminal-lookups-purge", "terminal-review-reminders",
    }
    uploads = Schedule.objects.get(name="abandoned-uploads")
    assert (uploads.func, uploads.schedule_type) == (
        "core.imports.store.remove_abandoned_uploads", Schedule.DAILY)
    sweep = Schedule.objects.get(name="outbox-sweep")
    assert (sweep.func, sweep.schedule_type, sweep.minutes) == (
        "core.outbox.send_pending", Schedule.MINUTES, 1)
    assert sweep.next_run == timezone.now()


def test_next_daily_run_is_today_at_seven_until_then_and_tomorrow_after(db):
    jst = datetime.timezone(datetime.timedelta(hours=9))
    assert schedules.next_daily_run(datetime.datetime(2026, 11, 26, 6, 59, tzinfo=jst)) == (
        datetime.datetime(2026, 11, 26, 7, 0, tzinfo=jst))
    assert schedules.next_daily_run(datetime.datetime(2026, 11, 26, 7, 0, tzinfo=jst)) == (
        datetime.datetime(2026, 11, 27, 7, 0, tzinfo=jst))


def test_the_migration_makes_the_sweep_schedule(db):
    from django.apps import apps

    Schedule.objects.filter(name="outbox-sweep").delete()
    migration = importlib.import_module("core.migrations.0001_outbox")
    migration.create_schedule(apps, None)
    assert Schedule.objects.filter(name="outbox-sweep").count() == 1


# The admin listing


@pytest.fixture
def deliveries(db, clock):
    write("k:sent", to="sent@example.lg.jp")
    outbox_send()
    write("k:waiting", to="waiting@example.lg.jp")
    failed = write("k:failed", to="failed@example.lg.jp")
    OutgoingMail.objects.filter(pk=failed.pk).update(
        attempts=2, last_error="SMTPRecipientsRefused: no such user")


def test_a_prefecture_coordinator_sees_every_e_mail_failures_first(
    deliveries, login, coordinator
):
    coordinator.user.groups.add(coordinators_group())
    response = login(coordinator).get(reverse("outbox:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "no such user" in html
    order = [html.index(f"{name}@example.lg.jp") for name in ("failed", "waiting", "sent")]
    assert order == sorted(order)


def test_the_listing_is_read_only_even_for_a_superuser(deliveries, client,
                                                       django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    row = OutgoingMail.objects.get(key="k:failed")
    assert client.get(reverse("outbox:index")).status_code == 200
    assert client.get(reverse("outbox:inspect", args=[row.pk])).status_code == 200
    for url in (reverse("outbox:edit", args=[row.pk]), reverse("outbox:delete", args=[row.pk]),
                reverse("outbox:add")):
        assert client.get(url).status_code in (302, 403), url
    assert client.post(reverse("outbox:delete", args=[row.pk])).status_code in (302, 403)
    assert OutgoingMail.objects.filter(pk=row.pk).exists()


def test_a_municipality_coordinator_does_not_see_the_listing(deliveries, login,
                                                             city_coordinator):
    city_coordinator.user.groups.add(coordinators_group())
    response = login(city_coordinator).get(reverse("outbox:index"))
    assert response.status_code in (302, 403)
    assert b"failed@example.lg.jp" not in response.content

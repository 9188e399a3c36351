"""One outbox for every e-mail: written with the work, sent after it.

A notice is written as an OutgoingMail row inside the transaction of the work that
causes it (a reminder recorded, an inject released), under the business record's unique
key, so it exists exactly when that work committed. No business transaction talks to the
mail server: after the commit, a django-q2 task (send_pending) claims due rows and sends
them through one SMTP connection, each with the Message-ID made from its key
(core.mail.message_id) and within EMAIL_TIMEOUT. A failed row records the error and its
attempts and waits, longer after each failure, for its next attempt; a row still
failing after MAX_ATTEMPTS is left for a person (the admin's listing shows it). A
schedule sweeps every minute for rows whose task was lost (a queue down, a worker
killed).

Claiming: one conditional UPDATE sets a sender's token on rows that are due and held by
no one, so two workers never send the same row; on PostgreSQL the candidates are first
locked with SKIP LOCKED so that concurrent senders take different rows instead of
waiting on each other. The claim is short, because it is also how long a row stays stuck
when its sender dies (a worker killed mid-conversation with the mail server): it need
cover only one step, opening the connection or one message, each bounded by
EMAIL_TIMEOUT, since the sender renews it before each message of its batch. A sender
whose renewal finds the claim gone (it was slower than its claim and another sender took
the rows) stops rather than send them too. A sender killed between the mail server's
acceptance and marking the row sent loses its claim and the row goes again, with the same
Message-ID, by which servers and clients drop the copy. A worker that starts queues a
sending task at once (sending_resume), so that what a dead sender held goes when a worker
is back, not at the next sweep, if its claim has lapsed by then.
"""

import datetime
import hashlib
import logging
import smtplib
import uuid
from contextvars import ContextVar
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from core import schedules
from core.mail import bilingual, message_id
from core.models import OutgoingMail

logger = logging.getLogger(__name__)

# Inside a run of many transactions (sent_together), each one's rows wait for a single
# task queued at the end, rather than each queueing its own.
_sending_deferred = ContextVar("outbox_sending_deferred", default=False)

BATCH = 50
# A claim covers one step of a batch: opening the connection, or one message (the sender
# renews it before each). A step is a few exchanges with the mail server, each given up
# after EMAIL_TIMEOUT; the claim allows two of them at that limit, plus a margin for the
# database writes between steps and for hosts' clocks a little apart. A server slower
# than that outlasts the claim, and the row may then go twice, under one Message-ID, as
# after a sender killed at the wrong moment.
CLAIM_MARGIN_SECONDS = 5
# A backend without a timeout (console, file; SMTP left at Django's default, which waits
# for ever) is given config.settings' default.
UNTIMED_BACKEND_SECONDS = 10
# The wait before the next attempt after the n-th failure: 1, 2, 4 … minutes, at most 2 h.
FIRST_RETRY_SECONDS = 60
LAST_RETRY_SECONDS = 2 * 3600
# Errors of one message; anything else (refused, timed out, dropped) is the connection's,
# and the rest of the batch waits for the next attempt rather than each timing out too.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                  smtplib.SMTPDataError)
KEY_LENGTH = OutgoingMail._meta.get_field("key").max_length

class Attachment(NamedTuple):
    filename: str
    content: str  # text only: what the platform attaches is text (iCalendar)
    mimetype: str


SWEEP = "outbox-sweep"
schedules.register(name=SWEEP, func="core.outbox.send_pending",
                   schedule_type=Schedule.MINUTES, minutes=1)

def mail_write(*, keys: list[str], to: str, subject: str, body: str,
               attachments: list[Attachment] = ()) -> OutgoingMail:
    """Write one e-mail to the outbox, in the caller's transaction, and have it sent
    once that commits. `keys` are the unique keys the e-mail's business records are
    recorded under; the same keys twice fail with an IntegrityError. `attachments` are
    text files (an invitation's .ics), stored with the row so a retry sends the same."""
    now = timezone.now()
    mail = OutgoingMail.objects.create(
        key=_key(keys), to=to, subject=subject, body=body,
        headers={"Message-ID": message_id(keys)}, created_at=now, next_attempt_at=now,
        attachments=[attachment._asdict() for attachment in attachments],
    )
    if _sending_deferred.get():
        return mail
    # One sending task per transaction however many rows it writes. (A callback already
    # registered belongs to savepoints that enclose this one, so it runs if this row does.)
    if not any(callback is _queue_sending for _ids, callback, _robust in connection.run_on_commit):
        # robust: a task queue that is down must not fail the committed work; the sweep
        # sends the row once the queue is back.
        transaction.on_commit(_queue_sending, robust=True)
    return mail


def notices_record(notices: list, *, to: str, subject, body) -> int:
    """Record one recipient's notices (unsaved rows of one model, each with its unique
    `key`: the reminder rungs, the in-app notices) and write their e-mail to the outbox
    under those keys, in one transaction; returns how many were recorded. Another run
    that recorded them first makes the insert fail on a key: then nothing is written and
    0 is returned. Without an address `to`, the notices are recorded and no e-mail is
    written. `subject()` and `body()` render in the active language (core.mail.bilingual)."""
    try:
        with transaction.atomic():
            type(notices[0]).objects.bulk_create(notices)
            if to:
                mail_write(keys=[notice.key for notice in notices], to=to,
                           **bilingual(subject=subject, body=body))
    except IntegrityError:
        return 0
    return len(notices)


def sent_together(run):
    """Decorate a run that records many notices, each in a transaction of its own (the
    reminder jobs): their rows are sent by one task queued when the run ends, not by a
    task per transaction (a run of 10,000 reminders queued 10,000 tasks, and a task
    queued after them waited for all)."""

    @wraps(run)
    def run_sent_together(*args, **kwargs):
        token = _sending_deferred.set(True)
        try:
            return run(*args, **kwargs)
        finally:
            _sending_deferred.reset(token)
            transaction.on_commit(_queue_sending, robust=True)

    return run_sent_together


def _key(keys: list[str]) -> str:
    if len(keys) == 1 and len(keys[0]) <= KEY_LENGTH:
        return keys[0]
    return "sha256:" + hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


def _queue_sending() -> None:
    async_task("core.outbox.send_pending")


def sending_resume(sender=None, **kwargs) -> None:
    """A worker has started (django_q's post_spawn, connected in CoreConfig.ready): if
    anything is due, such as rows whose dead sender's claim lapsed while no worker ran,
    queue a sending task now rather than leave it to the sweep. Runs in the new worker
    before it takes a task; a failure is logged, never raised, for it would kill the
    worker."""
    try:
        if OutgoingMail.objects.due(timezone.now()).exists():
            _queue_sending()
    except Exception:
        logger.exception("Could not queue the outbox's sending on a worker's start; the "
                         "sweep will")


def send_pending() -> int:
    """The django-q2 task: send what is due, a batch (one connection) at a time, for as
    long as whole batches go out; a batch cut short by failures leaves the rest to their
    retry times and the sweep. Returns how many were sent."""
    total = 0
    while (sent := outbox_send(batch=BATCH)) == BATCH:
        total += sent
    return total + sent


def outbox_send(*, batch: int = BATCH) -> int:
    """Claim up to `batch` due rows and send them through one connection; returns how
    many were sent. Failures are recorded on their rows, never raised."""
    token = uuid.uuid4().hex
    claimed = _claim(token, batch=batch)
    if not claimed:
        return 0
    sent = 0
    mail_connection = get_connection()  # the backend's timeout is EMAIL_TIMEOUT
    try:
        # Opened here, the connection stays open for every message of the batch.
        mail_connection.open()
    except Exception as error:
        logger.warning("Could not reach the mail server; %d wait for a retry", len(claimed),
                       exc_info=True)
        _failed(claimed, token, error)
        return 0
    try:
        for number, mail in enumerate(claimed):
            if not _renew(claimed[number:], token):
                logger.warning("An outbox claim was lost after %d of %d messages; the "
                               "sender that took it sends the rest", number, len(claimed))
                _release(claimed[number:], token)
                break
            try:
                message = EmailMessage(subject=mail.subject, body=mail.body, to=[mail.to],
                                       headers=mail.headers, connection=mail_connection)
                for attachment in mail.attachments:
                    message.attach(attachment["filename"], attachment["content"],
                                   attachment["mimetype"])
                message.send()
            except MESSAGE_ERRORS as error:
                _failed([mail], token, error)
            except Exception as error:
                logger.warning("Could not send outbox mail; %d wait for a retry",
                               len(claimed) - number, exc_info=True)
                _failed(claimed[number:], token, error)
                break
            else:
                _sent(mail, token)
                sent += 1
    finally:
        try:
            mail_connection.close()
        except Exception:  # a connection that already failed may fail to close too
            logger.debug("Closing the mail connection failed", exc_info=True)
    return sent


def claim_duration() -> datetime.timedelta:
    timeout = settings.EMAIL_TIMEOUT or UNTIMED_BACKEND_SECONDS
    return datetime.timedelta(seconds=2 * timeout + CLAIM_MARGIN_SECONDS)


def _claim(token: str, *, batch: int) -> list[OutgoingMail]:
    now = timezone.now()
    with transaction.atomic():
        candidates = OutgoingMail.objects.due(now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:batch])
        # Conditional: a row another sender claimed since it was read is not taken.
        OutgoingMail.objects.due(now).filter(pk__in=ids).update(
            claimed_by=token, claimed_until=now + claim_duration(),
        )
    return list(OutgoingMail.objects.filter(claimed_by=token).order_by("next_attempt_at", "pk"))


def _renew(mails: list[OutgoingMail], token: str) -> bool:
    """Hold `mails` (the rest of a batch) for another step; False if this sender no
    longer holds them all. Keyed by the token alone: a lapsed claim no one has taken yet
    is still this sender's, and one another sender took is not, whichever UPDATE is
    first."""
    renewed = OutgoingMail.objects.filter(
        pk__in=[mail.pk for mail in mails], claimed_by=token,
    ).update(claimed_until=timezone.now() + claim_duration())
    return renewed == len(mails)


def _release(mails: list[OutgoingMail], token: str) -> None:
    """Let go of what this sender still holds of `mails`, untried, for the next sender."""
    OutgoingMail.objects.filter(pk__in=[mail.pk for mail in mails], claimed_by=token).update(
        claimed_by="", claimed_until=None,
    )


def _sent(mail: OutgoingMail, token: str) -> None:
    now = timezone.now()
    OutgoingMail.objects.filter(pk=mail.pk, claimed_by=token).update(
        sent_at=now, last_attempt_at=now, attempts=F("attempts") + 1,
        claimed_by="", claimed_until=None,
    )


def _failed(mails: list[OutgoingMail], token: str, error: Exception) -> None:
    now = timezone.now()
    reason = f"{type(error).__name__}: {error}"[:1000]
    for mail in mails:
        OutgoingMail.objects.filter(pk=mail.pk, claimed_by=token).update(
            attempts=F("attempts") + 1, last_attempt_at=now, last_error=reason,
            next_attempt_at=now + retry_delay(mail.attempts + 1),
            claimed_by="", claimed_until=None,
        )


def retry_delay(failures: int) -> datetime.timedelta:
    return datetime.timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), LAST_RETRY_SECONDS)
    )

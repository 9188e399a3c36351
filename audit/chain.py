"""The audit trail's hash chain: every event is appended here, and verified from here.

Each event carries its place in the chain (`sequence`, 1, 2, 3, … with no gaps), the
previous event's hash and its own: SHA-256 over a canonical serialisation of its fields
followed by the previous hash. Changing an event's fields breaks its own hash; deleting
an event leaves a gap in the places; deleting the last events leaves the chain shorter
than its head (AuditChainHead) says. An intruder who can rewrite rows can recompute the
hashes too, so the chain does not stop them: it makes a careless or partial change
evident, and with the append-only triggers it leaves rewriting history to someone who
holds the database owner's role.

Writers take the head row's lock first (an UPDATE of that row, held until their
transaction ends), so that two web workers appending at once cannot both follow the same
event and fork the chain; on SQLite writes are serialised anyway. The event's time is
read from the database's clock in that same statement, after the lock is granted, so
the chain's order is also the order of its times, whatever the application servers'
clocks say (and whatever a test's frozen clock says).
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64  # the "previous hash" of the first event
HEAD = 1  # the head row's primary key


def append(*, at=None, **fields) -> AuditEvent:
    """Write one event at the end of the chain, in the caller's transaction if there is
    one. `at` is for tests that need events in past months only: the application's
    writers never pass it, so an event's time is the database's."""
    with transaction.atomic():
        sequence, previous_hash, clock = _advance_head()
        event = AuditEvent(**fields, at=at or clock, sequence=sequence,
                           previous_hash=previous_hash)
        _prepare(event)
        event.hash = digest(event)
        event.save()
        AuditChainHead.objects.filter(pk=HEAD).update(last_hash=event.hash)
    return event


def digest(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event) + event.previous_hash.encode()).hexdigest()


def canonical(event: AuditEvent) -> bytes:
    """The event's fields as sorted JSON: ids as numbers, the object's type by its natural
    key (content type ids may differ between databases), the time in UTC."""
    content_type = ContentType.objects.get_for_id(event.content_type_id)
    return json.dumps({
        "sequence": event.sequence,
        "at": event.at.astimezone(datetime.UTC).isoformat(),
        "actor": event.actor_id,
        "actor_person": event.actor_person_id,
        "action": event.action,
        "object_type": f"{content_type.app_label}.{content_type.model}",
        "object_id": event.object_id,
        "subject": event.subject_id,
        "organisation": event.organisation_id,
        "department": event.department_id,
        "address": event.address,
        "detail": event.detail,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _prepare(event: AuditEvent) -> None:
    """Give each field the value the database will hand back, so that the hash computed
    now is the hash computed from the stored row (an IPv6 address is normalised)."""
    for name in ("address", "object_id", "detail"):
        field = AuditEvent._meta.get_field(name)
        setattr(event, name, field.get_prep_value(getattr(event, name)))


# The database's clock, read in the statement that takes the head's lock.
_CLOCK = {
    "postgresql": "clock_timestamp()",
    "sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
}


def _advance_head() -> tuple[int, str, object]:
    """Lock the head and move it on by one: (the new event's place, the previous hash,
    the database's time)."""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    clock = _CLOCK[connection.vendor].replace("%", "%%")  # the statement takes a parameter
    sql = (f"UPDATE {table} SET sequence = sequence + 1, clock = {clock} "
           f"WHERE id = %s RETURNING sequence, last_hash, clock")
    with connection.cursor() as cursor:
        cursor.execute(sql, [HEAD])
        row = cursor.fetchone()
        if row is None:  # no head yet (a new database, or tables emptied in a test)
            _make_head()
            cursor.execute(sql, [HEAD])
            row = cursor.fetchone()
    sequence, previous_hash, clock = row
    if isinstance(clock, str):
        clock = parse_datetime(clock)
    if timezone.is_naive(clock):  # SQLite's clock is UTC, without saying so
        clock = timezone.make_aware(clock, datetime.UTC)
    return sequence, previous_hash, clock


def _make_head() -> None:
    """A head following the last event there is (none: the genesis)."""
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    sequence, last_hash = last or (0, GENESIS)
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(pk=HEAD, sequence=sequence, last_hash=last_hash)],
        ignore_conflicts=True,  # another writer made it first: theirs is as good
    )


# Verifying


@dataclass(frozen=True)
class Verdict:
    count: int  # events checked before the first problem (all of them when intact)
    problem: str = ""  # the first broken or missing link, in words

    @property
    def intact(self) -> bool:
        return not self.problem


def verify() -> Verdict:
    """Walk the chain from its first event and report the first broken or missing link."""
    expected, previous, count = 1, GENESIS, 0
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    for event in events:
        if event.sequence != expected:
            missing = (f"event {expected}" if event.sequence == expected + 1
                       else f"events {expected} to {event.sequence - 1}")
            return Verdict(count, f"missing link: {missing} of the chain are gone "
                                  f"(next found: event {event.sequence}, id {event.pk})")
        if event.previous_hash != previous:
            return Verdict(count, f"broken link at event {event.sequence} (id {event.pk}): "
                                  f"it does not follow event {expected - 1}")
        if digest(event) != event.hash:
            return Verdict(count, f"broken link at event {event.sequence} (id {event.pk}): "
                                  f"its fields were changed after it was written")
        previous, expected, count = event.hash, expected + 1, count + 1
    head = AuditChainHead.objects.filter(pk=HEAD).first()
    if head is not None and head.sequence > count:
        missing = (f"event {head.sequence}" if head.sequence == count + 1
                   else f"events {count + 1} to {head.sequence}")
        return Verdict(count, f"missing link: {missing} of the chain are gone "
                              f"(the last {head.sequence - count} written)")
    if head is not None and head.sequence == count and head.last_hash != previous:
        return Verdict(count, f"broken link: the last event ({count}) is not the one "
                              f"the chain's end recorded")
    return Verdict(count)

"""The audit trail is tamper-evident (audit.chain): each event is chained to the previous
one by a SHA-256 hash, `manage.py audit_verify` names the first broken or missing link,
two writers at once do not fork the chain, SQLite refuses changes to an event as
PostgreSQL does, and a reviewer is never given their own events to judge."""

import datetime
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from audit import chain, reviews, trail
from audit.models import AuditChainHead, AuditEvent
from people.models import Person

APPEND_ONLY = {
    "postgresql": ("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
                   "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"),
}


def recorded(n, *, actor=None, subject=None):
    """`n` events viewing `subject`'s records, by `actor`, through the trail's writer."""
    return [
        trail.event(actor=actor.user if actor else None, action=AuditEvent.Action.RECORDS_VIEWED,
                    content_type=ContentType.objects.get_for_model(Person),
                    object_id=str(subject.pk) if subject else "", subject=subject,
                    detail=f"#{i}")
        for i in range(n)
    ]


def tamper(statement, params=()):
    """Run `statement` with the append-only triggers set aside, as someone holding the
    database owner's role could (the test's role is a superuser on PostgreSQL)."""
    import importlib

    sqlite_triggers = importlib.import_module("audit.migrations.0005_append_only_in_sqlite")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's own inserts leave deferred foreign-key checks, which ALTER TABLE
            # will not run beside.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(APPEND_ONLY["postgresql"][0])
            cursor.execute(statement, params)
            cursor.execute(APPEND_ONLY["postgresql"][1])
        else:
            for drop in sqlite_triggers.DROP:
                cursor.execute(drop)
            cursor.execute(statement, params)
            for create in sqlite_triggers.CREATE:
                cursor.execute(create)


def verify() -> str:
    """audit_verify's verdict: its output, or its error."""
    try:
        call_command("audit_verify", stdout=(output := _Output()))
    except CommandError as error:
        return f"FAILED {error}"
    return output.text


class _Output:
    text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# The chain


def test_each_event_follows_the_previous_one(clock, supervisor, operator):
    first, second, third = recorded(3, actor=supervisor, subject=operator)
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.previous_hash == chain.GENESIS
    assert second.previous_hash == first.hash and third.previous_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    stored = AuditEvent.objects.get(pk=second.pk)
    assert chain.digest(stored) == stored.hash  # what is read back hashes the same
    assert verify() == "audit trail intact: 3 events\n"


def test_an_empty_trail_is_intact(db):
    assert verify() == "audit trail intact: 0 events\n"


def test_an_ipv6_address_hashes_as_it_is_stored(clock, supervisor, operator):
    """The database hands back an IPv6 address normalised: the hash is of that form."""
    trail.event(actor=supervisor.user, action=AuditEvent.Action.RECORDS_VIEWED,
                content_type=ContentType.objects.get_for_model(Person),
                object_id=str(operator.pk), subject=operator, address="2001:DB8:0:0:0:0:0:1")
    assert AuditEvent.objects.get().address == "2001:db8::1"
    assert verify() == "audit trail intact: 1 events\n"


def test_an_event_is_written_only_through_the_chain(clock, operator):
    with pytest.raises(Exception, match="audit.chain.append"):
        AuditEvent.objects.create(
            at=timezone.now(), action=AuditEvent.Action.RECORDS_VIEWED,
            content_type=ContentType.objects.get_for_model(Person), object_id="1",
        )


@pytest.mark.parametrize("change", [
    "UPDATE audit_auditevent SET detail = 'nothing to see' WHERE sequence = 2",
    "UPDATE audit_auditevent SET subject_id = NULL WHERE sequence = 2",
    "UPDATE audit_auditevent SET at = at - INTERVAL '1 day' WHERE sequence = 2",
])
def test_a_changed_event_is_reported(clock, supervisor, operator, change):
    recorded(3, actor=supervisor, subject=operator)
    if connection.vendor == "sqlite":
        change = change.replace("at - INTERVAL '1 day'", "datetime(at, '-1 day')")
    tamper(change)
    assert verify() == ("FAILED audit trail NOT intact after 1 events: broken link at "
                        f"event 2 (id {AuditEvent.objects.get(sequence=2).pk}): its fields "
                        "were changed after it was written")


def test_a_deleted_event_is_reported_as_a_missing_link(clock, supervisor, operator):
    events = recorded(4, actor=supervisor, subject=operator)
    tamper("DELETE FROM audit_auditevent WHERE sequence IN (2, 3)")
    assert verify() == ("FAILED audit trail NOT intact after 1 events: missing link: events "
                        f"2 to 3 of the chain are gone (next found: event 4, id {events[3].pk})")


def test_deleting_the_last_event_is_reported_too(clock, supervisor, operator):
    recorded(3, actor=supervisor, subject=operator)
    tamper("DELETE FROM audit_auditevent WHERE sequence = 3")
    assert verify() == ("FAILED audit trail NOT intact after 2 events: missing link: event 3 "
                        "of the chain are gone (the last 1 written)")


def test_an_event_rehashed_without_its_successor_is_reported(clock, supervisor, operator):
    """Someone who recomputes the changed event's own hash breaks the next link."""
    recorded(3, actor=supervisor, subject=operator)
    second = AuditEvent.objects.get(sequence=2)
    second.detail = "nothing to see"
    tamper("UPDATE audit_auditevent SET detail = %s, hash = %s WHERE sequence = 2",
           [second.detail, chain.digest(second)])
    assert verify().startswith("FAILED audit trail NOT intact after 2 events: broken link at "
                               "event 3")


def test_the_chain_goes_on_after_its_head_row_is_lost(clock, supervisor, operator):
    """Tables emptied between tests leave no head: the next writer makes one after the
    last event there is."""
    recorded(2, actor=supervisor, subject=operator)
    AuditChainHead.objects.all().delete()
    recorded(1, actor=supervisor, subject=operator)
    assert AuditEvent.objects.get(sequence=3).previous_hash == (
        AuditEvent.objects.get(sequence=2).hash)
    assert verify() == "audit trail intact: 3 events\n"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET detail = 'x'",
    "DELETE FROM audit_auditevent",
])
def test_sqlite_refuses_to_change_an_event_even_by_raw_sql(clock, supervisor, operator,
                                                           statement):
    recorded(1, actor=supervisor, subject=operator)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get().detail == "#0"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent PostgreSQL writers")
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_do_not_fork_the_chain(supervisor, operator):
    """Two threads, each its own database connection (as two web workers), append 15
    events each, starting together: the chain has 30 places, each following one event."""
    start = threading.Barrier(2)
    errors = []

    def writer():
        try:
            start.wait()
            for _ in range(15):
                with transaction.atomic():
                    recorded(1, actor=supervisor, subject=operator)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(AuditEvent.objects.values_list("sequence", flat=True)) == list(range(1, 31))
    assert verify() == "audit trail intact: 30 events\n"
    times = list(AuditEvent.objects.order_by("sequence").values_list("at", flat=True))
    assert times == sorted(times)  # the database's clock, read under the lock


# Reviews


def test_a_reviewer_is_never_given_their_own_events_to_judge(
    clock, coordinator, supervisor, operator, prefecture
):
    recorded(3, actor=coordinator, subject=operator)
    theirs = recorded(2, actor=supervisor, subject=operator)
    # The events' time is the database's, whatever the test's frozen clock says.
    today = timezone.localdate(theirs[-1].at)
    review = reviews.review_draw(
        organisation=prefecture, period_start=today - datetime.timedelta(days=31),
        period_end=today + datetime.timedelta(days=1), months_per_quarter=3, sample_size=10,
        by=coordinator, now=timezone.now(),
    )
    assert sorted(review.items.values_list("event", flat=True)) == [e.pk for e in theirs]
    # Drawn by the coordinator, it may not be concluded by the supervisor, whose it holds.
    with pytest.raises(ValidationError, match="別の担当者が判定"):
        reviews.review_conclude(review, verdicts={}, outcome="no_issues", note="",
                                by=supervisor, now=timezone.now())
    reviews.review_conclude(review, verdicts={}, outcome="no_issues", note="", by=coordinator,
                            now=timezone.now())

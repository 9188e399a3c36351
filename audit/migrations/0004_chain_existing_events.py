"""Chain the events written before the trail had a chain, in the order they were written
(their ids), and set the chain's head after the last. On PostgreSQL the append-only
trigger is set aside for this one backfill, by the migrating role, which owns the table
(the README's application role could not do this)."""

from django.db import migrations

from audit import chain

TRIGGER = "audit_event_append_only"


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
    previous, sequence = chain.GENESIS, 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous
        event.hash = chain.digest(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            sequence=sequence, previous_hash=previous, hash=event.hash
        )
        previous = event.hash
    if postgresql:
        schema_editor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {TRIGGER}")
    AuditChainHead.objects.create(pk=chain.HEAD, sequence=sequence, last_hash=previous)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain_fields")]

    operations = [migrations.RunPython(chain_existing_events, migrations.RunPython.noop)]

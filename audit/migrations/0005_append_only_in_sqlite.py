"""Every event now has its place in the chain; and on SQLite, as on PostgreSQL (0002),
the database itself refuses UPDATE and DELETE of an audit event, raw SQL included.

SQLite rebuilds a table to alter one of its columns, and the rebuild drops the table's
triggers: so the triggers are made after the AlterField, and a later migration that
alters audit_auditevent on SQLite must make them again (tests/test_audit_chain.py fails
if they are gone)."""

from django.db import migrations, models

REFUSE = """
CREATE TRIGGER audit_event_refuse_{op}
    BEFORE {OP} ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {OP} refused'); END;
"""
CREATE = [REFUSE.format(op=op.lower(), OP=op) for op in ("UPDATE", "DELETE")]
DROP = [f"DROP TRIGGER IF EXISTS audit_event_refuse_{op};" for op in ("update", "delete")]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chain_existing_events")]

    operations = [
        migrations.AlterField(
            model_name="auditevent", name="sequence",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="place in the chain"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

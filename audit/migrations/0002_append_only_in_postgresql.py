"""On PostgreSQL the database itself keeps the audit trail append-only: a trigger refuses
every UPDATE and DELETE of an audit event, whichever role asks, the application's
included. TRUNCATE is left to privileges: the README's production set-up runs the
application as a role that does not own the tables and is not granted TRUNCATE (nor
could it drop the trigger, which only the owner can do)."""

from django.db import migrations

CREATE = """
CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
"""

DROP = """
DROP TRIGGER audit_event_append_only ON audit_auditevent;
DROP FUNCTION audit_event_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]

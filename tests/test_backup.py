"""Backup and restore (ops/backup.py, `manage.py backup` and `manage.py restore`).

The whole demo is backed up and restored, as the README says, into a new, empty database
on the same server (a new file on SQLite). Every table must then have as many rows as in
the source, the first and last three rows of every model's table the same values column
by column, and the same indexes, constraints, triggers and sequence positions. Runs on
whichever database the suite runs on: SQLite, or PostgreSQL with DATABASE_URL.

The demo breaks the rule that tests never load it: here the point is a backup of many
tables of realistic data, and seed_demo takes about a second.

pg_dump is another process and sees only committed rows, hence transactional tests.
"""

import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from ops.backup import BackupError, database_restore
from people.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(settings):
    """The whole demo, committed."""
    from wagtail.models import Locale, Page

    settings.DEBUG = True
    # Transactional tests flush the locale and root page that Wagtail's migrations create.
    Locale.objects.get_or_create(language_code="ja")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def empty_database(tmp_path):
    """A connection to a new, empty database: on the test server for PostgreSQL (dropped
    afterwards), a new file for SQLite."""
    target = connection.copy()
    if connection.vendor == "sqlite":
        target.settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
        yield target
        target.close()
        return
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:  # in autocommit: CREATE DATABASE refuses a transaction
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)} "
                       "TEMPLATE template0 ENCODING 'UTF8'")
    target.settings_dict["NAME"] = name
    yield target
    target.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {connection.ops.quote_name(name)} WITH (FORCE)")


def database_url(target) -> str:
    settings = target.settings_dict
    if target.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    return (f"postgres://{quote(settings['USER'], safe='')}{password}"
            f"@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}")


def manage(*args, target):
    """Run manage.py as the README does, in its own process, against `target`."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, capture_output=True, text=True,
        env={**os.environ, "DEBUG": "true", "DATABASE_URL": database_url(target)},
    )


def row_counts(target) -> dict[str, int]:
    with target.cursor() as cursor:
        counts = {}
        for table in target.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {target.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def sample(target, model) -> list[dict]:
    """The first and last three rows of `model`'s table by primary key, every column."""
    table = target.ops.quote_name(model._meta.db_table)
    pk = target.ops.quote_name(model._meta.pk.column)
    rows = []
    with target.cursor() as cursor:
        for direction in ("ASC", "DESC"):
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk} {direction} LIMIT 3")
            columns = [column[0] for column in cursor.description]
            rows += [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return rows


def schema_objects(target) -> list[tuple]:
    """What a copy of the rows alone would lose: indexes, constraints and triggers by name,
    and where each sequence stands (so that the first new row after a restore gets a free
    id). PostgreSQL re-renders a definition it parses, so definitions are not compared."""
    with target.cursor() as cursor:
        if target.vendor == "sqlite":
            cursor.execute("SELECT type, name FROM sqlite_master "
                           "UNION ALL SELECT name, seq FROM sqlite_sequence")
        else:
            cursor.execute("""
                SELECT 'index', indexname FROM pg_indexes WHERE schemaname = current_schema()
                UNION ALL
                SELECT 'constraint', conname FROM pg_constraint
                  JOIN pg_namespace ON pg_namespace.oid = connamespace
                 WHERE nspname = current_schema()
                UNION ALL
                SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal
                UNION ALL
                SELECT sequencename, last_value::text FROM pg_sequences
                 WHERE schemaname = current_schema()
            """)
        return sorted(cursor.fetchall(), key=repr)


def test_a_restored_backup_has_every_row(demo, empty_database, tmp_path):
    backup = tmp_path / "kunren.backup"
    call_command("backup", str(backup), stdout=StringIO())
    assert empty_database.introspection.table_names() == []

    restored = manage("restore", str(backup), target=empty_database)
    assert restored.returncode == 0, restored.stderr

    source = row_counts(connection)
    # The demo must reach every app, or the comparison below proves little.
    for app in ("people", "cms", "training", "drills", "auth", "wagtailcore"):
        assert any(count for table, count in source.items() if table.startswith(f"{app}_")), app
    assert row_counts(empty_database) == source

    models = [model for model in apps.get_models(include_auto_created=True)
              if model._meta.db_table in source and source[model._meta.db_table]]
    assert len(models) > 40
    for model in models:
        assert sample(empty_database, model) == sample(connection, model), model._meta.label
    assert schema_objects(empty_database) == schema_objects(connection)
    if connection.vendor == "postgresql":
        # audit migration 0002: the audit trail stays append-only after a restore.
        assert ("trigger", "audit_event_append_only") in schema_objects(empty_database)


def test_it_refuses_a_database_that_is_not_empty(prefecture, tmp_path):
    backup = tmp_path / "kunren.backup"
    call_command("backup", str(backup), stdout=StringIO())
    Organisation.objects.create(name="熊本市", kind="municipality", lg_code="431001")
    before = row_counts(connection)

    with translation.override("en"), pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(backup))

    # On SQLite a restore would have replaced the file, and the city with it.
    assert row_counts(connection) == before
    assert Organisation.objects.filter(lg_code="431001").exists()


def test_it_refuses_a_file_that_is_not_a_backup(empty_database, tmp_path):
    not_a_backup = tmp_path / "roster.csv"
    not_a_backup.write_text("lg_code,name\n430005,熊本県\n")

    with translation.override("en"), pytest.raises(BackupError, match="is not a backup"):
        database_restore(connection=empty_database, path=not_a_backup)
    assert empty_database.introspection.table_names() == []


def test_a_damaged_backup_writes_nothing(prefecture, empty_database, tmp_path):
    backup = tmp_path / "kunren.backup"
    call_command("backup", str(backup), stdout=StringIO())
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])  # a copy cut short

    with pytest.raises(BackupError):
        database_restore(connection=empty_database, path=damaged)
    assert empty_database.introspection.table_names() == []

"""Writing a file's look-ups in bulk: PostgreSQL's COPY (through psycopg) where the site
runs on it, one prepared INSERT run over every row (executemany) on SQLite. A quarter of a
prefecture's logs is a million rows: one INSERT per row through the ORM took 85 µs a row
on SQLite (bulk_create in batches included), a million rows over a minute and a half."""

import datetime
import json

from django.db import connection

from terminal_logs.models import TerminalLogImport, TerminalLookup

COLUMNS = ["batch_id", "organisation_id", "looked_up_at", "terminal", "operator_reference",
           "person_id", "id_grant_id", "department_id", "operation", "operation_raw",
           "conditions_hash", "resident_hash", "masked", "result_count", "flags", "flag_facts",
           "row_key"]


def _json(facts: dict, dumps=json.dumps) -> str:
    return dumps(facts, ensure_ascii=False) if facts else "{}"  # most rows have no facts


def _values(batch: TerminalLogImport, rows):
    for row in rows:
        lookup = row.lookup
        yield (batch.pk, batch.organisation_id, lookup.at, row.terminal, lookup.operator[:50],
               lookup.person_id, lookup.grant_id, lookup.department_id, row.operation,
               row.operation_raw, row.conditions_hash, row.resident_hash, row.masked,
               row.result_count, lookup.flags, lookup.facts, row.row_key)


def lookups_write(batch: TerminalLogImport, rows) -> None:
    """Write `rows` (terminal_logs.importing.ParsedRow) as the batch's look-ups, in the
    caller's transaction."""
    if connection.vendor == "postgresql":
        _copy(batch, rows)
    else:
        _insert_many(batch, rows)


def _copy(batch: TerminalLogImport, rows) -> None:
    table = TerminalLookup._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"  # noqa: S608 (our own names)
        ) as copy:
            for values in _values(batch, rows):
                copy.write_row((*values[:15], _json(values[15]), values[16]))


def _insert_many(batch: TerminalLogImport, rows) -> None:
    """SQLite: the values as Django's SQLite backend stores them (datetimes as UTC text,
    JSON as text)."""
    table = TerminalLookup._meta.db_table
    utc = datetime.UTC

    def stored(values):
        at = values[2].astimezone(utc).replace(tzinfo=None).isoformat(" ")
        return (*values[:2], at, *values[3:15], _json(values[15]), values[16])

    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608 (our own names)
            f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            (stored(values) for values in _values(batch, rows)))

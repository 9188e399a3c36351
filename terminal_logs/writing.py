"""Writing a file's look-ups in bulk: PostgreSQL's COPY (through psycopg) where the site
runs on it, bulk_create in batches on SQLite. A quarter of a prefecture's logs is a
million rows; one INSERT per row would take many minutes."""

import json

from django.db import connection

from terminal_logs.models import TerminalLogImport, TerminalLookup

COLUMNS = ["batch_id", "organisation_id", "looked_up_at", "terminal", "operator_reference",
           "person_id", "id_grant_id", "department_id", "operation", "operation_raw",
           "conditions_hash", "resident_hash", "masked", "result_count", "flags", "flag_facts",
           "row_key"]
SQLITE_BATCH = 2_000


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
        return
    fields = [field.removesuffix("_id") if field.endswith("_id") else field for field in COLUMNS]
    attnames = [TerminalLookup._meta.get_field(name).attname for name in fields]
    chunk = []
    for values in _values(batch, rows):
        chunk.append(TerminalLookup(**dict(zip(attnames, values, strict=True))))
        if len(chunk) == SQLITE_BATCH:
            TerminalLookup.objects.bulk_create(chunk)
            chunk = []
    if chunk:
        TerminalLookup.objects.bulk_create(chunk)


def _copy(batch: TerminalLogImport, rows) -> None:
    table = TerminalLookup._meta.db_table
    dumps = json.dumps
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"  # noqa: S608 (our own names)
        ) as copy:
            for values in _values(batch, rows):
                copy.write_row((*values[:15], dumps(values[15], ensure_ascii=False), values[16]))

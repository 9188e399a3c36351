"""Writing a file's look-ups in bulk: PostgreSQL's COPY (through psycopg) where the site
runs on it, one prepared INSERT run over every row (executemany) on SQLite. A quarter of a
prefecture's logs is a million rows: one INSERT per row through the ORM took 85 µs a row
on SQLite (bulk_create in batches included), a million rows over a minute and a half.

COPY is fed its text format directly, a few thousand lines at a time: psycopg's
write_row, which adapts each value by its type, and the JSON of each row's facts took
about a third of the import's own CPU in its profile. The values that repeat (terminals,
operators, masked searches, the rules' facts, which the rules share) are escaped or
encoded once each."""

import datetime
import json

from django.db import connection

from terminal_logs.models import TerminalLogImport, TerminalLookup

COLUMNS = ["batch_id", "organisation_id", "looked_up_at", "terminal", "operator_reference",
           "person_id", "id_grant_id", "department_id", "operation", "operation_raw",
           "conditions_hash", "resident_hash", "masked", "result_count", "flags", "flag_facts",
           "row_key"]
LINES_PER_WRITE = 5_000
# COPY's text format: a backslash starts an escape, tab and newline end a value or a row.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"


def lookups_write(batch: TerminalLogImport, rows) -> None:
    """Write `rows` (terminal_logs.importing.ParsedRow) as the batch's look-ups, in the
    caller's transaction."""
    if connection.vendor == "postgresql":
        _copy(batch, rows)
    else:
        _insert_many(batch, rows)


class _Encoded(dict):
    """Each distinct value as COPY or SQLite takes it, worked out on first sight."""

    def __init__(self, encode):
        super().__init__()
        self.encode = encode

    def __missing__(self, value):
        self[value] = encoded = self.encode(value)
        return encoded


class _FactsJson(dict):
    """The rules' facts as JSON, once for each dict (the rules share one dict between the
    look-ups they say the same of). Dicts cannot be keys: each is looked up by its id, and
    the entry holds the dict, so that no other dict can take that id while the entry lives."""

    def __init__(self, encode=str):
        super().__init__()
        self.encode = encode

    def __call__(self, facts: dict | None) -> str:
        if not facts:
            return "{}"
        entry = self.get(id(facts))
        if entry is None:
            entry = self[id(facts)] = (facts, self.encode(json.dumps(facts, ensure_ascii=False)))
        return entry[1]


def _copy(batch: TerminalLogImport, rows) -> None:
    table = TerminalLookup._meta.db_table
    escaped = _Encoded(lambda text: text.translate(COPY_ESCAPES))
    facts_json = _FactsJson(escaped.encode)
    batch_id, organisation_id = str(batch.pk), str(batch.organisation_id)
    numbers = _Encoded(lambda number: COPY_NULL if number is None else str(number))
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"  # noqa: S608 (our own names)
        ) as copy:
            lines = []
            for row in rows:
                lines.append("\t".join((
                    batch_id, organisation_id, row.at.isoformat(), escaped[row.terminal],
                    escaped[row.operator[:50]], numbers[row.person_id], numbers[row.grant_id],
                    numbers[row.department_id], row.operation, escaped[row.operation_raw],
                    row.conditions_hash, row.resident_hash, escaped[row.masked],
                    numbers[row.result_count], numbers[row.flags], facts_json(row.facts),
                    row.row_key)))
                if len(lines) == LINES_PER_WRITE:
                    lines.append("")
                    copy.write("\n".join(lines))
                    lines.clear()
            if lines:
                lines.append("")
                copy.write("\n".join(lines))


def _insert_many(batch: TerminalLogImport, rows) -> None:
    """SQLite: the values as Django's SQLite backend stores them (datetimes as UTC text,
    JSON as text)."""
    table = TerminalLookup._meta.db_table
    utc = datetime.UTC
    facts_json = _FactsJson()

    def stored(row):
        return (batch.pk, batch.organisation_id,
                row.at.astimezone(utc).replace(tzinfo=None).isoformat(" "), row.terminal,
                row.operator[:50], row.person_id, row.grant_id, row.department_id,
                row.operation, row.operation_raw, row.conditions_hash, row.resident_hash,
                row.masked, row.result_count, row.flags, facts_json(row.facts), row.row_key)

    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608 (our own names)
            f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            map(stored, rows))

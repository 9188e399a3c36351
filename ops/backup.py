"""Backup and restore of the whole database, on PostgreSQL or SQLite.

A backup is the database's own copy of itself, schema and rows together: pg_dump's custom
archive on PostgreSQL, a copy of the file (SQLite's online backup API) on SQLite. Both are
consistent snapshots taken while the site runs. Unlike dumpdata and loaddata, they keep
what lives in the database rather than in the models: sequences at their current values,
and the trigger that keeps the audit trail append-only on PostgreSQL. A restore only
inserts rows (COPY on PostgreSQL, a page copy on SQLite), which that trigger allows.

A restore goes only into an empty database. On SQLite it would replace whatever is there,
and on PostgreSQL it would collide with the existing schema halfway through; refusing
first, before anything is written, answers both, and means a wrong DATABASE_URL can
never overwrite the live database.
"""

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext

# The first bytes of each kind of backup, to refuse the wrong file before touching anything.
MAGIC = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}
# DATABASE_URL's query parameters that pg_dump and pg_restore need too, e.g. ?sslmode=verify-full.
LIBPQ_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
                 "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}


class BackupError(Exception):
    """A backup or restore that did not happen, and the message says why. A restore that
    raises it has written nothing."""


def database_backup(*, connection, path) -> None:
    """Write a consistent backup of the database behind `connection` to `path`.

    It is written to a temporary file beside `path` first, readable by its owner only (a
    backup holds personal records), and renamed over `path` only once complete: a failed
    backup never leaves a truncated file where the last good one was.
    """
    path = Path(path)
    try:
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise BackupError(gettext("Cannot write the backup %(path)s: %(error)s")
                          % {"path": path, "error": error.strerror}) from error
    os.close(descriptor)
    try:
        if connection.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", f"--file={partial}"], connection)
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            copy = sqlite3.connect(partial)
            try:
                connection.connection.backup(copy)
                # One self-contained file, readable later without its -wal and -shm.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        else:
            raise BackupError(_unsupported(connection))
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


def database_restore(*, connection, path) -> None:
    """Restore the backup at `path` into the database behind `connection`, which must be
    empty (no tables at all).

    PostgreSQL: pg_restore in a single transaction that stops at the first error, so a
    damaged archive leaves the database as empty as it was. Objects are owned by the role
    that restores (--no-owner), so run it as the role that owns the tables in production.
    SQLite: the backup API copies the file into the database in one transaction.
    """
    path = Path(path)
    _check_backup_kind(path, connection)
    connection.ensure_connection()
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(gettext(
            "Refusing to restore: the database %(database)s is not empty (%(count)d tables, "
            "such as %(table)s). Restore only into a new, empty database. Nothing was written."
        ) % {"database": describe(connection), "count": len(tables), "table": tables[0]})
    if connection.vendor == "postgresql":
        # pg_restore connects only when given --dbname; an empty one lets libpq take the
        # name from PGDATABASE, like every other connection parameter.
        try:
            _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                  "--dbname=", str(path)], connection)
        except BackupError as error:
            raise BackupError(f"{error}\n" + gettext(
                "The restore ran in one transaction: nothing was written.")) from error
    else:
        backup = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            # A backup copied incompletely would be restored faithfully, damage included.
            try:
                intact = backup.execute("PRAGMA quick_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError:
                intact = False
            if not intact:
                raise BackupError(gettext(
                    "Refusing to restore: %(path)s is damaged (SQLite's quick_check failed). "
                    "Nothing was written."
                ) % {"path": path})
            backup.backup(connection.connection)
        finally:
            backup.close()


def describe(connection) -> str:
    """The database's name (and server), for messages: never its password."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"{settings['NAME']} ({settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432})"
    return str(settings["NAME"])


def _check_backup_kind(path: Path, connection) -> None:
    if connection.vendor not in MAGIC:
        raise BackupError(_unsupported(connection))
    try:
        with path.open("rb") as backup:
            start = backup.read(16)
    except OSError as error:
        raise BackupError(gettext("Cannot read the backup %(path)s: %(error)s")
                          % {"path": path, "error": error.strerror}) from error
    if not start.startswith(MAGIC[connection.vendor]):
        raise BackupError(gettext(
            "Refusing to restore: %(path)s is not a backup of a %(vendor)s database. "
            "Nothing was written."
        ) % {"path": path, "vendor": connection.display_name})


def _run(command: list[str], connection) -> None:
    """Run pg_dump or pg_restore against `connection`'s database.

    The connection parameters go in PG* environment variables, never in the arguments,
    where every user of the host could read the password in the process list.
    """
    settings = connection.settings_dict
    parameters = {
        "PGHOST": settings["HOST"], "PGPORT": str(settings["PORT"] or ""),
        "PGUSER": settings["USER"], "PGPASSWORD": settings["PASSWORD"],
        "PGDATABASE": settings["NAME"],
        **{LIBPQ_OPTIONS[name]: str(value) for name, value in settings["OPTIONS"].items()
           if name in LIBPQ_OPTIONS},
    }
    env = {**os.environ, **{name: value for name, value in parameters.items() if value}}
    try:
        finished = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(gettext(
            "%(program)s is not installed: install PostgreSQL's client programs "
            "(apt-get install postgresql-client) in the server's major version or later."
        ) % {"program": command[0]}) from error
    if finished.returncode != 0:
        raise BackupError(gettext("%(program)s failed:\n%(output)s")
                          % {"program": command[0], "output": finished.stderr.strip()})


def _unsupported(connection) -> str:
    return gettext("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {
        "vendor": connection.display_name
    }

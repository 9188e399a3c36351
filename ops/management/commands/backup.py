"""`manage.py backup PATH`: a consistent backup of the database, taken while the site runs.

See ops/backup.py for what a backup holds, and the README for the whole procedure
(MEDIA_ROOT is backed up beside it, not by this command).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext

from ops.backup import BackupError, database_backup, describe


class Command(BaseCommand):
    help = (
        "Write a backup of the database to PATH: pg_dump's custom format on PostgreSQL, "
        "a copy of the database file on SQLite. Restore it with `manage.py restore PATH`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write")

    def handle(self, *, path, **options):
        try:
            database_backup(connection=connection, path=path)
        except BackupError as error:
            raise CommandError(error) from error
        self.stdout.write(gettext("Backed up %(database)s to %(path)s.")
                          % {"database": describe(connection), "path": path})

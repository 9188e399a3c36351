"""`manage.py restore PATH`: restore a backup made by `manage.py backup` into the
configured database, which must be new and empty; it refuses anything else, and then
writes nothing.

See ops/backup.py for why, and the README for the whole procedure.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext

from ops.backup import BackupError, database_restore, describe


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database, which must be empty "
        "(newly created, not even migrated)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to restore")

    def handle(self, *, path, **options):
        try:
            database_restore(connection=connection, path=path)
        except BackupError as error:
            raise CommandError(error) from error
        self.stdout.write(gettext("Restored %(path)s into %(database)s: %(count)d tables.") % {
            "path": path, "database": describe(connection),
            "count": len(connection.introspection.table_names()),
        })

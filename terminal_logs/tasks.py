"""django-q2 tasks of the terminal logs: the daily removal of look-ups past retention.
Its schedule is registered with core.schedules when this module is imported
(TerminalLogsConfig.ready) and made by the data migration that introduced it."""

from django.utils import timezone
from django_q.models import Schedule

from core import schedules
from terminal_logs.retention import lookups_purge

LOOKUPS_PURGE = "terminal-lookups-purge"

schedules.register(name=LOOKUPS_PURGE, func="terminal_logs.tasks.purge_lookups",
                   schedule_type=Schedule.DAILY, daily=True)


def purge_lookups() -> dict[int, int]:
    return lookups_purge(now=timezone.now())

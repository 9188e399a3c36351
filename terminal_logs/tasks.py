"""django-q2 tasks of the terminal logs: the daily removal of look-ups past retention,
and the daily reminders of the quarterly review (terminal_logs.review). Their schedules
are registered with core.schedules when this module is imported (TerminalLogsConfig.ready)
and made by the data migrations that introduced them."""

from django.utils import timezone
from django_q.models import Schedule

from core import schedules
from terminal_logs.retention import lookups_purge
from terminal_logs.review import review_reminders_send

LOOKUPS_PURGE = "terminal-lookups-purge"
REVIEW_REMINDERS = "terminal-review-reminders"

schedules.register(name=LOOKUPS_PURGE, func="terminal_logs.tasks.purge_lookups",
                   schedule_type=Schedule.DAILY, daily=True)
schedules.register(name=REVIEW_REMINDERS, func="terminal_logs.tasks.send_review_reminders",
                   schedule_type=Schedule.DAILY, daily=True)


def purge_lookups() -> dict[int, int]:
    return lookups_purge(now=timezone.now())


def send_review_reminders() -> int:
    return review_reminders_send(now=timezone.now())

"""django-q2 tasks. Each calls the services of one job and nothing more: the daily
certificate reminders, and the daily onward-sharing reminders, which first bring the
briefing obligations up to date so that nobody is reminded about a stale one.

The schedules that run them are made by ensure_schedules(), which a data migration
calls, so that every database has them without anyone creating them by hand.
"""

import datetime

from django.utils import timezone
from django_q.models import Schedule

from training.certificates import certificates_remind
from training.sharing import obligations_sync
from training.sharing_reminders import reminders_send

# Local time of day at which the daily jobs run: the reminders arrive at the start of
# the working day. django-q2's scheduler wakes about every 30 s, so they go out shortly
# after.
DAILY_AT = datetime.time(7, 0)

SCHEDULES = [
    {
        "name": "certificate-reminders",
        "func": "training.tasks.send_certificate_reminders",
        "schedule_type": Schedule.DAILY,
    },
    {
        "name": "sharing-reminders",
        "func": "training.tasks.send_sharing_reminders",
        "schedule_type": Schedule.DAILY,
    },
]


def send_certificate_reminders() -> int:
    return certificates_remind(today=timezone.localdate())


def send_sharing_reminders() -> int:
    obligations_sync(now=timezone.now())
    return reminders_send(now=timezone.now())


def ensure_schedules(*, schedule_model=Schedule, now=None) -> None:
    """Create or update the schedules in SCHEDULES, found by name; safe to run again.

    An existing schedule keeps its next run, so running this again does not move it.
    `schedule_model` lets a migration pass its historical model.
    """
    first_run = _next_daily_run(now or timezone.now())
    for schedule in SCHEDULES:
        fields = {**schedule, "repeats": -1}
        schedule_model.objects.update_or_create(
            name=schedule["name"],
            defaults=fields,
            create_defaults={**fields, "next_run": first_run},
        )


def _next_daily_run(now: datetime.datetime) -> datetime.datetime:
    today_at = timezone.localtime(now).replace(
        hour=DAILY_AT.hour, minute=DAILY_AT.minute, second=0, microsecond=0
    )
    return today_at if today_at > now else today_at + datetime.timedelta(days=1)

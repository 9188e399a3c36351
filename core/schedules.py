"""The django-q2 schedules every app runs, set up in one place.

Each app registers its schedules when its tasks module is imported (its AppConfig.ready
imports it); ensure_schedules() creates or updates them, and the data migrations that
introduced each one call it with their names, so every database has them without anyone
creating them by hand.
"""

import datetime

from django.utils import timezone

# Local time of day at which the daily jobs run: the reminders arrive at the start of
# the working day. django-q2's scheduler wakes about every 30 s, so they go out shortly
# after.
DAILY_AT = datetime.time(7, 0)

_registry: dict[str, dict] = {}
_daily: set[str] = set()


def register(*, name: str, func: str, schedule_type: str, daily: bool = False, **fields) -> None:
    """Register a schedule by name (django_q Schedule fields). A `daily` one first runs at
    DAILY_AT; any other first runs at once."""
    _registry[name] = {"name": name, "func": func, "schedule_type": schedule_type, **fields}
    if daily:
        _daily.add(name)


def ensure_schedules(*, names=None, schedule_model=None, now=None) -> None:
    """Create or update the registered schedules (those in `names`, or all), found by
    name; safe to run again. An existing schedule keeps its next run, so running this
    again does not move it. `schedule_model` lets a migration pass its historical model."""
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    now = now or timezone.now()
    chosen = _registry if names is None else {name: _registry[name] for name in names}
    for name, schedule in chosen.items():
        fields = {**schedule, "repeats": -1}
        first_run = next_daily_run(now) if name in _daily else now
        schedule_model.objects.update_or_create(
            name=name, defaults=fields, create_defaults={**fields, "next_run": first_run},
        )


def next_daily_run(now: datetime.datetime) -> datetime.datetime:
    today_at = timezone.localtime(now).replace(
        hour=DAILY_AT.hour, minute=DAILY_AT.minute, second=0, microsecond=0
    )
    return today_at if today_at > now else today_at + datetime.timedelta(days=1)

"""django-q2 tasks. Each calls the services of one job and nothing more: the daily
certificate reminders, and the daily training reminders (onward sharing, required reading,
the quiz: training.duty_reminders), which first bring the briefing obligations up to date
so that nobody is reminded about a stale one.

Their schedules are registered with core.schedules when this module is imported
(TrainingConfig.ready) and made by core.schedules.ensure_schedules(), which data migrations
call.
"""

from django.utils import timezone
from django_q.models import Schedule

from core import schedules
from training.certificates import certificates_remind
from training.duty_reminders import training_reminders_send
from training.sharing import obligations_sync

CERTIFICATE_REMINDERS = "certificate-reminders"
SHARING_REMINDERS = "sharing-reminders"

schedules.register(name=CERTIFICATE_REMINDERS, func="training.tasks.send_certificate_reminders",
                   schedule_type=Schedule.DAILY, daily=True)
schedules.register(name=SHARING_REMINDERS, func="training.tasks.send_sharing_reminders",
                   schedule_type=Schedule.DAILY, daily=True)


def send_certificate_reminders() -> int:
    return certificates_remind(today=timezone.localdate())


def send_sharing_reminders() -> int:
    obligations_sync(now=timezone.now())
    return training_reminders_send(now=timezone.now())

"""The daily django-q2 schedule of the quarterly review's reminders."""

from django.db import migrations

from core.schedules import ensure_schedules

SCHEDULE_NAME = "terminal-review-reminders"


def create_schedules(apps, schema_editor):
    ensure_schedules(names=[SCHEDULE_NAME],
                     schedule_model=apps.get_model("django_q", "Schedule"))


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("terminal_logs", "0004_review_settings"),
    ]

    operations = [
        migrations.RunPython(create_schedules, remove_schedule),
    ]

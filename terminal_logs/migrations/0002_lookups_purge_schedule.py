"""The daily django-q2 schedule that removes look-ups past their retention."""

from django.db import migrations

from core.schedules import ensure_schedules

SCHEDULE_NAME = "terminal-lookups-purge"


def create_schedules(apps, schema_editor):
    ensure_schedules(names=[SCHEDULE_NAME],
                     schedule_model=apps.get_model("django_q", "Schedule"))


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("terminal_logs", "0001_terminal_access_logs"),
    ]

    operations = [
        migrations.RunPython(create_schedules, remove_schedule),
    ]

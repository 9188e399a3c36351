"""The daily django-q2 schedule that sends the certificate reminders."""

from django.db import migrations

from training.tasks import SCHEDULES, ensure_schedules


def create_schedules(apps, schema_editor):
    ensure_schedules(schedule_model=apps.get_model("django_q", "Schedule"))


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name__in=[schedule["name"] for schedule in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("training", "0003_certificate_reminders"),
    ]

    operations = [
        migrations.RunPython(create_schedules, remove_schedules),
    ]

"""The outbox (core.outbox) and the schedule that sweeps it every minute."""

from django.db import migrations, models

from core.schedules import ensure_schedules

SCHEDULE_NAME = "outbox-sweep"


def create_schedule(apps, schema_editor):
    ensure_schedules(names=[SCHEDULE_NAME],
                     schedule_model=apps.get_model("django_q", "Schedule"))


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name='OutgoingMail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(editable=False, max_length=200, unique=True, verbose_name='key')),
                ('to', models.EmailField(max_length=254, verbose_name='recipient')),
                ('subject', models.TextField(verbose_name='subject')),
                ('body', models.TextField(verbose_name='body')),
                ('headers', models.JSONField(default=dict, verbose_name='headers')),
                ('created_at', models.DateTimeField(verbose_name='written at')),
                ('next_attempt_at', models.DateTimeField(verbose_name='next attempt at')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='last attempt at')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('claimed_by', models.CharField(blank=True, editable=False, max_length=32)),
                ('claimed_until', models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                'verbose_name': 'outgoing e-mail',
                'verbose_name_plural': 'outgoing e-mails',
                'indexes': [models.Index(fields=['sent_at', 'next_attempt_at'], name='outgoingmail_due')],
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]

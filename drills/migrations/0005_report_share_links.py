"""Shareable links that expire and can be withdrawn, and a copy of each final report
that names people only by their part in the drill.

The old links (AfterActionReport.share_token) are removed, not carried over: they never
expired and opened the copy naming everyone. A report's writers make a new link from the
report page when they still need one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drills', '0004_improvement_reminder_schedule'),
        ('people', '0003_person_anonymised_on'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='afteractionreport',
            name='share_token',
        ),
        migrations.AddField(
            model_name='afteractionreport',
            name='pdf_by_role',
            field=models.BinaryField(null=True, verbose_name='PDF naming people by role'),
        ),
        migrations.CreateModel(
            name='ReportShareLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=64, unique=True, verbose_name='token')),
                ('names_shown', models.BooleanField(default=False, help_text='Otherwise the shared copy names people only by their part in the drill.', verbose_name='name the people')),
                ('created_at', models.DateTimeField(verbose_name='created at')),
                ('expires_at', models.DateTimeField(verbose_name='expires at')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn at')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person', verbose_name='created by')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='share_links', to='drills.afteractionreport', verbose_name='report')),
                ('withdrawn_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person', verbose_name='withdrawn by')),
            ],
            options={
                'verbose_name': 'shareable link',
                'verbose_name_plural': 'shareable links',
                'ordering': ['-created_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='share_link_expires_after_creation'), models.CheckConstraint(condition=models.Q(models.Q(('withdrawn_at__isnull', True), ('withdrawn_by__isnull', True)), models.Q(('withdrawn_at__isnull', False), ('withdrawn_by__isnull', False)), _connector='OR'), name='withdrawn_share_link_says_by_whom')],
            },
        ),
    ]

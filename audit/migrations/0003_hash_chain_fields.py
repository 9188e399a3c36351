"""The audit trail's hash chain (audit.chain): each event's place, previous hash and hash,
the chain's head row, and the list-read action. The places start empty: 0004 chains the
events written before, 0005 then requires a place of every event."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_in_postgresql")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(max_length=64)),
                ("clock", models.DateTimeField(null=True)),
            ],
            options={"verbose_name": "end of the audit chain"},
        ),
        migrations.AddField(
            model_name="auditevent", name="sequence",
            field=models.PositiveBigIntegerField(null=True, unique=True,
                                                 verbose_name="place in the chain"),
        ),
        migrations.AddField(
            model_name="auditevent", name="previous_hash",
            field=models.CharField(default="", max_length=64,
                                   verbose_name="previous event's hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="hash",
            field=models.CharField(default="", max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent", name="action",
            field=models.CharField(choices=[
                ("records.viewed", "Personal records viewed"),
                ("records.exported", "Personal records exported"),
                ("imported", "Import"),
                ("admin.changed", "Change in the admin"),
                ("on_behalf", "Recorded on someone's behalf"),
                ("certificate.revoked", "Certificate revoked"),
                ("report.finalised", "Report finalised"),
                ("person.anonymised", "Person anonymised"),
                ("trail.exported", "Audit trail exported"),
                ("review.drawn", "Review sample drawn"),
                ("review.concluded", "Review outcome recorded"),
                ("finding.recorded", "Audit finding recorded"),
                ("records.listed", "List of personal records viewed"),
            ], max_length=30, verbose_name="action"),
        ),
    ]

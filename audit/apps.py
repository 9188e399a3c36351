from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from audit import signals  # noqa: F401 (connects the receivers)
        from audit.models import AuditEvent, AuditReview
        from audit.personal_records import export, listing, record, register_pages

        # The audit trail names who read whose records; a review shows its sample of it.
        register_pages({
            "audit:trail": listing(AuditEvent),
            "audit:trail_download": export(AuditEvent, None),
            "audit:review": record(AuditReview),
        })

"""Spreadsheet downloads from the Wagtail admin's lists enter the audit trail."""

from django.utils.translation import gettext as _

from audit import trail
from audit.models import AuditEvent


class AuditedExportMixin:
    """For a Wagtail index view whose rows hold personal data (people, ID grants, roles,
    attendance, quiz results): a download (?export=csv|xlsx) is recorded before a byte
    of it is sent. Each page of the listing is recorded like every page of personal
    records (audit.personal_records.admin_pages)."""

    def as_spreadsheet(self, queryset, spreadsheet_format):
        trail.record(self.request, AuditEvent.Action.RECORDS_EXPORTED, self.model,
                     detail=_("%(model)s, %(format)s") % {
                         "model": self.model._meta.verbose_name, "format": spreadsheet_format})
        return super().as_spreadsheet(queryset, spreadsheet_format)

"""Spreadsheet downloads from the Wagtail admin's lists enter the audit trail."""

from audit import trail
from audit.models import AuditEvent


class AuditedExportMixin:
    """For a Wagtail index view whose download (?export=csv|xlsx) holds personal data:
    the download is recorded before a byte of it is sent."""

    def as_spreadsheet(self, queryset, spreadsheet_format):
        trail.record(self.request, AuditEvent.Action.RECORDS_EXPORTED, self.model,
                     detail=f"{self.model._meta.model_name}, {spreadsheet_format}")
        return super().as_spreadsheet(queryset, spreadsheet_format)

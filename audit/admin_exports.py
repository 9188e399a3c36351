"""The Wagtail admin's lists of personal records enter the audit trail: every page of
them shown, and every spreadsheet downloaded from them."""

from audit import trail
from audit.models import AuditEvent


class AuditedExportMixin:
    """For a Wagtail index view whose rows hold personal data (people, ID grants, roles,
    attendance, quiz results). Each page view (the listing, or its results fetched as the
    filters change) is one event, whatever the number of rows; a download
    (?export=csv|xlsx) is recorded before a byte of it is sent."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.is_export and response.status_code == 200:
            trail.record(request, AuditEvent.Action.RECORDS_VIEWED, self.model,
                         detail=f"{self.model._meta.model_name} list")
        return response

    def as_spreadsheet(self, queryset, spreadsheet_format):
        trail.record(self.request, AuditEvent.Action.RECORDS_EXPORTED, self.model,
                     detail=f"{self.model._meta.model_name}, {spreadsheet_format}")
        return super().as_spreadsheet(queryset, spreadsheet_format)

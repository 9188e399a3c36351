from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The fiscal year as one picture: each person's record, the duty matrix and the
    annual report to the protection council. It reads every app below it and writes
    nothing of theirs, so it sits just under the wiring (config) in the layers."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports.overview_records import overview_records_register

        overview_records_register()

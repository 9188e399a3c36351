from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The fiscal year as one picture: each person's record, the duty matrix and the
    annual report to the protection council. It reads every app below it and writes
    nothing of theirs, so it sits just under the wiring (config) in the layers."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from people.record_links import register_person_record
        from reports.access import person_record_url
        from reports.leavers import leavers_register
        from reports.overview_records import overview_records_register
        from reports.person_record_audit import personal_records_register

        # The lists below (directory, sessions, certificates…) link each name to the
        # person's record where the viewer may open it.
        register_person_record(person_record_url)
        # Opening a person's record, or the people behind a matrix cell, is audited.
        personal_records_register()
        overview_records_register()
        # An annual report's letterhead names its sender: anonymising them reprints it.
        leavers_register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerminalLogsConfig(AppConfig):
    """The registry terminals' access logs under review: imported, matched to operators and
    flagged here; the reports read it. It reads people, training certificates and the
    plan's acknowledgements, so it sits beside drills, above training."""

    name = "terminal_logs"
    verbose_name = _("Terminal access logs")

    def ready(self):
        from terminal_logs import tasks  # noqa: F401  (registers the purge schedule)
        from terminal_logs.personal_records import personal_records_register

        personal_records_register()

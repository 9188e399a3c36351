from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from people.lifecycle import register_copy_rewriter
        from training import tasks  # noqa: F401  (registers the training schedules)

        register_copy_rewriter(_rewrite_department_reports)


def _rewrite_department_reports(person, *, label, quoted):
    # Imported when called: the report module pulls in reportlab.
    from training.sharing import department_reports_rewrite
    from training.sharing_report import department_report_pdf

    department_reports_rewrite(person, label=label, render_pdf=department_report_pdf)

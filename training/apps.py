from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from people.access import register_admin_organisation_paths
        from people.lifecycle import register_copy_rewriter
        from training.access import ADMIN_ORGANISATION_PATHS

        register_copy_rewriter(_rewrite_department_reports)
        register_admin_organisation_paths(ADMIN_ORGANISATION_PATHS)


def _rewrite_department_reports(person, *, label, quoted):
    # Imported when called: the report module pulls in reportlab.
    from training.sharing import department_reports_rewrite
    from training.sharing_report import department_report_pdf

    department_reports_rewrite(person, label=label, render_pdf=department_report_pdf)

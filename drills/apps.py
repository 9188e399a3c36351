from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills")

    def ready(self):
        from drills.access import ADMIN_ORGANISATION_PATHS
        from people.access import register_admin_organisation_paths
        from people.lifecycle import register_copy_rewriter

        register_copy_rewriter(_rewrite_frozen_reports)
        register_admin_organisation_paths(ADMIN_ORGANISATION_PATHS)


def _rewrite_frozen_reports(person, *, label, quoted):
    # Imported when called: the report module pulls in reportlab.
    from drills.report import frozen_reports_rewrite

    frozen_reports_rewrite(person, label=label, quoted=quoted)

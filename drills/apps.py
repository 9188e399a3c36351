from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills")

    def ready(self):
        from django_q.signals import post_spawn

        from drills import tasks  # registers the drills' schedules
        from people.lifecycle import register_copy_rewriter

        register_copy_rewriter(_rewrite_frozen_reports)
        post_spawn.connect(tasks.clocks_resume, dispatch_uid="drills.clocks_resume")


def _rewrite_frozen_reports(person, *, label, quoted):
    # Imported when called: the report module pulls in reportlab.
    from drills.report import frozen_reports_rewrite

    frozen_reports_rewrite(person, label=label, quoted=quoted)

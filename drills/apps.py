from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills")

    def ready(self):
        from django_q.signals import post_spawn

        from drills import tasks  # registers the drills' schedules
        from drills.access import ADMIN_ORGANISATION_PATHS
        from drills.leavers import leavers_register
        from drills.personal_records import personal_records_register
        from people.access import register_admin_organisation_paths
        from people.groups import register_coordinator_permissions

        leavers_register()
        personal_records_register()
        register_admin_organisation_paths(ADMIN_ORGANISATION_PATHS)
        # Coordinators write the scenarios.
        register_coordinator_permissions(
            "drills", [f"{action}_scenario" for action in ("add", "change", "delete", "view")])
        post_spawn.connect(tasks.clocks_resume, dispatch_uid="drills.clocks_resume")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills")

    def ready(self):
        from drills.leavers import leavers_register
        from drills.personal_records import personal_records_register
        from people.groups import register_coordinator_permissions

        leavers_register()
        personal_records_register()
        # Coordinators write the scenarios.
        register_coordinator_permissions(
            "drills", [f"{action}_scenario" for action in ("add", "change", "delete", "view")])

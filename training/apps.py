from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from people.access import register_admin_organisation_paths
        from people.groups import register_coordinator_permissions
        from training import tasks  # noqa: F401  (registers the training schedules)
        from training.access import ADMIN_ORGANISATION_PATHS
        from training.leavers import leavers_register
        from training.personal_records import personal_records_register
        from training.reading import required_reading_watch

        required_reading_watch()
        leavers_register()
        personal_records_register()
        register_admin_organisation_paths(ADMIN_ORGANISATION_PATHS)
        # Coordinators run sessions and quizzes, and read the records they produce.
        register_coordinator_permissions("training", [
            f"{action}_{model}"
            for model in ("trainingsession", "question", "choice", "quiz", "quizrule",
                          "coursepolicy")
            for action in ("add", "change", "view")
        ] + [f"view_{model}" for model in ("attendance", "attempt", "certificate")])

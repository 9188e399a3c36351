from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from people.groups import register_coordinator_permissions
        from training.leavers import leavers_register
        from training.personal_records import personal_records_register

        leavers_register()
        personal_records_register()
        # Coordinators run sessions and quizzes, and read the records they produce.
        register_coordinator_permissions("training", [
            f"{action}_{model}"
            for model in ("trainingsession", "question", "choice", "quiz", "quizrule")
            for action in ("add", "change", "view")
        ] + [f"view_{model}" for model in ("attendance", "attempt", "certificate")])

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Small helpers every app may use; it imports none of them (pyproject.toml's contract)."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django_q.signals import post_spawn

        # Their schedules: the outbox's sweep, the removal of abandoned uploads.
        from core import outbox
        from core.imports import store  # noqa: F401

        post_spawn.connect(outbox.sending_resume, dispatch_uid="core.outbox.sending_resume")

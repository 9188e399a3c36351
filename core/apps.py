from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Small helpers every app may use; it imports none of them (pyproject.toml's contract)."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from core import outbox  # noqa: F401  (registers the outbox's sweep schedule)

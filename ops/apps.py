from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self):
        # post_migrate is sent once per app with models, which this one need not have:
        # so it listens to every app's (the command is cheap when the table exists).
        post_migrate.connect(create_cache_table, dispatch_uid="ops.create_cache_table")
        # Connected here rather than where the middleware is loaded, which is only at the
        # first request: a login before it (a test client's force_login) must count too.
        from core.middleware import SessionRenewalMiddleware

        user_logged_in.connect(SessionRenewalMiddleware.renewed_on_login,
                               dispatch_uid="ops.session_renewed_on_login")
        # Wagtail's admin downloads, its own reports included, write no formula cells and
        # open in Japanese Excel.
        from core.wagtail_exports import prepare_wagtail_exports

        prepare_wagtail_exports()
        if settings.DEBUG and not settings.DEBUG_PAGES:
            from core.error_pages import use_site_error_pages

            use_site_error_pages()


def create_cache_table(using, verbosity=1, **kwargs):
    """`migrate` also makes the database cache's table when settings.CACHES has one (with
    REDIS_URL, see config/settings.py), so that an install or an upgrade needs no other
    step. createcachetable leaves a table that exists alone."""
    if any(cache["BACKEND"] == DATABASE_CACHE for cache in settings.CACHES.values()):
        # Quiet: it runs once per app, and would say "already exists" each time.
        call_command("createcachetable", database=using, verbosity=0)

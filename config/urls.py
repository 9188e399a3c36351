from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

import cms.views
import training.views.certificates
from audit.admin_history import ScopedLogEntriesView
from config import views
from core.forms import LoginForm
from reports import overview_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links; it is a static file.
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", include("directory.urls")),
    # The duty matrix (reports) lives among the training pages coordinators know.
    path("training/overview/", include((overview_views.urlpatterns, "overview"))),
    path("training/", include("training.urls")),
    path("drills/", include("drills.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.views")),
    path("terminal-logs/", include("terminal_logs.views")),
    path("verify/", include((training.views.certificates.public_urlpatterns, "verify"))),
    # Wagtail's site history, scoped by people.access (audit.admin_history): ahead of
    # Wagtail's own URLs, with the same guards they have.
    path("admin/reports/site-history/",
         never_cache(require_admin_access(ScopedLogEntriesView.as_view()))),
    path("admin/reports/site-history/results/",
         never_cache(require_admin_access(ScopedLogEntriesView.as_view(results_only=True)))),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", cms.views.search, name="search"),
    path("plans/<int:page_id>/pdf/", cms.views.plan_pdf, name="plan_pdf"),
    # Image files, for signed-in staff; documents' files are served by Wagtail's view only.
    re_path(r"^media/(?P<path>(?:original_images|images)/.+)$", cms.views.image_file,
            name="image_file"),
    # Wagtail serves the training material and plans; it must come last.
    path("pages/", include(wagtail_urls)),
]

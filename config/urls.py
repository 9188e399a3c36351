from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

import cms.views
import training.views.certificates
from config import views
from config.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", include("people.urls")),
    path("training/", include("training.urls")),
    path("drills/", include("drills.urls")),
    path("audit/", include("audit.views")),
    path("verify/", include((training.views.certificates.public_urlpatterns, "verify"))),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", cms.views.search, name="search"),
    path("plans/<int:page_id>/pdf/", cms.views.plan_pdf, name="plan_pdf"),
    # Wagtail serves the training material and plans; it must come last.
    path("pages/", include(wagtail_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

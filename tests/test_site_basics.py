"""Small but visible (issue 15, point 14): a favicon, and the site's own 404 and 400 pages
while developing with DEBUG on (core/error_pages.py), a 500 keeping its traceback."""

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousOperation
from django.test import override_settings
from django.urls import path
from django.views import debug

from config.urls import urlpatterns as site_urls
from core.error_pages import use_site_error_pages


def test_the_favicon_is_linked_and_served(client, operator):
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.ico"
    client.force_login(operator.user)
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in page


def suspicious(request):
    raise SuspiciousOperation("a forged header")


def failing(request):
    raise RuntimeError("a bug")


urlpatterns = [path("suspicious/", suspicious), path("failing/", failing), *site_urls]


@pytest.fixture
def site_error_pages(monkeypatch):
    """What ops.apps does at start-up under DEBUG, undone after the test."""
    for name in ("technical_404_response", "technical_500_response"):
        monkeypatch.setattr(debug, name, getattr(debug, name))
    monkeypatch.setattr(debug, "site_error_pages", False, raising=False)
    use_site_error_pages()


@override_settings(DEBUG=True, ROOT_URLCONF=__name__)
def test_under_debug_404_and_400_are_the_sites_own_pages_and_500_the_traceback(
    client, db, site_error_pages
):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "ページが見つかりません" in missing.content.decode()
    assert "URLconf" not in missing.content.decode()  # Django's page lists every URL

    refused = client.get("/suspicious/")
    assert refused.status_code == 400 and "a forged header" not in refused.content.decode()

    client.raise_request_exception = False
    broken = client.get("/failing/")
    assert broken.status_code == 500 and "RuntimeError" in broken.content.decode()

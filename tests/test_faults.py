"""Faults: with the database unreachable /healthz answers 503 and says why, and every other
page shows a plain error page (templates/500.html), never a traceback."""

import contextlib
import json
import sys
import types

import pytest
from django.db import connection
from django.test import Client
from django.urls import path


@contextlib.contextmanager
def database_unreachable(django_db_blocker):
    """Point the default connection where no database answers, for what runs inside.

    Used without the `db` fixture, so no test transaction is open on the connection and
    closing it loses nothing. PostgreSQL: a port where nothing listens (refused at once).
    SQLite: a file in a folder that does not exist.
    """
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-kunren-folder/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_healthz_answers_503_with_the_reason_when_the_database_is_unreachable(
    django_db_blocker, settings
):
    settings.DEBUG = False
    settings.HEALTHZ_TOKEN = "monitor-token"  # the details are for the monitor only
    with database_unreachable(django_db_blocker):
        response = Client(raise_request_exception=False).get(
            "/healthz", HTTP_X_HEALTHZ_TOKEN="monitor-token")
    assert response.status_code == 503
    report = json.loads(response.content)
    assert report["database"]["ok"] is False
    reason = report["database"]["error"].lower()
    assert "unable to open database file" in reason or "connection" in reason, reason


def test_a_page_that_needs_the_unreachable_database_shows_the_plain_error_page(
    django_db_blocker, settings
):
    settings.DEBUG = False
    with database_unreachable(django_db_blocker):
        # Wagtail looks the site up in the database before it serves any page.
        response = Client(raise_request_exception=False).get("/pages/")
    assert response.status_code == 500
    _assert_plain_error_page(response)


def _boom(request):
    raise RuntimeError("secret detail that must not reach the visitor")


@pytest.fixture
def exploding_urls(monkeypatch, settings):
    """A URL configuration with one view that raises, and Django's default 500 handler."""
    module = types.ModuleType("kunren_exploding_urls")
    module.urlpatterns = [path("boom/", _boom)]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.ROOT_URLCONF = module.__name__


def test_a_view_that_raises_renders_the_plain_error_page_without_a_traceback(
    exploding_urls, settings
):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    _assert_plain_error_page(response)


def _assert_plain_error_page(response):
    assert [template.name for template in response.templates] == ["500.html"]
    html = response.content.decode()
    assert "エラーが発生しました" in html and "Server error" in html
    assert html.index("エラーが発生しました") < html.index("Server error")  # Japanese first
    assert "Traceback" not in html and "secret detail" not in html


def test_an_unknown_address_shows_the_plain_not_found_page(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "ページが見つかりません" in html and "Page not found" in html
    assert html.index("ページが見つかりません") < html.index("Page not found")

import json

import pytest
from django.urls import reverse

TOKEN = "monitoring-token-0123456789"


@pytest.fixture
def client(client, settings):
    """A monitor: it sends the configured token, and gets the details."""
    settings.HEALTHZ_TOKEN = TOKEN
    client.defaults["HTTP_X_HEALTHZ_TOKEN"] = TOKEN
    return client


def test_it_says_only_ok_to_a_visitor_without_the_token(db, settings):
    from django.test import Client

    settings.HEALTHZ_TOKEN = TOKEN
    for headers in ({}, {"HTTP_X_HEALTHZ_TOKEN": "guess"}, {"HTTP_X_HEALTHZ_TOKEN": ""}):
        response = Client().get(reverse("healthz"), **headers)
        assert response.status_code == 200
        assert json.loads(response.content) == {"ok": True}


def test_without_a_configured_token_nobody_gets_the_details(db, settings):
    from django.test import Client

    settings.HEALTHZ_TOKEN = ""
    response = Client().get(reverse("healthz"), HTTP_X_HEALTHZ_TOKEN="")
    assert json.loads(response.content) == {"ok": True}


def test_a_visitor_without_the_token_sees_a_failure_but_not_its_error(db, settings,
                                                                       monkeypatch):
    from django.test import Client
    from django_q.conf import Conf

    settings.HEALTHZ_TOKEN = TOKEN
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    response = Client().get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"ok": False}


def test_it_reports_the_database_and_task_queue_as_reachable(client, db, settings):
    response = client.get(reverse("healthz"))
    report = json.loads(response.content)
    assert response.status_code == 200
    assert report["database"]["ok"] is True
    assert report["task_queue"]["ok"] is True
    expected_broker = "redis" if settings.REDIS_URL else "orm"
    assert report["task_queue"]["broker"] == expected_broker


def test_it_answers_503_when_the_broker_is_unreachable(client, db, monkeypatch):
    from django_q.brokers.redis_broker import Redis
    from django_q.conf import Conf

    # A real Redis broker pointed at a port where nothing listens.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    assert Redis  # the broker class under test
    response = client.get(reverse("healthz"))
    report = json.loads(response.content)
    assert response.status_code == 503
    assert report["task_queue"]["ok"] is False
    assert report["database"]["ok"] is True


def test_it_answers_over_plain_http_where_every_page_redirects_to_https(client, db, settings):
    """Load balancers and monitoring ask gunicorn directly, without TLS."""
    assert settings.SECURE_REDIRECT_EXEMPT == [r"^healthz$"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301

import json

from django.urls import reverse


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

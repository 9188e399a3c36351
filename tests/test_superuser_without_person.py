"""A superuser with no Person (the account `createsuperuser` makes, before any roster):
people.access lets them see everything, and no page may fail because there is no person
behind the account. Every URL of the permission matrix is tried, GET and POST as the
matrix does, on the matrix's world: none may answer 500."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import MATRIX, build_everything, world  # noqa: F401


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="root-password")


def test_no_url_fails_for_a_superuser_without_a_person(world, superuser):  # noqa: F811
    build_everything(world)
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    failures = []
    for name, entry in sorted(MATRIX.items()):
        url = reverse(name, kwargs=entry.kwargs(world))
        data = entry.data(world) if entry.data else {}
        methods = [entry.method] + (["post"] if entry.post is not None else [])
        for method in methods:
            response = getattr(client, method)(url, data)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert not failures, "\n".join(failures)




RECORDS_WHO_ACTS = [
    "drills:release_now", "drills:tick", "drills:rate", "drills:report_finalise",
    "drills:report_reopen", "drills:report_share", "drills:report_share_withdraw",
    "drills:improvements", "drills:improvement_status", "drills:improvement_edit",
    "drills:improvement_verify", "drills:template_copy",
]


def test_a_write_naming_who_did_it_is_refused_with_the_reason_and_nothing_saved(
        world, superuser):  # noqa: F811
    from django.apps import apps
    from django.contrib.messages import get_messages

    build_everything(world)
    client = Client()
    client.force_login(superuser)
    # Each URL's objects first (the world makes them as they are asked for), then the count.
    posts = [(name, reverse(name, kwargs=MATRIX[name].kwargs(world)),
              MATRIX[name].data(world) if MATRIX[name].data else {})
             for name in RECORDS_WHO_ACTS]
    drills_rows = {model: model.objects.count() for model in apps.get_app_config("drills")
                   .get_models()}
    for name, url, data in posts:
        response = client.post(url, data, HTTP_REFERER="http://testserver/drills/")
        said = [str(message) for message in get_messages(response.wsgi_request)]
        assert (response.status_code, response["Location"]) == (302, "http://testserver/drills/")
        assert any("職員名簿の人物に結び付いていない" in text for text in said), name
    assert {model: model.objects.count() for model in drills_rows} == drills_rows

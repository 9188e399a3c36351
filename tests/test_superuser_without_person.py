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



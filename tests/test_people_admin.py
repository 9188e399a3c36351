"""The admin's people lists span every organisation, so only prefecture-wide users get in."""

import pytest
from django.contrib.auth.models import Permission


def with_people_permissions(person):
    person.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="people"),
    )
    return person


@pytest.mark.parametrize("url", ["/admin/person/", "/admin/idgrant/", "/admin/department/"])
def test_the_prefecture_coordinator_lists_everyone(login, coordinator, outsider, url):
    response = login(with_people_permissions(coordinator)).get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/admin/person/", "/admin/idgrant/", "/admin/department/"])
def test_a_municipality_coordinator_is_kept_out_even_with_model_permissions(
    login, city_coordinator, operator, url
):
    response = login(with_people_permissions(city_coordinator)).get(url)
    assert response.status_code == 302  # Wagtail's "permission denied" redirect
    assert "伊藤" not in response.content.decode()


def test_a_municipality_coordinator_cannot_open_a_prefecture_person(
    login, city_coordinator, operator
):
    client = login(with_people_permissions(city_coordinator))
    response = client.get(f"/admin/person/edit/{operator.pk}/")
    assert response.status_code == 302

import datetime

from django.urls import reverse

from people.models import IdGrant


def url(person):
    return reverse("people:person", args=[person.pk])


def test_an_operator_sees_a_colleagues_grant_history(clock, login, operator, colleague):
    IdGrant.objects.create(
        person=colleague, granted_on=datetime.date(2020, 4, 1),
        revoked_on=datetime.date(2023, 3, 31), reason="new_assignment",
    )
    body = login(operator).get(url(colleague)).content.decode()
    assert "佐藤 次郎" in body
    assert "2020年4月1日" in body and "2023年3月31日" in body and "2023年4月1日" in body


def test_an_outsider_gets_404(clock, login, outsider, operator):
    assert login(outsider).get(url(operator)).status_code == 404


def test_an_operator_gets_404_for_another_department(clock, login, operator, other_supervisor):
    assert login(operator).get(url(other_supervisor)).status_code == 404


def test_a_supervisor_sees_their_staff(clock, login, supervisor, operator):
    assert login(supervisor).get(url(operator)).status_code == 200


def test_a_municipality_coordinator_gets_404_for_prefecture_staff(
    clock, login, city_coordinator, operator
):
    assert login(city_coordinator).get(url(operator)).status_code == 404


def test_it_never_shows_a_credential(clock, login, operator):
    body = login(operator).get(url(operator)).content.decode()
    assert "照合IDそのものは記録しません" in body

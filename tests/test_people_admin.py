"""The admin's people lists span every organisation, so only prefecture-wide users get in."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext


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


# Login accounts and roles


def test_a_coordinator_links_a_login_account_and_grants_a_role(login, coordinator, operator,
                                                              department_a):
    from django.contrib.auth import get_user_model

    from audit.models import AuditEvent
    from people.models import RoleAssignment

    client = login(with_people_permissions(coordinator))
    account = get_user_model().objects.create_user("yamada-new")
    response = client.post(f"/admin/person/edit/{operator.pk}/", {
        "organisation": operator.organisation_id, "department": operator.department_id,
        "employee_number": operator.employee_number, "name": operator.name,
        "kana": operator.kana, "email": "", "user": account.pk})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.user == account

    response = client.post("/admin/roleassignment/new/", {
        "person": operator.pk, "role": "supervisor", "department": department_a.pk,
        "organisation": ""})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(person=operator, role="supervisor",
                                         department=department_a).exists()
    role = RoleAssignment.objects.get(person=operator)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ADMIN_CHANGED, object_id=str(role.pk), subject=operator,
        content_type__model="roleassignment", actor=coordinator.user).exists()


@pytest.mark.parametrize("role, scope, message", [
    ("supervisor", "organisation", "所属長は一つの所属を監督します"),
    ("coordinator", "department", "取りまとめ担当と評価者は一つの団体に属します"),
    ("supervisor", "city_department", "本人の団体の所属を選んでください"),
    ("evaluator", "city", "本人の団体を選んでください"),
])
def test_a_role_with_the_wrong_scope_is_refused_in_words(
    login, coordinator, operator, prefecture, department_a, city, city_department, role, scope,
    message
):
    from people.models import RoleAssignment

    fields = {"organisation": prefecture.pk, "department": department_a.pk,
              "city_department": city_department.pk, "city": city.pk}
    data = {"person": operator.pk, "role": role, "department": "", "organisation": ""}
    data["department" if "department" in scope else "organisation"] = fields[scope]
    response = login(with_people_permissions(coordinator)).post("/admin/roleassignment/new/",
                                                                 data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RoleAssignment.objects.filter(person=operator).exists()


# The audit trail


def test_opening_a_person_in_the_admin_is_recorded_as_a_view(login, coordinator, operator):
    from audit.models import AuditEvent

    client = login(with_people_permissions(coordinator))
    assert client.get(f"/admin/person/edit/{operator.pk}/").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.RECORDS_VIEWED)
    assert (event.subject, event.actor) == (operator, coordinator.user)


@pytest.mark.parametrize("model", ["person", "idgrant", "roleassignment"])
def test_downloading_a_people_list_is_recorded(login, coordinator, supervisor, operator, model):
    from audit.models import AuditEvent

    client = login(with_people_permissions(coordinator))
    response = client.get(f"/admin/{model}/?export=csv")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RECORDS_EXPORTED,
                                     content_type__model=model, actor=coordinator.user).exists()


def test_the_people_forms_name_departments_and_people_with_their_organisation(
    login, coordinator, supervisor, city_department
):
    """Department names repeat from one organisation to the next (福祉課 in most): the
    choosers name each with its organisation, in the form and in their lists."""
    client = login(with_people_permissions(coordinator))
    role = supervisor.roles.get()
    form = client.get(f"/admin/roleassignment/edit/{role.pk}/").content.decode()
    assert "田中 一郎（熊本県 県北広域本部福祉課）" in form and "熊本県 県北広域本部福祉課" in form
    assert "熊本県 県北広域本部福祉課" in client.get(
        f"/admin/person/edit/{supervisor.pk}/").content.decode()
    assert "田中 一郎（熊本県 県北広域本部福祉課）" in chooser_html(
        client, "/admin/person_chooser/")
    assert "熊本市 区民課" in chooser_html(client, "/admin/department_chooser/")
    assert "熊本県 県北広域本部福祉課" in client.get("/admin/roleassignment/").content.decode()


def chooser_html(client, url, **params) -> str:
    """The modal's HTML: its first opening comes as JSON, its searches as the results."""
    response = client.get(url, params)
    assert response.status_code == 200
    if response["Content-Type"] == "application/json":
        return response.json()["html"]
    return response.content.decode()


def test_the_forms_list_no_one_and_their_queries_do_not_grow_with_the_staff(
    login, coordinator, operator, department_a
):
    """A chooser renders only the person chosen: the forms' cost is the same for 3 people
    or 50,000 (they were two seconds a page as a <select> of everyone)."""
    from people.models import Person

    client = login(with_people_permissions(coordinator))
    grant = operator.id_grants.get()

    def counted(url):
        client.get(url)  # Wagtail's and the session's first reads of the request
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode().count("<option")

    before = {url: counted(url) for url in (
        "/admin/idgrant/new/", f"/admin/idgrant/edit/{grant.pk}/", "/admin/roleassignment/new/")}
    Person.objects.bulk_create([
        Person(organisation=department_a.organisation, department=department_a,
               employee_number=f"X{number}", name=f"職員{number}") for number in range(200)])
    assert {url: counted(url) for url in before} == before


def test_the_person_chooser_finds_by_kana_and_employee_number(login, coordinator, supervisor,
                                                              operator):
    client = login(with_people_permissions(coordinator))
    found = chooser_html(client, "/admin/person_chooser/results/", q=supervisor.kana[:3])
    assert supervisor.name in found and operator.name not in found
    found = chooser_html(client, "/admin/person_chooser/results/", q=operator.employee_number)
    assert operator.name in found and supervisor.name not in found


def test_the_chosen_person_is_named_with_their_organisation(login, coordinator, supervisor):
    response = login(with_people_permissions(coordinator)).get(
        f"/admin/person_chooser/chosen/{supervisor.pk}/")
    assert response.json()["result"]["title"] == "田中 一郎（熊本県 県北広域本部福祉課）"


@pytest.mark.parametrize("url", ["/admin/person_chooser/chosen/abc/",
                                 "/admin/person_chooser/chosen/99999999999999999999999/",
                                 "/admin/person_chooser/chosen/0/"])
def test_a_chosen_id_that_is_no_person_is_not_found(login, coordinator, url):
    assert login(with_people_permissions(coordinator)).get(url).status_code == 404


@pytest.mark.parametrize("url", ["/admin/person_chooser/", "/admin/person_chooser/results/",
                                 "/admin/department_chooser/"])
def test_a_municipality_coordinator_cannot_list_the_prefectures_staff(
    login, city_coordinator, operator, url
):
    response = login(with_people_permissions(city_coordinator)).get(url)
    assert response.status_code == 404
    assert "山田" not in response.content.decode()


def test_a_chosen_person_who_does_not_exist_is_refused_in_words(login, coordinator):
    from people.models import IdGrant

    response = login(with_people_permissions(coordinator)).post("/admin/idgrant/new/", {
        "person": "987654", "granted_on": "2026-04-01", "revoked_on": "", "reason": ""})
    assert response.status_code == 200
    assert "正しく選択してください" in response.content.decode()
    assert not IdGrant.objects.filter(person_id=987654).exists()


def test_accounts_are_named_family_name_first(db, django_user_model):
    """The admin shows accounts by get_full_name: 緒方 美咲, not 美咲 緒方 (issue 18)."""
    user = django_user_model(username="ogata", first_name="美咲", last_name="緒方")
    assert user.get_full_name() == "緒方 美咲"
    assert django_user_model(username="x", last_name="同僚").get_full_name() == "同僚"


# 職名


def test_a_coordinator_sets_a_job_title_and_the_list_shows_and_finds_it(login, coordinator,
                                                                       operator, supervisor):
    client = login(with_people_permissions(coordinator))
    assert 'name="job_title"' in client.get(f"/admin/person/edit/{operator.pk}/").content.decode()

    response = client.post(f"/admin/person/edit/{operator.pk}/", {
        "organisation": operator.organisation_id, "department": operator.department_id,
        "employee_number": operator.employee_number, "name": operator.name,
        "kana": operator.kana, "job_title": "主任", "email": "", "user": operator.user_id})

    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.job_title == "主任"
    listing = client.get("/admin/person/").content.decode()
    assert "職名" in listing and "主任" in listing
    found = client.get("/admin/person/", {"q": "主任"}).content.decode()
    assert operator.name in found and supervisor.name not in found


def test_the_people_download_has_the_rosters_headings_and_imports_again(login, coordinator,
                                                                         operator):
    """The download is a staff roster file: edited and uploaded, it changes only what was
    edited."""
    import csv
    import io

    from people.roster import roster_import

    operator.job_title = "主事"
    operator.save(update_fields=["job_title"])
    client = login(with_people_permissions(coordinator))

    response = client.get("/admin/person/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(
        b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0] == ["団体コード", "職員番号", "氏名", "フリガナ", "メールアドレス",
                       "所属コード", "職名"]
    row = next(row for row in rows if row[1] == operator.employee_number)
    assert row[-1] == "主事"
    row[-1] = "主任"
    edited = "".join(",".join(cells) + "\r\n" for cells in [rows[0], row]).encode("utf-8")
    result = roster_import(kind="people", content=edited, file_name="people.csv",
                           encoding="auto", by=coordinator.user, dry_run=False)
    assert result.written and [r.changed_columns for r in result.rows] == [("職名",)]
    operator.refresh_from_db()
    assert operator.job_title == "主任"


def test_the_people_list_filters_by_a_department_named_with_its_organisation(
    login, coordinator, operator, supervisor, other_supervisor, department_a
):
    from people.models import Department

    client = login(with_people_permissions(coordinator))

    def listed(**params):
        client.get("/admin/person/", params)
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/admin/person/", params).content.decode()
        return page, len(queries)

    page, queries = listed(department=department_a.pk)
    assert f'<option value="{department_a.pk}" selected>熊本県 県北広域本部福祉課</option>' in page
    assert operator.name in page and other_supervisor.name not in page
    # The departments are one query, however many there are (2,000 in a prefecture).
    Department.objects.bulk_create([Department(organisation=department_a.organisation,
                                               code=f"B{number}", name=f"課{number}")
                                    for number in range(30)])
    assert listed(department=department_a.pk)[1] == queries


def test_a_department_filter_that_is_no_department_is_ignored(login, coordinator, operator):
    response = login(with_people_permissions(coordinator)).get("/admin/person/",
                                                               {"department": "abc"})
    assert response.status_code == 200
    assert operator.name in response.content.decode()  # the filter is ignored, not a 500

"""The Wagtail admin follows people.access: a municipality's coordinator sees nothing of
another organisation in any report, listing, chooser or panel, and reading personal
records there is audited (issue 14, point 3)."""

import csv
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.log_actions import log

from audit.models import AuditEvent
from cms.editors import editor_group_for
from cms.site import documents_setup, organisation_collection_setup
from people.groups import coordinators_group
from people.models import IdGrant

# What the prefecture holds that the city's coordinator must never read in the admin.
PREFECTURE_MARKERS = ["山田 花子", "熊本県 緊急時対応計画書", "県職員名簿", "県庁舎写真",
                      "prefecture-editor"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin_world(home_page, plan, prefecture, city, operator, outsider, city_coordinator,
                coordinator, django_user_model):
    """Both organisations set up as site_setup sets them up, each with history, pages,
    a document and an image; the coordinators in their groups."""
    from cms.models import EmergencyPlanPage

    city_plan = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city))
    city_plan.save_revision().publish()
    documents_setup()
    collections = {org: organisation_collection_setup(org) for org in (prefecture, city)}
    group = coordinators_group()
    for person in (city_coordinator, coordinator):
        person.user.groups.add(group)
    city_coordinator.user.groups.add(editor_group_for(city))
    coordinator.user.groups.add(editor_group_for(prefecture))
    prefecture_editor = django_user_model.objects.create_user("prefecture-editor", password="x")
    prefecture_editor.groups.add(editor_group_for(prefecture))
    for person in (operator, outsider):
        log(instance=person, action="wagtail.edit", user=prefecture_editor
            if person == operator else city_coordinator.user)
        log(instance=IdGrant.objects.get(person=person), action="wagtail.edit",
            user=prefecture_editor if person == operator else city_coordinator.user)
    log(instance=plan, action="wagtail.edit", user=prefecture_editor)
    for org, title in ((prefecture, "県職員名簿"), (city, "市職員名簿")):
        Document.objects.create(title=title, collection=collections[org],
                                file=ContentFile(b"%PDF-1.4 roster", name="roster.pdf"))
    for org, title in ((prefecture, "県庁舎写真"), (city, "市役所写真")):
        Image.objects.create(title=title, collection=collections[org],
                             file=get_test_image_file())
    return city_plan


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig", "replace")
    if "json" in response.get("Content-Type", ""):
        text = json.dumps(json.loads(text), ensure_ascii=False)  # titles unescaped
    return text


def leaks(response) -> list[str]:
    return [marker for marker in PREFECTURE_MARKERS if marker in text_of(response)]


# Site history


def test_site_history_shows_a_city_coordinator_only_its_organisations_entries(
    login, admin_world, city_coordinator
):
    client = login(city_coordinator)

    for url in (reverse("wagtailadmin_reports:site_history"),
                reverse("wagtailadmin_reports:site_history_results")):
        response = client.get(url)
        assert response.status_code == 200
        assert "伊藤 健" in text_of(response)  # the city's own staff member
        assert leaks(response) == []  # the prefecture's, and its editor in the user filter


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_the_site_history_download_holds_only_the_city_coordinators_entries(
    login, admin_world, city_coordinator, export
):
    response = login(city_coordinator).get(reverse("wagtailadmin_reports:site_history"),
                                           {"export": export})

    assert response.status_code == 200
    if export == "csv":
        rows = list(csv.reader(io.StringIO(text_of(response))))
        labels = {row[1] for row in rows[1:]}
        assert "伊藤 健" in labels and "山田 花子" not in labels


def test_site_history_shows_a_prefecture_coordinator_every_organisation(
    login, admin_world, coordinator
):
    text = text_of(login(coordinator).get(reverse("wagtailadmin_reports:site_history")))

    assert "伊藤 健" in text and "山田 花子" in text


def test_reading_and_downloading_site_history_about_people_is_audited(
    login, admin_world, city_coordinator
):
    client = login(city_coordinator)

    client.get(reverse("wagtailadmin_reports:site_history"))
    b"".join(client.get(reverse("wagtailadmin_reports:site_history"),
                        {"export": "csv"}).streaming_content)

    events = AuditEvent.objects.filter(
        actor=city_coordinator.user,
        action__in=[AuditEvent.Action.RECORDS_VIEWED, AuditEvent.Action.RECORDS_EXPORTED],
    ).order_by("pk")
    assert [(e.action, e.detail) for e in events] == [
        (AuditEvent.Action.RECORDS_VIEWED, "サイトの履歴"),
        (AuditEvent.Action.RECORDS_EXPORTED, "サイトの履歴（csv）"),
    ]
    assert {e.organisation_id for e in events} == {city_coordinator.organisation_id}


# Choosers and the admin's JSON listings behind them


def test_the_page_chooser_lists_only_pages_in_the_users_scope(
    login, admin_world, city_coordinator, home_page
):
    client = login(city_coordinator)

    browse = client.get(reverse("wagtailadmin_choose_page_child", args=[home_page.pk]))
    search = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "計画"})

    for response in (browse, search):
        assert response.status_code == 200
        assert "熊本市 緊急時対応計画書" in text_of(response)
        assert leaks(response) == []


def test_the_page_chooser_lists_every_page_prefecture_wide(
    login, admin_world, coordinator, home_page
):
    text = text_of(login(coordinator).get(
        reverse("wagtailadmin_choose_page_child", args=[home_page.pk])))

    assert "熊本市 緊急時対応計画書" in text and "熊本県 緊急時対応計画書" in text


@pytest.mark.parametrize("endpoint", ["documents", "images"])
def test_the_admin_api_lists_only_the_documents_and_images_the_user_may_choose(
    login, admin_world, city_coordinator, coordinator, endpoint
):
    url = f"/admin/api/main/{endpoint}/"
    own = {"documents": "市職員名簿", "images": "市役所写真"}[endpoint]

    city = text_of(login(city_coordinator).get(url))
    prefecture = text_of(login(coordinator).get(url))

    assert own in city and leaks_in(city) == []
    assert own in prefecture and leaks_in(prefecture) != []


def leaks_in(text):
    return [marker for marker in PREFECTURE_MARKERS if marker in text]


# Every admin URL


def admin_urls() -> list[str]:
    """Every admin URL that takes no argument, as the URL resolver lists them."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(?P" not in route:
                found.append("/" + route.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "")
    return sorted(
        url for url in set(found)
        if url.startswith("/admin/") and "*" not in url
        and not url.endswith(("/logout/", "/failwhale/"))  # signs out; raises on purpose
    )


def test_no_admin_url_shows_a_city_coordinator_another_organisations_records(
    admin_world, city_coordinator
):
    client = Client(raise_request_exception=False)
    leaking, failing = {}, []
    for url in admin_urls():
        client.force_login(city_coordinator.user)  # some URLs (the login page) sign out
        response = client.get(url)
        if response.status_code >= 500:
            failing.append(url)
        elif found := leaks(response):
            leaking[url] = found

    assert leaking == {} and failing == []


def test_every_admin_url_answers_a_prefecture_coordinator(admin_world, coordinator):
    client = Client(raise_request_exception=False)
    failing = []
    for url in admin_urls():
        client.force_login(coordinator.user)
        if client.get(url).status_code >= 500:
            failing.append(url)

    assert failing == []


# Admin forms that name an organisation offer only those the user coordinates (point 5)


def page_form(page_class, *, user, instance):
    form_class = page_class.get_edit_handler().get_form_class()
    return form_class(instance=instance, for_user=user)


def test_a_city_editor_cannot_move_the_citys_plan_to_another_organisation(
    admin_world, city_coordinator, city, prefecture
):
    from cms.models import EmergencyPlanPage

    city_plan = EmergencyPlanPage.objects.get(organisation=city)
    city_coordinator.user.refresh_from_db()
    form_class = EmergencyPlanPage.get_edit_handler().get_form_class()
    form = form_class({"organisation": prefecture.pk}, instance=city_plan,
                      for_user=city_coordinator.user)
    field = form.fields["organisation"]

    assert field.disabled
    assert field._clean_bound_field(form["organisation"]) == city  # what was posted is ignored


@pytest.mark.parametrize("page_type", ["EmergencyPlanPage", "TrainingIndexPage"])
def test_a_new_organisation_page_is_for_an_organisation_the_user_coordinates(
    admin_world, city_coordinator, coordinator, city, prefecture, page_type
):
    """A coordinator of the city who also supervises a prefecture department is offered
    the city only."""
    import cms.models
    from people.models import Department, RoleAssignment

    RoleAssignment.objects.create(person=city_coordinator, role="supervisor",
                                  department=Department.objects.filter(
                                      organisation=prefecture).first())
    page_class = getattr(cms.models, page_type)

    offered = page_form(page_class, user=city_coordinator.user, instance=page_class())
    everything = page_form(page_class, user=coordinator.user, instance=page_class())

    assert list(offered.fields["organisation"].queryset) == [city]
    assert set(everything.fields["organisation"].queryset) == {city, prefecture}


# The admin's lists of personal records


@pytest.mark.parametrize("viewset", ["attendance", "attempt"])
def test_each_page_of_an_admin_list_of_personal_records_is_one_audit_event(
    login, admin_world, city_coordinator, viewset
):
    client = login(city_coordinator)

    client.get(reverse(f"{viewset}:index"))
    client.get(reverse(f"{viewset}:index_results"), {"q": "伊藤"})
    b"".join(client.get(reverse(f"{viewset}:index"), {"export": "csv"}).streaming_content)

    events = AuditEvent.objects.filter(
        actor=city_coordinator.user,
        action__in=[AuditEvent.Action.LIST_VIEWED, AuditEvent.Action.RECORDS_EXPORTED],
    ).order_by("pk")
    assert [(e.action, e.detail) for e in events] == [
        (AuditEvent.Action.LIST_VIEWED, reverse(f"{viewset}:index")),
        (AuditEvent.Action.LIST_VIEWED, reverse(f"{viewset}:index_results")),
        (AuditEvent.Action.RECORDS_EXPORTED, f"{ {'attendance': '出欠', 'attempt': '受験'}[viewset]}（csv）"),
    ]


@pytest.mark.parametrize("target", ["page", "document", "image", "user"])
def test_a_bulk_action_does_not_name_what_the_user_may_not_act_on(
    login, admin_world, city_coordinator, plan, django_user_model, target
):
    url, hidden = {
        "page": (f"/admin/bulk/wagtailcore/page/delete/?id={plan.pk}", "熊本県 緊急時対応計画書"),
        "document": (f"/admin/bulk/wagtaildocs/document/delete/?id="
                     f"{Document.objects.get(title='県職員名簿').pk}", "県職員名簿"),
        "image": (f"/admin/bulk/wagtailimages/image/delete/?id="
                  f"{Image.objects.get(title='県庁舎写真').pk}", "県庁舎写真"),
        "user": (f"/admin/bulk/auth/user/delete/?id="
                 f"{django_user_model.objects.get(username='prefecture-editor').pk}",
                 "prefecture-editor"),
    }[target]

    response = Client(raise_request_exception=False)
    response.force_login(city_coordinator.user)
    answer = response.get(url)

    assert answer.status_code < 500
    assert hidden not in text_of(answer)


# Each object's own admin pages: another organisation's object is a 404


@pytest.mark.parametrize("url_name", ["history", "usage"])
def test_another_organisations_attendance_has_no_admin_page_for_a_city_coordinator(
    login, admin_world, closed_session, city_coordinator, coordinator, url_name
):
    from training.models import Attendance

    attendance = Attendance.objects.get(session=closed_session)
    url = reverse(f"attendance:{url_name}", args=[attendance.pk])

    # Attendance is read-only in the admin: no coordinator has these pages (Wagtail's
    # refusal of a missing model permission is a redirect to the dashboard).
    for reader in (city_coordinator, coordinator):
        refused = login(reader).get(url)
        assert refused.status_code in (302, 404) and leaks(refused) == []


@pytest.mark.parametrize("viewset", ["trainingsession", "scenario"])
@pytest.mark.parametrize("url_name", ["edit", "delete", "history", "usage"])
def test_another_organisations_session_or_scenario_has_no_admin_page_for_a_city_coordinator(
    login, admin_world, closed_session, scenario, city_coordinator, viewset, url_name
):
    target = closed_session if viewset == "trainingsession" else scenario

    response = login(city_coordinator).get(reverse(f"{viewset}:{url_name}", args=[target.pk]))

    assert response.status_code == 404


def test_admin_users_outside_every_editors_group_list_no_document_or_image(
    login, admin_world, evaluator
):
    from django.contrib.auth.models import Permission

    evaluator.user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = login(evaluator)

    for endpoint in ("documents", "images"):
        response = client.get(f"/admin/api/main/{endpoint}/")
        assert response.status_code == 200 and response.json()["items"] == []

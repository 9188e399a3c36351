"""Documents and images are for signed-in staff, and an organisation's documents for the
people whose scope includes it (issue 14, point 4). Set up by site_setup, as pages are."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, CollectionViewRestriction, GroupCollectionPermission

from cms.models import OrganisationCollection
from people.models import RoleAssignment


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def set_up():
    call_command("site_setup", "--hostname", "kunren.example.lg.jp", stdout=None)


def document_in(collection, title="職員名簿"):
    return Document.objects.create(
        title=title, collection=collection,
        file=ContentFile(b"%PDF-1.4 roster", name="roster.pdf"),
    )


def collection_of(organisation):
    return OrganisationCollection.objects.get(organisation=organisation).collection


def test_site_setup_closes_every_collection_and_gives_each_organisation_its_own(
    db, prefecture, city
):
    set_up()

    root = Collection.get_first_root_node()
    assert CollectionViewRestriction.objects.filter(
        collection=root, restriction_type=CollectionViewRestriction.LOGIN).exists()
    assert [c.name for c in root.get_children().order_by("name")] == ["熊本市", "熊本県"]
    city_editors = Group.objects.get(name="熊本市 編集者")
    assert set(GroupCollectionPermission.objects.filter(group=city_editors).values_list(
        "collection_id", "permission__codename")) == {
        (collection_of(city).pk, codename) for codename in (
            "add_document", "change_document", "choose_document",
            "add_image", "change_image", "choose_image")
    }
    prefecture_editors = Group.objects.get(name="熊本県 編集者")
    assert set(GroupCollectionPermission.objects.filter(group=prefecture_editors)
               .values_list("collection_id", flat=True)) == {root.pk}


def test_running_site_setup_again_changes_nothing(db, prefecture, city):
    set_up()
    before = (Collection.objects.count(), CollectionViewRestriction.objects.count(),
              GroupCollectionPermission.objects.count())
    set_up()
    assert (Collection.objects.count(), CollectionViewRestriction.objects.count(),
            GroupCollectionPermission.objects.count()) == before


def test_a_document_is_not_served_to_a_visitor_who_has_not_signed_in(client, db, prefecture,
                                                                     city):
    set_up()
    for collection in (Collection.get_first_root_node(), collection_of(prefecture)):
        document = document_in(collection)

        response = client.get(document.url)

        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("reader, served", [
    ("operator", True),  # staff of the organisation
    ("coordinator", True),  # prefecture-wide
    ("outsider", False),  # staff of another organisation
    ("city_coordinator", False),
])
def test_an_organisations_document_is_served_only_within_its_scope(
    request, login, prefecture, city, reader, served
):
    set_up()
    document = document_in(collection_of(prefecture))

    response = login(request.getfixturevalue(reader)).get(document.url)

    assert response.status_code == (200 if served else 404)
    if served:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 roster"


def test_supervising_a_department_opens_its_organisations_documents(
    login, prefecture, city, city_coordinator, department_a
):
    set_up()
    RoleAssignment.objects.create(person=city_coordinator, role="supervisor",
                                  department=department_a)

    assert login(city_coordinator).get(document_in(collection_of(prefecture)).url
                                       ).status_code == 200


def test_a_document_in_no_organisations_collection_is_for_every_signed_in_user(
    login, prefecture, city, outsider
):
    set_up()
    document = document_in(Collection.get_first_root_node(), title="共通様式")

    assert login(outsider).get(document.url).status_code == 200


def test_document_files_are_never_served_from_the_media_url(login, prefecture, operator):
    set_up()
    document = document_in(collection_of(prefecture))

    response = login(operator).get(document.file.url)

    assert response.status_code == 404


def test_image_files_are_for_signed_in_staff(client, login, prefecture, operator):
    set_up()
    image = Image.objects.create(title="庁舎", collection=collection_of(prefecture),
                                 file=get_test_image_file())
    rendition = image.get_rendition("width-100")

    for url in (image.file.url, rendition.url):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    signed_in = login(operator)
    for url in (image.file.url, rendition.url):
        assert signed_in.get(url).status_code == 200

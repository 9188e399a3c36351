"""Who may edit which material in the Wagtail admin: one editors' group per organisation.

A municipality's editors may add, edit and publish only under their own training index
and their own plan, and upload and choose documents and images only in their own
collection; the prefecture's editors may edit the whole tree and every collection. These
are Wagtail's own page and collection permissions, set up in code so that no one has to
click them together by hand.
"""

from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from cms.models import EmergencyPlanPage, HomePage, OrganisationCollection, TrainingIndexPage
from cms.site import root_collection
from people.models import Organisation

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
COLLECTION_PERMISSIONS = [
    ("wagtaildocs", f"{action}_document") for action in ("add", "change", "choose")
] + [("wagtailimages", f"{action}_image") for action in ("add", "change", "choose")]


def editor_group_for(organisation: Organisation) -> Group:
    group, _created = Group.objects.get_or_create(name=f"{organisation.name} 編集者")
    group.permissions.add(Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ))
    for page in _editable_roots(organisation):
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group, page=page,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    for collection in _editable_collections(organisation):
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )
    return group


def _editable_collections(organisation: Organisation) -> list[Collection]:
    if organisation.is_prefecture:
        return [root_collection()]
    return [
        found.collection
        for found in OrganisationCollection.objects.filter(organisation=organisation)
        .select_related("collection")
    ]


def _editable_roots(organisation: Organisation) -> list[Page]:
    if organisation.is_prefecture:
        return list(HomePage.objects.all())
    return [
        *TrainingIndexPage.objects.filter(organisation=organisation),
        *EmergencyPlanPage.objects.filter(organisation=organisation),
    ]

"""The page tree a new installation starts from: our home page in place of Wagtail's
welcome page, open to signed-in staff only, and under it each organisation's training
index and emergency response plan, which that organisation's editors may edit.

Documents and images mirror it: every collection is for signed-in staff only (a login
restriction on the root collection, which its children inherit), and each organisation
has its own collection, whose documents only people whose scope includes the
organisation may download (cms.wagtail_hooks) and where its editors upload.

`manage.py site_setup` runs all of it in production; `seed_demo` runs home_page_setup
and then builds the demo's own pages. Each step finds what an earlier run made, so
running it again changes nothing.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    Locale,
    Page,
    PageViewRestriction,
    Site,
    Task,
    Workflow,
)

from cms.models import EmergencyPlanPage, HomePage, OrganisationCollection, TrainingIndexPage
from people.models import Organisation

SITE_NAME = "住基ネット 研修・訓練"


def home_page_setup(*, hostname: str, port: int) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        home = root_page().add_child(instance=HomePage(title=SITE_NAME, slug="kunren"))
        home.save_revision().publish()
        Page.objects.filter(depth=2).exclude(pk=home.pk).delete()  # Wagtail's welcome page
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": hostname, "port": port, "root_page": home, "site_name": SITE_NAME},
    )
    # Plans name people and telephone numbers: staff only.
    PageViewRestriction.objects.get_or_create(
        page=home, restriction_type=PageViewRestriction.LOGIN
    )
    documents_setup()
    workflow_names_setup()
    return home


# Wagtail's migration names its default moderation workflow and task in English, as data:
# no catalogue translates them, so editors read "Moderators approval" beside Japanese.
WORKFLOW_NAMES = {"Moderators approval": "所属長等の承認"}
# Its root collection, likewise, is "Root", offered in the documents' and images' filters.
ROOT_COLLECTION_NAME = "全体"


def workflow_names_setup() -> None:
    for english, japanese in WORKFLOW_NAMES.items():
        Workflow.objects.filter(name=english).update(name=japanese)
        Task.objects.filter(name=english).update(name=japanese)


def root_page() -> Page:
    """Wagtail's root page. As with the root collection below, only a database emptied
    since its migration (the browser tests' flush) has none, nor the default locale."""
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node()
    return root if root is not None else Page.add_root(instance=Page(title="Root", slug="root"))


def root_collection() -> Collection:
    """Wagtail's root collection, named in Japanese. Its migration makes it, so only a
    database emptied since (the browser tests' flush) has none."""
    root = Collection.get_first_root_node()
    if root is None:
        return Collection.add_root(name=ROOT_COLLECTION_NAME)
    if root.name == "Root":
        Collection.objects.filter(pk=root.pk).update(name=ROOT_COLLECTION_NAME)
        root.name = ROOT_COLLECTION_NAME
    return root


def documents_setup() -> Collection:
    """Every document, in any collection, for signed-in staff only: Wagtail checks the
    restrictions of a document's collection and of all its ancestors."""
    root = root_collection()
    CollectionViewRestriction.objects.get_or_create(
        collection=root, restriction_type=CollectionViewRestriction.LOGIN
    )
    return root


def organisation_collection_setup(organisation: Organisation) -> Collection:
    """The organisation's own collection of documents and images, under the root."""
    found = OrganisationCollection.objects.select_related("collection").filter(
        organisation=organisation
    ).first()
    if found is not None:
        return found.collection
    collection = documents_setup().add_child(instance=Collection(name=organisation.name))
    OrganisationCollection.objects.create(organisation=organisation, collection=collection)
    return collection


def organisation_pages_setup(organisation: Organisation, home: HomePage) -> None:
    """The organisation's training index (published, empty), plan (a draft, until its
    editors write and publish it) and collection of documents and images."""
    organisation_collection_setup(organisation)
    with translation.override("ja"):
        if not TrainingIndexPage.objects.filter(organisation=organisation).exists():
            index = home.add_child(instance=TrainingIndexPage(
                title=_("%(organisation)s training material") % {"organisation": organisation},
                slug=f"training-{organisation.lg_code}", organisation=organisation,
            ))
            index.save_revision().publish()
        if not EmergencyPlanPage.objects.filter(organisation=organisation).exists():
            home.add_child(instance=EmergencyPlanPage(
                title=_("%(organisation)s emergency response plan")
                % {"organisation": organisation},
                slug=f"plan-{organisation.lg_code}", organisation=organisation, live=False,
            )).save_revision()

"""Wagtail's admin and document serving, held to cms.access (issue 14).

- The page chooser lists only the pages cms.access.admin_pages_for allows: Wagtail's
  own chooser lists every page to anyone with admin access.
- The admin's JSON listings of documents and images (behind the choosers) list only those
  in collections the user may choose from: Wagtail's list every one.
- The page listings' "owner" and "edited by" filters offer only the accounts that own or
  edited pages in the user's scope: Wagtail offers every page owner and editor.
- A document in an organisation's own collection is served only to people whose scope
  includes that organisation; every document needs sign-in already (cms.site).
- The admin's menu leads back to the site (its home), so the admin is never a dead end.
"""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.models import PageLogEntry
from wagtail.permissions import policy_registry

from cms.access import admin_pages_for, may_read_documents_of
from cms.models import OrganisationCollection


@hooks.register("construct_page_chooser_queryset")
def pages_in_scope(pages, request):
    return pages.filter(pk__in=admin_pages_for(request.user).values("pk"))


def owners_in_scope(request):
    pages = admin_pages_for(request.user)
    return get_user_model().objects.filter(pk__in=pages.values("owner_id"))


def editors_in_scope(request):
    pages = admin_pages_for(request.user)
    edits = PageLogEntry.objects.filter(action="wagtail.edit", page__in=pages.values("pk"))
    return get_user_model().objects.filter(pk__in=edits.values("user_id"))


# Every page listing's filter set (explorer, search, forms, reports) shares these two
# filters with PageFilterSet, which has no hook: their choices are set here, once.
PageFilterSet.declared_filters["owner"].queryset = owners_in_scope
PageFilterSet.declared_filters["edited_by"].queryset = editors_in_scope


class ChoosableDocumentsAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        policy = policy_registry.get_by_type(get_document_model())
        choosable = policy.instances_user_has_any_permission_for(
            self.request.user, ["choose"]
        )
        return super().get_queryset().filter(pk__in=choosable.values("pk"))


class ChoosableImagesAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self):
        policy = policy_registry.get_by_type(get_image_model())
        choosable = policy.instances_user_has_any_permission_for(
            self.request.user, ["choose"]
        )
        return super().get_queryset().filter(pk__in=choosable.values("pk"))


# After Wagtail's own registrations (order 0), which these replace.
@hooks.register("construct_admin_api", order=100)
def register_choosable_endpoints(router):
    router.register_endpoint("documents", ChoosableDocumentsAPIViewSet)
    router.register_endpoint("images", ChoosableImagesAPIViewSet)


# After Wagtail's own check (order 0), which sends a visitor who is not signed in to log in.
@hooks.register("before_serve_document", order=10)
def refuse_other_organisations_documents(document, request):
    owner = (
        OrganisationCollection.objects.filter(
            collection__in=document.collection.get_ancestors(inclusive=True)
        ).values_list("organisation_id", flat=True).first()
    )
    if owner is not None and not may_read_documents_of(request.user, owner):
        raise Http404


# First in the menu: Wagtail's own items start at order 100. The sidebar marks an item
# active when the admin's path starts with the item's URL, which "/" always does; the
# query string (ignored by the home page) keeps the item from looking selected.
@hooks.register("register_admin_menu_item")
def register_back_to_site_menu_item():
    return MenuItem(_("Back to the site"), f"{reverse('home')}?from=admin", icon_name="home",
                    name="back-to-site", order=1)


@hooks.register("insert_editor_js")
def name_unnamed_editor_fields():
    """Wagtail leaves list-block items and the rich-text editor without an accessible name;
    static/js/admin_field_names.js names each after its block (JIS X 8341-3)."""
    return format_html('<script src="{}"></script>', static("js/admin_field_names.js"))

"""Who may find which pages in the Wagtail admin, print which plan, and download an
organisation's documents: cms's rules, built on people.access.Scope, kept beside the page
models so that people need not know them.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.models import EmergencyPlanPage, RequiredReading, TrainingIndexPage, TrainingModulePage
from people.access import scope_for


def admin_pages_for(user) -> QuerySet[Page]:
    """Pages the user may find in the admin's page chooser: the home page, the subtrees
    of the organisations they coordinate, the modules shared with every organisation
    (and their index), and whatever Wagtail's page permissions let them edit; every page
    prefecture-wide. Another organisation's plan names its staff: it is not listed."""
    scope = scope_for(user)
    if scope.sees_everything:
        return Page.objects.all()
    coordinated = scope.coordinated_organisation_ids
    visible = Q(depth__lte=2)  # Wagtail's root and our home page
    for root in (*TrainingIndexPage.objects.filter(organisation__in=coordinated),
                 *EmergencyPlanPage.objects.filter(organisation__in=coordinated)):
        visible |= Q(path__startswith=root.path)
    shared = TrainingModulePage.objects.filter(reach=RequiredReading.Reach.ALL_ORGANISATIONS)
    shared_paths = list(shared.values_list("path", flat=True))
    visible |= Q(path__in=shared_paths) | Q(path__in={p[:-Page.steplen] for p in shared_paths})
    visible |= Q(pk__in=PagePermissionPolicy().explorable_instances(user).values("pk"))
    return Page.objects.filter(visible)


def may_read_documents_of(user, organisation_id: int) -> bool:
    """Whether the user may download the documents an organisation keeps in its own
    collection: its staff, its supervisors and coordinators, and prefecture-wide users."""
    scope = scope_for(user)
    if scope.sees_everything:
        return True
    if scope.person is not None and scope.person.organisation_id == organisation_id:
        return True
    return scope.organisations().filter(pk=organisation_id).exists()


def get_printable_plan_for(user, pk) -> EmergencyPlanPage:
    """A live plan to print: any signed-in member of staff may print any organisation's
    (the view asks for a login); a draft or an unknown page is 404."""
    plan = EmergencyPlanPage.objects.live().filter(pk=pk).select_related("organisation").first()
    if plan is None:
        raise Http404
    return plan

"""Who may read the audit trail and review it: the coordinators of an organisation read
its events and record their reviews' findings; prefecture-wide coordinators, everyone's.
Anyone else gets 404, and so does not learn that the trail exists.

Built on people.access.Scope, beside audit's models, so that people need not know them.
"""

from django.db.models import QuerySet
from django.http import Http404

from audit.models import AuditEvent, AuditReview
from people.access import scope_for
from people.models import Organisation


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """Events of the organisations the user coordinates (every event, prefecture-wide);
    404 for everyone else, who may not know the trail exists."""
    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    if scope.sees_everything:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation__in=scope.coordinated_organisation_ids)


def audit_organisations_for(user) -> QuerySet[Organisation]:
    """Organisations whose trail the user reviews and whose findings they record."""
    if not scope_for(user).is_coordinator:
        raise Http404
    return scope_for(user).coordinated_organisations()


def get_audit_review_for(user, pk) -> AuditReview:
    review = (
        AuditReview.objects.filter(organisation__in=audit_organisations_for(user))
        .select_related("organisation").filter(pk=pk).first()
    )
    if review is None:
        raise Http404
    return review


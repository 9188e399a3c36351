"""Who may see the terminals' access logs, built on people.access.Scope like every app's
access module; the views ask here first, and anyone else gets 404.

The logs name operators and stand for residents: only coordinators see them, each
their own organisations' (a prefecture's coordinators every organisation's). They import
the logs, keep the watch-list, read the flagged look-ups, draw and send the quarterly
review and follow its findings to closure.

Supervisors see the sampled look-ups of the departments they supervise once the review
is sent (a retrospective check's at once), and answer them; coordinators see and may
answer those of their organisations. Whether someone may answer a look-up they can see
(never their own) is terminal_logs.review's to say, with a message.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from people.access import Scope, scope_for
from people.models import Organisation
from terminal_logs.models import (
    Finding,
    ReviewCampaign,
    ReviewItem,
    TerminalLookup,
    WatchedResident,
)


def require_terminal_log_coordinator(user) -> Scope:
    scope = scope_for(user)
    if not scope.is_coordinator:
        raise Http404
    return scope


def terminal_log_organisations(scope: Scope) -> QuerySet[Organisation]:
    return scope.coordinated_organisations().order_by("lg_code")


def get_terminal_log_organisation_for(user, pk) -> Organisation:
    """An organisation whose logs the user may import and read; else 404."""
    organisation = terminal_log_organisations(
        require_terminal_log_coordinator(user)).filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def lookups_for(scope: Scope) -> QuerySet[TerminalLookup]:
    if scope.sees_everything:
        return TerminalLookup.objects.all()
    return TerminalLookup.objects.filter(organisation__in=scope.coordinated_organisation_ids)


def watched_residents_for(scope: Scope) -> QuerySet[WatchedResident]:
    if scope.sees_everything:
        return WatchedResident.objects.all()
    return WatchedResident.objects.filter(organisation__in=scope.coordinated_organisation_ids)


# The quarterly review


def campaigns_for(scope: Scope) -> QuerySet[ReviewCampaign]:
    if scope.sees_everything:
        return ReviewCampaign.objects.all()
    return ReviewCampaign.objects.filter(organisation__in=scope.coordinated_organisation_ids)


def get_campaign_for(user, pk) -> ReviewCampaign:
    campaign = campaigns_for(require_terminal_log_coordinator(user)).select_related(
        "organisation", "drawn_by", "sent_by").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def may_answer_reviews(scope: Scope) -> bool:
    return scope.is_coordinator or scope.is_supervisor


def review_items_for(scope: Scope) -> QuerySet[ReviewItem]:
    """The sampled look-ups to answer: those of the departments the user supervises, or
    of the organisations they coordinate, once sent to the supervisors (a campaign not
    yet sent is the coordinator's draft) or drawn by a retrospective check."""
    sent = ReviewItem.objects.filter(Q(campaign__sent_at__isnull=False)
                                     | Q(finding__isnull=False))
    if scope.sees_everything:
        return sent
    return sent.filter(Q(department__in=scope.supervised_department_ids)
                       | Q(department__organisation__in=scope.coordinated_organisation_ids))


def get_review_item_for(user, pk) -> ReviewItem:
    scope = scope_for(user)
    if not may_answer_reviews(scope):
        raise Http404
    item = review_items_for(scope).select_related(
        "lookup__person", "department__organisation", "campaign", "finding", "answered_by",
    ).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def findings_for(scope: Scope) -> QuerySet[Finding]:
    if scope.sees_everything:
        return Finding.objects.all()
    return Finding.objects.filter(organisation__in=scope.coordinated_organisation_ids)


def get_finding_for(user, pk) -> Finding:
    finding = findings_for(require_terminal_log_coordinator(user)).select_related(
        "organisation", "department", "operator", "action_owner", "action_verified_by",
        "item__lookup", "item__finding",
    ).filter(pk=pk).first()
    if finding is None:
        raise Http404
    return finding

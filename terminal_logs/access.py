"""Who may see the terminals' access logs, built on people.access.Scope like every app's
access module; the views ask here first, and anyone else gets 404.

The logs name operators and stand for residents: for now only coordinators see them, each
their own organisations' (a prefecture's coordinators every organisation's). They import
the logs, keep the watch-list and read the flagged look-ups. Supervisors will answer for
their staff's sampled look-ups when the review campaign comes (issue 19, points 3–4).
"""

from django.db.models import QuerySet
from django.http import Http404

from people.access import Scope, scope_for
from people.models import Organisation
from terminal_logs.models import TerminalLookup, WatchedResident


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

"""Who may see the fiscal year's reports: the one place it is decided for this app.

The annual report to the protection council covers every organisation of the
prefecture, so only those who see everything (a prefecture's coordinators) may read,
export or finalise it; everyone else is answered 404, as if it did not exist."""

from django.http import Http404

from people.access import scope_for


def get_annual_report_scope_for(user):
    scope = scope_for(user)
    if not scope.sees_everything:
        raise Http404
    return scope

"""Who may open the fiscal year's pages of the reports app, built on people.access.Scope.

A person's training record (個人別研修履歴) is theirs: the person, the supervisor of their
department and the coordinators of their organisation may open it (a prefecture's
coordinators, who see every organisation, open everyone's). Their department's colleagues
do not, though the staff directory shows them each other: the record holds quiz results
and what each was told on whose behalf. An evaluator sees drills, not people's records.
"""

from django.http import Http404
from django.urls import reverse

from people.access import Scope, scope_for
from people.fiscal import current_fiscal_year
from people.models import Person


def may_open_person_record(scope: Scope, person: Person) -> bool:
    """Decided without a query, so that a list may link every name it shows."""
    return (
        scope.sees_everything
        or person.organisation_id in scope.coordinated_organisation_ids
        or person.department_id in scope.supervised_department_ids
        or (scope.person is not None and scope.person.pk == person.pk)
    )


def get_person_record_for(user, pk) -> Person:
    """The person whose record the user may open, with what the page prints of them;
    anyone else, and an id that names no one, gets 404."""
    person = (
        Person.objects.select_related("department", "organisation").filter(pk=pk).first()
    )
    if person is None or not may_open_person_record(scope_for(user), person):
        raise Http404
    return person


def person_record_url(user, person: Person, fiscal_year: int | None) -> str | None:
    """What reports registers with people.record_links for the lists that name people."""
    if not may_open_person_record(scope_for(user), person):
        return None
    year = fiscal_year if fiscal_year is not None else current_fiscal_year().year
    return reverse("reports:person_record", args=[person.pk, year])

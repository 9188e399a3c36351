from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from audit import trail
from audit.models import AuditEvent
from core.params import as_id
from core.text import fold_width
from people.access import get_person_for, may_anonymise, scope_for
from people.fiscal import fiscal_year_of
from people.models import Department

PAGE_SIZE = 50


@login_required
def directory(request):
    scope = scope_for(request.user)
    today = timezone.localdate()
    # In 五十音 order, which an index on (kana, employee_number) serves without sorting.
    people = (
        scope.people()
        .select_related("department", "organisation")
        .with_current_grant(today)
        .order_by("kana", "employee_number")
    )
    organisations = scope.organisations()
    chosen_organisation = as_id(request.GET.get("organisation", ""))
    if chosen_organisation is not None:
        people = people.filter(organisation_id=chosen_organisation)
    elif len(organisations) == 1:
        chosen_organisation = organisations[0].pk
    organisation_id = str(chosen_organisation) if chosen_organisation is not None else ""
    # A prefecture has thousands of departments: offer those of one organisation only.
    departments = (
        scope.departments().filter(organisation_id=chosen_organisation)
        if chosen_organisation is not None else Department.objects.none()
    )
    department_id = request.GET.get("department", "")
    if as_id(department_id) is not None:
        people = people.filter(department_id=as_id(department_id))
    else:
        department_id = ""
    query = request.GET.get("q", "").strip()
    if query:
        # Kana and employee numbers are stored folded (the roster import folds them);
        # names as written, so a name is also matched as typed.
        folded = fold_width(query)
        people = people.filter(
            Q(name__icontains=query) | Q(name__icontains=folded) | Q(kana__icontains=folded)
            | Q(employee_number=folded)
        )
    holders_only = request.GET.get("holders") == "1"
    if holders_only:
        people = people.filter(current_grant_on__isnull=False)

    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/directory.html",
        {
            "page": page,
            "organisations": organisations,
            "organisation_id": organisation_id,
            "departments": departments,
            "department_id": department_id,
            "query": query,
            "holders_only": holders_only,
            "fiscal_year": fiscal_year_of(today),
        },
    )


@login_required
def person_detail(request, pk):
    person = get_person_for(request.user, pk)
    trail.record_access(request, AuditEvent.Action.RECORDS_VIEWED, person, subject=person)
    today = timezone.localdate()
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "id_grants": person.id_grants.all(),
            "current_grant": person.current_id_grant(today),
            "fiscal_year": fiscal_year_of(today),
            "roles": person.roles.select_related("department", "organisation"),
            "may_anonymise": not person.is_anonymised and may_anonymise(request.user, person),
        },
    )

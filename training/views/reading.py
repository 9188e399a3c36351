from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Page

from audit import trail
from audit.models import AuditEvent
from cms.editions import editions
from core.params import as_id
from people.access import get_overseen_department_for, scope_for
from people.fiscal import fiscal_year_of
from training import reading as required_reading
from training.checklist import checklist_for


@login_required
def my_training(request):
    scope = scope_for(request.user)
    if scope.person is None:
        raise Http404
    today = timezone.localdate()
    obligations = required_reading.obligations_of(
        required_reading.Reader.of_scope(scope, today=today)
    )
    return render(request, "training/mine.html", {
        "checklist": checklist_for(scope.person, obligations, today=today),
        "fiscal_year": fiscal_year_of(today),
        "obligations": obligations,
        "open_count": sum(not obligation.is_done for obligation in obligations),
    })


@login_required
@require_http_methods(["GET", "POST"])
def reading(request, page_id):
    """A page of required reading, with the reader's acknowledgement and what changed."""
    page = Page.objects.live().filter(pk=page_id).specific().first()
    if page is None or not hasattr(page, "required_for"):
        raise Http404
    scope = scope_for(request.user)
    person = scope.person
    today = timezone.localdate()

    if request.method == "POST":
        if person is None:
            raise Http404
        try:
            required_reading.acknowledgement_record(
                person=person, page=page, today=today,
                revision_id=as_id(request.POST.get("revision")),
            )
            messages.success(request, _("Thank you. Your acknowledgement is recorded."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("training:reading", page_id=page.pk)

    obligations = required_reading.obligations_of(
        required_reading.Reader.of_scope(scope, today=today)
    ) if person else []
    obligation = next((o for o in obligations if o.page.pk == page.pk), None)
    changes = edition = None
    if obligation and obligation.needs_reacknowledgement:
        changes = required_reading.changes_since(obligation.acknowledgement, page)
        edition = editions(page)[-1]
    return render(request, "training/reading.html", {
        "page": page, "obligation": obligation, "changes": changes, "edition": edition,
        **(_what_next(person, obligations, page, today)
           if obligation and obligation.is_done else {}),
    })


def _what_next(person, obligations, page, today):
    """Once this page is acknowledged, where the reader goes next: the next open page of
    required reading (after this one in the list, then from the top), or else the next
    open line of their checklist, so that acknowledging never ends in a dead end."""
    position = next(i for i, o in enumerate(obligations) if o.page.pk == page.pk)
    later_first = obligations[position + 1:] + obligations[:position]
    next_reading = next((o.page for o in later_first if not o.is_done), None)
    if next_reading is not None:
        return {"next_reading": next_reading}
    checklist = checklist_for(person, obligations, today=today)
    return {"next_item": next(
        (item for item in checklist if item.required and not item.is_done and item.url_name),
        None,
    )}


@login_required
@require_http_methods(["GET", "POST"])
def department_reading(request, pk):
    """Who in a department has acknowledged their required reading, for its supervisor."""
    department = get_overseen_department_for(request.user, pk)
    today = timezone.localdate()
    people = department.people.all()

    if request.method == "POST":
        # Several colleagues at once (a paper sheet signed by the whole team): all are
        # recorded, or none if one of them cannot be.
        wanted = {as_id(raw) for raw in request.POST.getlist("person")} - {None}
        chosen = list(people.filter(pk__in=wanted).order_by("kana"))
        page = Page.objects.live().filter(pk=as_id(request.POST.get("page"))).first()
        if page is None or len(chosen) != len(wanted):
            raise Http404
        if not chosen:
            messages.error(request, _("Tick the colleagues to record it for."))
            return redirect("training:department_reading", pk=department.pk)
        person = None
        try:
            with transaction.atomic():
                for person in chosen:
                    acknowledgement = required_reading.acknowledgement_record(
                        person=person, page=page, today=today,
                        revision_id=page.live_revision_id,
                        recorded_by=scope_for(request.user).person,
                        note=request.POST.get("note", ""),
                    )
                    trail.record(request, AuditEvent.Action.RECORDED_ON_BEHALF, acknowledgement,
                                 subject=person, detail=_("reading acknowledged"))
            messages.success(request, _("Recorded for %(names)s.")
                             % {"names": "、".join(person.name for person in chosen)})
        except ValidationError as error:
            messages.error(request, _("%(name)s: %(reason)s Nothing was recorded.")
                           % {"name": person.name, "reason": " ".join(error.messages)})
        return redirect("training:department_reading", pk=department.pk)

    pages, rows = required_reading.department_status(people, today=today)
    # On-behalf recording is offered only where it can succeed: for each page, the
    # colleagues who must read it and have not acknowledged its current version.
    still_open = [
        (page, [person for person, obligations in rows
                if obligations[column] is not None and not obligations[column].is_done])
        for column, page in enumerate(pages)
    ]
    return render(request, "training/department_reading.html", {
        "department": department, "pages": pages, "rows": rows,
        "still_open": [(page, people) for page, people in still_open if people],
    })



urlpatterns = [
    path("", my_training, name="mine"),
    path("reading/<int:page_id>/", reading, name="reading"),
    path("departments/<int:pk>/reading/", department_reading, name="department_reading"),
]

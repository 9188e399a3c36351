"""The people views of the Wagtail admin: the roster import, and anonymising a leaver.

The roster import runs the site's one import pipeline (core.imports.steps): upload,
choose columns if the headings do not say, a preview of every row, then confirm.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from audit import trail
from audit.models import AuditEvent
from core.forms import confirmed
from core.imports.forms import SpreadsheetUploadForm
from core.imports.steps import (
    UPLOAD_FIELD,
    ImportPage,
    columns_step,
    confirm_step,
    upload_step,
)
from core.imports.store import upload_pending
from people.access import get_anonymisable_person_for, require_roster_manager, scope_for
from people.lifecycle import anonymisation_preview, person_anonymise
from people.roster import RESOURCES, RosterKind, import_kind, roster_import


class RosterUploadForm(SpreadsheetUploadForm):
    field_order = ["kind", "file", "encoding"]

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of file"), choices=RosterKind.choices, widget=forms.RadioSelect
    )


class RosterPage(ImportPage):
    def offers_confirm(self, result) -> bool:
        return result.changes_anything and not result.has_errors


def _page(request, kind) -> RosterPage:
    return RosterPage(
        kind=import_kind(kind), template="people/admin/roster_preview.html",
        check=lambda **check: roster_import(by=request.user, **check),
        context={"roster_kind": RosterKind(kind)},
    )


def _waiting_page(request, field: str) -> RosterPage | None:
    """The page of the roster kind whose stored upload the posted token names."""
    for kind in RosterKind:
        page = _page(request, kind)
        if upload_pending(request, kind=page.kind.name, token=request.POST.get(field, "")):
            return page
    return None


def roster_upload(request):
    require_roster_manager(request.user)
    if request.method == "POST" and UPLOAD_FIELD in request.POST:
        page = _waiting_page(request, UPLOAD_FIELD)
        return (page and columns_step(request, page)) or _upload_gone(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        return upload_step(request, _page(request, kind), upload=form.cleaned_data["file"],
                           encoding=form.cleaned_data["encoding"], options={"kind": kind})
    return TemplateResponse(
        request,
        "people/admin/roster_upload.html",
        {"form": form, "columns": _columns_by_kind()},
    )


def roster_confirm(request):
    require_roster_manager(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    page = _waiting_page(request, "token")

    def record(result):
        trail.record(request, AuditEvent.Action.IMPORTED, RESOURCES[result.kind]._meta.model,
                     detail=trail.import_summary(result))

    result = page and confirm_step(request, page, on_written=record)
    if result is None:
        return _upload_gone(request)
    if not result.written:
        return page.render(request, {"result": result, "token": None})
    messages.success(
        request,
        _("Imported %(file)s: %(new)d new, %(update)d updated, %(unchanged)d unchanged.")
        % {"file": result.file_name, **result.totals},
    )
    return redirect("roster_import")


def _upload_gone(request):
    messages.error(
        request, _("That upload is no longer waiting to be imported. Upload the file again.")
    )
    return redirect("roster_import")


def _columns_by_kind():
    return [
        (kind.label, [
            _("%(column)s (optional)") % {"column": resource.fields[name].column_name}
            if name in resource.optional_fields else resource.fields[name].column_name
            for name in resource._meta.import_order
        ])
        for kind, resource in RESOURCES.items()
    ]


# Anonymising a leaver: a confirmation page saying what goes and what stays, then POST.


@require_http_methods(["GET", "POST"])
def person_anonymise_view(request, pk):
    person = get_anonymisable_person_for(request.user, pk)
    if request.method == "POST":
        if not confirmed(request):
            messages.error(request, _("Tick the box to confirm that the leaver is to be "
                                      "anonymised."))
            return redirect("person:anonymise", pk=person.pk)
        try:
            with transaction.atomic():
                person_anonymise(person=person, by=request.user, today=timezone.localdate())
                trail.record(request, AuditEvent.Action.PERSON_ANONYMISED, person,
                             subject=person)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("person:anonymise", pk=person.pk)
        messages.success(
            request,
            _("The leaver was anonymised as %(label)s. Their records, and the counts made "
              "from them, are kept.") % {"label": person.name},
        )
        if scope_for(request.user).may_administer_people():
            return redirect("person:index")
        return redirect("people:person", pk=person.pk)  # a municipality's coordinator
    return TemplateResponse(request, "people/admin/person_anonymise.html", {
        "preview": anonymisation_preview(person=person, today=timezone.localdate()),
        "person": person,
        "is_own": person.user_id is not None and person.user_id == request.user.pk,
        "back_url": reverse("person:edit", args=[person.pk])
        if scope_for(request.user).may_administer_people()
        else reverse("people:person", args=[person.pk]),
    })

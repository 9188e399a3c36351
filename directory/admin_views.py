"""The people views of the Wagtail admin: the roster import, and anonymising a leaver.

The roster import: upload, a preview of every row, then confirm.

The preview writes nothing. The confirm step trusts nothing from the browser but a
token: the uploaded file waits on the server in import-export's temp-folder storage,
named in the coordinator's own session together with its kind and encoding, and
`roster_import` reads and checks it again from scratch before writing anything.
"""

import os
import secrets

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
from import_export.tmp_storages import TempFolderStorage

from audit import trail
from audit.models import AuditEvent
from core.forms import confirmed
from people.access import get_anonymisable_person_for, require_roster_manager, scope_for
from people.lifecycle import anonymisation_preview, person_anonymise
from people.roster import (
    RESOURCES,
    RosterImportResult,
    RosterKind,
    roster_import,
)
from people.roster.forms import SpreadsheetUploadForm

PENDING_UPLOAD = "roster_pending_upload"  # session key


class RosterUploadForm(SpreadsheetUploadForm):
    field_order = ["kind", "file", "encoding"]

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of file"), choices=RosterKind.choices, widget=forms.RadioSelect
    )


def roster_upload(request):
    require_roster_manager(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        result = roster_import(
            kind=form.cleaned_data["kind"],
            content=content,
            file_name=upload.name,
            encoding=form.cleaned_data["encoding"],
            by=request.user,
            dry_run=True,
        )
        token = None
        if result.changes_anything and not result.has_errors:
            token = _keep_upload(request, content, result, encoding=form.cleaned_data["encoding"])
        return _preview(request, result, token)
    return TemplateResponse(
        request,
        "people/admin/roster_upload.html",
        {"form": form, "columns": _columns_by_kind()},
    )


def roster_confirm(request):
    require_roster_manager(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    pending = _pending_upload(request, request.POST.get("token", ""))
    content = _read_upload(pending) if pending else None
    if content is None:
        messages.error(
            request, _("That upload is no longer waiting to be imported. Upload the file again.")
        )
        return redirect("roster_import")
    with transaction.atomic():
        result = roster_import(
            kind=pending["kind"],
            content=content,
            file_name=pending["file_name"],
            encoding=pending["encoding"],
            by=request.user,
            dry_run=False,
        )
        if result.written:
            trail.record(request, AuditEvent.Action.IMPORTED, RESOURCES[result.kind]._meta.model,
                         detail=f"{result.file_name}: {result.totals}")
    _discard_upload(request)
    if not result.written:
        return _preview(request, result, token=None)
    messages.success(
        request,
        _("Imported %(file)s: %(new)d new, %(update)d updated, %(unchanged)d unchanged.")
        % {"file": result.file_name, **result.totals},
    )
    return redirect("roster_import")


def _preview(request, result: RosterImportResult, token: str | None):
    return TemplateResponse(
        request,
        "people/admin/roster_preview.html",
        {"result": result, "token": token},
    )


def _columns_by_kind():
    return [(kind.label, resource.columns()) for kind, resource in RESOURCES.items()]


def _keep_upload(request, content: bytes, result: RosterImportResult, *, encoding: str) -> str:
    """Store the file for the confirm step; one upload waits per session."""
    _discard_upload(request)
    storage = TempFolderStorage(read_mode="rb")
    storage.save(content)
    token = secrets.token_urlsafe(24)
    request.session[PENDING_UPLOAD] = {
        "token": token,
        "user_id": request.user.pk,
        "storage_name": os.path.basename(storage.name),
        "kind": result.kind.value,
        "encoding": encoding,
        "file_name": result.file_name,
    }
    return token


def _pending_upload(request, token: str) -> dict | None:
    pending = request.session.get(PENDING_UPLOAD)
    if (
        pending
        and secrets.compare_digest(pending["token"].encode(), token.encode())
        and pending["user_id"] == request.user.pk
    ):
        return pending
    return None


def _read_upload(pending: dict) -> bytes | None:
    try:
        return TempFolderStorage(name=pending["storage_name"], read_mode="rb").read()
    except FileNotFoundError:  # the system cleaned its temp folder
        return None


def _discard_upload(request) -> None:
    pending = request.session.pop(PENDING_UPLOAD, None)
    if pending:
        try:
            TempFolderStorage(name=pending["storage_name"]).remove()
        except FileNotFoundError:
            pass


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

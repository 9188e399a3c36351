"""The admin views beside the scenario viewset (routed by drills.admin.ScenarioViewSet):
the timeline's spreadsheet import and export, and a contact-tree scenario from a plan.

The import has two steps, as the roster import does. The preview writes nothing and lists
every change. Appending is confirmed with a button; replacing the timeline cannot be
undone, so it asks with the site's one confirmation (templates/includes/irreversible.html,
core.forms.confirmed) and writes nothing without the box ticked. The
confirm step trusts nothing from the browser but a token: the uploaded file waits on the
server in import-export's temp-folder storage, named in the coordinator's own session with
the scenario it is for, and `timeline_import` reads and checks it again from scratch
before it replaces anything. A scenario edited after the preview must be previewed again.
"""

import os
import re
import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.tmp_storages import TempFolderStorage
from wagtail.log_actions import log

from audit import trail
from audit.models import AuditEvent
from core.exports import CONTENT_TYPES
from core.forms import PageChoiceField, confirmed
from drills.access import get_scenario_for, get_scenario_plan_for, scenario_plans_for
from drills.admin import scenario_permission_policy
from drills.models import Scenario
from drills.scenarios import DEFAULT_MINUTES_PER_LINK, contact_tree_scenario, plan_contacts
from drills.timeline import (
    HEADERS,
    ImportMode,
    TimelineImportResult,
    timeline_csv,
    timeline_import,
    timeline_xlsx,
)
from people.roster.forms import SpreadsheetUploadForm

PENDING_UPLOAD = "timeline_pending_upload"  # session key
EXPORTS = {"csv": timeline_csv, "xlsx": timeline_xlsx}
UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


class TimelineUploadForm(SpreadsheetUploadForm):
    max_megabytes = 5

    mode = forms.ChoiceField(
        label=gettext_lazy("What to do with the file's injects"), choices=ImportMode.CHOICES,
        initial=ImportMode.APPEND, widget=forms.RadioSelect,
    )


def timeline_upload(request, pk):
    scenario = _scenario_for(request.user, pk, "change")
    form = TimelineUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        encoding, mode = form.cleaned_data["encoding"], form.cleaned_data["mode"]
        result = timeline_import(
            scenario=scenario, content=content, file_name=upload.name, encoding=encoding,
            dry_run=True, mode=mode,
        )
        token = None if result.has_errors else _keep_upload(
            request, scenario, content, file_name=upload.name, encoding=encoding, mode=mode
        )
        return _preview(request, scenario, result, token)
    return TemplateResponse(request, "drills/admin/timeline_upload.html", {
        "scenario": scenario, "form": form, "headers": HEADERS,
    })


def timeline_confirm(request, pk):
    scenario = _scenario_for(request.user, pk, "change")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    pending = _pending_upload(request, scenario, request.POST.get("token", ""))
    content = _read_upload(pending) if pending else None
    if content is None:
        messages.error(
            request, _("That upload is no longer waiting to be imported. Upload the file again.")
        )
        return redirect("scenario:timeline_import", scenario.pk)
    if pending["updated_at"] != scenario.updated_at.isoformat():
        _discard_upload(request)
        messages.error(request, _(
            "The scenario was changed after the preview, so nothing was imported. Upload the "
            "file again to see what it would change now."
        ))
        return redirect("scenario:timeline_import", scenario.pk)
    if pending["mode"] == ImportMode.REPLACE and not confirmed(request):
        result = timeline_import(
            scenario=scenario, content=content, file_name=pending["file_name"],
            encoding=pending["encoding"], dry_run=True, mode=pending["mode"],
        )
        messages.error(request, _("Tick the box to confirm that the whole timeline is to be "
                                  "replaced. Nothing has been imported."))
        return _preview(request, scenario, result, token=pending["token"])
    with transaction.atomic():
        result = timeline_import(
            scenario=scenario, content=content, file_name=pending["file_name"],
            encoding=pending["encoding"], dry_run=False, mode=pending["mode"],
        )
        if result.written:
            log(instance=Scenario.objects.get(pk=scenario.pk), action="wagtail.edit",
                user=request.user)
            trail.record(request, AuditEvent.Action.IMPORTED, scenario,
                         organisation=scenario.organisation,
                         detail=f"timeline: {result.file_name}")
    _discard_upload(request)
    if not result.written:
        return _preview(request, scenario, result, token=None)
    messages.success(
        request,
        _("The timeline of “%(scenario)s” now has %(injects)d injects, %(changes)d changes "
          "made from %(file)s.")
        % {"scenario": scenario.title, "injects": len(result.blocks),
           "changes": len(result.changes), "file": result.file_name},
    )
    return redirect("scenario:edit", scenario.pk)


def timeline_export(request, pk, file_format):
    scenario = _scenario_for(request.user, pk, "view", "change")
    if file_format not in EXPORTS:
        raise Http404
    content_type, render = CONTENT_TYPES[file_format], EXPORTS[file_format]
    name = UNSAFE_IN_FILE_NAMES.sub("_", scenario.title).strip("_") or f"scenario-{scenario.pk}"
    response = HttpResponse(render(scenario), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{name}_timeline.{file_format}"
    )
    return response


class ContactTreeForm(forms.Form):
    plan = PageChoiceField(
        label=gettext_lazy("Plan"), queryset=None, widget=forms.RadioSelect,
        empty_label=None,
    )
    minutes_per_link = forms.IntegerField(
        label=gettext_lazy("Minutes for each link to answer"), min_value=1, max_value=120,
        initial=DEFAULT_MINUTES_PER_LINK,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = scenario_plans_for(user).select_related("organisation")

    def clean_plan(self):
        plan = self.cleaned_data["plan"]
        if len(plan_contacts(plan)) < 2:
            raise forms.ValidationError(
                _("This plan has no contact tree of two or more contacts to walk.")
            )
        return plan


def contact_tree_new(request):
    """Write a contact-tree scenario from the plan's contact tree, then edit it."""
    if not _may(request.user, "add"):
        raise PermissionDenied
    form = ContactTreeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        plan = get_scenario_plan_for(request.user, form.cleaned_data["plan"].pk)
        scenario = contact_tree_scenario(
            plan, minutes_per_link=form.cleaned_data["minutes_per_link"]
        )
        with transaction.atomic():
            scenario.save()
            log(instance=scenario, action="wagtail.create", user=request.user)
        messages.success(
            request, _("Scenario “%(scenario)s” written from the plan’s contact tree.")
            % {"scenario": scenario.title},
        )
        return redirect("scenario:edit", scenario.pk)
    return TemplateResponse(request, "drills/admin/contact_tree.html", {"form": form})


def _scenario_for(user, pk, *actions) -> Scenario:
    """The scenario, or 404 outside the user's organisations; refused without the model
    permission, as the viewset's own views refuse."""
    scenario = get_scenario_for(user, pk)
    if not any(_may(user, action) for action in actions):
        raise PermissionDenied
    return scenario


def _may(user, action) -> bool:
    return scenario_permission_policy.user_has_permission(user, action)


def _preview(request, scenario, result: TimelineImportResult, token: str | None):
    return TemplateResponse(request, "drills/admin/timeline_preview.html", {
        "scenario": scenario, "result": result, "token": token,
    })


def _keep_upload(request, scenario, content: bytes, *, file_name: str, encoding: str,
                 mode: str) -> str:
    """Store the file for the confirm step; one upload waits per session."""
    _discard_upload(request)
    storage = TempFolderStorage(read_mode="rb")
    storage.save(content)
    token = secrets.token_urlsafe(24)
    request.session[PENDING_UPLOAD] = {
        "token": token,
        "user_id": request.user.pk,
        "scenario_id": scenario.pk,
        "updated_at": scenario.updated_at.isoformat(),
        "storage_name": os.path.basename(storage.name),
        "encoding": encoding,
        "mode": mode,
        "file_name": file_name,
    }
    return token


def _pending_upload(request, scenario, token: str) -> dict | None:
    pending = request.session.get(PENDING_UPLOAD)
    if (
        pending
        and secrets.compare_digest(pending["token"].encode(), token.encode())
        and pending["user_id"] == request.user.pk
        and pending["scenario_id"] == scenario.pk
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

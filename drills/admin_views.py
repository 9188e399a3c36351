"""The admin views beside the scenario viewset (routed by drills.admin.ScenarioViewSet):
the timeline's spreadsheet import and export, and a contact-tree scenario from a plan.

The import runs the site's one import pipeline (core.imports.steps), and the preview
lists every change. Appending is confirmed with a button; replacing the timeline cannot be
undone, so it asks with the site's one confirmation (templates/includes/irreversible.html,
core.forms.confirmed) and writes nothing without the box ticked. The stored upload is
bound to the scenario as it was previewed: a scenario edited after the preview must be
previewed again.
"""

import re

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
from wagtail.log_actions import log

from audit import trail
from audit.models import AuditEvent
from core.exports import CONTENT_TYPES
from core.forms import PageChoiceField, confirmed
from core.imports.forms import SpreadsheetUploadForm
from core.imports.steps import (
    UPLOAD_FIELD,
    ImportPage,
    columns_step,
    confirm_run,
    confirmable,
    preview,
    upload_step,
)
from core.imports.store import upload_discard
from drills.access import get_scenario_for, get_scenario_plan_for, scenario_plans_for
from drills.admin import scenario_permission_policy
from drills.models import Scenario
from drills.scenarios import DEFAULT_MINUTES_PER_LINK, contact_tree_scenario, plan_contacts
from drills.timeline import (
    HEADERS,
    KIND,
    ImportMode,
    timeline_csv,
    timeline_import,
    timeline_xlsx,
)

EXPORTS = {"csv": timeline_csv, "xlsx": timeline_xlsx}
UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


class TimelineUploadForm(SpreadsheetUploadForm):
    max_kilobytes = 5 * 1024

    mode = forms.ChoiceField(
        label=gettext_lazy("What to do with the file's injects"), choices=ImportMode.CHOICES,
        initial=ImportMode.APPEND, widget=forms.RadioSelect,
    )


def _page(scenario) -> ImportPage:
    return ImportPage(
        kind=KIND, template="drills/admin/timeline_preview.html",
        check=lambda **check: timeline_import(scenario=scenario, **check),
        context={"scenario": scenario},
        bound={"scenario": scenario.pk}, version=scenario.updated_at.isoformat(),
    )


def timeline_upload(request, pk):
    scenario = _scenario_for(request.user, pk, "change")
    if request.method == "POST" and UPLOAD_FIELD in request.POST:
        return columns_step(request, _page(scenario)) or _upload_gone(request, scenario)
    form = TimelineUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return upload_step(request, _page(scenario), upload=form.cleaned_data["file"],
                           encoding=form.cleaned_data["encoding"],
                           options={"mode": form.cleaned_data["mode"]})
    return TemplateResponse(request, "drills/admin/timeline_upload.html", {
        "scenario": scenario, "form": form, "headers": HEADERS,
    })


def timeline_confirm(request, pk):
    scenario = _scenario_for(request.user, pk, "change")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    page = _page(scenario)
    found = confirmable(request, page)
    if found is None:
        return _upload_gone(request, scenario)
    pending, content = found
    if pending.version != page.version:
        upload_discard(request, KIND.name)
        messages.error(request, _(
            "The scenario was changed after the preview, so nothing was imported. Upload the "
            "file again to see what it would change now."
        ))
        return redirect("scenario:timeline_import", scenario.pk)
    if pending.options["mode"] == ImportMode.REPLACE and not confirmed(request):
        result = page.check(content=content, file_name=pending.file_name,
                            encoding=pending.encoding, dry_run=True, chosen=pending.chosen,
                            remembered=None, **pending.options)
        messages.error(request, _("Tick the box to confirm that the whole timeline is to be "
                                  "replaced. Nothing has been imported."))
        return preview(request, page, result, token=pending.token)

    def record(result):
        log(instance=Scenario.objects.get(pk=scenario.pk), action="wagtail.edit",
            user=request.user)
        trail.record(request, AuditEvent.Action.IMPORTED, scenario,
                     organisation=scenario.organisation,
                     detail=_("timeline: %(file)s") % {"file": result.file_name})

    result = confirm_run(request, page, pending, content, on_written=record)
    if not result.written:
        return preview(request, page, result, token=None)
    messages.success(
        request,
        _("The timeline of “%(scenario)s” now has %(injects)d injects, %(changes)d changes "
          "made from %(file)s.")
        % {"scenario": scenario.title, "injects": len(result.blocks),
           "changes": len(result.changes), "file": result.file_name},
    )
    return redirect("scenario:edit", scenario.pk)


def _upload_gone(request, scenario):
    messages.error(
        request, _("That upload is no longer waiting to be imported. Upload the file again.")
    )
    return redirect("scenario:timeline_import", scenario.pk)


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

"""Scenarios in the Wagtail admin (registered by drills.wagtail_hooks).

A coordinator writes a scenario here: its objectives and a timeline of injects, each with
the actions it should prompt. Every view shows only the scenarios of the organisations the
user coordinates (all of them prefecture-wide) and answers 404 for the others, on top of
Django's model permissions. The timeline's spreadsheet import and export, and the
contact-tree scenario made from a plan, are drills.admin_views, routed here.
"""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cms.blocks import INCIDENT_TYPES
from core.params import as_id
from drills.access import get_scenario_for, may_author_scenarios, scenarios_for
from drills.blocks import offer_plan_steps
from drills.models import Scenario
from drills.scenarios import live_plan_of, procedure_steps
from people.access import scope_for


class ScenarioAuthorPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions, for those drills.access lets author scenarios. Row by
    row, the views below keep to scenarios_for (404 for any other)."""

    def user_has_permission(self, user, action):
        return may_author_scenarios(user) and super().user_has_permission(user, action)


scenario_permission_policy = ScenarioAuthorPermissionPolicy(Scenario)
register_permission_policy(Scenario, scenario_permission_policy)


PROCEDURE_TYPES = {value for value, _label in INCIDENT_TYPES}


class ScenarioForm(WagtailAdminModelForm):
    """Offers only the user's organisations, and checks what the blocks cannot check one by
    one: objective codes are unique, every expected action is for one of the scenario's
    objectives, a linked plan step is in the organisation's own published plan, and an
    inject released after another's acknowledgement names exactly one other inject."""

    class Meta:
        model = Scenario
        fields = ["organisation", "title", "incident_type", "summary", "objectives", "timeline",
                  "offered_as_template"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = scope_for(self.for_user).coordinated_organisations()
        self._offer_plan_steps()

    def _offer_plan_steps(self):
        """Plan steps of the scenario's organisation and incident type only, as far as the
        form knows them (sent back, or the scenario's own); a contact-tree drill has no
        procedure of its own, so it is offered all of its organisation's steps."""
        organisation_id = as_id(self.data.get("organisation")) if self.is_bound else None
        incident_type = self.data.get("incident_type") if self.is_bound else None
        if self.instance.pk:
            organisation_id = organisation_id or self.instance.organisation_id
            incident_type = incident_type or self.instance.incident_type
        person = scope_for(self.for_user).person
        if organisation_id is None and person is not None:
            organisation_id = person.organisation_id  # a new scenario is usually one's own
        chosen = [action["plan_step"] for inject in (self.instance.timeline or [])
                  for action in inject.value["expected_actions"] if action["plan_step"]]
        offer_plan_steps(self.fields["timeline"], organisation_id=organisation_id,
                         incident_type=incident_type if incident_type in PROCEDURE_TYPES
                         else None, chosen=chosen)

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        if (cleaned.get("offered_as_template") and organisation is not None
                and not organisation.is_prefecture):
            self.add_error("offered_as_template",
                           _("Only a prefecture's scenarios are offered as templates."))
        objectives, timeline = cleaned.get("objectives"), cleaned.get("timeline")
        if objectives is None or timeline is None:
            return cleaned  # the blocks' own errors are shown first
        codes = [block.value["code"].strip() for block in objectives]
        repeated = {code for code, count in Counter(codes).items() if count > 1}
        if repeated:
            self.add_error("objectives", StreamBlockValidationError(block_errors={
                index: StructBlockValidationError(block_errors={"code": ValidationError(
                    _("Another objective has the code “%(code)s”: give each its own.")
                    % {"code": code}
                )})
                for index, code in enumerate(codes) if code in repeated
            }))
        errors = self._timeline_errors(timeline, set(codes), cleaned.get("organisation"))
        if errors:
            self.add_error("timeline", StreamBlockValidationError(block_errors=errors))
        return cleaned

    def _timeline_errors(self, timeline, codes, organisation) -> dict:
        plan = live_plan_of(organisation) if organisation else None
        plan_steps = (
            {step for steps in procedure_steps(plan).values() for step in steps} if plan else set()
        )
        subjects = Counter(block.value["subject"].strip() for block in timeline)
        errors = {}
        for index, inject in enumerate(timeline):
            action_errors = {}
            for position, action in enumerate(inject.value["expected_actions"]):
                problems = {}
                if action["objective"].strip() not in codes:
                    problems["objective"] = ValidationError(
                        _("No objective of this scenario has the code “%(code)s”.")
                        % {"code": action["objective"]}
                    )
                if not action["role"].strip():
                    problems["role"] = ValidationError(_("Name the drill role responsible."))
                if action["plan_step"] and action["plan_step"] not in plan_steps:
                    problems["plan_step"] = ValidationError(
                        _("Choose a step of the scenario's organisation's published plan.")
                    )
                if problems:
                    action_errors[position] = StructBlockValidationError(block_errors=problems)
            inject_errors = {}
            if not inject.value["role"].strip():
                inject_errors["role"] = ValidationError(_("Name the drill role it is sent to."))
            waits_for = (inject.value.get("after_acknowledgement_of") or "").strip()
            if waits_for and (subjects[waits_for] != 1
                              or waits_for == inject.value["subject"].strip()):
                inject_errors["after_acknowledgement_of"] = ValidationError(
                    _("Write the subject of exactly one other inject of this timeline.")
                )
            if action_errors:
                inject_errors["expected_actions"] = ListBlockValidationError(
                    block_errors=action_errors
                )
            if inject_errors:
                errors[index] = StructBlockValidationError(block_errors=inject_errors)
        return errors


def role_warnings(timeline) -> list[str]:
    """Injects addressed to one drill role whose expected actions another role is to take:
    often a slip (the inject reaches people who are not the ones scored on it), sometimes
    meant (a report that the addressee must pass on), so the editor warns but saves."""
    warnings = []
    for block in timeline:
        inject = block.value
        for action in inject["expected_actions"]:
            if action["role"].strip() and action["role"].strip() != inject["role"].strip():
                warnings.append(
                    _("“%(subject)s” is addressed to %(addressee)s, but its expected action "
                      "“%(action)s” is for %(role)s. Check the addressee or the responsible "
                      "role.")
                    % {"subject": inject["subject"], "addressee": inject["role"],
                       "action": action["description"], "role": action["role"]}
                )
    return warnings


class RoleWarningsMixin:
    """After a save, the role warnings of the timeline as it was saved."""

    def form_valid(self, form):
        response = super().form_valid(form)
        for warning in role_warnings(form.instance.timeline):
            messages.warning(self.request, warning)
        return response


def timeline_buttons(scenario) -> list:
    return [
        Button(_("Import the timeline from a spreadsheet"), icon_name="upload", priority=30,
               url=reverse("scenario:timeline_import", args=[scenario.pk])),
        Button(_("Export the timeline (CSV)"), icon_name="download", priority=31,
               url=reverse("scenario:timeline_export", args=[scenario.pk, "csv"])),
        Button(_("Export the timeline (Excel)"), icon_name="download", priority=32,
               url=reverse("scenario:timeline_export", args=[scenario.pk, "xlsx"])),
    ]


class ScenarioIndexView(generic.IndexView):
    def get_base_queryset(self):
        return scenarios_for(self.request.user).select_related("organisation")

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.add_url:
            buttons.append(HeaderButton(
                _("Contact-tree drill from a plan"), icon_name="group",
                url=reverse("scenario:contact_tree"),
            ))
        return buttons


class ScenarioCreateView(RoleWarningsMixin, generic.CreateView):
    pass


class ScenarioEditView(RoleWarningsMixin, generic.EditView):
    def get_queryset(self):
        return scenarios_for(self.request.user)

    @cached_property
    def header_more_buttons(self):
        return [*super().header_more_buttons, *timeline_buttons(self.object)]


class ScenarioCopyView(generic.CopyView):
    def get_object(self, queryset=None):
        return get_scenario_for(self.request.user, self.kwargs[self.pk_url_kwarg])


class ScenarioDeleteView(generic.DeleteView):
    def get_queryset(self):
        return scenarios_for(self.request.user)


class ScenarioHistoryView(HistoryView):
    def get_base_object_queryset(self):
        return scenarios_for(self.request.user)


class ScenarioUsageView(UsageView):
    def get_base_object_queryset(self):
        return scenarios_for(self.request.user)


class ScenarioViewSet(ModelViewSet):
    model = Scenario
    icon = "clipboard-list"
    index_view_class = ScenarioIndexView
    add_view_class = ScenarioCreateView
    edit_view_class = ScenarioEditView
    copy_view_class = ScenarioCopyView  # to adapt a scenario, e.g. a demo one
    delete_view_class = ScenarioDeleteView
    history_view_class = ScenarioHistoryView
    usage_view_class = ScenarioUsageView
    form_fields = ["organisation", "title", "incident_type", "summary", "objectives", "timeline",
                   "offered_as_template"]
    list_display = [
        "title", "incident_type", "organisation",
        Column("injects", label=gettext_lazy("Injects"),
               accessor=lambda scenario: len(scenario.timeline)),
    ]
    list_filter = ["organisation", "incident_type"]
    search_fields = ["title", "summary"]

    def get_form_class(self, for_update=False):
        return ScenarioForm

    def get_urlpatterns(self):
        from drills import admin_views  # they check access with this module's policy

        return [
            *super().get_urlpatterns(),
            path("timeline/<int:pk>/", admin_views.timeline_upload, name="timeline_import"),
            path("timeline/<int:pk>/confirm/", admin_views.timeline_confirm,
                 name="timeline_confirm"),
            path("timeline/<int:pk>/export/<str:file_format>/", admin_views.timeline_export,
                 name="timeline_export"),
            path("contact-tree/", admin_views.contact_tree_new, name="contact_tree"),
        ]


class DrillsViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Drills")
    menu_icon = "warning"
    menu_order = 280
    items = (ScenarioViewSet,)

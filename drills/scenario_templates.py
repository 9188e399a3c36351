"""Prefecture scenarios offered to municipalities as templates, and the copies they make.

A prefecture coordinator offers one of the prefecture's scenarios (Scenario.
offered_as_template); a municipality's coordinator copies it into their own organisation
and adapts the copy in the admin. The copy is deep: objectives and the whole timeline,
each inject with its expected actions, chained injects still chained (they name each
other by subject). It records its template, when and by whom it was copied.

What does not travel: a link from an expected action to a step of the prefecture's plan.
Those steps are in the prefecture's plan, not the municipality's, and the scenario editor
accepts only steps of the scenario's own organisation's plan; so the links are left empty
and the copier is told how many to set against their own plan.

An organisation holds one copy of a template: a second is refused with a message naming
the first (the admin's own copy makes variants of it).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from drills.models import Scenario
from people.models import Organisation, Person


@dataclass(frozen=True)
class TemplateCopy:
    scenario: Scenario
    plan_links_cleared: int  # expected actions whose plan step the copier must set again


@transaction.atomic
def scenario_template_offer(*, scenario: Scenario, offered: bool) -> Scenario:
    """Offer the scenario to municipalities as a template, or withdraw the offer. Copies
    already made stay theirs."""
    if offered and not scenario.organisation.is_prefecture:
        raise ValidationError(_("Only a prefecture's scenarios are offered as templates."))
    Scenario.objects.filter(pk=scenario.pk).update(offered_as_template=offered)
    scenario.refresh_from_db()
    return scenario


@transaction.atomic
def scenario_template_copy(*, template: Scenario, organisation: Organisation, by: Person,
                           now: datetime.datetime) -> TemplateCopy:
    """Copy an offered template into `organisation`. Refuses a scenario not offered, a
    copy into the template's own organisation, and a second copy."""
    template = Scenario.objects.select_for_update().select_related("organisation").get(
        pk=template.pk)
    if not template.offered_as_template:
        raise ValidationError(
            _("“%(title)s” is not offered as a template (any more), so it cannot be copied.")
            % {"title": template.title}
        )
    if organisation.pk == template.organisation_id:
        raise ValidationError(_("“%(title)s” is already %(organisation)s's own scenario.")
                              % {"title": template.title, "organisation": organisation.name})
    existing = Scenario.objects.filter(organisation=organisation, copied_from=template).first()
    if existing is not None:
        raise ValidationError(
            _("%(organisation)s already has a copy of this template: “%(copy)s”. Adapt that "
              "one (or copy it in the admin to make a variant).")
            % {"organisation": organisation.name, "copy": existing.title}
        )
    timeline, cleared = _timeline_without_plan_steps(template)
    copy = Scenario(
        organisation=organisation, title=template.title, incident_type=template.incident_type,
        summary=template.summary, objectives=_without_ids(template.objectives),
        timeline=timeline, copied_from=template, copied_at=now, copied_by=by,
    )
    try:
        with transaction.atomic():
            copy.save()
    except IntegrityError:  # copied at the same moment by a second request
        raise ValidationError(
            _("%(organisation)s already has a copy of this template.")
            % {"organisation": organisation.name}
        ) from None
    return TemplateCopy(copy, cleared)


def _without_ids(stream) -> list[dict]:
    """The stream's raw blocks, without their ids: the copy's blocks get their own."""
    return [{"type": block["type"], "value": block["value"]}
            for block in stream.get_prep_value()]


def _timeline_without_plan_steps(template: Scenario) -> tuple[list[dict], int]:
    cleared = 0
    timeline = []
    for block in _without_ids(template.timeline):
        value = dict(block["value"])
        actions = []
        for item in value.get("expected_actions", []):
            # A list block's items are {"type": "item", "value": ..., "id": ...} in the
            # stored form; copy the value alone.
            action = dict(item["value"] if "value" in item and "type" in item else item)
            if action.get("plan_step"):
                cleared += 1
                action["plan_step"] = ""
            actions.append(action)
        value["expected_actions"] = actions
        timeline.append({"type": block["type"], "value": value})
    return timeline, cleared

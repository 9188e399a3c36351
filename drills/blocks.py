"""The blocks a scenario is written in: its objectives, and a timeline of injects each
with the actions it should prompt.

A scenario is authored as StreamField data so that an inject and its expected actions
are edited together; scheduling a drill copies it into rows (drills.models), which is
what the clock, the consoles and the scoring work on.
"""

import copy
import datetime
import functools
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import blocks

CHANNELS = [
    ("phone", _("Phone call")),
    ("email", pgettext_lazy("channel", "E-mail")),
    ("monitoring", _("Monitoring-centre alert")),
    ("media", _("Media inquiry")),
    ("walk_in", _("Walk-in")),
]

OFFSET_PATTERN = re.compile(r"^\+?(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")


def parse_offset(text: str) -> datetime.timedelta:
    """`+H:MM` or `+H:MM:SS` from the start of the drill, e.g. `+0:05` is five minutes."""
    match = OFFSET_PATTERN.match((text or "").strip().translate(FULL_WIDTH))
    if not match:
        raise ValidationError(
            _("“%(text)s” is not a time from the start: write it as +H:MM, e.g. +0:05."),
            params={"text": text},
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def format_offset(offset: datetime.timedelta) -> str:
    total = int(offset.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"+{hours}:{minutes:02}" + (f":{seconds:02}" if seconds else "")


# Spreadsheets typed in Japanese often carry full-width digits and colons.
FULL_WIDTH = str.maketrans("０１２３４５６７８９：＋", "0123456789:+")


class OffsetBlock(blocks.CharBlock):
    def clean(self, value):
        value = super().clean(value)
        parse_offset(value)
        return value.strip()


def plan_step_choices(*, organisation_id=None, incident_type=None, keep=()):
    """The steps of published plans' procedures, to link an expected action to the step it
    tests: of one organisation's plan and one incident type's procedure when given, and
    the steps in `keep` (those already chosen) wherever they are. Evaluated when the form
    is built, so new steps appear at once."""
    from cms.models import EmergencyPlanPage

    plans = EmergencyPlanPage.objects.live().select_related("organisation")
    if organisation_id is not None and not keep:
        plans = plans.filter(organisation_id=organisation_id)
    choices = []
    for plan in plans:
        for block in plan.body:
            if block.block_type != "procedure":
                continue
            wanted = (organisation_id in (None, plan.organisation_id)
                      and incident_type in (None, block.value["incident_type"]))
            for number, step in enumerate(block.value["steps"].bound_blocks, start=1):
                label = (f"{plan.organisation}: {block.value['title']} "
                         f"{number}. {step.value['action']}")
                if wanted or step.id in keep:
                    choices.append((step.id, label[:120]))
    return choices


def offer_plan_steps(timeline_field, *, organisation_id, incident_type, chosen=()) -> None:
    """Limit the "plan step it tests" choices of one scenario form's timeline to the
    scenario's organisation and incident type (keeping the steps already `chosen`). The
    blocks are shared by every form, so this form gets its own copy of them."""
    from wagtail.blocks.base import BlockWidget

    timeline = copy.deepcopy(timeline_field.block)
    action = timeline.child_blocks["inject"].child_blocks["expected_actions"].child_block
    old = action.child_blocks["plan_step"]
    new = blocks.ChoiceBlock(
        choices=functools.partial(plan_step_choices, organisation_id=organisation_id,
                                  incident_type=incident_type, keep=tuple(chosen)),
        required=False, label=old.label,
    )
    new.set_name("plan_step")
    action.child_blocks["plan_step"] = new
    timeline_field.block = timeline
    timeline_field.widget = BlockWidget(timeline)


class ObjectiveBlock(blocks.StructBlock):
    code = blocks.CharBlock(label=_("code"), max_length=10, help_text=_("e.g. 1, 2, 3"))
    title = blocks.CharBlock(label=_("objective"), max_length=200)
    description = blocks.TextBlock(label=_("description"), required=False)

    class Meta:
        icon = "tick"
        label = _("Objective")


class ExpectedActionBlock(blocks.StructBlock):
    description = blocks.CharBlock(label=_("expected action"), max_length=300)
    objective = blocks.CharBlock(label=_("objective code"), max_length=10)
    role = blocks.CharBlock(label=_("responsible drill role"), max_length=100)
    deadline_minutes = blocks.IntegerBlock(
        label=_("deadline (minutes after the inject)"), min_value=0, default=10
    )
    weight = blocks.IntegerBlock(label=_("weight"), min_value=1, default=1)
    plan_step = blocks.ChoiceBlock(
        choices=plan_step_choices, required=False, label=_("plan step it tests")
    )

    class Meta:
        icon = "success"
        label = _("Expected action")


class InjectBlock(blocks.StructBlock):
    offset = OffsetBlock(label=_("time from the start"), max_length=10,
                         help_text=_("+H:MM, e.g. +0:05"))
    channel = blocks.ChoiceBlock(choices=CHANNELS, label=_("channel"))
    sender = blocks.CharBlock(label=_("from"), max_length=100)
    role = blocks.CharBlock(label=_("to (drill role)"), max_length=100)
    subject = blocks.CharBlock(label=_("subject"), max_length=200)
    message = blocks.TextBlock(label=_("message"))
    contingency = blocks.BooleanBlock(
        label=_("contingency"), required=False,
        help_text=_("Released by the controller only if an expected action has not happened."),
    )
    after_acknowledgement_of = blocks.CharBlock(
        label=_("released after acknowledgement of"), max_length=200, required=False,
        help_text=_("The subject of another inject of this timeline: this one is released as "
                    "soon as that inject's addressee acknowledges it, or at its own time "
                    "from the start, whichever comes first. Leave empty to release it at its "
                    "time only."),
    )
    expected_actions = blocks.ListBlock(
        ExpectedActionBlock(), label=_("expected actions"), default=[]
    )

    class Meta:
        icon = "mail"
        label = _("Inject")

"""The preview's list of what a timeline import changes, field by field (old → new)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drills.blocks import format_offset, parse_offset, plan_step_choices
from drills.timeline.columns import NO, YES, actions_of, channel_labels


@dataclass(frozen=True)
class TimelineChange:
    """One difference the import makes, as the preview lists it."""

    inject: str  # which inject: its number and subject
    what: str  # the field, or "added" / "removed", in the reader's language
    old: str = ""
    new: str = ""
    kind: str = "changed"  # or "added", "removed": an inject as a whole


ADDED = gettext_lazy("added")
REMOVED = gettext_lazy("removed")

INJECT_FIELDS = [
    ("offset", "時刻"), ("channel", "手段"), ("sender", "発信者"), ("role", "宛先"),
    ("subject", "件名"), ("message", "内容"), ("contingency", "予備"),
    ("after_acknowledgement_of", "受信確認を受けて発出"),
]
ACTION_FIELDS = [
    ("description", "期待される対応"), ("objective", "目標"), ("role", "担当役割"),
    ("deadline_minutes", "期限（分）"), ("weight", "重み"), ("plan_step", "計画の手順"),
]


def timeline_changes(current: list[dict], blocks: list[dict],
                     earlier: list) -> list[TimelineChange]:
    """Every difference between the timeline now and after the import, field by field;
    `earlier` pairs each inject after it with its position before (rows.timeline_blocks)."""
    step_labels = dict(plan_step_choices())  # a plan step is shown by its words, not its id
    changes = []
    for number, (block, position) in enumerate(zip(blocks, earlier, strict=True), start=1):
        name = f"{number}. {block['value']['subject']}"
        if position is None:
            changes.append(TimelineChange(name, str(ADDED), "", _inject_summary(block["value"]),
                                          kind="added"))
            continue
        changes.extend(_inject_changes(name, current[position]["value"], block["value"],
                                       step_labels))
    kept = set(earlier)
    for number, block in enumerate(current, start=1):
        if number - 1 not in kept:
            changes.append(TimelineChange(f"{number}. {block['value']['subject']}",
                                          str(REMOVED), _inject_summary(block["value"]), "",
                                          kind="removed"))
    return changes


def _inject_changes(name, old: dict, new: dict, step_labels: dict) -> list[TimelineChange]:
    changes = []
    for key, label in INJECT_FIELDS:
        was, now = _shown(key, old.get(key)), _shown(key, new.get(key))
        if was != now:
            changes.append(TimelineChange(name, label, was, now))
    old_actions, new_actions = actions_of(old), actions_of(new)
    for position in range(max(len(old_actions), len(new_actions))):
        prefix = _("expected action %(number)d") % {"number": position + 1}
        was = old_actions[position] if position < len(old_actions) else None
        now = new_actions[position] if position < len(new_actions) else None
        if was is None or now is None:
            changes.append(TimelineChange(
                name, f"{prefix}: {ADDED if was is None else REMOVED}",
                _action_summary(was) if was else "", _action_summary(now) if now else "",
            ))
            continue
        for key, label in ACTION_FIELDS:
            before, after = _shown(key, was.get(key)), _shown(key, now.get(key))
            if before != after:
                if key == "plan_step":
                    before, after = step_labels.get(before, before), step_labels.get(after, after)
                changes.append(TimelineChange(name, f"{prefix}: {label}", before, after))
    return changes


def _shown(key, value) -> str:
    if key == "contingency":
        return YES if value else NO
    if key == "channel":
        return channel_labels().get(value, value or "")
    if key == "offset":
        try:
            return format_offset(parse_offset(value))
        except ValidationError:
            return str(value)
    return "" if value is None else str(value)


def _inject_summary(inject: dict) -> str:
    return " ".join(part for part in (_shown("offset", inject.get("offset")),
                                      inject.get("role", ""), inject.get("subject", "")) if part)


def _action_summary(action: dict) -> str:
    return _("%(action)s (objective %(objective)s, %(role)s, %(minutes)s minutes, weight "
             "%(weight)s)") % {"action": action["description"], "objective": action["objective"],
                               "role": action["role"], "minutes": action["deadline_minutes"],
                               "weight": action["weight"]}

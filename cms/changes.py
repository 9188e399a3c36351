"""What changed between two revisions of a page, section by section.

A reader asked to acknowledge a plan again should not have to re-read all of it. A
section starts at a heading, a contact tree or a procedure, and is known by that block's
id, so a renamed or moved section is still recognised as the same one. Procedures and
contact trees are compared item by item (each step and each contact keeps its id).
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

INTRODUCTION = "introduction"
STRUCTURED = ("procedure", "contact_tree")


@dataclass
class Section:
    key: str
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class SectionChange:
    kind: str  # "added", "removed" or "changed"
    title: str
    previous_title: str = ""
    details: list[str] = field(default_factory=list)


def sections(raw_blocks) -> list[Section]:
    found = [Section(INTRODUCTION, _("Introduction"))]
    for block in raw_blocks:
        if block["type"] == "heading":
            found.append(Section(block["id"], block["value"]["text"]))
        elif block["type"] in STRUCTURED:
            found.append(Section(block["id"], block["value"]["title"], [block]))
            continue
        found[-1].blocks.append(block)
    return [section for section in found if section.blocks or section.key != INTRODUCTION]


def section_changes(old_raw, new_raw) -> list[SectionChange]:
    old = {section.key: section for section in sections(old_raw)}
    new_sections = sections(new_raw)
    changes = []
    for section in new_sections:
        before = old.get(section.key)
        if before is None:
            changes.append(SectionChange("added", section.title))
        elif _content(before) != _content(section):
            changes.append(
                SectionChange(
                    "changed", section.title,
                    previous_title=before.title if before.title != section.title else "",
                    details=_item_changes(before, section),
                )
            )
    new_keys = {section.key for section in new_sections}
    changes += [
        SectionChange("removed", section.title) for key, section in old.items()
        if key not in new_keys
    ]
    return changes


BLOCK_KEY = re.compile(r' data-block-key="[^"]*"')


def _content(section: Section):
    """A section's content without what a reader cannot see: Wagtail's block ids, and the
    block keys its rich-text editor adds to paragraphs on every save."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str):
            return BLOCK_KEY.sub("", value)
        return value

    return strip(section.blocks)


def _item_changes(before: Section, after: Section) -> list[str]:
    """Step-by-step (or contact-by-contact) detail for a changed procedure or contact tree."""
    if not (before.blocks and after.blocks and before.blocks[0]["type"] in STRUCTURED
            and before.blocks[0]["type"] == after.blocks[0]["type"]):
        return []
    kind = after.blocks[0]["type"]
    items_key, describe = ("steps", _describe_step) if kind == "procedure" else (
        "contacts", _describe_contact
    )
    old_list = before.blocks[0]["value"][items_key]
    old_items = {item["id"]: item["value"] for item in old_list}
    new_items = after.blocks[0]["value"][items_key]
    kept = [item["id"] for item in new_items if item["id"] in old_items]
    details = []
    for number, item in enumerate(new_items, start=1):
        previous = old_items.pop(item["id"], None)
        if previous is None:
            details.append(_("Added %(number)s: %(text)s")
                           % {"number": number, "text": describe(item["value"])})
        elif previous != item["value"]:
            details.append(_("Changed %(number)s: %(before)s → %(after)s") % {
                "number": number, "before": describe(previous), "after": describe(item["value"]),
            })
    details += [_("Removed: %(text)s") % {"text": describe(value)} for value in old_items.values()]
    if kept != [item["id"] for item in old_list if item["id"] in kept]:
        details.append(_("The order changed."))
    return details


def _describe_step(step) -> str:
    text = f"{step['action']} ({step['responsible_role']}"
    if step.get("time_target_minutes") is not None:
        text += ", " + _("within %(minutes)s min") % {"minutes": step["time_target_minutes"]}
    return text + ")"


def _describe_contact(contact) -> str:
    return f"{contact['role']} {contact['name']} {contact['phone']}"

"""What changed between two revisions of a page, section by section.

A reader asked to acknowledge a plan again should not have to re-read all of it. A
section starts at a heading, a contact tree or a procedure, and is known by that block's
id, so a renamed or moved section is still recognised as the same one.

Within a changed section every changed field is listed, whatever the block type: the
block definitions (cms/blocks.py) are walked together with the two revisions' raw data,
so a new block type, or a new field in one, is summarised without code here. Items of a
list or a stream are matched by the id Wagtail gives them (a reordered contact is the
same contact), and each line says which item, which field (its label) and old → new:
「連絡先 2（課長 山田 太郎）の電話番号：096-000-1001 → 096-000-1099」.
"""

import re
from dataclasses import dataclass, field

from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

from cms.blocks import PlanStreamBlock

INTRODUCTION = "introduction"
STRUCTURED = ("procedure", "contact_tree")
# Every block a plan or a training module may hold (PlanStreamBlock extends the modules').
ALL_BLOCKS = PlanStreamBlock()


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


def section_changes(old_raw, new_raw, stream_block=None) -> list[SectionChange]:
    stream_block = stream_block or ALL_BLOCKS
    old = {section.key: section for section in sections(old_raw)}
    new_sections = sections(new_raw)
    changes = []
    for section in new_sections:
        before = old.get(section.key)
        if before is None:
            changes.append(SectionChange("added", section.title))
        elif _canonical(before.blocks) != _canonical(section.blocks):
            changes.append(
                SectionChange(
                    "changed", section.title,
                    previous_title=before.title if before.title != section.title else "",
                    details=_section_details(stream_block, before, section),
                )
            )
    new_keys = {section.key for section in new_sections}
    changes += [
        SectionChange("removed", section.title) for key, section in old.items()
        if key not in new_keys
    ]
    return changes


def field_change(label, before, after) -> str:
    """One line for a changed plain field of a page (its summary, say)."""
    return _changed_line([str(label)], before or "", after or "")


BLOCK_KEY = re.compile(r' data-block-key="[^"]*"')


def _canonical(value):
    """A value without what a reader cannot see: Wagtail's block ids, and the block keys
    its rich-text editor adds to paragraphs on every save."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, str):
        return BLOCK_KEY.sub("", value)
    return value


def _section_details(stream_block, before: Section, after: Section) -> list[str]:
    first_old, first_new = before.blocks[0], after.blocks[0]
    if first_new["type"] in STRUCTURED and first_old["type"] == first_new["type"]:
        # The section is that one block, and its title is the section's: start inside it.
        block = stream_block.child_blocks[first_new["type"]]
        return _changes(block, first_old["value"], first_new["value"], [])
    return _sequence_changes(
        _stream_items(stream_block, before.blocks), _stream_items(stream_block, after.blocks), []
    )


@dataclass
class _Item:
    """One entry of a list or a stream: what the summary calls it, and its raw value."""

    key: str
    block: blocks.Block
    value: object
    name: str


def _changes(block, before, after, where: list[str]) -> list[str]:
    """Lines for every changed field of `block` between raw values `before` and `after`."""
    if isinstance(block, blocks.StreamBlock):
        return _sequence_changes(_stream_items(block, before or []),
                                 _stream_items(block, after or []), where)
    if isinstance(block, blocks.ListBlock):
        return _sequence_changes(_list_items(block, before or []),
                                 _list_items(block, after or []), where)
    if isinstance(block, blocks.StructBlock):
        before, after = _struct(block, before), _struct(block, after)
        lines = []
        for name, child in block.child_blocks.items():
            lines += _changes(child, before.get(name), after.get(name),
                              where + _field(block, child))
        return lines
    if _canonical(before) == _canonical(after):
        return []
    old_text, new_text = _text(block, before), _text(block, after)
    if old_text == new_text:
        return [_("%(where)s: the formatting changed.") % {"where": _path(where)}]
    return [_changed_line(where, old_text, new_text)]


def _sequence_changes(old_items: list[_Item], new_items: list[_Item], where) -> list[str]:
    old_by_key = {item.key: item for item in old_items}
    lines, kept = [], []
    for item in new_items:
        previous = old_by_key.get(item.key)
        if previous is None or previous.block is not item.block:
            lines.append(_("Added %(where)s: %(text)s") % {
                "where": _path(where + [item.name]), "text": _describe(item.block, item.value)})
            continue
        kept.append(item.key)
        lines += _changes(item.block, previous.value, item.value, where + [item.name])
    new_keys = {item.key for item in new_items if item.key in kept}
    lines += [
        _("Removed %(where)s: %(text)s") % {
            "where": _path(where + [item.name]), "text": _describe(item.block, item.value)}
        for item in old_items if item.key not in new_keys
    ]
    if kept != [item.key for item in old_items if item.key in new_keys]:
        lines.append(_("%(where)s: the order changed.") % {"where": _path(where)} if where
                     else _("The order changed."))
    return lines


def _stream_items(stream_block, raw) -> list[_Item]:
    items, seen = [], {}
    counts = {}
    for child in raw:
        counts[child["type"]] = counts.get(child["type"], 0) + 1
    for position, child in enumerate(raw):
        block = stream_block.child_blocks.get(child["type"]) or _unknown(child["type"])
        seen[child["type"]] = seen.get(child["type"], 0) + 1
        label = str(block.label)
        # "本文 2" only when the section holds more than one text block.
        number = seen[child["type"]] if counts[child["type"]] > 1 else None
        items.append(_Item(child.get("id") or f"#{position}", block, child["value"],
                           _item_name(label, number, block, child["value"])))
    return items


def _list_items(list_block, raw) -> list[_Item]:
    child = list_block.child_block
    label = str(child.label or list_block.label)
    items = []
    for position, entry in enumerate(raw, start=1):
        # Lists saved before Wagtail 2.16 hold bare values; they are matched by position.
        if isinstance(entry, dict) and entry.get("type") == "item" and "id" in entry:
            key, value = entry["id"], entry["value"]
        else:
            key, value = f"#{position}", entry
        items.append(_Item(key, child, value, _item_name(label, position, child, value)))
    return items


def _item_name(label: str, number, block, value) -> str:
    """「連絡先 2（課長 山田 太郎）」: the item's kind, its place and, where the block says
    which fields name it (Meta.summary_name), what it is called."""
    name = " ".join(
        str(_struct(block, value).get(part) or "")
        for part in getattr(block.meta, "summary_name", ())
    ).strip()
    numbered = f"{label} {number}" if number is not None else label
    if not name:
        return numbered
    return _("%(item)s (%(name)s)") % {
        "item": numbered, "name": Truncator(name).chars(30)}


def _field(struct_block, child) -> list[str]:
    # A struct of one field (a heading's text) is named by the struct alone, and a list
    # whose items have a label of their own by its items (「連絡先 2」, not 「連絡先（連絡する
    # 順）の連絡先 2」).
    if len(struct_block.child_blocks) == 1 or (
        isinstance(child, blocks.ListBlock) and child.child_block.label
    ):
        return []
    return [str(child.label)]


def _struct(block, raw) -> dict:
    if isinstance(raw, dict):
        return raw
    if isinstance(block, ImageBlock) and raw is not None:
        return {"image": raw}  # saved as an ImageChooserBlock: the image id alone
    return {}


def _describe(block, raw) -> str:
    """An added or removed item in full: each of its filled fields with its label."""
    if isinstance(block, blocks.StructBlock):
        value = _struct(block, raw)
        parts = []
        for name, child in block.child_blocks.items():
            text = _describe(child, value.get(name))
            if text:
                parts.append(text if len(block.child_blocks) == 1
                             else _("%(field)s: %(value)s") % {"field": child.label, "value": text})
        return _("; ").join(parts)
    if isinstance(block, blocks.StreamBlock | blocks.ListBlock):
        items = (_stream_items(block, raw or []) if isinstance(block, blocks.StreamBlock)
                 else _list_items(block, raw or []))
        return _("; ").join(filter(None, (_describe(item.block, item.value) for item in items)))
    return _text(block, raw) if raw not in (None, "") else ""


def _text(block, raw) -> str:
    """A leaf value as a reader sees it: a choice's label, a document's title, text
    without markup."""
    if raw is None or raw == "":
        return _("(empty)")
    if isinstance(block, blocks.RichTextBlock):
        return " ".join(strip_tags(re.sub(r"<(br|/p|/li|/h\d)\b", r" \g<0>", raw)).split())
    if isinstance(block, blocks.ChoiceBlock):
        return str(dict(block.field.choices).get(raw, raw))
    if isinstance(block, blocks.BooleanBlock):
        return _("yes") if raw else _("no")
    if isinstance(block, blocks.ChooserBlock):
        chosen = block.model_class.objects.filter(pk=raw).first()
        return str(chosen) if chosen is not None else _("(deleted, #%(id)s)") % {"id": raw}
    return str(raw)


def _changed_line(where, before: str, after: str) -> str:
    before, after = _shorten(before, after)
    return _("%(where)s: %(before)s → %(after)s") % {
        "where": _path(where), "before": before, "after": after}


def _path(where: list[str]) -> str:
    if not where:
        return _("This section")
    text = where[0]
    for part in where[1:]:
        text = _("%(outer)s, %(inner)s") % {"outer": text, "inner": part}
    return text


CONTEXT = 20


def _shorten(before: str, after: str) -> tuple[str, str]:
    """Two long texts cut down to where they differ, with a little context either side,
    so that a changed word in a long paragraph is visible."""
    if len(before) + len(after) <= 120:
        return before, after
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(before), len(after)) - prefix
           and before[-1 - suffix] == after[-1 - suffix]):
        suffix += 1
    start = max(0, prefix - CONTEXT)

    def cut(text):
        end = min(len(text), len(text) - suffix + CONTEXT)
        return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")

    return cut(before), cut(after)


_UNKNOWN = {}


def _unknown(type_name):
    """A block type no longer defined (an old revision): compared as plain text. One block
    per type name, so that the same entry in two revisions is recognised as the same."""
    if type_name not in _UNKNOWN:
        _UNKNOWN[type_name] = blocks.CharBlock()
        _UNKNOWN[type_name].set_name(type_name)
    return _UNKNOWN[type_name]

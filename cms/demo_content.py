"""Japanese demo content for the CMS: five training modules and the emergency response plans.

The content answers the council minutes in `context/000_23929722f1324480.txt`: what the
network is, how identity data is protected, why a password on paper matters even though
vein authentication is required, how access logs are reviewed, and what to do in an
incident. It is written for this product; it copies no real document. Every name and
telephone number is fictional (096-000-xxxx, 03-0000-xxxx).

The content itself is data, beside this module: `demo_data/training_modules.json` (the
modules) and `demo_data/emergency_plans.json` (the plan, its parts common to every kind of
organisation and those of a prefecture's and a municipality's). In the plan, `{organisation}`,
`{lead}` (the municipality's lead division) and `{scope}` stand for the organisation's
own words, and a municipal plan's `{name0}`..`{name3}` and `{phone1}`.. for its fictional
contacts, drawn from its name so that each municipality gets its own.

Data format: `TRAINING_MODULES[i]["body"]` and `emergency_plan(...)["body"]` are *plain*
StreamField raw data, without ids: top-level blocks are `{"type", "value"}` and ListBlock
items are bare values. The caller applies `stream()` before saving, passing a key that
differs per page (the module's slug, the organisation's name) so that two pages never share
ids::

    page.body = stream(module["body"], key=module["slug"])

`stream()` gives every top-level block and every ListBlock item (procedure steps, contacts,
key points, checklist items) a uuid5 derived from the key and the item's position. Seeding
again produces the same ids, so a drill that points at "step 3 of the earthquake procedure"
keeps pointing at it after a re-seed.
"""

import copy
import json
import re
import uuid
import zlib
from pathlib import Path

__all__ = [
    "TRAINING_MODULES",
    "emergency_plan",
    "procedure_step_ids",
    "stream",
]

DEMO_DATA = Path(__file__).parent / "demo_data"
TRAINING_MODULES = json.loads((DEMO_DATA / "training_modules.json").read_text(encoding="utf-8"))
PLANS = json.loads((DEMO_DATA / "emergency_plans.json").read_text(encoding="utf-8"))

# Fixed namespace for the ids of the demo content. Never change it: ids would change too.
NAMESPACE = uuid.UUID("6f1d2c3a-9b7e-5a41-8c2d-4e0f7a9b1c35")

# Block types whose value is a list, and struct blocks whose named field is a list.
LIST_BLOCKS = {"key_points", "checklist"}
STRUCT_LIST_FIELDS = {"contact_tree": "contacts", "procedure": "steps"}


def stream(blocks: list[dict], key: str = "") -> list[dict]:
    """Return `blocks` as Wagtail raw stream data with deterministic ids.

    Top-level blocks become `{"type", "value", "id"}`; each ListBlock item becomes
    `{"type": "item", "value", "id"}`. Ids are uuid5 of the key and the position, so the
    same input always gives the same ids. The input is not modified, and data that already
    carries ids is accepted (stream(stream(x)) == stream(x)).
    """
    result = []
    for index, block in enumerate(blocks):
        path = f"{key}/{index}"
        block_type = block["type"]
        value = copy.deepcopy(block["value"])
        if block_type in LIST_BLOCKS:
            value = _list_items(value, path)
        elif block_type in STRUCT_LIST_FIELDS:
            field = STRUCT_LIST_FIELDS[block_type]
            value[field] = _list_items(value[field], f"{path}/{field}")
        result.append({"type": block_type, "value": value, "id": _uuid(path)})
    return result


def procedure_step_ids(streamed: list[dict], incident_type: str) -> list[str]:
    """The ids of the steps of one incident type's procedure, in order, in streamed data."""
    for block in streamed:
        if block["type"] == "procedure" and block["value"]["incident_type"] == incident_type:
            return [step["id"] for step in block["value"]["steps"]]
    raise KeyError(incident_type)


def _uuid(path: str) -> str:
    return str(uuid.uuid5(NAMESPACE, path))


def _list_items(items: list, path: str) -> list[dict]:
    return [
        {"type": "item", "value": _unwrap(item), "id": _uuid(f"{path}/{position}")}
        for position, item in enumerate(items)
    ]


def _unwrap(item):
    if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
        return item["value"]
    return item


def emergency_plan(organisation_name: str, kind: str, *, lead_division: str = "市民課") -> dict:
    """The 緊急時対応計画書 of a prefecture (kind "prefecture") or a municipality.

    Returns {"title", "summary", "body"}; the body is plain PlanStreamBlock data, to be
    passed through `stream()`. A municipality's lead division defaults to 市民課 (熊本市's
    demo data names 区政課, for instance).
    """
    if kind not in ("prefecture", "municipality"):
        raise ValueError(f"unknown organisation kind: {kind!r}")
    own = PLANS[kind]
    words = {"organisation": organisation_name, "lead": lead_division,
             **_municipal_contact_words(organisation_name)}
    words["scope"] = _filled(own["scope"], words)
    contact_tree = {"type": "contact_tree",
                    "value": {"title": PLANS["contact_tree_title"], "contacts": own["contacts"]}}
    body = [*PLANS["opening"], contact_tree, PLANS["procedures_heading"], *own["procedures"],
            PLANS["review_heading"], {"type": "paragraph", "value": own["review"]}]
    return _filled({"title": PLANS["title"], "summary": PLANS["summary"], "body": body}, words)


def _municipal_contact_words(organisation_name: str) -> dict[str, str]:
    """Fictional names and telephone numbers for a municipal plan's contacts, picked
    deterministically from the organisation's name."""
    seed = zlib.crc32(organisation_name.encode())
    base = 2000 + (seed % 80) * 100  # 096-000-2000 .. 096-000-9999, never the prefecture's
    surnames = PLANS["municipal_names"]["surnames"]
    given_names = PLANS["municipal_names"]["given_names"]
    words = {}
    for index in range(4):
        surname = surnames[(seed + 3 * index) % len(surnames)]
        given = given_names[(seed // 7 + index) % len(given_names)]
        words[f"name{index}"] = f"{surname} {given}"
    for extension in (1, 2, 11, 12):
        words[f"phone{extension}"] = f"096-000-{base + extension:04d}"
    return words


def _filled(data, words: dict[str, str]):
    """`data` with every `{word}` in its strings replaced; an unknown word is an error."""
    if isinstance(data, str):
        return re.sub(r"\{(\w+)\}", lambda match: words[match[1]], data)
    if isinstance(data, list):
        return [_filled(item, words) for item in data]
    if isinstance(data, dict):
        return {key: _filled(value, words) for key, value in data.items()}
    return data

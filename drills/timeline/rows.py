"""Reading a timeline file's rows into injects and their expected actions.

Rows with the same 番号 are one inject (a continuation row may leave the inject's columns
empty); a file without the newer columns gets their defaults, and each row's notes say
which. Every problem is put on its row, keyed to its column, so the preview can show it.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.imports.pipeline import ImportRow, Upload
from core.text import fold_width
from drills.blocks import CHANNELS, format_offset, parse_offset
from drills.models import Scenario
from drills.scenarios import live_plan_of, procedure_steps
from drills.timeline.changes import timeline_changes
from drills.timeline.columns import (
    DEFAULT_DEADLINE_MINUTES,
    DEFAULT_WEIGHT,
    INJECT_KEYS,
    KEYS,
    MAX_DEADLINE_MINUTES,
    MAX_LENGTHS,
    MAX_WEIGHT,
    NO_WORDS,
    REQUIRED,
    YES_WORDS,
    ImportMode,
    action_items,
    channel_of,
)


@dataclass
class _Inject:
    """An inject being read from the file: its first row, and the rows of its actions."""

    label: str
    first_line: int
    cells: dict  # of its first row, which its other rows repeat or leave empty
    value: dict | None
    errors: list
    actions: list = field(default_factory=list)


def timeline_check_rows(scenario, upload: Upload, result) -> None:
    """Read every row of `upload` into the injects it describes, checked against
    `scenario` as it is now; when every row is right, fill in result.blocks (the timeline
    after the import) and result.changes. Errors go on the rows, by line."""
    codes = [block["value"]["code"] for block in scenario.objectives.raw_data]
    plan = live_plan_of(scenario.organisation)
    plan_steps = {step for steps in procedure_steps(plan).values() for step in steps} if plan \
        else set()
    headers = dict(zip(KEYS, result.columns, strict=True))
    rows = upload.rows
    inject_block = Scenario.timeline.field.stream_block.child_blocks["inject"]
    injects: dict[str, _Inject] = {}
    row_errors = {}  # line → [(column index, message)]
    row_notes = defaultdict(list)

    for line, cells in rows:
        values = upload.texts(cells, KEYS)
        errors = row_errors.setdefault(line, [])
        notes = row_notes[line]

        def problem(key, message, errors=errors):
            errors.append((
                KEYS.index(key),
                _("%(column)s: %(problem)s") % {"column": headers[key], "problem": message},
            ))

        number = _normalised(values["number"] or "")
        label = number or f"line-{line}"
        continuing = injects.get(label)
        if continuing is not None:
            for key in INJECT_KEYS[1:]:
                if values[key] and values[key] != continuing.cells[key]:
                    problem(key, _("Rows of inject %(number)s must repeat its line %(line)d "
                                   "or leave this empty.")
                            % {"number": number, "line": continuing.first_line})
        else:
            continuing = injects[label] = _Inject(
                label=number, first_line=line, cells=values, errors=errors,
                value=_inject_value(values, problem, errors),
            )
        action = _action_value(values, problem, notes, codes=codes, plan_steps=plan_steps,
                               addressee=values["role"] or (continuing.value or {}).get("role"))
        if action is not None:
            continuing.actions.append(action)

    current = list(scenario.timeline.raw_data)
    blocks, earlier = timeline_blocks(list(injects.values()), current, result.mode)
    # A wait names a subject as written or, failing that, with widths folded (第１報 for
    # 第1報); it is stored as the subject is written, since the drill releases on it.
    subjects = [block["value"]["subject"] for block in blocks]
    for read, block in zip(injects.values(), blocks[-len(injects):] if injects else [],
                           strict=True):
        waits_for = block["value"].get("after_acknowledgement_of", "")
        if not waits_for:
            continue
        named = [subject for subject in subjects if subject == waits_for] or [
            subject for subject in subjects if _normalised(subject) == _normalised(waits_for)]
        problem_text = None
        if named == [block["value"]["subject"]]:
            problem_text = _("An inject cannot wait for its own acknowledgement.")
        elif not named:
            problem_text = _("No inject has the subject “%(subject)s”.") % {"subject": waits_for}
        elif len(named) > 1:
            problem_text = _("Several injects have the subject “%(subject)s”: give them "
                             "different subjects.") % {"subject": waits_for}
        else:
            block["value"]["after_acknowledgement_of"] = named[0]
        if problem_text:
            read.errors.append((KEYS.index("after_acknowledgement_of"), _(
                "%(column)s: %(problem)s") % {"column": headers["after_acknowledgement_of"],
                                              "problem": problem_text}))
    for read, block in zip(injects.values(), blocks[-len(injects):] if injects else [],
                           strict=True):
        if read.value is not None and not read.errors:
            read.errors.extend((len(KEYS), message)
                               for message in _block_errors(inject_block, block["value"]))

    for line, cells in rows:
        values = upload.texts(cells, KEYS)
        result.rows.append(ImportRow(
            line=line, cells=tuple(value or "" for value in values.values()),
            errors=tuple(message for _column, message in sorted(row_errors[line],
                                                                 key=lambda e: e[0])),
            notes=tuple(row_notes[line]),
        ))
    if not result.has_errors:
        result.blocks = blocks
        result.changes = timeline_changes(current, blocks, earlier)


def _normalised(text: str) -> str:
    return fold_width(text).strip()


def _inject_value(values, problem, errors: list) -> dict | None:
    """The inject of a row's inject columns, or None if they have a problem (added to
    `errors` by `problem`)."""
    problems_before = len(errors)
    for key in REQUIRED:
        if not values[key]:
            problem(key, _("This cannot be empty."))
    for key in ("sender", "role", "subject", "after_acknowledgement_of"):
        _check_length(values, key, problem)
    offset = None
    if values["offset"]:
        try:
            offset = parse_offset(values["offset"])
        except ValidationError as error:
            problem("offset", error.messages[0])
    channel = channel_of(values["channel"]) if values["channel"] else None
    if values["channel"] and channel is None:
        problem("channel", _("“%(text)s” is not a channel. Write one of: %(channels)s.")
                % {"text": values["channel"],
                   "channels": ", ".join(str(label) for _value, label in CHANNELS)})
    contingency = _yes_or_no(values["contingency"] or "", "contingency", problem)
    if len(errors) > problems_before:
        return None
    return {
        "offset": format_offset(offset),
        "channel": channel,
        "sender": values["sender"],
        "role": values["role"],
        "subject": values["subject"],
        "message": values["message"],
        "contingency": contingency,
        "after_acknowledgement_of": values["after_acknowledgement_of"] or "",
    }


def _action_value(values, problem, notes, *, codes, plan_steps, addressee) -> dict | None:
    description = values["expected_action"] or ""
    details = [key for key in ("objective", "action_role", "deadline_minutes", "weight",
                               "plan_step") if values[key]]
    if not description:
        if details:
            problem("expected_action", _("This cannot be empty when the row names the "
                                         "action's %(columns)s.")
                    % {"columns": ", ".join(details)})
        return None
    _check_length(values, "expected_action", problem)
    _check_length(values, "action_role", problem)
    defaults = []
    objective = values["objective"] or ""
    if objective not in codes:
        objective = _normalised(objective)  # a code typed with full-width digits
    if not codes:
        problem("expected_action", _(
            "The scenario has no objectives: add one before importing expected actions."
        ))
    elif not objective:
        objective = codes[0]
        defaults.append(_("objective %(code)s") % {"code": objective})
    elif objective not in codes:
        problem("objective", _("No objective of this scenario has the code “%(code)s”.")
                % {"code": objective})
    role = values["action_role"] or ""
    if not role:
        role = addressee or ""
        defaults.append(_("by %(role)s") % {"role": role})
    deadline = _whole_number(values["deadline_minutes"], "deadline_minutes", problem,
                             minimum=0, maximum=MAX_DEADLINE_MINUTES)
    if deadline is None:
        deadline = DEFAULT_DEADLINE_MINUTES
        defaults.append(_("due %(minutes)d minutes after the inject") % {"minutes": deadline})
    weight = _whole_number(values["weight"], "weight", problem, minimum=1, maximum=MAX_WEIGHT)
    if weight is None:
        weight = DEFAULT_WEIGHT
        defaults.append(_("weight %(weight)d") % {"weight": weight})
    plan_step = values["plan_step"] or ""
    if plan_step not in plan_steps:
        plan_step = _normalised(plan_step)  # a step id typed with full-width letters
    if plan_step and plan_step not in plan_steps:
        problem("plan_step", _("“%(step)s” is not a step of the published plan of the "
                               "scenario's organisation.") % {"step": plan_step})
    if defaults:
        notes.append(_("Expected action “%(action)s”: %(defaults)s (not in the file).")
                     % {"action": description, "defaults": ", ".join(defaults)})
    return {"description": description, "objective": objective, "role": role,
            "deadline_minutes": deadline, "weight": weight, "plan_step": plan_step}


def _check_length(values, key, problem) -> None:
    limit = MAX_LENGTHS[key]
    if values[key] and len(values[key]) > limit:
        problem(key, _("At most %(limit)d characters (this has %(length)d).")
                % {"limit": limit, "length": len(values[key])})


def _yes_or_no(text: str, key, problem) -> bool:
    word = _normalised(text).casefold()
    if word in YES_WORDS:
        return True
    if word not in NO_WORDS:
        problem(key, _("Write はい or leave it empty, not “%(text)s”.") % {"text": text})
    return False


def _whole_number(text, key, problem, *, minimum, maximum) -> int | None:
    """A whole number as typed or as Excel stores it (5, ５, 5.0); None when empty."""
    text = _normalised(text or "")
    if not text:
        return None
    try:
        number = float(text) if len(text) <= 12 else None
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not minimum <= number <= maximum:
        problem(key, _("Write a whole number from %(minimum)d to %(maximum)d, not “%(text)s”.")
                % {"minimum": minimum, "maximum": maximum, "text": text})
        return None
    return int(number)


def timeline_blocks(injects: list[_Inject], current: list[dict], mode: str):
    """The timeline after the import, as raw stream data, and for each of its injects the
    position of the one it was in the timeline before (None: new). On replace, the
    file's inject 番号 N is the timeline's Nth and takes its id (and its actions theirs,
    in order), so that a file exported and imported back changes nothing at all."""
    taken = set()
    blocks, earlier = [], []
    for read in injects:
        matched = None
        if mode == ImportMode.REPLACE and read.label.isascii() and read.label.isdigit() \
                and len(read.label) <= 6:
            index = int(read.label) - 1
            if 0 <= index < len(current) and index not in taken:
                taken.add(index)
                matched = current[index]
        earlier.append(index if matched is not None else None)
        own_ids = [item["id"] for item in action_items(matched["value"])] if matched else []
        # A bad first row still takes part in the checks of the chain that follow.
        value = dict(read.value) if read.value else {
            "subject": read.cells["subject"] or "",
            "after_acknowledgement_of": read.cells["after_acknowledgement_of"] or "",
        }
        value["expected_actions"] = [
            {"type": "item", "value": action,
             "id": own_ids[position] if position < len(own_ids) and own_ids[position]
             else str(uuid.uuid4())}
            for position, action in enumerate(read.actions)
        ]
        blocks.append({"type": "inject", "value": value,
                       "id": (matched or {}).get("id") or str(uuid.uuid4())})
    if mode == ImportMode.REPLACE:
        return blocks, earlier
    return [*current, *blocks], [*range(len(current)), *earlier]


def _block_errors(block, raw: dict) -> list[str]:
    """Anything else the inject's own block refuses (a plan step that no longer exists)."""
    try:
        block.clean(block.to_python(raw))
    except ValidationError as error:
        data = error.as_json_data() if hasattr(error, "as_json_data") else {
            "messages": error.messages
        }
        return list(_messages(data))
    return []


def _messages(data) -> list[str]:
    messages = list(data.get("messages", []))
    children = data.get("blockErrors") or {}
    for child in children.values() if isinstance(children, dict) else children:
        if child:
            messages.extend(_messages(child))
    return messages

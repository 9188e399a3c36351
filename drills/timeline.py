"""A scenario's timeline as a spreadsheet: export it, and import it back all or nothing.

The spreadsheet holds every field of the timeline, so that export then import gives back
exactly the timeline that was exported. One row per expected action, the inject's columns
repeated on each of its rows, and one row for an inject without expected actions:

    番号 時刻 手段 発信者 宛先 件名 内容 予備 受信確認を受けて発出
    | 期待される対応 目標 担当役割 期限（分） 重み 計画の手順

Rows with the same 番号 are one inject (a continuation row may leave the inject's columns
empty). The English headers (no., time, channel, …) are read too. A file of the older
seven columns (時刻 … 期待される対応) still imports: each row is one inject, and the
preview says which defaults filled the missing columns. Files are read by
people.roster.files: CSV in UTF-8 or Shift_JIS (CP932), or the first sheet of an XLSX
workbook, every row keeping its line number for messages.

An import either appends the file's injects to the timeline or replaces the timeline with
them, as the coordinator chooses. Before anything is written the preview lists every
change field by field (old → new): on replace, the file's inject 番号 N is compared with
the timeline's Nth inject, which keeps that inject's identity when nothing changed.
"""

import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import exports
from drills.blocks import CHANNELS, format_offset, parse_offset, plan_step_choices
from drills.models import Scenario
from drills.scenarios import live_plan_of, procedure_steps
from people.roster.files import RosterEncoding, RosterFileError, cell_text, read_sheet

# (key, Japanese header, English header), in the order of the columns.
INJECT_COLUMNS = [
    ("number", "番号", "no."),
    ("offset", "時刻", "time"),
    ("channel", "手段", "channel"),
    ("sender", "発信者", "from"),
    ("role", "宛先", "to"),
    ("subject", "件名", "subject"),
    ("message", "内容", "message"),
    ("contingency", "予備", "contingency"),
    ("after_acknowledgement_of", "受信確認を受けて発出", "after acknowledgement of"),
]
ACTION_COLUMNS = [
    ("expected_action", "期待される対応", "expected action"),
    ("objective", "目標", "objective"),
    ("action_role", "担当役割", "responsible role"),
    ("deadline_minutes", "期限（分）", "deadline (minutes)"),
    ("weight", "重み", "weight"),
    ("plan_step", "計画の手順", "plan step"),
]
COLUMNS = INJECT_COLUMNS + ACTION_COLUMNS
KEYS = [key for key, _japanese, _english in COLUMNS]
INJECT_KEYS = [key for key, _japanese, _english in INJECT_COLUMNS]
HEADERS = tuple(japanese for _key, japanese, _english in COLUMNS)
# A file must have these; the others fall back to their defaults (older files lack them).
REQUIRED_COLUMNS = ("offset", "channel", "sender", "role", "subject", "message",
                    "expected_action")
REQUIRED = ("offset", "channel", "sender", "role", "subject", "message")  # cells
MAX_LENGTHS = {"sender": 100, "role": 100, "subject": 200, "after_acknowledgement_of": 200,
               "expected_action": 300, "objective": 10, "action_role": 100}
DEFAULT_DEADLINE_MINUTES = 10
DEFAULT_WEIGHT = 1
MAX_DEADLINE_MINUTES = 24 * 60
MAX_WEIGHT = 100
YES, NO = "はい", ""
YES_WORDS = {"はい", "yes", "y", "true", "1", "○", "〇", "予備"}
NO_WORDS = {"", "いいえ", "no", "n", "false", "0", "×", "-"}
SHEET_TITLE = "タイムライン"


class ImportMode:
    APPEND = "append"
    REPLACE = "replace"
    CHOICES = [
        (APPEND, gettext_lazy("Add the file's injects after the current ones")),
        (REPLACE, gettext_lazy("Replace the whole timeline with the file")),
    ]


# Words Japanese offices write in a 手段 column, besides the channels' own labels.
CHANNEL_WORDS = {
    "電話": "phone",
    "メール": "email",
    "電子メール": "email",
    "Eメール": "email",
    "監視": "monitoring",
    "24時間監視": "monitoring",
    "監視センター": "monitoring",
    "監視機関からの通報": "monitoring",
    "報道": "media",
    "取材": "media",
    "報道機関": "media",
    "来庁": "walk_in",
    "来訪": "walk_in",
    "窓口": "walk_in",
}


# Export


def timeline_rows(scenario: Scenario) -> tablib.Dataset:
    """The timeline in the spreadsheet's columns: a row per expected action (one for an
    inject without any), numbered by inject, in timeline order."""
    channel_labels = _channel_labels()
    dataset = tablib.Dataset(headers=list(HEADERS), title=SHEET_TITLE)
    for number, block in enumerate(scenario.timeline.raw_data, start=1):
        inject = block["value"]
        inject_cells = [
            str(number),
            format_offset(parse_offset(inject["offset"])),
            channel_labels.get(inject["channel"], inject["channel"]),
            inject["sender"],
            inject["role"],
            inject["subject"],
            inject["message"],
            YES if inject.get("contingency") else NO,
            inject.get("after_acknowledgement_of") or "",
        ]
        actions = _actions(inject) or [None]
        for action in actions:
            dataset.append(inject_cells + (["", "", "", "", "", ""] if action is None else [
                action["description"],
                action["objective"],
                action["role"],
                str(action["deadline_minutes"]),
                str(action["weight"]),
                action.get("plan_step") or "",
            ]))
    return dataset


def timeline_csv(scenario: Scenario) -> bytes:
    """CSV that Excel opens as UTF-8; a cell such as +0:05 or =... is written '+0:05 so
    that Excel keeps it as text (core.exports), and the import reads it back as +0:05."""
    return exports.csv_bytes(timeline_rows(scenario))


def timeline_xlsx(scenario: Scenario) -> bytes:
    """A one-sheet workbook. Every cell is written as text: a message that starts with "="
    stays a message, not a formula, and +0:05 stays +0:05."""
    return exports.xlsx_bytes(
        timeline_rows(scenario),
        column_widths=(6, 8, 14, 24, 24, 30, 60, 6, 30, 40, 6, 24, 8, 6, 20),
    )


# Import


@dataclass(frozen=True)
class TimelineRow:
    line: int  # in the file
    cells: tuple[str, ...]  # as read, in the order of COLUMNS ("" for a missing column)
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # the defaults the import filled in


@dataclass(frozen=True)
class TimelineChange:
    """One difference the import makes, as the preview lists it."""

    inject: str  # which inject: its number and subject
    what: str  # the field, or "added" / "removed", in the reader's language
    old: str = ""
    new: str = ""
    kind: str = "changed"  # or "added", "removed": an inject as a whole


@dataclass
class TimelineImportResult:
    file_name: str
    mode: str
    current: int  # injects in the timeline before the import
    columns: tuple[str, ...] = HEADERS
    encoding: RosterEncoding | None = None  # the one a CSV file was read with
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[TimelineRow] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)  # the timeline after the import
    changes: list[TimelineChange] = field(default_factory=list)
    written: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def bad_rows(self) -> list[TimelineRow]:
        return [row for row in self.rows if row.errors]

    @property
    def replaces(self) -> bool:
        return self.mode == ImportMode.REPLACE

    @property
    def injects_in_file(self) -> int:
        return len(self.blocks) - (0 if self.replaces else self.current)

    @property
    def removed(self) -> list[str]:
        return [change.inject for change in self.changes if change.kind == "removed"]


ADDED = gettext_lazy("added")
REMOVED = gettext_lazy("removed")


def timeline_import(
    *, scenario: Scenario, content: bytes, file_name: str, encoding: str, dry_run: bool,
    mode: str = ImportMode.REPLACE,
) -> TimelineImportResult:
    """Check a timeline file and, unless `dry_run`, append it to the scenario's timeline
    or make it the timeline (`mode`).

    All or nothing: if the file cannot be read, lacks a column, or has any bad row,
    nothing is written. The real import locks the scenario and checks the file again
    against the timeline as it is then, so it never trusts an earlier preview. Access is
    the caller's to check (drills.access.get_scenario_for).
    """
    if mode not in (ImportMode.APPEND, ImportMode.REPLACE):
        raise ValueError(mode)
    result = TimelineImportResult(file_name=file_name, mode=mode, current=len(scenario.timeline))
    try:
        sheet = read_sheet(content, encoding)
    except RosterFileError as error:
        result.file_errors.append(str(error))
        return result
    result.encoding = sheet.encoding
    result.notices.extend(sheet.notices)
    positions = _column_positions(sheet.headers, result)
    if result.file_errors:
        return result
    result.columns = tuple(
        sheet.headers[positions[key]] if key in positions else header
        for key, header in zip(KEYS, HEADERS, strict=True)
    )
    if dry_run:
        _check_rows(scenario, sheet.rows, positions, result)
        return result
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        result.current = len(locked.timeline)
        _check_rows(locked, sheet.rows, positions, result)
        if result.has_errors:
            return result
        locked.timeline = result.blocks
        locked.save(update_fields=["timeline", "updated_at"])
        result.written = True
    return result


def channel_of(text: str) -> str | None:
    """The channel a 手段 cell names: its value, its label in Japanese or English, or a
    word offices use for it (電話, メール, 来庁 ...)."""
    names = {}
    for value, label in CHANNELS:
        names[_key(value)] = value
        for language in ("ja", "en"):
            with translation.override(language):
                names[_key(str(label))] = value
    names.update((_key(word), value) for word, value in CHANNEL_WORDS.items())
    return names.get(_key(text))


def _key(text) -> str:
    """Headers and channels as typed: full-width or half-width, any case, any spacing."""
    text = unicodedata.normalize("NFKC", cell_text(text)).casefold().replace("_", " ")
    return " ".join(text.split())


def _channel_labels() -> dict[str, str]:
    # The spreadsheet's headers are Japanese, so its channels are too.
    with translation.override("ja"):
        return {value: str(label) for value, label in CHANNELS}


def _column_positions(headers: list[str], result: TimelineImportResult) -> dict[str, int]:
    """Where each column is in the file, by its Japanese or English header."""
    keys = {}
    for key, japanese, english in COLUMNS:
        keys[_key(japanese)] = key
        keys[_key(english)] = key
    found = defaultdict(list)
    ignored = []
    for position, header in enumerate(headers):
        key = keys.get(_key(header))
        if key:
            found[key].append(position)
        elif header:
            ignored.append(header)
    labels = dict(zip(KEYS, HEADERS, strict=True))
    missing = [labels[key] for key in REQUIRED_COLUMNS if key not in found]
    if missing:
        result.file_errors.append(
            _("Columns missing from the file: %(missing)s. The first line must name the "
              "columns %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(HEADERS)}
        )
    repeated = [labels[key] for key in KEYS if len(found.get(key, ())) > 1]
    if repeated:
        result.file_errors.append(
            _("Columns named twice: %(columns)s.") % {"columns": ", ".join(repeated)}
        )
    if ignored:
        result.notices.append(_("Columns ignored: %(columns)s.") % {"columns": ", ".join(ignored)})
    absent = [labels[key] for key in KEYS if key not in found and key not in REQUIRED_COLUMNS]
    if absent and not missing:
        result.notices.append(
            _("The file has no column %(columns)s: each row is one inject, and the preview "
              "says which defaults fill the rest.") % {"columns": ", ".join(absent)}
        )
    return {key: positions[0] for key, positions in found.items()}


@dataclass
class _Inject:
    """An inject being read from the file: its first row, and the rows of its actions."""

    label: str
    first_line: int
    cells: dict  # of its first row, which its other rows repeat or leave empty
    value: dict | None
    errors: list
    actions: list = field(default_factory=list)


def _check_rows(scenario, rows, positions, result: TimelineImportResult) -> None:
    codes = [block["value"]["code"] for block in scenario.objectives.raw_data]
    plan = live_plan_of(scenario.organisation)
    plan_steps = {step for steps in procedure_steps(plan).values() for step in steps} if plan \
        else set()
    headers = dict(zip(KEYS, result.columns, strict=True))
    inject_block = Scenario.timeline.field.stream_block.child_blocks["inject"]
    injects: dict[str, _Inject] = {}
    row_errors = {}  # line → [(column index, message)]
    row_notes = defaultdict(list)

    for line, cells in rows:
        values = {
            key: (cell_text(cells[positions[key]]) if positions[key] < len(cells) else "")
            if key in positions else None
            for key in KEYS
        }
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
    blocks, earlier = _blocks(list(injects.values()), current, result.mode)
    subjects = defaultdict(int)
    for block in blocks:
        subjects[block["value"]["subject"]] += 1
    for read, block in zip(injects.values(), blocks[-len(injects):] if injects else [],
                           strict=True):
        waits_for = block["value"].get("after_acknowledgement_of", "")
        if not waits_for:
            continue
        problem_text = None
        if waits_for == block["value"]["subject"] and subjects[waits_for] == 1:
            problem_text = _("An inject cannot wait for its own acknowledgement.")
        elif subjects[waits_for] == 0:
            problem_text = _("No inject has the subject “%(subject)s”.") % {"subject": waits_for}
        elif subjects[waits_for] > 1:
            problem_text = _("Several injects have the subject “%(subject)s”: give them "
                             "different subjects.") % {"subject": waits_for}
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
        values = [
            (cell_text(cells[positions[key]]) if positions[key] < len(cells) else "")
            if key in positions else "" for key in KEYS
        ]
        result.rows.append(TimelineRow(
            line=line, cells=tuple(values),
            errors=tuple(message for _column, message in sorted(row_errors[line],
                                                                 key=lambda e: e[0])),
            notes=tuple(row_notes[line]),
        ))
    if not result.has_errors:
        result.blocks = blocks
        result.changes = _changes(current, blocks, earlier)


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


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


def _blocks(injects: list[_Inject], current: list[dict], mode: str):
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
        own_ids = [item["id"] for item in _items(matched["value"])] if matched else []
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


# The preview's list of changes

INJECT_FIELDS = [
    ("offset", "時刻"), ("channel", "手段"), ("sender", "発信者"), ("role", "宛先"),
    ("subject", "件名"), ("message", "内容"), ("contingency", "予備"),
    ("after_acknowledgement_of", "受信確認を受けて発出"),
]
ACTION_FIELDS = [
    ("description", "期待される対応"), ("objective", "目標"), ("role", "担当役割"),
    ("deadline_minutes", "期限（分）"), ("weight", "重み"), ("plan_step", "計画の手順"),
]


def _changes(current: list[dict], blocks: list[dict], earlier: list) -> list[TimelineChange]:
    """Every difference between the timeline now and after the import, field by field;
    `earlier` pairs each inject after it with its position before (see _blocks)."""
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
    old_actions, new_actions = _actions(old), _actions(new)
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
        return _channel_labels().get(value, value or "")
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


def _items(inject: dict) -> list[dict]:
    """An inject's expected actions from raw data, which stores ListBlock items either as
    {"type": "item", "value", "id"} or, in older data, as bare values."""
    return [
        item if isinstance(item, dict) and item.get("type") == "item" and "value" in item
        else {"type": "item", "value": item, "id": None}
        for item in inject.get("expected_actions") or []
    ]


def _actions(inject: dict) -> list[dict]:
    return [item["value"] for item in _items(inject)]


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

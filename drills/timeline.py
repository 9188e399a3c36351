"""A scenario's timeline as a spreadsheet: export it, and import it back all or nothing.

One row per inject, in the columns 時刻, 手段, 発信者, 宛先, 件名, 内容, 期待される対応
(the English headers time, channel, from, to, subject, message, expected action are read
too). Files are read by people.roster.files, as the roster import reads them: CSV in
UTF-8 or Shift_JIS (CP932), or the first sheet of an XLSX workbook, every row keeping its
line number for messages.

The spreadsheet carries less than the scenario does, so an import *replaces* the timeline
and fills in the rest: a row whose subject is that of an inject already in the timeline
keeps that inject's contingency flag, and an expected action whose text is unchanged keeps
its objective, responsible role, deadline, weight and plan step. A new expected action is
due from the row's addressee (宛先) for the scenario's first objective, 10 minutes after
the inject, weight 1. That is what makes export-then-import give back the same timeline,
and the preview says row by row what was kept and what was assumed.
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

from config import exports
from drills.blocks import CHANNELS, format_offset, parse_offset
from drills.models import Scenario
from people.roster.files import RosterEncoding, RosterFileError, cell_text, read_sheet

# (key, Japanese header, English header), in the order of the columns.
COLUMNS = [
    ("offset", "時刻", "time"),
    ("channel", "手段", "channel"),
    ("sender", "発信者", "from"),
    ("role", "宛先", "to"),
    ("subject", "件名", "subject"),
    ("message", "内容", "message"),
    ("expected_action", "期待される対応", "expected action"),
]
KEYS = [key for key, _japanese, _english in COLUMNS]
HEADERS = tuple(japanese for _key, japanese, _english in COLUMNS)
MAX_LENGTHS = {"sender": 100, "role": 100, "subject": 200, "expected_action": 300}
REQUIRED = ("offset", "channel", "sender", "role", "subject", "message")
ACTION_SEPARATOR = " / "  # between several expected actions of one inject, on export
DEFAULT_DEADLINE_MINUTES = 10
DEFAULT_WEIGHT = 1
SHEET_TITLE = "タイムライン"

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


def timeline_rows(scenario: Scenario) -> tablib.Dataset:
    """The timeline in the spreadsheet's columns, one row per inject, in timeline order."""
    channel_labels = _channel_labels()
    dataset = tablib.Dataset(headers=list(HEADERS), title=SHEET_TITLE)
    for block in scenario.timeline.raw_data:
        inject = block["value"]
        dataset.append([
            format_offset(parse_offset(inject["offset"])),
            channel_labels.get(inject["channel"], inject["channel"]),
            inject["sender"],
            inject["role"],
            inject["subject"],
            inject["message"],
            ACTION_SEPARATOR.join(action["description"] for action in _actions(inject)),
        ])
    return dataset


def timeline_csv(scenario: Scenario) -> bytes:
    """CSV that Excel opens as UTF-8; a cell such as +0:05 or =... is written '+0:05 so
    that Excel keeps it as text (config.exports), and the import reads it back as +0:05."""
    return exports.csv_bytes(timeline_rows(scenario))


def timeline_xlsx(scenario: Scenario) -> bytes:
    """A one-sheet workbook. Every cell is written as text: a message that starts with "="
    stays a message, not a formula, and +0:05 stays +0:05."""
    return exports.xlsx_bytes(timeline_rows(scenario), column_widths=(8, 14, 24, 24, 30, 60, 40))


@dataclass(frozen=True)
class TimelineRow:
    line: int  # in the file
    cells: tuple[str, ...]  # as read, in the order of COLUMNS
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the import kept from the timeline or assumed
    inject: dict | None = None  # the inject this row becomes (raw InjectBlock data)
    inject_id: str | None = None  # the stream block's id: the matched inject's, or new


@dataclass
class TimelineImportResult:
    file_name: str
    replaced: int  # injects in the timeline before the import
    columns: tuple[str, ...] = HEADERS
    encoding: RosterEncoding | None = None  # the one a CSV file was read with
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[TimelineRow] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # subjects of injects not in the file
    written: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def bad_rows(self) -> list[TimelineRow]:
        return [row for row in self.rows if row.errors]


def timeline_import(
    *, scenario: Scenario, content: bytes, file_name: str, encoding: str, dry_run: bool
) -> TimelineImportResult:
    """Check a timeline file and, unless `dry_run`, make it the scenario's timeline.

    All or nothing: if the file cannot be read, lacks a column, or has any bad row,
    nothing is written. The real import locks the scenario and checks the file again
    against the timeline as it is then, so it never trusts an earlier preview. Access is
    the caller's to check (people.access.get_scenario_for).
    """
    result = TimelineImportResult(file_name=file_name, replaced=len(scenario.timeline))
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
    result.columns = tuple(sheet.headers[positions[key]] for key in KEYS)
    if dry_run:
        _check_rows(scenario, sheet.rows, positions, result)
        return result
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        result.replaced = len(locked.timeline)
        _check_rows(locked, sheet.rows, positions, result)
        if result.has_errors:
            return result
        locked.timeline = [
            {"type": "inject", "value": row.inject, "id": row.inject_id} for row in result.rows
        ]
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
    missing = [japanese for key, japanese, _english in COLUMNS if key not in found]
    if missing:
        result.file_errors.append(
            _("Columns missing from the file: %(missing)s. The first line must name the "
              "columns %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(HEADERS)}
        )
    repeated = [japanese for key, japanese, _english in COLUMNS if len(found.get(key, ())) > 1]
    if repeated:
        result.file_errors.append(
            _("Columns named twice: %(columns)s.") % {"columns": ", ".join(repeated)}
        )
    if ignored:
        result.notices.append(_("Columns ignored: %(columns)s.") % {"columns": ", ".join(ignored)})
    return {key: positions[0] for key, positions in found.items()}


def _check_rows(scenario, rows, positions, result: TimelineImportResult) -> None:
    codes = [block["value"]["code"] for block in scenario.objectives.raw_data]
    current = list(scenario.timeline.raw_data)
    by_subject = defaultdict(list)
    for block in current:
        by_subject[block["value"]["subject"]].append(block)
    by_description = {}
    for block in current:
        for action in _actions(block["value"]):
            by_description.setdefault(action["description"], action)
    headers = dict(zip(KEYS, result.columns, strict=True))
    inject_block = Scenario.timeline.field.stream_block.child_blocks["inject"]

    for line, cells in rows:
        values = {
            key: cell_text(cells[positions[key]]) if positions[key] < len(cells) else ""
            for key in KEYS
        }
        errors, notes = [], []

        def problem(key, message, errors=errors):
            errors.append((
                KEYS.index(key),
                _("%(column)s: %(problem)s") % {"column": headers[key], "problem": message},
            ))

        for key in REQUIRED:
            if not values[key]:
                problem(key, _("This cannot be empty."))
        for key, limit in MAX_LENGTHS.items():
            if len(values[key]) > limit:
                problem(key, _("At most %(limit)d characters (this has %(length)d).")
                        % {"limit": limit, "length": len(values[key])})
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

        matched = by_subject[values["subject"]].pop(0) if by_subject[values["subject"]] else None
        actions = _row_actions(values, matched, by_description, codes, notes)
        if actions and not codes:
            problem("expected_action", _(
                "The scenario has no objectives: add one before importing expected actions."
            ))
        elif any(action["value"]["objective"] not in codes for action in actions):
            problem("expected_action", _(
                "It is for an objective the scenario no longer has: choose its objective "
                "in the scenario's form, or change its text so that it is imported as new."
            ))
        contingency = bool(matched and matched["value"].get("contingency"))
        if contingency:
            notes.append(_("Contingency, as in the current timeline."))

        inject = None
        if not errors:
            inject = {
                "offset": format_offset(offset),
                "channel": channel,
                "sender": values["sender"],
                "role": values["role"],
                "subject": values["subject"],
                "message": values["message"],
                "contingency": contingency,
                "expected_actions": actions,
            }
            errors.extend((len(KEYS), message) for message in _block_errors(inject_block, inject))
        result.rows.append(TimelineRow(
            line=line,
            cells=tuple(values[key] for key in KEYS),
            errors=tuple(message for _column, message in sorted(errors, key=lambda e: e[0])),
            notes=tuple(notes),
            inject=None if errors else inject,
            inject_id=(matched or {}).get("id") or str(uuid.uuid4()),
        ))

    unmatched = {id(block) for blocks in by_subject.values() for block in blocks}
    result.removed = [block["value"]["subject"] for block in current if id(block) in unmatched]


def _row_actions(values, matched, by_description, codes, notes) -> list[dict]:
    """The expected actions of a row: the matched inject's own if the cell lists them
    unchanged, else one action, kept by its text or new with the defaults."""
    text = values["expected_action"]
    if not text:
        return []
    if matched is not None:
        own = _actions(matched["value"], with_ids=True)
        if text == ACTION_SEPARATOR.join(action["value"]["description"] for action in own):
            notes.append(_("Expected actions as in the current timeline."))
            return [dict(action) for action in own]
    if text in by_description:
        notes.append(_("Expected action as in the current timeline: its objective, role, "
                       "deadline, weight and plan step are kept."))
        return [_item(dict(by_description[text]))]
    first_code = codes[0] if codes else ""
    notes.append(
        _("New expected action: objective %(objective)s, by %(role)s, due %(minutes)d "
          "minutes after the inject, weight %(weight)d.")
        % {"objective": first_code, "role": values["role"],
           "minutes": DEFAULT_DEADLINE_MINUTES, "weight": DEFAULT_WEIGHT}
    )
    return [_item({
        "description": text,
        "objective": first_code,
        "role": values["role"],
        "deadline_minutes": DEFAULT_DEADLINE_MINUTES,
        "weight": DEFAULT_WEIGHT,
        "plan_step": "",
    })]


def _item(value: dict) -> dict:
    return {"type": "item", "value": value, "id": str(uuid.uuid4())}


def _actions(inject: dict, *, with_ids: bool = False) -> list[dict]:
    """An inject's expected actions from raw data, which stores ListBlock items either as
    {"type": "item", "value", "id"} or, in older data, as bare values."""
    items = [
        item if isinstance(item, dict) and item.get("type") == "item" and "value" in item
        else {"type": "item", "value": item, "id": None}
        for item in inject.get("expected_actions") or []
    ]
    if with_ids:
        return [{**item, "id": item["id"] or str(uuid.uuid4())} for item in items]
    return [item["value"] for item in items]


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

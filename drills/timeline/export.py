"""A scenario's timeline written as a spreadsheet that imports back unchanged: every field,
one row per expected action (drills.timeline.columns)."""

import tablib

from core import exports
from drills.blocks import format_offset, parse_offset
from drills.models import Scenario
from drills.timeline.columns import HEADERS, NO, SHEET_TITLE, YES, actions_of, channel_labels


def timeline_rows(scenario: Scenario) -> tablib.Dataset:
    """The timeline in the spreadsheet's columns: a row per expected action (one for an
    inject without any), numbered by inject, in timeline order."""
    labels = channel_labels()
    dataset = tablib.Dataset(headers=list(HEADERS), title=SHEET_TITLE)
    for number, block in enumerate(scenario.timeline.raw_data, start=1):
        inject = block["value"]
        inject_cells = [
            str(number),
            format_offset(parse_offset(inject["offset"])),
            labels.get(inject["channel"], inject["channel"]),
            inject["sender"],
            inject["role"],
            inject["subject"],
            inject["message"],
            YES if inject.get("contingency") else NO,
            inject.get("after_acknowledgement_of") or "",
        ]
        actions = actions_of(inject) or [None]
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
    return exports.xlsx_bytes(timeline_rows(scenario))

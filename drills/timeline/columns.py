"""The timeline spreadsheet's columns and the words its cells may hold."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from core.imports.columns import Column, heading_key
from core.imports.pipeline import ImportKind
from drills.blocks import CHANNELS

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
# A file must have these; the others fall back to their defaults (older files lack them).
REQUIRED_COLUMNS = ("offset", "channel", "sender", "role", "subject", "message",
                    "expected_action")
KIND = ImportKind(name="drills:timeline", columns=tuple(
    Column(key, japanese, aliases=(english,), required=key in REQUIRED_COLUMNS)
    for key, japanese, english in INJECT_COLUMNS + ACTION_COLUMNS
))
KEYS = [column.key for column in KIND.columns]
INJECT_KEYS = [key for key, _japanese, _english in INJECT_COLUMNS]
HEADERS = KIND.headings
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


def channel_of(text: str) -> str | None:
    """The channel a 手段 cell names: its value, its label in Japanese or English, or a
    word offices use for it (電話, メール, 来庁 ...)."""
    names = {}
    for value, label in CHANNELS:
        names[heading_key(value)] = value
        for language in ("ja", "en"):
            with translation.override(language):
                names[heading_key(str(label))] = value
    names.update((heading_key(word), value) for word, value in CHANNEL_WORDS.items())
    return names.get(heading_key(text))


def channel_labels() -> dict[str, str]:
    # The spreadsheet's headers are Japanese, so its channels are too.
    with translation.override("ja"):
        return {value: str(label) for value, label in CHANNELS}


def action_items(inject: dict) -> list[dict]:
    """An inject's expected actions from raw data, which stores ListBlock items either as
    {"type": "item", "value", "id"} or, in older data, as bare values."""
    return [
        item if isinstance(item, dict) and item.get("type") == "item" and "value" in item
        else {"type": "item", "value": item, "id": None}
        for item in inject.get("expected_actions") or []
    ]


def actions_of(inject: dict) -> list[dict]:
    return [item["value"] for item in action_items(inject)]

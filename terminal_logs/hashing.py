"""How a resident stands in the database: a keyed hash and a masked display form.

The hashes are HMAC-SHA256 under TERMINAL_LOG_KEY, an environment variable kept out of the
database and its backups: whoever holds only the database cannot test a guessed
identifier against a hash, while the same resident always gets the same hash, so the rules
can count departments per resident and the watch-list can match. The masked form
(「熊本 *** / 昭和**年」) lets a supervisor find the paper behind a look-up, and no more.
"""

import datetime
import hmac
import logging
import re

from django.conf import settings
from django.utils.translation import gettext as _

from core.dates import era_of
from core.text import fold_width

logger = logging.getLogger(__name__)

# Development and tests only: anyone can read it here.
DEVELOPMENT_KEY = b"terminal-logs-development-key-not-secret"

CONDITIONS = b"conditions\x00"
RESIDENT = b"resident\x00"


class KeyMissing(Exception):
    """The import cannot hash residents: TERMINAL_LOG_KEY is not set."""


def hashing_key() -> bytes:
    if settings.TERMINAL_LOG_KEY:
        return settings.TERMINAL_LOG_KEY.encode()
    if settings.DEBUG or settings.TESTING:
        logger.warning("TERMINAL_LOG_KEY is not set: terminal logs are hashed with the "
                       "development key, which is not secret.")
        return DEVELOPMENT_KEY
    raise KeyMissing(_("Terminal logs cannot be imported: the key for hashing residents "
                       "(TERMINAL_LOG_KEY) is not set on the server. Ask the system "
                       "administrator to set it."))


def normalised(text: str) -> str:
    """One form for what may be typed in several: widths folded, spacing collapsed."""
    return " ".join(fold_width(text).split())


def keyed_hash(key: bytes, purpose: bytes, text: str) -> str:
    return _digest(key, purpose, normalised(text))


def _digest(key: bytes, purpose: bytes, normal_text: str) -> str:
    return hmac.digest(key, purpose + normal_text.encode(), "sha256").hex()


def resident_hash(key: bytes, identifier: str) -> str:
    """"" for no identifier: the log did not say which resident."""
    return keyed_hash(key, RESIDENT, identifier) if identifier.strip() else ""


def conditions_hash(key: bytes, conditions: str) -> str:
    return keyed_hash(key, CONDITIONS, conditions)


def conditions_stored(key: bytes, conditions: str) -> tuple[str, str]:
    """(conditions_hash, masked) of the same conditions, normalised once."""
    text = normalised(conditions)
    return _digest(key, CONDITIONS, text), _masked(text)


# The name and the birth date in a log's search conditions, as vendors write them:
# 「氏名:熊本 太郎 生年月日:昭和45年3月1日」, 「熊本太郎,S45.3.1,男」, 「カナ=クマモト タロウ」.
SEPARATORS = r"\s,;、；/|:：=＝"
LABELLED_NAME = re.compile(
    rf"(?:漢字氏名|カナ氏名|氏名カナ|氏名|名前|かな|カナ|name)\s*[:：=＝]\s*"
    rf"(?P<family>[^{SEPARATORS}]+)",
    re.IGNORECASE,
)
NAME_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff々ー]{2,}")
# The labels a log writes before its values, which are no one's name.
NOT_NAMES = {"生年月日", "性別", "住所", "氏名", "名前", "カナ", "男性", "女性", "本籍", "世帯主",
             "照会", "検索", "条件", "住民票コード", "個人番号", "続柄", "照会条件", "検索条件"}
ERA_YEAR = re.compile(r"(明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHR](?=\s*\d))\s*(\d{1,2}|元)")
WESTERN_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)\s*[年/\-.]\s*\d{1,2}")  # the year only
ERA_OF_LETTER = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}


def masked(conditions: str) -> str:
    """「熊本 *** / 昭和**年」: the family name's first two characters, the given name and
    the era year starred; everything else in the conditions (address, number) left out."""
    return _masked(normalised(conditions))


def _masked(text: str) -> str:
    parts = [name for name in [_masked_name(text)] if name]
    if (era := _era(text)) is not None:
        parts.append(f"{era}**年")
    return " / ".join(parts) or "***"


def _masked_name(text: str) -> str:
    # The rest is always three stars, whatever its length, and a family name typed
    # without a space before the given name loses the given name just the same.
    found = LABELLED_NAME.search(text)
    if found:
        return f"{found['family'][:2]} ***"
    words = [word for word in NAME_WORD.findall(text) if word not in NOT_NAMES]
    return f"{words[0][:2]} ***" if words else ""


def _era(text: str) -> str | None:
    found = ERA_YEAR.search(text)
    if found:
        return ERA_OF_LETTER.get(found[1], found[1])
    found = WESTERN_YEAR.search(text)
    if found:
        era = era_of(datetime.date(int(found[1]), 12, 31))
        return era[0].name if era else "****"
    return None

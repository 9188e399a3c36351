"""Text as Japanese input varies it, folded to one form, so that what is typed finds
what is stored.

Half-width katakana (ﾊﾟｽﾜｰﾄﾞ), full-width letters and digits (照合ＩＤ, ０３００) and the
full-width space are, to a reader, the same words as パスワード, 照合ID, 0300 and a space;
Unicode's compatibility composition (NFKC) makes them the same characters. Site search
(both the index and the query, cms.search), the staff directory, drill join codes,
check-in and certificate codes, and every import's matching of codes and names fold with
`fold_width`, so that they agree on what counts as the same.
"""

import unicodedata


def fold_width(text) -> str:
    """`text` (None as "") with character widths folded: NFKC."""
    return unicodedata.normalize("NFKC", "" if text is None else str(text))


def typed_code(text) -> str:
    """A short code as typed on a phone or read aloud: any width or case, with spaces or
    hyphens; its letters and digits in upper case."""
    return "".join(character for character in fold_width(text).upper() if character.isalnum())

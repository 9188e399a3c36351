"""Reading an object id from a query string or a posted form.

`str.isdigit()` is not the test: it is true for "²" and "٣", which int() refuses or
reads as another number, and a long run of digits overflows the database's 64-bit keys
(SQLite raises rather than finding nothing). An id is 1 to 18 ASCII digits; anything
else is no id, so a tampered value is "not found", never a server error.
"""

import re

_ID = re.compile(r"[0-9]{1,18}")


def as_id(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and _ID.fullmatch(raw) else None

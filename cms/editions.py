"""A page's editions (版): its first publication (制定) and each later publication its
editor marked as a new edition (改定), with the reason given.

Every other publication is a correction (訂正): published like any other, but it keeps
the edition number and asks nobody to read the page again — a typo fix must not make a
第3版 nor send every ID holder back to re-acknowledge. Re-acknowledgement and the change
summary follow editions (training.reading.baselines reads the same flag).
"""

import datetime
from dataclasses import dataclass

from wagtail.models import PageLogEntry


@dataclass(frozen=True)
class Edition:
    number: int
    published_at: datetime.datetime
    reason: str  # empty for the first edition (制定)


def editions(page) -> list[Edition]:
    """The page's editions, oldest first; empty for a page never published. One query:
    the two fields are read out of each revision's stored content by the database."""
    published = (
        PageLogEntry.objects.filter(page=page, action="wagtail.publish")
        .order_by("pk")  # the order they were written in
        .values_list("timestamp", "revision__content__requires_reacknowledgement",
                     "revision__content__edition_reason")
    )
    result: list[Edition] = []
    for published_at, new_edition, reason in published:
        if not result:
            result.append(Edition(1, published_at, ""))
        elif new_edition:
            result.append(Edition(len(result) + 1, published_at, reason or ""))
    return result

"""A console's poll answered "nothing has changed" (304) from the cache, without a query.

Every console polls its state every POLL_SECONDS, so a drill with hundreds of participants
is hundreds of requests a second, and nearly all of them find nothing new. A full answer
carries a tag (ETag); the console sends it back (If-None-Match), and while the tag holds,
`unchanged` answers 304 before the view runs, from the session and one cache read.

A tag holds while:
- no write has changed what that console shows. The writes in drills.runs call `changed`,
  which gives the drill, its staff consoles or one participant a new stamp once the
  transaction commits. A full answer reads the stamps before the records, so a write that
  commits in between makes its tag stale at once rather than never;
- time has not released an inject: the tag carries the moment the next scheduled inject
  falls due (consoles.Timeline.next_release_at), and a poll after it is answered in full;
- it is the same visitor's: the tag is a MAC (SECRET_KEY) over the visitor as the session
  names them (drills.access.poll_viewer), so it cannot be made up or passed on.

A 304 carries nothing: the most a tag can tell its holder is that what they were shown is
still current. Every full answer asks drills.access as before.
"""

import datetime
import functools
import logging
import secrets

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseNotModified, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from drills.access import poll_viewer

logger = logging.getLogger(__name__)

# The two kinds of console, and what each one's tag is made from.
PARTICIPANT = "participant"
STAFF = "staff"  # the controller's and the evaluators': everything, everyone's log
DRILL = "drill"  # the clock and the releases: every console shows them
# Stamps outlive any drill day; one evicted early only costs a full answer.
STAMP_SECONDS = 2 * 24 * 3600
# A tag with no release ahead is still answered in full now and then.
LONGEST_TAG = datetime.timedelta(minutes=5)


def changed(drill_id: int, *, participant_id: int | None = None, everyone: bool = False):
    """After the current transaction commits, mark what a write changed: the staff's
    consoles always; one participant's too (their log, their acknowledgements); or every
    console of the drill (`everyone`: the clock, a release)."""
    parts = [STAFF]
    if everyone:
        parts.append(DRILL)
    if participant_id is not None:
        parts.append(_participant(participant_id))
    stamps = {_key(drill_id, part): secrets.token_hex(8) for part in parts}
    transaction.on_commit(lambda: _stamps_write(stamps))


def _stamps_write(stamps: dict[str, str]) -> None:
    # The write has committed, and a cache that fails must not fail it (a release, a
    # log entry): its consoles then answer in full once their tags run out, and the
    # cache's own poll reads fail the same way (`unchanged`).
    try:
        cache.set_many(stamps, STAMP_SECONDS)
    except Exception:
        logger.exception("drill console stamps not written: %s", ", ".join(stamps))


def unchanged(kind: str):
    """Answer 304 when the tag the console sent still holds; otherwise run the view."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, pk, *args, **kwargs):
            if "If-None-Match" in request.headers and _still_current_or_false(
                    request, kind, pk):
                return HttpResponseNotModified()
            return view(request, pk, *args, **kwargs)
        return wrapped
    return decorator


def answer(request, *, kind: str, drill_id: int, participant_id: int | None = None,
           state) -> JsonResponse:
    """A full answer with its tag. `state(now)` reads the records and returns a
    consoles.ConsoleState; the stamps are read before it (see the module's note)."""
    now = timezone.now()
    try:
        stamps = _current_stamps(kind, drill_id, participant_id)
    except Exception:  # the cache is out of reach: an answer without a tag
        logger.exception("drill console stamps not read")
        stamps = None
    console = state(now)
    response = JsonResponse(console.data)
    if stamps is not None:
        until = int(min(console.next_release_at or now + LONGEST_TAG,
                        now + LONGEST_TAG).timestamp())
        mac = _mac(kind, drill_id, poll_viewer(request, drill_id), participant_id, stamps, until)
        response["ETag"] = f'"{participant_id or 0}.{until}.{mac}"'
    return response


def _still_current_or_false(request, kind: str, drill_id: int) -> bool:
    try:
        return _still_current(request, kind, drill_id)
    except Exception:  # the cache is out of reach: answer in full
        logger.exception("drill console tag not checked")
        return False


def _still_current(request, kind: str, drill_id: int) -> bool:
    try:
        participant, until, mac = request.headers["If-None-Match"].strip('"').split(".")
        participant_id = int(participant) or None
        until_seconds = int(until)
    except ValueError:
        return False
    if timezone.now().timestamp() >= until_seconds:
        return False
    if (kind == STAFF) != (participant_id is None):
        return False
    parts = _parts(kind, participant_id)
    found = _stamps(drill_id, parts)
    if len(found) < len(parts):
        return False
    viewer = poll_viewer(request, drill_id)
    stamps = [found[part] for part in parts]
    return viewer is not None and constant_time_compare(
        mac, _mac(kind, drill_id, viewer, participant_id, stamps, until_seconds))


def _current_stamps(kind: str, drill_id: int, participant_id: int | None) -> list[str]:
    parts = _parts(kind, participant_id)
    found = _stamps(drill_id, parts)
    # A part never written, or evicted, starts from a fresh stamp and the others stay:
    # else one console's first poll would end every other console's tag. `add` writes
    # only where nothing is, so two first polls at once agree on it.
    fresh = {part: secrets.token_hex(8) for part in parts if part not in found}
    for part, stamp in fresh.items():
        cache.add(_key(drill_id, part), stamp, STAMP_SECONDS)
    if fresh:
        found = {**fresh, **_stamps(drill_id, parts)}
    return [found[part] for part in parts]


def _parts(kind: str, participant_id: int | None) -> list[str]:
    return [STAFF] if kind == STAFF else [DRILL, _participant(participant_id)]


def _stamps(drill_id: int, parts: list[str]) -> dict[str, str]:
    keys = {_key(drill_id, part): part for part in parts}
    return {keys[key]: stamp for key, stamp in cache.get_many(list(keys)).items()}


def _key(drill_id: int, part: str) -> str:
    return f"drills:console:{drill_id}:{part}"


def _participant(participant_id: int) -> str:
    return f"participant:{participant_id}"


def _mac(kind, drill_id, viewer, participant_id, stamps, until) -> str:
    value = "|".join(map(str, (kind, drill_id, viewer, participant_id, *stamps, until)))
    return salted_hmac("drills.console_tags", value, algorithm="sha256").hexdigest()[:32]

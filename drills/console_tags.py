"""A console's poll answered "nothing has changed" (304) from the cache, without a query.

Every console polls its state every POLL_SECONDS, so a drill with hundreds of participants
is hundreds of requests a second, and nearly all of them find nothing new. A full answer
carries a tag (ETag); the console sends it back (If-None-Match), and while the tag holds,
`UnchangedPollMiddleware` answers 304 before anything else is done for the request: no
session or user is loaded and no other middleware runs, only one cache read (the stamps).

A tag holds while:
- no write has changed what that console shows. The writes in drills.runs call `changed`,
  which gives the drill, its staff consoles or one participant a new stamp once the
  transaction commits. A full answer reads the stamps before the records, so a write that
  commits in between makes its tag stale at once rather than never;
- time has not released an inject: the tag carries the moment the next scheduled inject
  falls due (consoles.Timeline.next_release_at), and a poll after it is answered in full;
- it comes with the session it was given to: the tag is a MAC (SECRET_KEY) over the
  session's key, which the session cookie carries, so it cannot be made up or passed on,
  and a new session (a log-in, a log-out) ends it.

A 304 carries nothing: the most a tag can tell its holder is that what they were shown is
still current. Every full answer asks drills.access as before, and so renews the session;
no tag outlives LONGEST_TAG, so a console's session is renewed at least that often, and
one ended meanwhile (a log-out elsewhere, the absolute limit) stops the 304s within it.
"""

import datetime
import functools
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseNotModified, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

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
    """Marks a console's state view, whose polls UnchangedPollMiddleware answers 304
    while the tag they send holds; `kind` says which stamps its tags are made from."""
    def decorator(view):
        view.console_tag_kind = kind  # functools.wraps copies it to the outer decorators
        return view
    return decorator


class UnchangedPollMiddleware:
    """Answers a console's poll 304 when the tag it sent still holds, first thing: before
    the session, the user and the rest of the middleware (config.settings puts it just
    after the static files). Anything else goes on as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and "HTTP_IF_NONE_MATCH" in request.META:
            poll = _console_poll(request.path_info)
            if poll is not None and _still_current_or_false(request, *poll):
                response = HttpResponseNotModified()
                response.headers["Cache-Control"] = NEVER_CACHE
                return response
        return self.get_response(request)


# What never_cache gives the full answer.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


@functools.lru_cache(maxsize=1024)  # a drill's consoles poll the same two paths
def _console_poll(path: str) -> tuple[str, int] | None:
    """(kind, drill id) when `path` is a console's state view's."""
    if not path.endswith(".json"):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    kind = getattr(match.func, "console_tag_kind", None)
    return None if kind is None else (kind, match.kwargs["pk"])


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
    session_key = request.session.session_key
    if stamps is not None and session_key is not None:
        until = int(min(console.next_release_at or now + LONGEST_TAG,
                        now + LONGEST_TAG).timestamp())
        mac = _mac(kind, drill_id, session_key, participant_id, stamps, until)
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
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    stamps = [found[part] for part in parts]
    return session_key is not None and constant_time_compare(
        mac, _mac(kind, drill_id, session_key, participant_id, stamps, until_seconds))


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


def _mac(kind, drill_id, session_key, participant_id, stamps, until) -> str:
    value = "|".join(map(str, (kind, drill_id, session_key, participant_id, *stamps, until)))
    return salted_hmac("drills.console_tags", value, algorithm="sha256").hexdigest()[:32]

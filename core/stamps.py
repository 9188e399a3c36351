"""Copies of rarely changing data, kept by each process, current on every request.

Some data every page needs changes a few times a day (the required reading, say), and
reading it afresh costs several queries on every request. `held(name, compute)` keeps
compute()'s result in this process with the token of the Stamp row `name`, and checks
that token (one query, once per request) each time it is asked: whoever changes the data
calls `stamp_renew(name)` in the same transaction, so the next request anywhere, in any
process, computes it afresh. A rolled-back change rolls its new token back with it, and
tokens are random, never reused: a copy taken inside a rolled-back transaction is never
taken for current.

What is kept is shared by every request of the process: callers must not change it.
"""

import threading
import uuid

from django.core.signals import request_finished, request_started

from core.models import Stamp

_held = {}  # name -> (token, value)
# The tokens read during the current request, per thread (runserver's threads); outside
# a request (tasks, commands) every call reads the token afresh.
_request = threading.local()


def _request_start(**kwargs):
    _request.tokens = {}


def _request_end(**kwargs):
    _request.tokens = None


request_started.connect(_request_start, dispatch_uid="core.stamps.request_start")
request_finished.connect(_request_end, dispatch_uid="core.stamps.request_end")


def stamp_renew(name: str) -> None:
    """The data `name` changed: every process's copy is stale from this transaction's
    commit on (and this request's, from now on)."""
    Stamp.objects.update_or_create(name=name, defaults={"token": uuid.uuid4().hex})
    tokens = getattr(_request, "tokens", None)
    if tokens is not None:
        tokens.pop(name, None)


def held(name: str, compute):
    """compute()'s result, from this process's copy while the stamp `name` is unchanged.
    Data never stamped (no change seen since the database was made) is held under None
    until its first change."""
    tokens = getattr(_request, "tokens", None)
    if tokens is not None and name in tokens:
        token = tokens[name]
    else:
        token = Stamp.objects.filter(name=name).values_list("token", flat=True).first()
        if tokens is not None:
            tokens[name] = token
    copy = _held.get(name)
    if copy is not None and copy[0] == token:
        return copy[1]
    value = compute()
    _held[name] = (token, value)
    return value


def held_forget() -> None:
    """Drop every copy of this process (the tests' rolled-back data must not outlive them)."""
    _held.clear()

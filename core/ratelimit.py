"""A limit on how often one address may fail at a public form: guessing a drill's join
code (/drills/join/) or a certificate's code (/verify/) takes many wrong tries, and
nothing else does.

Only failed requests count (the view answered 400 or more: a wrong join code is 400, an
unknown certificate 404), so a room of 200 trainees behind one office address joining a
drill at once is never slowed. After the limit of failures within the window, that
address gets 429 from those views until the window ends. The views are named in
settings.FAILURE_RATE_LIMITS, so the limits are in one place rather than on each view.
The counts live in Django's cache (shared by every gunicorn worker and host when the
cache is: config/settings.py) in fixed windows: a window is the time divided by its
length. The password-reset form is not among them because it is switched off
(WAGTAIL_PASSWORD_RESET_ENABLED).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from core.middleware import client_address


class FailureRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        limit = _limit_for(request)
        if limit is not None and response.status_code >= 400 and response.status_code != 429:
            _count(_key(request, limit))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = _limit_for(request)
        if limit is not None and cache.get(_key(request, limit), 0) >= limit[0]:
            return too_many(request, limit[1])
        return None


def too_many(request, seconds: int):
    response = render(request, "registration/too_many_attempts.html",
                      {"minutes": max(1, seconds // 60)}, status=429)
    response["Retry-After"] = str(seconds - int(time.time()) % seconds)
    return response


def _limit_for(request) -> tuple[int, int] | None:
    match = getattr(request, "resolver_match", None)
    return settings.FAILURE_RATE_LIMITS.get(match.view_name) if match else None


def _key(request, limit) -> str:
    seconds = limit[1]
    return (f"failures:{request.resolver_match.view_name}:{client_address(request)}:"
            f"{int(time.time()) // seconds}")


def _count(key: str) -> None:
    window = max(settings.FAILURE_RATE_LIMITS.values(), key=lambda limit: limit[1])[1]
    if cache.add(key, 1, timeout=window * 2):
        return
    try:
        cache.incr(key)
    except ValueError:  # it expired between the two
        cache.add(key, 1, timeout=window * 2)

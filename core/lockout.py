"""Login limits (django-axes, AXES_HANDLER): three limits, each against one attack, none
that lets a stranger shut a colleague out.

- One user name from one address (axes' own limit, AXES_FAILURE_LIMIT, 5): someone
  guessing at one account from one computer. That pair is refused for the cool-off
  (AXES_COOLOFF_MINUTES); the owner elsewhere still logs in.
- One address, any user names (AXES_ADDRESS_FAILURE_LIMIT, 30): spraying a common
  password over many accounts from one computer. That address is refused for the
  cool-off. Everyone behind the same address shares the limit (an office's NAT, or the
  reverse proxy when TRUSTED_PROXY_COUNT is not set), hence the higher threshold; only
  someone at that address can trip it.
- One user name, any addresses (AXES_USERNAME_FAILURE_LIMIT, 10): guessing at one
  account from many computers. This one slows rather than locks: from an address that
  has never logged in as that user, one attempt per AXES_USERNAME_RETRY_SECONDS (60)
  while the failures last. Addresses the user has logged in from before (axes' access
  log) are not slowed, so a stranger cannot keep the owner out of their own computer.

Failures count for the cool-off after the last one, as axes counts them.
"""

import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

PAIR, ADDRESS, USERNAME = "pair", "address", "username"


class LoginLimits(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        reason = self.refusal(request, credentials)
        # The lockout page (registration/locked_out.html) says which limit it was.
        request.login_refused_by = reason
        return reason is not None

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """axes records the failure and marks the request locked out for its own (pair)
        limit; the failure may reach one of ours instead, and the page must say so."""
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is not None and not getattr(request, "axes_locked_out", False):
            reason = self.refusal(request, credentials)
            if reason is not None:
                request.axes_locked_out = True
                request.axes_credentials = credentials
                request.login_refused_by = reason

    def refusal(self, request, credentials) -> str | None:
        if super().is_locked(request, credentials):
            return PAIR
        now = timezone.now()
        recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
        address = getattr(request, "axes_ip_address", None)
        if address and _failures(recent.filter(ip_address=address))["count"] \
                >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return ADDRESS
        username = get_client_username(request, credentials)
        if not username:
            return None
        tally = _failures(recent.filter(username=username))
        if tally["count"] < settings.AXES_USERNAME_FAILURE_LIMIT:
            return None
        retry = datetime.timedelta(seconds=settings.AXES_USERNAME_RETRY_SECONDS)
        if now - tally["last"] >= retry:
            return None
        if address and AccessLog.objects.filter(username=username, ip_address=address).exists():
            return None  # the owner's own computer
        return USERNAME


def _failures(attempts) -> dict:
    tally = attempts.aggregate(count=Sum("failures_since_start"), last=Max("attempt_time"))
    return {"count": tally["count"] or 0, "last": tally["last"]}

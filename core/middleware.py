import time

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Japanese unless the user chose English with the switch.

    Django would follow the browser's Accept-Language, but the site is Japanese first:
    an office PC set up in English must not turn it English on its own.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SessionRenewalMiddleware:
    """Renews a session's inactivity expiry (SESSION_COOKIE_AGE) at most once a minute,
    and ends it SESSION_ABSOLUTE_HOURS after it began, however busy it is.

    Django's SESSION_SAVE_EVERY_REQUEST writes the session on every request, and a drill
    console polls every second: 200 participants made 200 session writes a second, each
    to keep an expiry 30 minutes away. Saving once a minute keeps the expiry sliding,
    to within that minute, at one write a minute per console.

    The inactivity limit alone would let a session that is used (or a stolen cookie
    that is replayed) every few minutes live for ever; the absolute limit counts from
    the log-in, or, for a drill guest without an account, from the first request that
    kept anything in the session.
    """

    RENEWED = "_renewed_at"
    STARTED = "_started_at"
    RENEW_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        started = session.get(self.STARTED)
        if started is not None and time.time() - started >= settings.SESSION_ABSOLUTE_HOURS * 3600:
            session.flush()  # before authentication reads it: the request is anonymous
        response = self.get_response(request)
        if not session.is_empty():  # an anonymous visitor is given no session
            if session.get(self.STARTED) is None:
                session[self.STARTED] = int(time.time())
            if session.modified or (
                time.time() - session.get(self.RENEWED, 0) >= self.RENEW_AFTER_SECONDS
            ):
                self.renewed(session)  # SessionMiddleware saves it
        return response

    @classmethod
    def renewed(cls, session) -> None:
        session[cls.RENEWED] = int(time.time())

    @classmethod
    def renewed_on_login(cls, sender, request, user, **kwargs) -> None:
        """Logging in saves the session: that is a renewal, and the session's start
        (user_logged_in receiver)."""
        cls.renewed(request.session)
        request.session[cls.STARTED] = int(time.time())


def client_address(request) -> str | None:
    """The address the request came from. Behind TRUSTED_PROXY_COUNT reverse proxies, the
    address the nearest of them saw, from X-Forwarded-For: each proxy appends the
    address it received from, so the client's is that many entries from the right.
    django-axes (AXES_CLIENT_IP_CALLABLE) and the audit trail both ask here, so a
    lockout and the trail name the same address."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in
                     request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RefuseOversizedBodyMiddleware:
    """Answers 400 to a request body larger than MAX_REQUEST_BODY_BYTES, before a byte of
    it is read. Django caps only the form fields of a body (DATA_UPLOAD_MAX_MEMORY_SIZE),
    not its files, so without this a large upload would be written to a temporary file
    in full before the form found it too large. The reverse proxy caps the body too
    (README); this holds when it does not. A body without a length (chunked) is read by
    Django as empty."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            raise RequestDataTooBig(f"request body of {length} bytes")
        return self.get_response(request)


class RefuseNulMiddleware:
    """Answers 400 to a request whose path, query string or form data holds a NUL
    character.

    PostgreSQL cannot store NUL in text, and SQLite stores it silently, so one database
    would fail with a server error where the other keeps an invisible character. Django's
    form fields already refuse NUL; this refuses it for the fields views read straight
    from request.POST as well, before any of them runs. Uploaded files are not looked
    at: a spreadsheet is binary and may hold any byte.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:  # Wagtail would look for a page by that slug
            raise BadRequest("NUL character in the path")
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise BadRequest("NUL character in the request data")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, with the Wagtail admin (/admin/) under a policy of its own
    (ADMIN_CONTENT_SECURITY_POLICY) instead of none: its editor needs more than the site
    (styles set by its scripts, image previews from blob: URLs, previews framed by the
    admin itself), and the site's policy needs nothing of that."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and request.path_info.startswith("/admin/"):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts

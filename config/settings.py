"""One settings module for every environment, configured by environment variables.

The defaults give the embedded set-up that `make run` uses (SQLite file, django-q2's
ORM broker, console e-mail). Production sets DATABASE_URL, REDIS_URL, SECRET_KEY,
ALLOWED_HOSTS and the EMAIL_* variables; see README.md.
"""

import datetime
import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Test runs get fast hashing and a local cache; their key comes from tests/settings.py.
TESTING = "pytest" in sys.modules

DEBUG = env_bool("DEBUG", default=False)
# With DEBUG on, a 404 or 400 still shows the site's own page (core/error_pages.py);
# DEBUG_PAGES=true brings back Django's technical pages. A 500 shows the traceback.
DEBUG_PAGES = env_bool("DEBUG_PAGES", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:  # `make run`, and the commands around it
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. "
            "Set DEBUG=true for local development, or export a long random SECRET_KEY."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "people",
    "directory",
    "cms",
    "training",
    "drills",
    "terminal_logs",
    "reports",
    "audit",
    "ops",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "import_export",
    "django_q",
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, straight from gunicorn
    # A drill console's poll answered 304 while nothing it shows changed, before the
    # session, the user or anything below is loaded (drills.console_tags).
    "drills.console_tags.UnchangedPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionRenewalMiddleware",
    "core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RefuseOversizedBodyMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "core.ratelimit.FailureRateLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, with the admin's
    "audit.trail.AuditContextMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "people.context_processors.scope",
            ],
            # `percent` in every template without a {% load %}: one way to show a percentage.
            "builtins": ["core.numbers"],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the django-q2 worker share the file: WAL lets readers run
    # beside a writer, and IMMEDIATE transactions wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a real worker process can share the test database.
    # One file per test process, so that parallel runs do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"kunren-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Task queue: Redis when REDIS_URL is set, otherwise django-q2's ORM broker.
REDIS_URL = env_str("REDIS_URL")
Q_CLUSTER = {
    "name": "kunren",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "label": _("Task queue"),
}
if REDIS_URL:
    # Bounded waits on Redis (seconds), whatever the redis-py version's defaults: with
    # Redis unreachable, a page that queues work (it carries on without: see
    # drills.tasks.clock_ensure) and /healthz answer within seconds instead of hanging. The
    # read timeout stays above the worker's 1 s BLPOP. A value already in REDIS_URL comes
    # first, and redis-py takes the first.
    Q_CLUSTER["redis"] = (REDIS_URL + ("&" if "?" in REDIS_URL else "?")
                          + "socket_connect_timeout=2&socket_timeout=5")
    # What a dead worker means depends on the broker. With Redis a task leaves the queue
    # when a cluster takes it (BLPOP; django-q2 has no acknowledgement for Redis): a task
    # whose cluster is killed is lost, and "retry" / "max_attempts" never apply. Every
    # task here is safe to lose: the daily reminder jobs are idempotent (each notice is
    # recorded once) and their next run sends what a lost run did not, and the drill
    # clock's watchdog relaunches a lost clock within about a minute.
else:
    # The ORM broker locks a task it hands to a worker for "retry" seconds and deletes it
    # once it succeeded: a task whose worker died (or that failed, up to "max_attempts"
    # recorded failures) is handed out again after "retry" seconds.
    Q_CLUSTER["orm"] = "default"

# The cache. Wagtail keeps the site root paths in it (read on every page that links to a
# page) and, without Redis, django-q2 its cluster status for /healthz; with the Redis
# broker that status lives in Redis itself, not here. With REDIS_URL (several hosts) it is
# the database: shared by every host, so Wagtail's invalidations reach them all, and with
# no Redis in the way of the pages: Redis down only stops the task queue, the site keeps
# serving. (Django's RedisCache raises when Redis is down, and every page with a link to
# a Wagtail page would fail.) `migrate` makes its table (ops.apps). Without Redis (one
# host) it is files on this host, shared by the web server and the worker.
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "kunren_cache"}}
else:
    # Django's default of 300 entries would soon evict the drill consoles' stamps
    # (drills.console_tags), each one a full answer to every console of a drill.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(BASE_DIR / ".cache"),
                          "OPTIONS": {"MAX_ENTRIES": 100_000}}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters at least, as OWASP ASVS level 2 asks (V2.1.1).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The largest body the site reads: a 20 MB roster file with its form (core.imports.forms)
# and Wagtail's document uploads alike. The README's nginx client_max_body_size matches.
MAX_REQUEST_BODY_BYTES = 21 * 1024 * 1024

# /healthz shows its details (database, broker, queue, clusters, errors) only to a request
# with the header X-Healthz-Token: HEALTHZ_TOKEN; without a token, to nobody.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "")

# Spreadsheet uploads (core.spreadsheets): the most rows and columns read from one file
# (a prefecture's whole staff fits), the most filled cells, and how far an XLSX workbook may unpack.
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 60_000)
SPREADSHEET_MAX_COLUMNS = env_int("SPREADSHEET_MAX_COLUMNS", 50)
SPREADSHEET_MAX_UNPACKED_BYTES = env_int("SPREADSHEET_MAX_UNPACKED_MB", 100) * 1024 * 1024
SPREADSHEET_MAX_PARTS = 200
# Filled cells are what memory grows with: a million stay well under 200 MB while read.
SPREADSHEET_MAX_CELLS = env_int("SPREADSHEET_MAX_CELLS", 1_000_000)

# Terminal access logs (terminal_logs): the key of the keyed hashes that stand for residents
# and search conditions (HMAC-SHA256). Keep it out of the database and its backups: with
# it, a hash can be tested against a guessed identifier. Imports refuse to run without it
# when DEBUG is off; development and tests use a fixed key, with a warning.
TERMINAL_LOG_KEY = env_str("TERMINAL_LOG_KEY", "")
# A quarter of a prefecture's logs is about a million rows of seven cells, with room.
TERMINAL_LOG_MAX_ROWS = env_int("TERMINAL_LOG_MAX_ROWS", 1_200_000)
TERMINAL_LOG_MAX_CELLS = env_int("TERMINAL_LOG_MAX_CELLS", 12_000_000)
TERMINAL_LOG_MAX_BYTES = env_int("TERMINAL_LOG_MAX_MB", 200) * 1024 * 1024

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login limits (django-axes with core.lockout.LoginLimits; README "Security model"):
# - AXES_FAILURE_LIMIT wrong passwords for one user name from one address refuse that
#   pair for AXES_COOLOFF_MINUTES, even with the right password (each attempt meanwhile
#   starts the wait again; `manage.py axes_reset` lifts a lockout);
# - AXES_ADDRESS_FAILURE_LIMIT failures from one address, whatever the user names, refuse
#   that address for as long (spraying one password over many accounts);
# - AXES_USERNAME_FAILURE_LIMIT failures for one user name from any addresses slow it to
#   one attempt per AXES_USERNAME_RETRY_SECONDS from addresses it never logged in from
#   (guessing from many computers), without locking the owner out of their own.
# The attempts live in the database, so the counts survive restarts and are shared by
# every gunicorn worker. The client address is core.middleware.client_address: behind a
# proxy without TRUSTED_PROXY_COUNT every client shares the proxy's address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: it refuses a locked-out login
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "core.lockout.LoginLimits"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_USERNAME_FAILURE_LIMIT = env_int("AXES_USERNAME_FAILURE_LIMIT", 10)
AXES_USERNAME_RETRY_SECONDS = env_int("AXES_USERNAME_RETRY_SECONDS", 60)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_address"
# Not its start-up banner on every command and worker; failures and lockouts are logged.
AXES_VERBOSE = False

# Behind a reverse proxy every request comes from the proxy: the client's address is then
# read from X-Forwarded-For, trusting as many entries as there are proxies (README).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Public forms that take a code: at most this many failed requests (answered 400 or more)
# from one address per this many seconds (core.ratelimit).
FAILURE_RATE_LIMITS = {
    "drills:join": (env_int("JOIN_FAILURE_LIMIT", 20), 600),
    "verify:form": (env_int("VERIFY_FAILURE_LIMIT", 30), 600),
    "verify:certificate": (env_int("VERIFY_FAILURE_LIMIT", 30), 600),
}
# No password reset by e-mail (Wagtail's admin offers one at /admin/password_reset/):
# accounts are staff accounts, and a coordinator sets a new password in the admin
# (README "Security model"). The site's own login page never offered one.
WAGTAIL_PASSWORD_RESET_ENABLED = False

# Sessions end after SESSION_IDLE_MINUTES without a request: requests renew the session,
# at most once a minute (core.middleware.SessionRenewalMiddleware). However busy, a
# session ends SESSION_ABSOLUTE_HOURS after it began (the log-in): a stolen session
# cookie is not good for ever.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Japanese first, English second.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
# Every office works in Japan time: the admin's account page offers no choice of zone
# (a list of 600 zone names in English, otherwise).
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Dates typed as in Japan (2027/01/20 13:30) are accepted by every form: core/formats.
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "/static/"
# `collectstatic` gathers the static files here; WhiteNoise serves them from gunicorn.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "static_collected")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names that browsers may cache for ever; tests and development
        # use the plain names, so they need no `collectstatic`.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and development serve static files from the apps' folders, read at each request.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# E-mail: console in development; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    # Django waits for ever by default: a relay that accepts and then hangs would hold the
    # task (the drill clock's, the reminders') that sends through it.
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kunren@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: production defaults that pass `manage.py check --deploy`.
if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips the client's
    # own). Set SECURE_PROXY_SSL_HEADER to an empty value when Django itself faces clients.
    _proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO")
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not TESTING)
    # Monitoring and load balancers ask gunicorn directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not TESTING)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not TESTING)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# DENY everywhere; Wagtail's preview views set SAMEORIGIN on their own responses
# (wagtail.utils.decorators.xframe_options_sameorigin_override), so previews still work.
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts only from our own static files, never
# inline, so an injected <script> or onclick= does not run. Styles allow 'unsafe-inline':
# a few templates size bars and charts with style="width: N%" and the check-in display has
# a <style> element; inline CSS cannot run script, and the HTML injection that would abuse
# it is what autoescaping prevents.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # the check-in QR code is a data: URI
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# The Wagtail admin (/admin/, core.middleware.ContentSecurityPolicyMiddleware), as far
# as Wagtail 8 allows, checked in a real browser on the dashboard, the page explorer and
# the page editor (tests/test_browser_admin_csp.py): everything from this site only, so
# a script that did get in could send nothing elsewhere (connect-src, img-src, form-action
# 'self'). What it still needs: 'unsafe-inline' scripts (its date and time pickers and
# its inline panels are started by inline <script> elements, without a nonce),
# 'unsafe-inline' styles, blob: and data: images (upload previews, icons), and framing
# by itself (the preview panel, which Wagtail also lets through X-Frame-Options).
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
    },
}

# Wagtail
WAGTAIL_SITE_NAME = "住基ネット 研修・訓練"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search"}}
# No avatars from gravatar.com: each admin page would send a hash of the user's e-mail
# address to a third party (and the admin's policy allows images from this site only).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does the admin's dashboard ask releases.wagtail.org for the latest version: upgrades
# follow pyproject.toml's pins, and the admin's connect-src is this site only.
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Documents are always served by Wagtail's view, which checks sign-in and the collection
# (cms.wagtail_hooks), never by a link to the file; nothing serves MEDIA_URL/documents/.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# PDFs embed this TrueType font; without it they fall back to a non-embedded CID font.
PDF_FONT_PATH = env_str(
    "PDF_FONT_PATH", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
)

# Certificates: how long they are valid is each organisation's course policy
# (training.models.CoursePolicy); the retraining reminder goes out this many days before
# expiry.
CERTIFICATE_REMINDER_DAYS = env_int("CERTIFICATE_REMINDER_DAYS", 30)

# import-export: the roster import runs inside one transaction and is all-or-nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail runs its search-index and reference-index updates as tasks and logs each.
        "django_tasks": {"level": "WARNING"},
    },
}

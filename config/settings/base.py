"""Settings shared by every environment; every value that differs is read from the environment."""

import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from apps.organizations.un_names import UN_COUNTRY_NAMES
from config import log_format
from config.errors import admins_from, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own widget templates, found by the project's template engine (FORM_RENDERER).
    "django.forms",
    "guardian",
    "django_countries",
    "django_celery_beat",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    # After modeltranslation: the apps register their history in ready(), once the
    # per-language columns exist, so that each language's text is kept.
    "simple_history",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.organizations",
    "apps.cases",
    "apps.funding",
    "apps.followup",
    "apps.notifications",
    "apps.reminders",
    "apps.api",
    "apps.reports",
    "apps.portal",
    "apps.security",
]

MIDDLEWARE = [
    # Before all: the request runs with room on Python's frame stack (apps/core/stack.py).
    "apps.core.stack.StackHeadroomMiddleware",
    # Then: every log line of a request, whatever logs it, carries the request's id.
    "log_request_id.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the app itself: the embedded default needs no other server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.security.middleware.PrivateNoStoreMiddleware",
    "apps.security.middleware.RequestContextMiddleware",
    "apps.security.middleware.RequestSizeLimitMiddleware",
    "apps.security.middleware.PageMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change (django-simple-history's history_user) is the signed-in user.
    "simple_history.middleware.HistoryRequestMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "apps.security.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.security.middleware.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A form or API call sent twice (a double click, a retry) is done once.
    "apps.core.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-axes last: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Forms render through the project's template engine, so that templates/django/forms/ can
# override a built-in widget template (the select: its options written in one template).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% form_token %} in every form that writes (apps/core/idempotency.py).
            "builtins": ["apps.core.templatetags.one_time"],
            "context_processors": [
                "django.template.context_processors.request",
                "csp.context_processors.nonce",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.notifications.context_processors.unread_notifications",
                "apps.portal.context_processors.navigation",
            ],
        },
    },
]


def database_from_env(**kwargs) -> dict:
    """The database of ``DATABASE_URL``, with persistent connections: opening a PostgreSQL
    connection for each request costs more than most pages' queries. Each is checked before
    reuse, so a database restart costs one failed check, not an error page.
    ``DATABASE_CONN_MAX_AGE`` seconds (default 60; 0 opens one per request).
    ``DATABASE_DISABLE_SERVER_SIDE_CURSORS`` (default false): true behind a pooler in
    transaction mode (PgBouncer's ``pool_mode = transaction``), which cannot keep the cursor
    of a chunked read (``iterator()``: exports, sweeps) from one transaction to the next."""
    config = env.db("DATABASE_URL", **kwargs)
    config["ATOMIC_REQUESTS"] = False
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    config["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
    return with_prepared_statements(without_jit(config))


def without_jit(config: dict) -> dict:
    """``config`` with PostgreSQL's JIT compilation off for the portal's sessions unless
    ``DATABASE_JIT`` is true. The portal's reads are short: JIT starts on the planner's cost
    estimate (an ``EXISTS`` over a large table is estimated high) and then compiles for longer
    than the query runs (docs/performance.md). Behind a pooler that refuses start-up options,
    set ``jit = off`` on the database instead (``ALTER DATABASE ... SET jit = off``)."""
    if config["ENGINE"].endswith("postgresql") and not env.bool("DATABASE_JIT", default=False):
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


def with_prepared_statements(config: dict) -> dict:
    """``config`` (a database's settings) with server-side parameters and prepared statements
    on PostgreSQL when ``DATABASE_PREPARED_STATEMENTS`` is true (default false)."""
    if config["ENGINE"].endswith("postgresql") and env.bool(
        "DATABASE_PREPARED_STATEMENTS", default=False
    ):
        # Opt-in: values sent apart from the SQL, and a statement run five times on a
        # connection prepared there (psycopg's threshold). Leave it off behind a pooler that
        # cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
        config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    return config


DATABASES = {"default": database_from_env(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day: officials may read their e-mail late

# Security (apps/security, docs/security.md). Lockout: 5 failed sign-ins for a username or from
# an address lock it for 15 minutes (django-axes); every attempt is in the audit log too.
AXES_FAILURE_LIMIT = env.int("PORTAL_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("PORTAL_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner per process start (each server and worker process printed one)
# The user name as the lockout records it: at most as long as a user name may be (a pasted
# page in the field must not fail the sign-in with a database error).
AXES_USERNAME_CALLABLE = "apps.security.otp.lockout_username"
# One-time keys of forms and API calls (apps/core/idempotency.py) are kept this long.
PORTAL_IDEMPOTENCY_HOURS = env.int("PORTAL_IDEMPOTENCY_HOURS", default=24)
# A request for a record that exists but that the user may not see is in the audit log; this
# many of them by one user within these minutes e-mail an alert to the UNODA coordinators.
PORTAL_REFUSED_ALERT_COUNT = env.int("PORTAL_REFUSED_ALERT_COUNT", default=10)
PORTAL_REFUSED_ALERT_MINUTES = env.int("PORTAL_REFUSED_ALERT_MINUTES", default=10)
# Sessions: absolute lifetime (SESSION_COOKIE_AGE) and idle timeout, both enforced on the
# server by apps.security.middleware.SessionLifetimeMiddleware; gone when the browser closes.
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_MAX_AGE_SECONDS", default=12 * 3600)
PORTAL_SESSION_IDLE_SECONDS = env.int("PORTAL_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp's CSPMiddleware): scripts and styles from our own origin,
# and inline ones only with this response's nonce (``{{ CSP_NONCE }}``; django-csp adds it to
# the header only on responses whose template used it); never 'unsafe-inline'. Views with
# other needs say so with django-csp's decorators (the API's documentation pages, downloads).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Uploads: at most 20 MB a file (checked by content, apps.security.uploads), a request body at
# most 21 MB (413 above that).
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
PORTAL_REQUEST_MAX_BYTES = PORTAL_UPLOAD_MAX_BYTES + 1024 * 1024
# A page's form fields without its files: well above what the fields of the largest form may
# hold (each text has a length limit, apps.core.text; a character may take 9 bytes once
# percent-encoded), so that a paste longer than a field comes back in the form with a message
# and the text kept, not refused for its size (a 413 page above this).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The API takes no files: a body above this is a 413 in its error format, before parsing. It is
# above what the largest request body may hold (its texts' limits, JSON-escaped).
PORTAL_API_BODY_MAX_BYTES = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640
PORTAL_OTP_ISSUER = env("PORTAL_OTP_ISSUER", default="")


def _otp_issuer(device) -> str:
    """The issuer that authenticator apps show beside the account (django-otp calls this when
    it writes the otpauth:// URI): PORTAL_OTP_ISSUER when set, otherwise the portal's name in
    the language of the page that shows the QR code."""
    return PORTAL_OTP_ISSUER or str(_("UN PoA assistance portal"))


OTP_TOTP_ISSUER = _otp_issuer
# The admin lists two-factor devices but never shows their keys or unused backup codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# django-guardian: no anonymous user row; anonymous visitors get nothing from object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
# The language is chosen per browser (Django's language cookie, set by the switcher on every
# page), else the signed-in user's preferred language, else the browser's Accept-Language.
# No language prefixes in URLs: a case has one address whatever language it is read in.
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
# The admin's "History" page of a record shows its changes and never puts an old version
# back: every write goes through the services (apps/core/history.py).
SIMPLE_HISTORY_REVERT_DISABLED = True
# A text missing in the reader's language falls back to English, then to whichever language it
# was written in (pages show the original language explicitly, see apps/core/translated.py).
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh-hans")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Numbers written by Django (a rate, a count) in the same style as the amounts Babel writes
# from CLDR: Django's Arabic and French separators differ from CLDR's (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
# Countries and territories carry the UN's short names (UNTERM, else UN M49) in the six
# languages, not ISO's: "Republic of Moldova", "Türkiye" (scripts/un_country_names.py).
COUNTRIES_OVERRIDE = UN_COUNTRY_NAMES
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The npm packages' built files are served from the portal itself (no CDN), each under
# static/vendor/<package>/; scripts/install.sh installs them from package-lock.json.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/chartjs-chart-geo", NODE_MODULES / "chartjs-chart-geo" / "build"),
    ("vendor/world-atlas", NODE_MODULES / "world-atlas"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portal@localhost")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_TIMEOUT = 30
# Who hears of errors (500s, failed tasks: every ERROR log line) by e-mail:
# PORTAL_ADMINS="Ada Admin <ada@example.org>, ops@example.org". Nobody when empty.
ADMINS = admins_from(env("PORTAL_ADMINS", default=""))
SERVER_EMAIL = env("DJANGO_SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Celery: Redis when REDIS_URL is set, otherwise tasks run in-process (embedded default).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Exactly-once reminders rest on the reminder log's unique constraint and idempotent tasks;
# these settings make sure no task is lost on the way: acknowledged only after it ran (a worker
# killed mid-task gets it redelivered), one task prefetched at a time, retries that back off
# but stay far below the visibility timeout (or Redis would hand the task to a second worker).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("PORTAL_BROKER_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# django-celery-beat's database scheduler, recording each run of its loop for /health/.
CELERY_BEAT_SCHEDULER = "apps.core.beat:HeartbeatScheduler"
# The workers and the beat log through LOGGING below (one format, the request ids' filter).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
PORTAL_EMAIL_MAX_RETRIES = env.int("PORTAL_EMAIL_MAX_RETRIES", default=6)
PORTAL_EMAIL_RETRY_BASE_SECONDS = env.int("PORTAL_EMAIL_RETRY_BASE_SECONDS", default=60)
PORTAL_EMAIL_RETRY_MAX_SECONDS = min(
    900, CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] // 2
)
PORTAL_OUTBOX_GRACE_SECONDS = 120  # e-mails still unqueued after this are queued by the sweep
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE


def redis_database(url: str, step: int) -> str:
    """``url`` (a Redis URL) with its database number moved by ``step``, round the sixteen
    (database 0 when it names none). Its query (a managed Redis's ``?ssl_cert_reqs=required``)
    is kept."""
    parts = urlsplit(url)
    number = parts.path.strip("/")
    database = ((int(number) if number.isdigit() else 0) + step) % 16
    return urlunsplit(parts._replace(path=f"/{database}"))


def next_redis_database(url: str) -> str:
    """The cache's database beside the broker's (``url``'s next one, 0 after 15), so that
    clearing the cache never empties the broker's queues (an eviction policy is the whole
    server's: a cache that evicts needs a Redis server of its own)."""
    return redis_database(url, 1)


# The broker (REDIS_URL) and the cache are on separate Redis databases (REDIS_CACHE_URL, by
# default the broker's next one). The broker's Redis needs maxmemory-policy "noeviction" (an
# evicted task is a lost e-mail); apps/core/checks.py warns at start-up when it is not.
REDIS_CACHE_URL = env(
    "REDIS_CACHE_URL", default=next_redis_database(REDIS_URL) if REDIS_URL else ""
)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            # Pages read kept rows from the cache (apps/core/reference.py) and read the
            # database instead when it fails: a Redis that hangs must fail fast, not block.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# REST API (apps/api): token for machine clients, session for the browser; one error format.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "apps.api.filters.FilterBackend",
        "apps.api.filters.Ordering",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.api.throttling.AnonThrottle",
        "apps.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("PORTAL_API_ANON_RATE", default="60/minute"),
        "user": env("PORTAL_API_USER_RATE", default="600/minute"),
    },
    "EXCEPTION_HANDLER": "apps.api.exceptions.exception_handler",
    # JSON only: the views that take files add multipart (apps/api); anything else is a 415.
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.PortalJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.api.parsers.StrictNegotiation",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Assistance follow-up portal API",
    "DESCRIPTION": (
        "Requests (cases) and their records (comments, documents, the agreement with its "
        "amendments, milestones, progress reports, feedback and its waivers, meeting outcomes), "
        "offers, expressions of interest, commitments and disbursements, matchmaking meetings "
        "and their dossiers, lessons learned, exchange rates, notifications and organizations, "
        "scoped exactly as in the web pages. Lists "
        "take `page`, `page_size` and `ordering`. "
        "Authenticate with `Authorization: Token <key>` (tokens are issued on the preferences "
        "page or at `POST /api/v1/auth/token/`). Every error has the body "
        '`{"error": {"code": ..., "message": ..., "fields": {...}}}`: 400 bad input, what the '
        "schema refuses (unknown fields, wrong types, patterns, page size over 100), 401 not "
        "signed in, 403 not allowed, 404 not found or not visible to you (in the path, or a "
        "record the body names), 409 refused by a rule of the portal (e.g. a date outside the "
        "agreement, a transition not possible in the current status, or someone else acting "
        "on the case), 413 a body "
        "larger than 2.5 MB, 415 a body of a content type the operation does not take (JSON; "
        "multipart/form-data only where files are uploaded), 429 too many requests. Text "
        "fields refuse control characters and have a maximum length (`maxLength`). A refused "
        "request changes nothing."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc served from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "apps.cases.models.Status",
        "CommitmentStatusEnum": "apps.funding.models.CommitmentStatus",
        "RegionEnum": "apps.organizations.models.Region",
        "CurrencyEnum": "apps.cases.currencies.CURRENCY_CODES",
        "InterestStatusEnum": "apps.funding.models.InterestStatus",
        "ProgressStatusEnum": "apps.followup.models.ProgressStatus",
        "FeedbackStatusEnum": "apps.followup.models.FeedbackStatus",
        "NewCommitmentStatusEnum": [("pledged", "Pledged"), ("committed", "Committed")],
        "RequestVisibilityEnum": "apps.cases.models.Visibility",
        "CommentVisibilityEnum": "apps.cases.models.CommentVisibility",
        "MeetingDecisionEnum": "apps.funding.models.MeetingDecision",
        "AttachmentKindEnum": "apps.cases.models.AttachmentKind",
        "AgreementChangeKindEnum": "apps.followup.models.AgreementChangeKind",
    },
}

# Portal rules that UNODA may tune per deployment.
# A request with a title only scores 0: the State is told what is missing before it submits.
PORTAL_SUBMIT_MIN_COMPLETENESS = env.int("PORTAL_SUBMIT_MIN_COMPLETENESS", default=30)
PORTAL_PUBLISH_MIN_COMPLETENESS = env.int("PORTAL_PUBLISH_MIN_COMPLETENESS", default=0)
# Days after a pledge before it is flagged as ageing if not committed (default for the admin).
PORTAL_PLEDGE_AGEING_DAYS = env.int("PORTAL_PLEDGE_AGEING_DAYS", default=90)
# IATI files: the reporting organisation, UNODA, by the organisation identifier it registers
# with IATI (an approved agency prefix, e.g. XM-DAC-..., XI-IATI-...). It is the prefix of every
# activity identifier, so it never changes once published. No default: production requires it;
# the local and test settings set an example.
PORTAL_IATI_REPORTING_ORG_REF = env("PORTAL_IATI_REPORTING_ORG_REF", default="")
PORTAL_IATI_REPORTING_ORG_NAME = env(
    "PORTAL_IATI_REPORTING_ORG_NAME", default="United Nations Office for Disarmament Affairs"
)
PORTAL_SITE_URL = env("PORTAL_SITE_URL", default="http://localhost:8000")
PORTAL_MAIL_DOMAIN = env("PORTAL_MAIL_DOMAIN", default="portal.localhost")

# /health/ (apps/core/health.py): the beat counts as down when its last run is older than this.
PORTAL_BEAT_MAX_AGE_SECONDS = env.int("PORTAL_BEAT_MAX_AGE_SECONDS", default=60)
# With this token (``Authorization: Bearer <token>``) a monitor reads each check's result;
# everyone else but staff reads only "ok" or "error".
PORTAL_HEALTH_TOKEN = env("PORTAL_HEALTH_TOKEN", default="")

# Request ids (django-log-request-id): a new id per request, in every log line of that request
# and in the response's X-Request-ID header (a user reporting an error can quote it).
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
NO_REQUEST_ID = log_format.NO_REQUEST_ID  # lines outside a request
LOG_REQUESTS = env.bool("PORTAL_LOG_REQUESTS", default=False)  # one line per request

# Logs go to stdout, as text (default) or as one JSON object a line (PORTAL_LOG_FORMAT=json):
# timestamp, level, logger, request_id, message. ERROR lines are also e-mailed to ADMINS.
LOG_FORMAT = env("PORTAL_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "log_request_id.filters.RequestIDFilter"},
        "no_client_error_traceback": {"()": "apps.core.logging.ClientErrorWithoutTraceback"},
        "traceback_as_one_line": {"()": "apps.core.logging.TracebackAsOneLine"},
        "health_report_not_an_error": {"()": "apps.core.logging.HealthReportNotAnError"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": log_format.FORMATTERS,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "no_client_error_traceback"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_id"],
        },
    },
    "root": {
        "handlers": ["console", "mail_admins"],
        "level": env("DJANGO_LOG_LEVEL", default="INFO"),
    },
    "loggers": {
        # Django's own handlers replaced by the root's (one format, one e-mail per error).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["health_report_not_an_error"]},
        # django-health-check logs each failing check with its traceback.
        "health_check": {"filters": ["traceback_as_one_line"]},
        # A request for a host not in ALLOWED_HOSTS is a scanner's, not an error to e-mail.
        "django.security.DisallowedHost": {"handlers": ["console"], "propagate": False},
        "celery.app.trace": {"level": "WARNING"},
    },
}

# Errors to Sentry too when SENTRY_DSN is set (sentry-sdk: Django and Celery integrations).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

"""Settings shared by every environment. Values come from the environment (see README)."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, env_time

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")  # each environment module decides whether a default is safe
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # The project's apps, bottom to top: an app imports only from the apps above it in this list
    # (checked by tests/test_architecture.py; docs/architecture.md has the map).
    "units",
    "procedures",
    "workdays",
    "notifications",
    "dossiers",
    "feedback",
    "stats",
    "emulation",
    "dashboards",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstLocaleMiddleware",
    # After the language is chosen (its 400 is translated), before any view or lookup.
    "config.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Reads of reports, dashboards and API GETs from the replica (left out without DATABASE_REPLICA_URL).
    "config.replica.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a refused login (too many wrong passwords) into config.auth.lockout_response.
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
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "units.context_processors.access",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The embedded default is SQLite next to manage.py; production and CI set DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite keeps connections per thread; WAL lets the dev server read while a seed writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A streaming replica of the primary (docs/scaling.md, "Read replica"): reports, dashboards and the
# API's GET requests read from it (config/replica.py); everything else, and the principal who wrote
# within the last TTHC_REPLICA_STICKY_SECONDS, stays on the primary. Unset: one database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
TTHC_REPLICA_STICKY_SECONDS = env_int("TTHC_REPLICA_STICKY_SECONDS", 10, minimum=0, maximum=3600)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to name the PostgreSQL primary.")
    try:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is malformed: {error}") from None
    # In tests the replica holds the primary's test database (physical replication copies every
    # database of the cluster): it is never created, flushed or migrated on its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.replica.PrimaryReplicaRouter"]

# --- Redis: Celery broker and cache ---------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")

if REDIS_URL:
    # An outage of Redis degrades to an empty cache instead of failing pages (config/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without Redis (a fresh laptop) tasks run eagerly in the calling process; with it a real worker
# and beat consume them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task interrupted by a crash is redelivered; every task is idempotent
# A pool process killed in the middle of a task (kill -9, out of memory) puts its message back on
# the queue instead of acknowledging it as failed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A message taken by a worker that died as a whole comes back after this many seconds. Long work is
# split into short messages (a statistics backfill sends one message per chunk of days, seconds
# each on a million dossiers), so this only has to exceed the longest single task and the longest
# retry countdown (the outbox's backoff stays under 10 minutes).
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=1, maximum=86400)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    # Look for abandoned messages every few seconds (a cheap sorted-set read), not every 100 s.
    "unacked_restore_interval": max(1, min(10, _VISIBILITY_TIMEOUT // 2)),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The nightly schedule, reviewed in code (never only in the database). Times are Asia/Ho_Chi_Minh.
CELERY_BEAT_SCHEDULE = {
    # 01:00 local time: yesterday is complete, and late syncs of the day are in.
    "nightly-statistics": {
        "task": "dossiers.tasks.compute_nightly_stats",
        "schedule": crontab(hour=1, minute=0),
    },
    # Every five minutes: runs whose worker died are marked failed, and runs that could not be
    # queued (broker down) are sent again.
    "statistics-runs-sweep": {
        "task": "stats.tasks.sweep_stats_runs",
        "schedule": crontab(minute="*/5"),
    },
    # 01:30 local time, after the statistics: recompute every draft emulation year (finalised ones are frozen).
    "emulation-draft-years": {
        "task": "emulation.tasks.recompute_draft_years",
        "schedule": crontab(hour=1, minute=30),
    },
    # Every minute: send the outbox's due messages (retries after their backoff, and any message
    # whose own task could not be queued). Each message is claimed by one worker only.
    "outbox-sweep": {
        "task": "notifications.tasks.deliver_due_messages",
        "schedule": crontab(minute="*"),
    },
    # 07:00 local time every day; the task itself sends nothing on a day off (weekends, holidays),
    # and does on a swapped working Saturday.
    "officers-morning-digest": {
        "task": "dossiers.tasks.send_morning_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # 00:20 local time every day: the yearly partitions of the partitioned tables (PostgreSQL) for
    # this year and the next two exist before any row needs them (config.partitions). Daily, not
    # yearly, so a missed night or a new table costs nothing; it creates nothing when all exist.
    "partitions-ahead": {
        "task": "config.tasks.create_partitions_ahead",
        "schedule": crontab(hour=0, minute=20),
    },
}
# ``config`` is not an app, so autodiscovery does not find its tasks.
CELERY_IMPORTS = ["config.tasks"]

# --- Auth -----------------------------------------------------------------------------------
# Login throttling by (account, client), counted in the database by django-axes (config/auth.py).
AUTHENTICATION_BACKENDS = ["config.auth.ThrottledLoginBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("TTHC_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("TTHC_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=1440))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "config.auth.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures only: no table of every successful login's address
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our Vietnamese number formats (thousands grouped: 1.200.000), over Django's (config/formats/vi).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone.") from None
USE_I18N = True
USE_TZ = True  # datetimes are stored in UTC; dates are local dates in TIME_ZONE

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "units.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["units.api.permissions.TokenScopes", "units.api.permissions.CatalogueAccess"],
    "DEFAULT_FILTER_BACKENDS": ["config.api.FilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        # The API speaks JSON only: a form body would turn empty fields into "no value".
        "config.api.parsers.JSONParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TTHC Tracker API",
    "DESCRIPTION": (
        "Administrative-procedure (TTHC) dossiers, their statutory deadlines and statistics. "
        "Authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token/) or a session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc are served from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's error answers, added in one place (config/api/schema_errors.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema_errors.add_error_responses",
    ],
    # Several models have a "channel" or a "status": name each choice set after its own meaning.
    "ENUM_NAME_OVERRIDES": {
        "DossierChannelEnum": "dossiers.choices.Channel",
        "DossierStatusEnum": "dossiers.choices.Status",
        "FeedbackStatusEnum": "feedback.choices.Status",
        "MessageChannelEnum": "notifications.choices.MessageChannel",
        "MessageStatusEnum": "notifications.choices.MessageStatus",
    },
}

# --- Domain settings (DESIGN.md marks these configurable) -----------------------------------
# A dossier received at or after this local time counts as received on the next working day.
# A statistics run whose worker has given no sign of life for this long is marked failed (the
# longest chunk takes seconds; see docs/statistics.md, "Runs that crash").
STATS_RUN_STALL_SECONDS = env_int("STATS_RUN_STALL_SECONDS", 900, minimum=1, maximum=86400)
# A statistics run is split into chunks of a month of days × this many groups of units, sent to the
# workers as one Celery group (docs/scaling.md, "Statistics fanned out over workers").
STATS_UNIT_GROUPS = env_int("STATS_UNIT_GROUPS", 1, minimum=1, maximum=64)
TTHC_RECEIPT_CUTOFF = env_time("TTHC_RECEIPT_CUTOFF", "15:00")
# An open dossier is "due soon" when at most this many working days remain.
TTHC_DUE_SOON_WORKING_DAYS = env_int("TTHC_DUE_SOON_WORKING_DAYS", 2, minimum=0, maximum=30)
# The dossier list counts its matches up to this many; above it the page says "more than …" and
# the API's count is null (config/pagination.py; docs/scaling.md, "Where it breaks first").
TTHC_LIST_COUNT_LIMIT = env_int("TTHC_LIST_COUNT_LIMIT", 10_000, minimum=1, maximum=10_000_000)
# How many re-appointments (apology letters) one dossier may have.
TTHC_MAX_REAPPOINTMENTS = env_int("TTHC_MAX_REAPPOINTMENTS", 1, minimum=0, maximum=10)
# Times in the past (dossiers/backdating.py): how far before now an officer or a user's token may
# date a step, and how far back the web form may date a receipt.
TTHC_PAST_TOLERANCE_MINUTES = env_int("TTHC_PAST_TOLERANCE_MINUTES", 5, minimum=0, maximum=1440)
TTHC_RECEIPT_BACKDATE_DAYS = env_int("TTHC_RECEIPT_BACKDATE_DAYS", 30, minimum=0, maximum=3650)
# Feedback that comes again from the same sender on the same subject within this many days of an
# earlier item repeats it (feedback.services.repeated_item; national index 5.3).
TTHC_FEEDBACK_REPEAT_DAYS = env_int("TTHC_FEEDBACK_REPEAT_DAYS", 90, minimum=0, maximum=3650)

# --- The applicant's side: public pages, lookups -------------------------------------------
# The site's public address, for the links in QR codes and messages (e.g. https://tthc.example.gov.vn).
# Empty: the address a request came to (and http://localhost:8000 in messages).
TTHC_PUBLIC_URL = env_str("TTHC_PUBLIC_URL", "").rstrip("/")
if TTHC_PUBLIC_URL and not TTHC_PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"TTHC_PUBLIC_URL={TTHC_PUBLIC_URL!r} must start with http:// or https://.")
# Behind a reverse proxy: the client is the last address of X-Forwarded-For (config.ratelimit).
TTHC_TRUST_X_FORWARDED_FOR = env_bool("TTHC_TRUST_X_FORWARDED_FOR", False)
# Per client and window: at most this many lookups, and this many wrong (dossier code, lookup code) pairs.
TTHC_LOOKUP_LIMIT = env_int("TTHC_LOOKUP_LIMIT", 30, minimum=1, maximum=100000)
TTHC_LOOKUP_FAILURE_LIMIT = env_int("TTHC_LOOKUP_FAILURE_LIMIT", 10, minimum=1, maximum=100000)
TTHC_LOOKUP_WINDOW = env_int("TTHC_LOOKUP_WINDOW", 900, minimum=10, maximum=86400)

# --- Notifications: e-mail (Django's backends) and SMS ------------------------------------------
# Console in development (the e-mails are printed); production.py defaults to SMTP.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true; choose one.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=300)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TTHC Tracker <no-reply@localhost>")
# SMS: notifications.sms.LoggingSmsBackend (the default: written to the log) or
# notifications.sms.HttpSmsBackend (the ministry's gateway, below).
TTHC_SMS_BACKEND = env_str("TTHC_SMS_BACKEND", "notifications.sms.LoggingSmsBackend")
TTHC_SMS_HTTP_URL = env_str("TTHC_SMS_HTTP_URL", "")
TTHC_SMS_HTTP_TOKEN = env_str("TTHC_SMS_HTTP_TOKEN", "")
TTHC_SMS_HTTP_SENDER = env_str("TTHC_SMS_HTTP_SENDER", "BOYTE")
TTHC_SMS_HTTP_TIMEOUT = env_int("TTHC_SMS_HTTP_TIMEOUT", 10, minimum=1, maximum=120)
# Attempts to send one message before it is marked failed (waits 1, 5, 15, 60, 180, 180… minutes).
TTHC_NOTIFY_MAX_ATTEMPTS = env_int("TTHC_NOTIFY_MAX_ATTEMPTS", 6, minimum=1, maximum=50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A 403 is one line with its reason, not a traceback (issue 13).
    "filters": {"refusals_on_one_line": {"()": "config.logging.RefusalsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"django.request": {"filters": ["refusals_on_one_line"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

"""Django settings. The environment is read here and only here.

Every variable is listed, with its default, in README.md and `.env.example`.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("CALACCESS_READ_DOT_ENV", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

# The site is reached over HTTPS only, through a TLS proxy in front of gunicorn (production,
# docker-compose.yml's web). Off by default, so bin/run, bin/serve and the tests work over plain
# http on 127.0.0.1. On, it turns on every setting `manage.py check --deploy` asks for (each
# overridable below), and DJANGO_SECRET_KEY must be set.
_HTTPS = env.bool("DJANGO_HTTPS", default=False)
# The development key is short on purpose: `check --deploy` flags it (security.W009). Without
# DJANGO_HTTPS it is the default (bin/run, bin/serve, the tests, CI); with it there is no default.
if _HTTPS:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # ImproperlyConfigured when unset
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="calaccess-archive-development-only")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Origins (scheme and host) allowed to POST besides the request's own host, e.g. when the
# proxy answers under another name: https://archive.example.org.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS (https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security).
# The proxy terminates TLS and must set X-Forwarded-Proto on every request (overwriting the
# client's): Django then knows which requests came over https.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=_HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# http requests are redirected to https, except /health/: monitors and web's healthcheck ask it
# over plain http from inside (docker-compose.yml), where a redirect to https would fail.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Browsers that saw the header refuse plain http to the host for this long: one year (what
# preload lists ask for). Try a small value first; enabling it by mistake is hard to undo.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=_HTTPS)
# The session (admin login) and CSRF cookies are sent over https only.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=_HTTPS)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=_HTTPS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "calaccess_raw",
    "calaccess_archive",
    "ocd",
    # The archive storage (archive_storage/README.md): storages, ArchivedFile records, iaupload.
    "archive_storage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files, answered before the rest of the stack (https://whitenoise.readthedocs.io).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "calaccess_archive.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "calaccess_archive.wsgi.application"

# DATABASE_URL unset: manage.py starts a private PostgreSQL under the data
# directory (calaccess_archive/embedded_db.py) and sets it before Django loads.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/calaccess_archive"),
}
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "CALACCESS_TEST_DATABASE", default="test_calaccess_archive"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` puts the static files the web process serves (through WhiteNoise).
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# The downloads site's stylesheet (calaccess_archive/site/ is a package of the app, not an app).
STATICFILES_DIRS = [BASE_DIR / "calaccess_archive" / "site" / "static"]
# DJANGO_STATIC_MANIFEST=true (bin/serve, the Docker image): `collectstatic` writes compressed
# copies under hashed names and a manifest into STATIC_ROOT, pages link the hashed names, and
# WhiteNoise serves them cached forever. That storage needs collectstatic first: a page linking a
# file missing from the manifest raises. Off (the default: bin/run, the tests, CI, development)
# nothing is collected: the plain storage links the names as they are, and WhiteNoise finds each
# file in the static folders (the apps', STATICFILES_DIRS) when asked for (no STATIC_ROOT needed).
# A switch rather than WHITENOISE_MANIFEST_STRICT=False: non-strict still reads every file from
# STATIC_ROOT to hash it, so pages would work or fail depending on a stale collectstatic.
_STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=False)
if _STATIC_MANIFEST:
    _STATICFILES_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    _STATICFILES_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# Where downloads, cleaned tables and error files live (one folder a release).
CALACCESS_DATA_DIR = Path(env.str("CALACCESS_DATA_DIR", default=str(BASE_DIR / "data")))
# The state's nightly export.
CALACCESS_EXPORT_URL = env.str(
    "CALACCESS_EXPORT_URL", default="https://campaignfinance.cdn.sos.ca.gov/dbwebexport.zip"
)
# Worker processes for the per-table clean and load stages (tables are independent).
CALACCESS_WORKERS = env.int("CALACCESS_WORKERS", default=2)
# Seconds to wait for the state's CDN before a request counts as failed.
CALACCESS_HTTP_TIMEOUT = env.float("CALACCESS_HTTP_TIMEOUT", default=60.0)
# How many times a transient download error is retried (with exponential backoff).
CALACCESS_DOWNLOAD_RETRIES = env.int("CALACCESS_DOWNLOAD_RETRIES", default=6)
# First backoff delay in seconds; doubles on each retry.
CALACCESS_RETRY_BACKOFF = env.float("CALACCESS_RETRY_BACKOFF", default=2.0)
# A GET whose Last-Modified differs from the HEAD's by more than this many
# seconds is a different release and is refused.
CALACCESS_LAST_MODIFIED_TOLERANCE = env.int("CALACCESS_LAST_MODIFIED_TOLERANCE", default=300)
# Seconds a pipeline run's lease lasts without renewal: a dead worker's run is taken
# over by the next tick at most this long after it stopped renewing (docs/deploy.md).
CALACCESS_LEASE_SECONDS = env.int("CALACCESS_LEASE_SECONDS", default=300)
# Minutes between two looks at the export URL (beat's release check).
CALACCESS_CHECK_MINUTES = env.int("CALACCESS_CHECK_MINUTES", default=30)

# Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The queue tasks go to unless routed: workers started with `-Q` on another queue (a second
# deployment, a test run) share a Redis without taking each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Seconds before Redis redelivers an unacknowledged (still running, with acks_late) task.
# Above the longest stage (a full ingest) so a running task is not redelivered.
_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=10800)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _VISIBILITY_TIMEOUT}
# Global time limits, in seconds, for every task that sets none of its own
# (https://docs.celeryq.dev/en/stable/userguide/configuration.html#task-time-limit).
# At the soft limit the task gets SoftTimeLimitExceeded and can record its failure; at the
# hard limit its pool process is killed. soft < hard < CELERY_VISIBILITY_TIMEOUT: a task
# still running when the visibility timeout passes is delivered again and runs twice, so
# the hard limit must end it first (the margin covers the wait between delivery and start).
# TODO: tune once the nightly pipeline's stage times are measured.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=7200)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=7800)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < _VISIBILITY_TIMEOUT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Celery time limits must be 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT"
        f" < CELERY_VISIBILITY_TIMEOUT, not {CELERY_TASK_SOFT_TIME_LIMIT}, {CELERY_TASK_TIME_LIMIT}, {_VISIBILITY_TIMEOUT}"
    )
# Worker and beat log through LOGGING (calaccess_archive/celery_app.py), root logger untouched.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic tasks: all in calaccess_archive/beat_schedule.py.
from calaccess_archive.beat_schedule import beat_schedule  # noqa: E402

CELERY_BEAT_SCHEDULE = beat_schedule(check_minutes=CALACCESS_CHECK_MINUTES)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured"},
    },
    "root": {"handlers": ["console"], "level": env.str("CALACCESS_LOG_LEVEL", default="WARNING")},
    # Progress of long stages: log lines when no terminal shows the bars.
    "loggers": {"calaccess_archive.progress": {"level": "INFO"}},
}

# Archive storage (docs/archive-storage.md). Where each release's files are preserved.
# "local" (default) keeps them under CALACCESS_DATA_DIR/archive/<identifier>/<file name>;
# "archive.org" uploads them through the internetarchive library.
CALACCESS_ARCHIVE_STORAGE = env.str("CALACCESS_ARCHIVE_STORAGE", default="local")
_ARCHIVE_BACKENDS = {
    "local": "calaccess_archive.storage.local.LocalArchiveStorage",
    "archive.org": "archive_storage.archive_org.ArchiveOrgStorage",
}
if CALACCESS_ARCHIVE_STORAGE not in _ARCHIVE_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"CALACCESS_ARCHIVE_STORAGE must be one of {sorted(_ARCHIVE_BACKENDS)}, not {CALACCESS_ARCHIVE_STORAGE!r}"
    )
# Django's storages; the archive's is STORAGES["archive"] (a deployment may point it elsewhere).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATICFILES_BACKEND},  # see _STATIC_MANIFEST
    "archive": {"BACKEND": _ARCHIVE_BACKENDS[CALACCESS_ARCHIVE_STORAGE]},
}
# The site: lists of releases on one page (the downloads page, a table's history and downloads,
# /api/releases.json) show this many, newest first; every release stays listed by year.
CALACCESS_SITE_RECENT_RELEASES = env.int("CALACCESS_SITE_RECENT_RELEASES", default=30)
# URL prefix under which the site serves the local archive storage.
CALACCESS_ARCHIVE_LOCAL_URL = env.str("CALACCESS_ARCHIVE_LOCAL_URL", default="/archive/")
# Item identifiers start with this prefix: <prefix>raw-data-YYYY-MM-DD_HH-MM-SS.
CALACCESS_ARCHIVE_PREFIX = env.str("CALACCESS_ARCHIVE_PREFIX", default="ccdc-")
# archive.org collection the items are created in (the account must be allowed to upload to it).
CALACCESS_ARCHIVE_COLLECTION = env.str("CALACCESS_ARCHIVE_COLLECTION", default="california-civic-data-coalition")
# The archive app's names for the same two settings (archive_storage/README.md).
ARCHIVE_STORAGE_COLLECTION = CALACCESS_ARCHIVE_COLLECTION
ARCHIVE_STORAGE_PREFIX = CALACCESS_ARCHIVE_PREFIX
# archive.org S3 keys (https://archive.org/account/s3.php). No default: empty means
# "not configured", and the archive.org storage refuses to run without them.
IA_ACCESS_KEY = env.str("IA_ACCESS_KEY", default="")
IA_SECRET_KEY = env.str("IA_SECRET_KEY", default="")
# https to archive.org; false sends plain http (only for a local stand-in or a proxy).
IA_SECURE = env.bool("IA_SECURE", default=True)
# Proxy for every archive.org request; empty means HTTP_PROXY/HTTPS_PROXY are used as usual.
IA_PROXY = env.str("IA_PROXY", default="")
# Seconds to connect, and to wait for an answer, per archive.org request.
IA_CONNECT_TIMEOUT = env.float("IA_CONNECT_TIMEOUT", default=30.0)
IA_READ_TIMEOUT = env.float("IA_READ_TIMEOUT", default=300.0)
# Attempts per file on transient errors (503 SlowDown, 5xx, timeouts, cut connections).
IA_RETRIES = env.int("IA_RETRIES", default=8)
# First backoff delay in seconds (doubles each retry, with jitter), and its ceiling.
IA_RETRY_BACKOFF = env.float("IA_RETRY_BACKOFF", default=5.0)
IA_RETRY_BACKOFF_MAX = env.float("IA_RETRY_BACKOFF_MAX", default=600.0)
# How long publish polls for uploaded files to appear in the item (ingest is asynchronous);
# files still not visible stay "uploaded" and the next publish or verify resumes.
IA_VERIFY_WAIT = env.float("IA_VERIFY_WAIT", default=600.0)
# Where archive.org serves an item's files (<this URL><identifier>/<file name>): `backfill` reads
# earlier archivers' items (ccdc-raw-data-YYYY-MM-DD_HH-MM-SS/dbwebexport.zip) from it.
IA_DOWNLOAD_URL = env.str("IA_DOWNLOAD_URL", default="https://archive.org/download/")

# Telling people (processors/pipeline/notify.py): a failed release, or no new export from the
# state for CALACCESS_STALE_DAYS, is mailed to ADMINS and posted to the webhook, once per problem.
from email.utils import getaddresses  # noqa: E402

# Who gets the mails: "Name <addr>, addr2, ..." (Django's ADMINS); empty: no mail is sent.
ADMINS = [(name, address) for name, address in getaddresses([env.str("DJANGO_ADMINS", default="")]) if address]
# The SMTP server mail goes through (https://docs.djangoproject.com/en/5.2/ref/settings/#email-host).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds before the SMTP server counts as down (the message is tried again on the next report).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="calaccess-archive@localhost")
# The sender of mails to ADMINS.
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[calaccess-archive] "
# A Slack-compatible incoming webhook ({"text": ...} is POSTed); empty: none.
CALACCESS_NOTIFY_WEBHOOK = env.str("CALACCESS_NOTIFY_WEBHOOK", default="")
# Seconds before the webhook counts as down.
CALACCESS_NOTIFY_TIMEOUT = env.float("CALACCESS_NOTIFY_TIMEOUT", default=10.0)
# Also send a one-line summary of every release that went through.
CALACCESS_NOTIFY_SUCCESS = env.bool("CALACCESS_NOTIFY_SUCCESS", default=False)
# Days without a new export from the state before it is a problem (mailed, and /health/ says 503).
CALACCESS_STALE_DAYS = env.float("CALACCESS_STALE_DAYS", default=3.0)
# /health/: seconds since beat's last tick (it ticks every minute) before beat counts as down,
# and seconds each of its Redis checks (the broker, beat's tick) may take.
CALACCESS_BEAT_STALE_SECONDS = env.int("CALACCESS_BEAT_STALE_SECONDS", default=300)
CALACCESS_HEALTH_TIMEOUT = env.float("CALACCESS_HEALTH_TIMEOUT", default=2.0)

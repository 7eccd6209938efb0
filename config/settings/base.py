"""Settings shared by every environment; values come from the environment (config/env.py).

The embedded default is SQLite in WAL mode under ``FANGKONG_DATA_DIR``; ``DATABASE_URL``
(``postgres://user:pass@host:port/name``) switches to PostgreSQL through psycopg 3.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_int, env_list, env_str
from fangkong.core.keys import (
    DEVELOPMENT_BLIND_INDEX_KEY,
    DEVELOPMENT_FIELD_KEY,
    DEVELOPMENT_SECRET_KEY,
    field_key_bytes,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DATA_DIR = Path(env_str("FANGKONG_DATA_DIR", str(BASE_DIR / "var")))
# The day-partitioned Parquet store of venue scans and cell dwell intervals (docs/tracing.md).
TRACING_STORE_DIR = Path(env_str("FANGKONG_TRACING_STORE_DIR", str(DATA_DIR / "tracing")))

DEBUG = env_bool("FANGKONG_DEBUG", False)
DEMO_MODE = env_bool("FANGKONG_DEMO", False)
SECRET_KEY = env_str("FANGKONG_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("FANGKONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("FANGKONG_CSRF_TRUSTED_ORIGINS", "")

# Field encryption for identity numbers and the keyed blind index used to find them.
FIELD_ENCRYPTION_KEY = env_str("FANGKONG_FIELD_KEY", DEVELOPMENT_FIELD_KEY)
try:  # parsed now: a malformed key stops start-up, not the first encryption
    field_key_bytes(FIELD_ENCRYPTION_KEY)
except ValueError as exc:
    raise ImproperlyConfigured(f"FANGKONG_FIELD_KEY {exc}") from None
BLIND_INDEX_KEY = env_str("FANGKONG_BLIND_INDEX_KEY", DEVELOPMENT_BLIND_INDEX_KEY)
# Key of the ledgers' row seals and checkpoint signatures (docs/audit.md); empty: derived from
# the field key with HKDF.
AUDIT_LEDGER_KEY = env_str("FANGKONG_AUDIT_KEY", "")
#: Minutes between two signed checkpoints of the audit ledger and the access log.
AUDIT_CHECKPOINT_MINUTES = env_int("FANGKONG_AUDIT_CHECKPOINT_MINUTES", 10, minimum=1)

# TOTP MFA is enforced for commander, epidemiologist and administrator roles when true.
MFA_ENFORCED = env_bool("FANGKONG_MFA_ENFORCED", not DEMO_MODE)
# Sign-in throttling (accounts.services.login_is_throttled): failures counted over the cool-off
# by name and address, by address, by name. One address must not be able to lock a name for
# everyone, so the per-name limit is above the per-name-and-address one.
LOGIN_COOL_OFF_SECONDS = env_int("FANGKONG_LOGIN_COOL_OFF_SECONDS", 15 * 60, minimum=60)
LOGIN_FAILURES_PER_NAME_AND_ADDRESS = env_int(
    "FANGKONG_LOGIN_FAILURES_PER_NAME_AND_ADDRESS", 5, minimum=1
)
LOGIN_FAILURES_PER_ADDRESS = env_int("FANGKONG_LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1)
LOGIN_FAILURES_PER_NAME = env_int("FANGKONG_LOGIN_FAILURES_PER_NAME", 20, minimum=2)
if LOGIN_FAILURES_PER_NAME <= LOGIN_FAILURES_PER_NAME_AND_ADDRESS:
    raise ImproperlyConfigured(
        "FANGKONG_LOGIN_FAILURES_PER_NAME must be above FANGKONG_LOGIN_FAILURES_PER_NAME_AND_"
        f"ADDRESS ({LOGIN_FAILURES_PER_NAME} <= {LOGIN_FAILURES_PER_NAME_AND_ADDRESS}): one "
        "address could otherwise lock an account for everyone"
    )
# The client address behind a reverse proxy (core.client_address): the header the proxy sets
# (empty: REMOTE_ADDR only), believed only from the proxies listed (the same list gunicorn
# trusts for X-Forwarded-Proto).
CLIENT_IP_HEADER = env_str("FANGKONG_CLIENT_IP_HEADER", "")
TRUSTED_PROXIES = env_list("FANGKONG_FORWARDED_ALLOW_IPS", "127.0.0.1")
SESSION_IDLE_SECONDS = env_int("FANGKONG_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_ABSOLUTE_SECONDS = env_int("FANGKONG_SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=300)
# A server process keeps an API token's actor this long (0: look it up on every request): a
# token revoked, or a user or membership deactivated, in another process stops working within
# this time (in the same process at once).
TOKEN_CACHE_SECONDS = env_int("FANGKONG_TOKEN_CACHE_SECONDS", 10, minimum=0)
#: Sampling-write batches a server process runs at once (group commit, ``core.combine``).
BINDING_BATCHES = env_int("FANGKONG_BINDING_BATCHES", 1, minimum=1)
# Where results go out in batches (R17): https://…, http://… or file:///directory; empty: off.
RESULT_EXPORT_HEALTH_CODE_URL = env_str("FANGKONG_EXPORT_HEALTH_CODE_URL", "")
RESULT_EXPORT_PROVINCIAL_URL = env_str("FANGKONG_EXPORT_PROVINCIAL_URL", "")


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or postgresql://, got {parsed.scheme!r}"
        )
    options: dict[str, object] = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    # Parameters sent apart from the SQL (and statements prepared once a connection has run
    # them five times) instead of quoted into it in Python: measured 4,078 → 4,380 people/s on
    # the binding benchmark. Off for a connection pooler in transaction mode.
    if env_bool("FANGKONG_DB_SERVER_BINDING", True):
        options["server_side_binding"] = True
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "fangkong",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("FANGKONG_DB_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
        "TEST": {"NAME": env_str("FANGKONG_TEST_DB_NAME", "test_fangkong")},
    }


_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": _database_from_url(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "fangkong.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    # Only for its templates and static files: the API docs (Swagger UI) are served from our
    # own origin, not a CDN the CSP refuses and an offline deployment cannot reach.
    "ninja",
    "fangkong.core",
    "fangkong.regions",
    "fangkong.accounts",
    "fangkong.people",
    "fangkong.policy",
    "fangkong.lab",
    "fangkong.risk_areas",
    "fangkong.cases",
    "fangkong.tracing",
    "fangkong.isolation",
    "fangkong.community",
    "fangkong.supplies",
    "fangkong.command_center",
    "fangkong.sim",
    "fangkong.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fangkong.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fangkong.core.middleware.NulInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fangkong.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangkong.web.context.shell",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "fangkong.accounts.passwords.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"

SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "fangkong" / "locale"]
TIME_ZONE = env_str("FANGKONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOG_LEVEL = env_choice("FANGKONG_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "fangkong.core.logging.ScrubFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers get the scrubbed console instead of their defaults (runserver's
    # request lines, error reports by mail): no log line leaves unscrubbed (core.logging).
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

FANGKONG_SITE_NAME = _("Fangkong")
AUDIT_DB_GUARD = True

# Command centre notifications (issue 22 §8): e-mail through Django's mail backend (the
# default writes nothing anywhere), SMS through a transport class (the default only logs).
EMAIL_BACKEND = env_str("FANGKONG_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
EMAIL_HOST = env_str("FANGKONG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("FANGKONG_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("FANGKONG_EMAIL_FROM", "fangkong@localhost")
COMMAND_SMS_TRANSPORT = env_str(
    "FANGKONG_SMS_TRANSPORT", "fangkong.command_center.notifications.transports.LogTransport"
)
# Uploaded evidence (directive completion files) is kept here and served by no URL.
MEDIA_ROOT = DATA_DIR / "media"

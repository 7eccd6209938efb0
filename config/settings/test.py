"""Settings for the test suite: fast hashing, in-memory-free SQLite or DATABASE_URL."""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only, tests
MFA_ENFORCED = True
LANGUAGE_CODE = "en"  # assertions read English; translation tests set their own language
AUDIT_DB_GUARD = False  # transactional tests empty tables; the guard test installs it itself
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": None}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

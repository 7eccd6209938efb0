"""Settings for the test suite: fast hashing, in-memory-free SQLite or DATABASE_URL."""

from __future__ import annotations

import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only, tests
MFA_ENFORCED = True
LANGUAGE_CODE = "en"  # assertions read English; translation tests set their own language
AUDIT_DB_GUARD = False  # transactional tests empty tables; the guard test installs it itself
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": None}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The tracing store of a test run lives in a throw-away directory (tracing tests use their own).
TRACING_STORE_DIR = Path(tempfile.mkdtemp(prefix="fangkong-tracing-test-"))

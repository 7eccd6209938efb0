"""The append-only guard is in place after every migration has run (a table rebuild on
SQLite drops triggers, so a later migration must re-install it)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_a_freshly_migrated_sqlite_database_has_the_audit_guard(tmp_path):
    env = {
        **os.environ,
        "FANGKONG_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with sqlite3.connect(tmp_path / "fangkong.sqlite3") as connection:
        triggers = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert {"core_auditentry_no_update", "core_auditentry_no_delete"} <= triggers
    assert mode == "wal"

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


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py, arguments from this file
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
def test_rows_stored_before_seals_are_sealed_and_chained_by_the_migration(tmp_path):
    """Audit rows chained the old way and unchained access rows, as a database from before
    migration 0005 holds them: after it, both ledgers verify, and the guard covers all."""
    from datetime import UTC, datetime

    from fangkong.core.ledger import AUDIT, GENESIS, row_hash

    env = {
        **os.environ,
        "FANGKONG_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    env.pop("DATABASE_URL", None)
    assert _manage(env, "migrate", "core", "0004", "-v0").returncode == 0
    at = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    previous = GENESIS
    with sqlite3.connect(tmp_path / "fangkong.sqlite3") as db:
        for number in range(3):
            row = {
                "at": at,
                "actor_id": 4,
                "actor_username": "admin",
                "actor_role": "administrator",
                "region_path": "110000",
                "action": "user_create",
                "object_type": "user",
                "object_id": str(number),
                "fields": ["username"],
                "reason": "",
                "rule_set": "",
                "extra": {},
                "ip": "10.0.0.1",
                "chain": 0,
            }
            digest = row_hash(AUDIT, previous, row)
            db.execute(
                "INSERT INTO core_auditentry (at, actor_id, actor_username, actor_role, "
                "region_path, action, object_type, object_id, fields, reason, rule_set, extra, "
                "ip, chain, prev_hash, row_hash) VALUES (?, 4, 'admin', 'administrator', "
                "'110000', 'user_create', 'user', ?, '[\"username\"]', '', '', '{}', "
                "'10.0.0.1', 0, ?, ?)",
                ["2026-03-01 08:30:15.123456", str(number), previous, digest],
            )
            previous = digest
            db.execute(
                "INSERT INTO core_accessentry (at, actor_id, actor_username, actor_role, "
                "region_path, purpose, action, subject_type, subject_ids, subject_count, ip) "
                "VALUES ('2026-03-01 08:30:15.123456', 4, 'admin', 'administrator', '110000', "
                "'screening', 'person_view', 'person', ?, 1, '')",
                [f'["P{number}"]'],
            )
    migrated = _manage(env, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    verified = _manage(env, "audit_verify")
    assert verified.returncode == 0, verified.stderr
    assert "audit: 3 rows verified" in verified.stdout
    assert "access: 3 rows verified" in verified.stdout
    with sqlite3.connect(tmp_path / "fangkong.sqlite3") as db:
        triggers = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM core_accessentry")
    assert {"core_accessentry_no_delete", "core_ledgercheckpoint_no_update"} <= triggers

"""Database-side guard that makes the audit ledger append-only (T21), and the helper that
installs such triggers (here and for the tallies of ``people.population`` and ``lab.tallies``).

Installed by migration ``core.0002`` wherever ``settings.AUDIT_DB_GUARD`` is true (everywhere
but the test suite, whose transactional tests must empty tables between tests; the guard's own
test installs it inside its transaction).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_UP = [
    "CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
]
PG_UP = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit rows are append-only'; END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    "CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    "CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
]


def vendor_statements_run(
    connection: BaseDatabaseWrapper, *, postgresql: Sequence[str], sqlite: Sequence[str]
) -> None:
    """Run the statements written for the connection's database, in order."""
    with connection.cursor() as cursor:
        for statement in postgresql if connection.vendor == "postgresql" else sqlite:
            cursor.execute(statement)


def audit_guard_install(connection: BaseDatabaseWrapper) -> None:
    vendor_statements_run(connection, postgresql=PG_UP, sqlite=SQLITE_UP)


def audit_guard_remove(connection: BaseDatabaseWrapper) -> None:
    vendor_statements_run(connection, postgresql=PG_DOWN, sqlite=SQLITE_DOWN)

"""Database-side guard that makes the ledgers append-only (T21), and the helper that installs
such triggers (here and for the tallies of ``people.population`` and ``lab.coverage.tallies``).

The ledgers are the audit ledger (``core_auditentry``), the read-access log
(``core_accessentry``) and the signed checkpoints of both (``core_ledgercheckpoint``): the
database refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE on each. Installed by the core
migrations wherever ``settings.AUDIT_DB_GUARD`` is true (everywhere but the test suite, whose
transactional tests must empty tables between tests; the guard's own tests install it inside
their transaction). Someone who can drop a trigger (a DBA, an attacker with the database
owner's password) can still change rows: that is what the chains, row seals and signed
checkpoints of ``core.audit`` detect (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

#: Every append-only table, in the order the guards are installed.
LEDGER_TABLES = ("core_auditentry", "core_accessentry", "core_ledgercheckpoint")


def _sqlite_up(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;",
    ]


def _sqlite_down(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]


def _pg_up(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'ledger rows are append-only'; END; $$ LANGUAGE plpgsql;""",
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only();",
    ]


def _pg_down(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
    ]


# The audit ledger's own statements (what migrations 0002–0004 install).
SQLITE_UP = _sqlite_up("core_auditentry")
SQLITE_DOWN = _sqlite_down("core_auditentry")
PG_UP = _pg_up("core_auditentry")
PG_DOWN = _pg_down("core_auditentry")


def vendor_statements_run(
    connection: BaseDatabaseWrapper, *, postgresql: Sequence[str], sqlite: Sequence[str]
) -> None:
    """Run the statements written for the connection's database, in order."""
    with connection.cursor() as cursor:
        for statement in postgresql if connection.vendor == "postgresql" else sqlite:
            cursor.execute(statement)


def audit_guard_install(connection: BaseDatabaseWrapper) -> None:
    """Guard the audit ledger only (the migrations from before the other ledgers existed)."""
    vendor_statements_run(connection, postgresql=PG_UP, sqlite=SQLITE_UP)


def audit_guard_remove(connection: BaseDatabaseWrapper) -> None:
    vendor_statements_run(connection, postgresql=PG_DOWN, sqlite=SQLITE_DOWN)


def ledger_guards_install(
    connection: BaseDatabaseWrapper, tables: Sequence[str] = LEDGER_TABLES
) -> None:
    """Make every ledger table append-only (idempotent)."""
    for table in tables:
        vendor_statements_run(connection, postgresql=_pg_up(table), sqlite=_sqlite_up(table))


def ledger_guards_remove(
    connection: BaseDatabaseWrapper, tables: Sequence[str] = LEDGER_TABLES
) -> None:
    """Drop the guards, as someone with the database owner's rights could (tests of tampering)."""
    for table in tables:
        vendor_statements_run(connection, postgresql=_pg_down(table), sqlite=_sqlite_down(table))

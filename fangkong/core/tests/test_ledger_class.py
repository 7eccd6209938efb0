"""The class behind issue 17 item 11: every ledger is chained, sealed, guarded and verified,
and no code outside the ledger modules writes one (a row written any other way would have no
seal and break the chain, or would slip past it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fangkong.core.checkpoints import ledgers_verify
from fangkong.core.dbguard import LEDGER_TABLES
from fangkong.core.ledger import LEDGERS
from fangkong.core.models import LedgerCheckpoint

ROOT = Path(__file__).resolve().parents[2]
LEDGER_MODULES = {"core/audit.py", "core/ledger.py", "core/checkpoints.py"}
LEDGER_MODELS = {"AuditEntry", "AccessEntry", "LedgerCheckpoint"}
WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "bulk_update",
    "save",
    "raw",
}


@pytest.mark.django_db
def test_every_ledger_table_is_guarded_hashed_whole_and_verified():
    tables = {ledger.table for ledger in LEDGERS.values()} | {LedgerCheckpoint._meta.db_table}
    assert set(LEDGER_TABLES) == tables
    assert {report.ledger for report in ledgers_verify()} == {"checkpoints", *LEDGERS}
    model_fields = {
        name: {field.name for field in ledger.model._meta.concrete_fields}
        for name, ledger in LEDGERS.items()
    }
    for name, ledger in LEDGERS.items():
        # every column of a ledger row is hashed, bar its id and the chain's own bookkeeping
        bookkeeping = {"id", "chain", "prev_hash", "row_hash", "seal"}
        assert model_fields[name] - bookkeeping == set(ledger.fields), name


def _sources() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_no_code_outside_the_ledger_modules_writes_a_ledger():
    offenders = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative in LEDGER_MODULES:
            continue
        text = path.read_text()
        for table in LEDGER_TABLES:
            if table in text and relative != "core/dbguard.py":
                offenders.append(f"{relative}: names table {table}")
        if not any(model in text for model in LEDGER_MODELS):
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id in {
                "rows_insert",
                "values_insert",
                "table_insert",
                "objects_insert",
            }:
                named = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                if named & LEDGER_MODELS:
                    offenders.append(f"{relative}:{node.lineno}: bulk insert into a ledger")
            if isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
                chain = ast.unparse(node.func.value)
                if any(chain.startswith(model) for model in LEDGER_MODELS):
                    offenders.append(f"{relative}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert offenders == []

"""Tampering with the ledgers as someone with full database access would, and being caught.

Each test drops the append-only guard first (the database owner can), then truncates,
rewrites or forges; ``audit_verify`` must fail with a one-line reason. The same tests run on
SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from fangkong.core.actor import Actor
from fangkong.core.audit import (
    AuditSpec,
    access_record,
    access_record_many,
    audit_record,
    audit_record_many,
)
from fangkong.core.checkpoints import (
    Checkpoint,
    checkpoint_write,
    checkpoints_export,
    ledgers_verify,
)
from fangkong.core.dbguard import ledger_guards_install, ledger_guards_remove
from fangkong.core.ledger import ACCESS, AUDIT, GENESIS, Ledger, row_hash, seal
from fangkong.core.models import AccessEntry, AuditEntry, LedgerCheckpoint, PeriodicRun
from fangkong.core.periodic import periodic_claim, periodic_execute, periodic_jobs

LEDGERS = [pytest.param(AUDIT, id="audit"), pytest.param(ACCESS, id="access")]


def _actor(user_id: int) -> Actor:
    return Actor(
        user_id=user_id,
        username=f"u{user_id}",
        role="sampler",
        membership_id=user_id,
        region_id=1,
        region_path="110000",
        region_code="110000",
    )


def _fill(rounds: int = 3) -> None:
    """Rows in several chains of both ledgers, single and batched."""
    for position in range(rounds):
        with transaction.atomic():
            actor = _actor(1 + position % 2)
            audit_record(
                actor=actor, action="thing_update", object_type="thing", object_id=position
            )
            audit_record_many(
                [
                    AuditSpec(actor=_actor(5), action="tube_bind", object_type="tube", object_id=n)
                    for n in range(3)
                ]
            )
        access_record(
            actor=_actor(1 + position % 2),
            purpose="screening",
            action="person_view",
            subject_type="person",
            subject_ids=[f"P{position}"],
        )
        access_record_many(
            [(_actor(7), ["P1", "P2"]), (_actor(8), []), (_actor(9), ["P3"])],
            purpose="screening",
            action="tube_bind",
            subject_type="person",
        )


def _verify(*external: Checkpoint) -> str:
    """The first break's reason, or "" when every part verifies."""
    for report in ledgers_verify(external):
        if not report.ok:
            return report.reason
    return ""


def _rows(ledger: Ledger) -> list[dict[str, Any]]:
    columns = ("id", "chain", "prev_hash", "row_hash", "seal", *ledger.fields)
    return list(ledger.model._default_manager.order_by("id").values(*columns))


def _rechain(ledger: Ledger, chain: int, *, with_key: bool) -> None:
    """Recompute the hashes of ``chain`` from its first row, as an attacker who knows the
    algorithm would after editing a row; ``with_key`` also recomputes the seals (an attacker
    who stole the ledger key too)."""
    previous = GENESIS
    for row in _rows(ledger):
        if row["chain"] != chain:
            continue
        new_hash = row_hash(ledger, previous, row)
        values = {"prev_hash": previous, "row_hash": new_hash}
        if with_key:
            values["seal"] = seal(ledger, new_hash)
        ledger.model._default_manager.filter(pk=row["id"]).update(**values)
        previous = new_hash


def _append_forged(ledger: Ledger, *, seal_value: str) -> int:
    """Insert a row chained correctly after the newest row of its chain, without the key."""
    last = _rows(ledger)[-1]
    row = {name: last[name] for name in ledger.fields}
    row["chain"] = last["chain"]
    row["prev_hash"] = last["row_hash"]
    if ledger is AUDIT:
        row.update(object_id="forged", reason="nothing happened")
    else:
        row.update(subject_ids=["P-someone-else"], subject_count=1)
    row["row_hash"] = row_hash(ledger, last["row_hash"], row)
    row["seal"] = seal_value
    return int(ledger.model._default_manager.create(**row).pk)


@pytest.mark.django_db
def test_both_ledgers_chain_and_seal_single_and_batched_rows():
    _fill()
    assert AuditEntry.objects.count() == 12
    assert AccessEntry.objects.count() == 9  # the empty read leaves no row
    assert {row.chain for row in AccessEntry.objects.all()} >= {1, 2}
    assert all(row.seal and row.row_hash for row in AccessEntry.objects.all())
    assert all(row.seal for row in AuditEntry.objects.all())
    assert _verify() == ""
    checkpoint_write()
    assert _verify() == ""
    _fill(1)
    reports = {report.ledger: report for report in ledgers_verify()}
    assert reports["audit"].ok
    assert reports["audit"].unanchored == 4
    assert reports["access"].unanchored == 3


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_access_rows_and_checkpoints():
    _fill(1)
    checkpoint_write()
    ledger_guards_install(connection)
    try:
        changes: list[tuple[Any, dict[str, Any]]] = [
            (AccessEntry.objects.all(), {"subject_ids": []}),
            (AuditEntry.objects.all(), {"reason": "x"}),
            (LedgerCheckpoint.objects.all(), {"heads": {}}),
        ]
        for queryset, change in changes:
            with pytest.raises(DatabaseError), transaction.atomic():
                queryset.update(**change)
            with pytest.raises(DatabaseError), transaction.atomic():
                queryset.delete()
        assert AccessEntry.objects.count() == 3
    finally:
        ledger_guards_remove(connection)


@pytest.mark.django_db
@pytest.mark.parametrize("ledger", LEDGERS)
def test_truncation_of_the_newest_rows_contradicts_the_checkpoint(ledger):
    _fill()
    checkpoint_write()
    ledger_guards_install(connection)
    ledger_guards_remove(connection)  # the database owner drops the guard
    newest = ledger.model._default_manager.order_by("-id")[:2]
    ledger.model._default_manager.filter(pk__in=[row.pk for row in newest]).delete()
    reason = _verify()
    assert f"{ledger.name} chain" in reason
    assert "newest rows were deleted" in reason
    assert "\n" not in reason


@pytest.mark.django_db
@pytest.mark.parametrize("ledger", LEDGERS)
def test_truncating_rows_and_checkpoints_is_caught_by_the_exported_copy(ledger, tmp_path):
    _fill()
    checkpoint_write()
    exported = tmp_path / "checkpoints.jsonl"
    call_command("audit_checkpoints", "--append", str(exported))
    _fill(1)
    ledger_guards_remove(connection)
    newest = ledger.model._default_manager.order_by("-id")[:5]
    ledger.model._default_manager.filter(pk__in=[row.pk for row in newest]).delete()
    LedgerCheckpoint.objects.all().delete()
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", "--checkpoints", str(exported))
    message = str(caught.value)
    assert "missing from the database" in message
    reports = {r.ledger: r for r in ledgers_verify(_read(exported))}
    assert "newest rows were deleted" in reports[ledger.name].reason


def _read(path: Any) -> list[Checkpoint]:
    return [Checkpoint.from_line(line) for line in path.read_text().splitlines()]


@pytest.mark.django_db
@pytest.mark.parametrize("ledger", LEDGERS)
def test_a_suffix_recomputed_after_an_edit_is_caught(ledger):
    _fill()
    checkpoint_write()
    ledger_guards_remove(connection)
    target = _rows(ledger)[1]
    if ledger is AUDIT:
        ledger.model._default_manager.filter(pk=target["id"]).update(reason="rewritten")
    else:
        ledger.model._default_manager.filter(pk=target["id"]).update(subject_ids=["P-other"])
    assert "does not match its hash" in _verify()
    # without the ledger key the recomputed rows carry seals of the old hashes
    _rechain(ledger, target["chain"], with_key=False)
    reason = _verify()
    assert f"{ledger.name} row {target['id']} is not sealed by the ledger key" in reason
    # with the key stolen too, the signed checkpoint still contradicts the new chain
    _rechain(ledger, target["chain"], with_key=True)
    reason = _verify()
    assert "contradicts checkpoint 1" in reason
    assert "the chain was rewritten" in reason


@pytest.mark.django_db
@pytest.mark.parametrize("ledger", LEDGERS)
@pytest.mark.parametrize("seal_value", ["", "0" * 32, "random"])
def test_a_forged_row_appended_without_the_key_is_caught(ledger, seal_value):
    _fill()
    checkpoint_write()
    ledger_guards_remove(connection)
    value = secrets.token_hex(16) if seal_value == "random" else seal_value
    forged = _append_forged(ledger, seal_value=value)
    with pytest.raises(CommandError, match=f"{ledger.name} row {forged} is not sealed"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_an_edited_or_forged_checkpoint_is_refused():
    _fill(1)
    first = checkpoint_write()
    assert first is not None
    _fill(1)
    assert checkpoint_write() is not None
    ledger_guards_remove(connection)
    heads = dict(first.heads)
    heads["audit"] = {}
    LedgerCheckpoint.objects.filter(pk=first.pk).update(heads=heads)
    assert _verify() == "checkpoint 1 is not signed by the ledger key (forged or edited)"
    LedgerCheckpoint.objects.filter(pk=first.pk).delete()
    assert _verify() == "checkpoint 1 is missing from the database (deleted)"


@pytest.mark.django_db
def test_an_exported_checkpoint_that_differs_or_has_another_key_is_refused(settings):
    _fill(1)
    checkpoint_write()
    copy = Checkpoint.from_line(next(checkpoints_export()))
    assert _verify(copy) == ""
    changed = Checkpoint.from_line(copy.line())
    changed.heads = {"audit": {}, "access": {}}
    assert "not signed by this installation's ledger key" in _verify(changed)
    settings.AUDIT_LEDGER_KEY = secrets.token_urlsafe(32)
    assert "not signed by the ledger key" in _verify()


@pytest.mark.django_db
def test_checkpoints_skip_quiet_periods_and_chain_to_each_other():
    first = checkpoint_write()
    assert first is not None  # the first one, even of an empty ledger
    assert checkpoint_write() is None
    # counted from the first checkpoint: rows another test committed on a shared PostgreSQL
    # test database may already stand in the chains
    audit_before = first.heads["audit"].get("1", [0])[0]
    access_before = sum(head[0] for head in first.heads["access"].values())
    _fill(1)
    second = checkpoint_write()
    assert second is not None
    assert second.seq == first.seq + 1
    assert second.prev == first.signature
    assert second.heads["audit"]["1"][0] == audit_before + 1  # rows in chain 1
    assert sum(head[0] for head in second.heads["access"].values()) == access_before + 3
    _fill(1)
    third = checkpoint_write()
    assert third is not None
    assert sum(head[0] for head in third.heads["access"].values()) == access_before + 6
    assert _verify() == ""


@pytest.mark.django_db
def test_the_export_appends_only_new_checkpoints_and_the_lines_verify(tmp_path, capsys):
    _fill(1)
    call_command("audit_checkpoint")
    line = capsys.readouterr().out.strip()
    assert json.loads(line)["seq"] == 1
    target = tmp_path / "offsite.jsonl"
    call_command("audit_checkpoints", "--append", str(target))
    call_command("audit_checkpoints", "--append", str(target))
    _fill(1)
    call_command("audit_checkpoint")
    call_command("audit_checkpoints", "--append", str(target))
    lines = target.read_text().splitlines()
    assert [json.loads(text)["seq"] for text in lines] == [1, 2]
    assert lines[0] == line
    call_command("audit_verify", "--checkpoints", str(target))
    out = capsys.readouterr().out
    assert "checkpoints: 4 verified" in out  # two stored, two exported copies
    assert "audit: 8 rows verified, 0 written since the newest checkpoint" in out


@pytest.mark.django_db
def test_verify_refuses_an_unreadable_checkpoint_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"seq": 1}\n')
    with pytest.raises(CommandError, match=r"bad\.jsonl line 1 is not a checkpoint"):
        call_command("audit_verify", "--checkpoints", str(bad))


@pytest.mark.django_db
def test_fangkong_manage_audit_verify_exits_non_zero_on_a_break(capsys, monkeypatch):
    from django.db import connections

    from fangkong.cli import main

    # a command run from the command line closes the connections when done, and the CLI sets
    # Django up (logging included, onto this test's captured stream): Django is set up
    # already and the test's transaction must survive
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr("fangkong.cli._setup", lambda settings_module=None: None)
    _fill(1)
    checkpoint_write()
    assert main(["manage", "audit_verify"]) == 0
    ledger_guards_remove(connection)
    AccessEntry.objects.filter(pk=AccessEntry.objects.order_by("-id")[0].pk).delete()
    with pytest.raises(SystemExit) as exited:
        main(["manage", "audit_verify"])
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "access chain" in err[0]
    assert "newest rows were deleted" in err[0]


@pytest.mark.django_db
def test_the_schedule_writes_checkpoints_and_its_check_fails_on_a_break():
    _fill(1)
    jobs = periodic_jobs()
    run = periodic_claim(jobs["ledger_checkpoint"])
    assert run is not None
    assert periodic_execute(run).message == "checkpoint 1 written"
    check = periodic_claim(jobs["audit_chain_verify"])
    assert check is not None
    assert periodic_execute(check).outcome == "ok"
    ledger_guards_remove(connection)
    AuditEntry.objects.filter(pk=AuditEntry.objects.order_by("-id")[0].pk).delete()
    PeriodicRun.objects.filter(job="audit_chain_verify").delete()  # let the slot run again
    again = periodic_claim(jobs["audit_chain_verify"])
    assert again is not None
    failed = periodic_execute(again)
    assert failed.outcome == "failed"
    assert "newest rows were deleted" in failed.message


@pytest.mark.django_db(transaction=True)
def test_verification_outside_a_transaction_reads_one_snapshot():
    """The command and the job run outside any transaction (PostgreSQL: a read-only
    repeatable-read one is opened; SQLite: batches in autocommit)."""
    _fill(2)
    checkpoint_write()
    assert [report.ok for report in ledgers_verify(batch=2)] == [True, True, True]
    assert not connection.in_atomic_block

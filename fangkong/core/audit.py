"""Writing and checking the audit ledgers (``AuditEntry``, ``AccessEntry``).

``audit_record`` is called by every service in the same transaction as its write, so the row
commits or rolls back with the change. ``access_record`` is called by selectors and access
functions that hand out identifiable personal data.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.bulk import rows_insert
from fangkong.core.checkpoints import ChainReport, ledger_verify
from fangkong.core.ledger import ACCESS, AUDIT, AUDIT_CHAINS, GENESIS, Ledger, row_hash, seal
from fangkong.core.models import AuditEntry

# Kept importable from here: the ledger's constants live in core.ledger.
__all__ = [
    "AUDIT_CHAINS",
    "GENESIS",
    "AuditSpec",
    "ChainReport",
    "access_record",
    "access_record_many",
    "audit_chain_verify",
    "audit_record",
    "audit_record_many",
]


def audit_record(
    *,
    actor: AnyActor,
    action: str,
    object_type: str,
    object_id: object,
    fields: Iterable[str] = (),
    reason: str = "",
    rule_set: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row for a write, chained to the previous row and sealed.

    Must run inside the transaction of the write it describes (it refuses otherwise). The row
    joins the actor's chain (user id modulo ``AUDIT_CHAINS``); on PostgreSQL an advisory
    transaction lock per chain serialises it, so only writers of the same chain wait for each
    other; SQLite serialises writers already. ``fields`` are field *names*; values of personal
    fields never enter the ledger.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the write")
    spec = AuditSpec(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        fields=tuple(fields),
        reason=reason,
        rule_set=rule_set,
        extra=extra,
    )
    row = _chain_append(AUDIT, [_audit_row(spec)], chain=actor.user_id % AUDIT_CHAINS)[0]
    entry = AuditEntry(**row)
    entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class AuditSpec:
    """One audit row to append with :func:`audit_record_many` (the arguments of
    :func:`audit_record`)."""

    actor: AnyActor
    action: str
    object_type: str
    object_id: object
    fields: Sequence[str] = ()
    reason: str = ""
    rule_set: str = ""
    extra: dict[str, Any] | None = None


def audit_record_many(specs: Sequence[AuditSpec]) -> None:
    """Append many audit rows at once, in ``specs`` order, to one chain.

    For a batch of writes by many actors (the sampling intake): the rows join the chain of the
    writing thread (not each actor's), so the batch takes one lock and two batches of
    different server threads rarely wait for each other; the chain's last hash is read once
    and the rows inserted together (``COPY`` on PostgreSQL). ``ledger_verify`` checks them
    like any other rows.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the writes")
    if not specs:
        return
    rows = _chain_append(AUDIT, [_audit_row(spec) for spec in specs], chain=_thread_chain())
    rows_insert(AuditEntry, rows)


def _thread_chain() -> int:
    return (os.getpid() * 1_000_003 + threading.get_ident()) % AUDIT_CHAINS


def _audit_row(spec: AuditSpec) -> dict[str, Any]:
    actor = spec.actor
    return {
        "actor_id": actor.user_id,
        "actor_username": actor.username,
        "actor_role": actor.role,
        "region_path": actor.region_path,
        "action": spec.action,
        "object_type": spec.object_type,
        "object_id": str(spec.object_id),
        "fields": sorted(set(spec.fields)),
        "reason": spec.reason,
        "rule_set": spec.rule_set,
        "extra": spec.extra or {},
        "ip": actor.ip,
    }


def _chain_append(
    ledger: Ledger, rows: Sequence[dict[str, Any]], *, chain: int
) -> Sequence[dict[str, Any]]:
    """Lock ``chain`` of ``ledger`` (PostgreSQL), read its last hash and chain and seal the
    rows in order (their ``at`` is now). The caller inserts them in the same transaction:
    the lock is held until it ends, so within one chain rows commit in id order (which the
    checkpoints rely on). Work per row is one JSON text, one SHA-256 and one HMAC."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ledger.lock_class, chain])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT row_hash FROM {ledger.table} WHERE chain = %s "  # noqa: S608 - constant
            "ORDER BY id DESC LIMIT 1",
            [chain],
        )
        last = cursor.fetchone()
    previous = last[0] if last else GENESIS
    now = timezone.now()
    for row in rows:
        row["at"] = now
        row["chain"] = chain
        row["prev_hash"] = previous
        row["row_hash"] = previous = row_hash(ledger, previous, row)
        row["seal"] = seal(ledger, previous)
    return rows


def access_record(
    *,
    actor: AnyActor,
    purpose: str,
    action: str,
    subject_type: str,
    subject_ids: Sequence[object],
) -> None:
    """Log a read of identifiable data: who, why, which subjects (ids only, never values)."""
    access_record_many(
        [(actor, subject_ids)], purpose=purpose, action=action, subject_type=subject_type
    )


def access_record_many(
    reads: Sequence[tuple[AnyActor, Sequence[object]]],
    *,
    purpose: str,
    action: str,
    subject_type: str,
) -> None:
    """:func:`access_record` for many reads of the same kind at once: one row per actor and
    subject list (none for an empty list), chained and sealed like the audit ledger (one row
    joins its actor's chain, a batch the writing thread's) and inserted together."""
    reads = [(actor, ids) for actor, ids in reads if ids]
    rows = [
        {
            "actor_id": actor.user_id,
            "actor_username": actor.username,
            "actor_role": actor.role,
            "region_path": actor.region_path,
            "purpose": purpose,
            "action": action,
            "subject_type": subject_type,
            "subject_ids": [str(value) for value in ids],
            "subject_count": len(ids),
            "ip": actor.ip,
        }
        for actor, ids in reads
    ]
    if not rows:
        return
    chain = reads[0][0].user_id % AUDIT_CHAINS if len(rows) == 1 else _thread_chain()
    if connection.in_atomic_block:
        rows_insert(ACCESS.model, _chain_append(ACCESS, rows, chain=chain))
        return
    # a read outside any transaction: the lock, the last hash and the insert must not be split
    with transaction.atomic():
        rows_insert(ACCESS.model, _chain_append(ACCESS, rows, chain=chain))


def audit_chain_verify(*, batch: int = 5000) -> ChainReport:
    """Verify the audit ledger: :func:`core.checkpoints.ledger_verify` for ``audit``."""
    return ledger_verify(AUDIT, batch=batch)

"""Writing and checking the audit ledgers (``AuditEntry``, ``AccessEntry``).

``audit_record`` is called by every service in the same transaction as its write, so the row
commits or rolls back with the change. ``access_record`` is called by selectors and access
functions that hand out identifiable personal data.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.bulk import rows_insert
from fangkong.core.models import AccessEntry, AuditEntry

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 7_346_221  # advisory lock class that serialises each hash chain on PostgreSQL
#: Number of independent hash chains; a chain is the actor's user id modulo this.
AUDIT_CHAINS = 64

_CHAINED_FIELDS = (
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "region_path",
    "action",
    "object_type",
    "object_id",
    "fields",
    "reason",
    "rule_set",
    "extra",
    "ip",
)


def _canonical(entry: AuditEntry) -> str:
    values: dict[str, Any] = {}
    for name in _CHAINED_FIELDS:
        value = getattr(entry, name)
        if name == "at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        values[name] = value
    if entry.chain:  # chain 0 hashes as rows did before chains existed
        values["chain"] = entry.chain
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _row_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode()).hexdigest()


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
    """Append one audit row for a write, chained to the previous row.

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
    return _chain_append([spec], chain=actor.user_id % AUDIT_CHAINS, with_ids=True)[0]


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


def audit_record_many(specs: Sequence[AuditSpec]) -> list[AuditEntry]:
    """Append many audit rows at once, in ``specs`` order, to one chain.

    For a batch of writes by many actors (the sampling intake): the rows join the chain of the
    writing thread (not each actor's), so the batch takes one lock and two batches of
    different server threads rarely wait for each other; the chain's last hash is read once
    and the rows inserted together (the returned entries have no ids). ``audit_chain_verify``
    checks them like any other rows.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the writes")
    if not specs:
        return []
    return _chain_append(
        specs, chain=(os.getpid() * 1_000_003 + threading.get_ident()) % AUDIT_CHAINS
    )


def _chain_append(
    specs: Sequence[AuditSpec], *, chain: int, with_ids: bool = False
) -> list[AuditEntry]:
    """Lock ``chain`` (PostgreSQL), read its last hash, chain the rows in order and insert
    them: saved one by one when the caller wants their ids, otherwise as plain rows
    (``COPY``), which costs a batch of one less than compiling an ``INSERT``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PG_AUDIT_LOCK, chain])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_hash FROM core_auditentry WHERE chain = %s ORDER BY id DESC LIMIT 1",
            [chain],
        )
        last = cursor.fetchone()
    previous = last[0] if last else GENESIS
    now = timezone.now()
    entries: list[AuditEntry] = []
    for spec in specs:
        entry = AuditEntry(
            at=now,
            actor_id=spec.actor.user_id,
            actor_username=spec.actor.username,
            actor_role=spec.actor.role,
            region_path=spec.actor.region_path,
            action=spec.action,
            object_type=spec.object_type,
            object_id=str(spec.object_id),
            fields=sorted(set(spec.fields)),
            reason=spec.reason,
            rule_set=spec.rule_set,
            extra=spec.extra or {},
            ip=spec.actor.ip,
            chain=chain,
            prev_hash=previous,
        )
        entry.row_hash = previous = _row_hash(previous, entry)
        entries.append(entry)
    if with_ids:
        for entry in entries:
            entry.save(force_insert=True)
    else:
        rows_insert(AuditEntry, [_columns(entry) for entry in entries])
    return entries


def _columns(entry: AuditEntry) -> dict[str, Any]:
    return {
        str(field.column): getattr(entry, field.attname)
        for field in AuditEntry._meta.concrete_fields
        if not field.primary_key
    }


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
    subject list (none for an empty list), inserted together."""
    now = timezone.now()
    rows = [
        {
            "at": now,
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
        if ids
    ]
    if len(rows) == 1:
        AccessEntry.objects.create(**rows[0])
    else:
        rows_insert(AccessEntry, rows)


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain walk: ``broken_at`` is the id of the first row that does not match."""

    checked: int
    broken_at: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, batch: int = 5000) -> ChainReport:
    """Walk the audit ledger in id order and recompute every hash, chain by chain.

    1. Every chain starts from the genesis hash.
    2. For each row, its ``prev_hash`` must equal the ``row_hash`` of the previous row of its
       chain and its own ``row_hash`` must equal SHA-256(prev_hash + canonical content).
    3. Report the first row where either fails (an edit, an insertion or a deletion).
    """
    expected: dict[int, str] = {}
    checked = 0
    last_id = 0
    with transaction.atomic():
        while True:
            rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
            if not rows:
                break
            for row in rows:
                prev = expected.get(row.chain, GENESIS)
                if row.prev_hash != prev or row.row_hash != _row_hash(row.prev_hash, row):
                    return ChainReport(checked=checked, broken_at=row.id)
                expected[row.chain] = row.row_hash
                checked += 1
            last_id = rows[-1].id
    return ChainReport(checked=checked, broken_at=None)

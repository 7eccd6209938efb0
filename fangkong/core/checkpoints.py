"""Signed checkpoints of the ledgers' chains, their export, and the verification of both.

A checkpoint states, for every chain of the audit ledger and of the read-access log, how many
rows it had, the id of its last row and that row's hash. It is signed with an Ed25519 key
derived from the ledger key (``core.ledger``) and carries the previous checkpoint's
signature. Checkpoints are written on a schedule (``ledger_checkpoint`` job) and exported as
JSON lines to be kept off-site (``fangkong manage audit_checkpoints``).

Verification (:func:`ledgers_verify`) catches, with the tampering it stands for:

* a row whose content no longer matches its hash, or whose ``prev_hash`` is not the previous
  row's hash in its chain: an edit, or a row deleted or inserted in the middle;
* a row whose seal does not match: a row written without the ledger key — a forged row
  appended, or a chain recomputed after an edit;
* a chain that no longer reaches the newest checkpoint's head with the same number of rows
  and the same hash: the newest rows deleted (truncation), or a suffix recomputed with the key;
* a gap, a broken link or a bad signature in the checkpoints, or an exported checkpoint that
  the database no longer has or has differently: checkpoints deleted or rewritten.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from fangkong.core.ledger import (
    AUDIT_CHAINS,
    GENESIS,
    LEDGERS,
    Ledger,
    public_key_b64,
    row_hash,
    seal,
    seal_matches,
    signing_key,
)
from fangkong.core.models import LedgerCheckpoint

_PG_CHECKPOINT_LOCK = (7_346_223, 0)
_MESSAGE_PREFIX = b"fangkong-ledger-checkpoint-v1\n"


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification: ``broken_at`` is the id of the first row (or the sequence
    number of the first checkpoint) that does not match and ``reason`` says why in one line;
    ``unanchored`` counts the rows no checkpoint covers yet (written since the newest)."""

    checked: int
    broken_at: int | None
    reason: str = ""
    ledger: str = "audit"
    unanchored: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.reason


@dataclass(frozen=True)
class Head:
    """Where one chain stood at a checkpoint."""

    rows: int
    last_id: int
    last_hash: str


@dataclass
class Checkpoint:
    """A checkpoint as stored or exported (the signed fields, its signature, the key's id)."""

    seq: int
    at: str
    heads: dict[str, dict[str, list[Any]]]
    prev: str
    signature: str
    key: str = field(default_factory=public_key_b64)

    def message(self) -> bytes:
        body = {"seq": self.seq, "at": self.at, "heads": self.heads, "prev": self.prev}
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return _MESSAGE_PREFIX + text.encode()

    def signature_valid(self) -> bool:
        if self.key != public_key_b64():
            return False
        try:
            signing_key().public_key().verify(_unb64(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def line(self) -> str:
        """The export form: one JSON object on one line."""
        return json.dumps(
            {
                "seq": self.seq,
                "at": self.at,
                "heads": self.heads,
                "prev": self.prev,
                "signature": self.signature,
                "key": self.key,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def head(self, ledger: Ledger, chain: int) -> Head | None:
        value = self.heads.get(ledger.name, {}).get(str(chain))
        return Head(int(value[0]), int(value[1]), str(value[2])) if value else None

    @classmethod
    def from_row(cls, row: LedgerCheckpoint) -> Checkpoint:
        return cls(
            seq=row.seq,
            at=_time_text(row.at),
            heads=row.heads,
            prev=row.prev,
            signature=row.signature,
        )

    @classmethod
    def from_line(cls, line: str) -> Checkpoint:
        """Parse an exported line; ``ValueError`` when it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            heads = data["heads"]
            if not isinstance(heads, dict):
                raise ValueError("heads is not an object")
            return cls(
                seq=int(data["seq"]),
                at=str(data["at"]),
                heads=heads,
                prev=str(data["prev"]),
                signature=str(data["signature"]),
                key=str(data["key"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"missing or malformed field {exc}") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# --- writing ------------------------------------------------------------------------------------


def _chain_heads(ledger: Ledger, previous: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """Every chain's ``[rows, last id, last hash]`` now, counted from the previous checkpoint's
    heads: one index range scan per chain over the rows written since (within a chain rows
    commit in id order, because writers hold the chain's lock until they commit)."""
    heads: dict[str, list[Any]] = {}
    chains = set(range(AUDIT_CHAINS)) | {int(key) for key in previous}
    with connection.cursor() as cursor:
        for chain in sorted(chains):
            rows, last_id, last_hash = previous.get(str(chain), [0, 0, GENESIS])
            cursor.execute(
                f"SELECT COUNT(*), MAX(id) FROM {ledger.table} "  # noqa: S608 - constant
                "WHERE chain = %s AND id > %s",
                [chain, last_id],
            )
            added, top = cursor.fetchone()
            if added:
                cursor.execute(
                    f"SELECT row_hash FROM {ledger.table} WHERE id = %s",  # noqa: S608
                    [top],
                )
                rows, last_id, last_hash = rows + added, top, cursor.fetchone()[0]
            if rows:
                heads[str(chain)] = [rows, last_id, last_hash]
    return heads


def checkpoint_write(*, force: bool = False) -> LedgerCheckpoint | None:
    """Sign and store a checkpoint of both ledgers; ``None`` when no chain moved since the
    previous one (unless ``force``). Serialised on PostgreSQL by an advisory lock (SQLite has
    one writer), so the checkpoints' own chain never forks."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(_PG_CHECKPOINT_LOCK))
        last = LedgerCheckpoint.objects.order_by("-seq").first()
        before: dict[str, dict[str, list[Any]]] = last.heads if last else {}
        heads = {
            ledger.name: _chain_heads(ledger, before.get(ledger.name, {}))
            for ledger in LEDGERS.values()
        }
        if last is not None and heads == before and not force:
            return None
        at = timezone.now()
        checkpoint = Checkpoint(
            seq=last.seq + 1 if last else 1,
            at=_time_text(at),
            heads=heads,
            prev=last.signature if last else "",
            signature="",
        )
        checkpoint.signature = _b64(signing_key().sign(checkpoint.message()))
        return LedgerCheckpoint.objects.create(
            seq=checkpoint.seq,
            at=at,
            heads=heads,
            prev=checkpoint.prev,
            signature=checkpoint.signature,
        )


def checkpoints_export(*, after: int = 0) -> Iterator[str]:
    """The stored checkpoints with ``seq`` above ``after`` as JSON lines, oldest first."""
    rows = LedgerCheckpoint.objects.filter(seq__gt=after).order_by("seq")
    for row in rows.iterator(chunk_size=500):
        yield Checkpoint.from_row(row).line()


# --- verifying ----------------------------------------------------------------------------------


def checkpoints_verify(
    external: Sequence[Checkpoint] = (),
) -> tuple[ChainReport, Checkpoint | None]:
    """Check the stored checkpoints' own chain and compare exported copies with it.

    1. Stored checkpoints must be numbered 1, 2, 3… without a gap, each signed by the ledger
       key and naming its predecessor's signature.
    2. Each exported checkpoint must be signed by the same key; one the database also has
       must be identical, and one beyond the newest stored one means stored checkpoints were
       deleted.
    Returns the report and the newest checkpoint that passed (the ledgers' anchor).
    """
    newest: Checkpoint | None = None
    previous = ""
    expected_seq = 1
    stored: dict[int, Checkpoint] = {}
    for row in LedgerCheckpoint.objects.order_by("seq").iterator(chunk_size=500):
        checkpoint = Checkpoint.from_row(row)
        problem = ""
        if checkpoint.seq != expected_seq:
            problem = f"checkpoint {expected_seq} is missing from the database (deleted)"
        elif checkpoint.prev != previous:
            problem = f"checkpoint {checkpoint.seq} does not follow checkpoint {expected_seq - 1}"
        elif not checkpoint.signature_valid():
            problem = (
                f"checkpoint {checkpoint.seq} is not signed by the ledger key (forged or edited)"
            )
        if problem:
            report = ChainReport(
                checked=len(stored), broken_at=checkpoint.seq, reason=problem, ledger="checkpoints"
            )
            return report, newest
        stored[checkpoint.seq] = newest = checkpoint
        previous = checkpoint.signature
        expected_seq += 1
    checked = len(stored)
    for copy in sorted(external, key=lambda item: item.seq):
        problem = ""
        if not copy.signature_valid():
            problem = (
                f"exported checkpoint {copy.seq} is not signed by this installation's ledger key"
            )
        elif copy.seq in stored and stored[copy.seq].line() != copy.line():
            problem = f"checkpoint {copy.seq} in the database differs from its exported copy"
        elif copy.seq not in stored:
            problem = (
                f"exported checkpoint {copy.seq} is missing from the database, which ends at "
                f"checkpoint {expected_seq - 1} (checkpoints deleted, or an older database)"
            )
        if problem:
            report = ChainReport(
                checked=checked, broken_at=copy.seq, reason=problem, ledger="checkpoints"
            )
            # a genuine exported checkpoint still anchors the ledgers
            if copy.signature_valid() and (newest is None or copy.seq > newest.seq):
                newest = copy
            return report, newest
        checked += 1
    return ChainReport(checked=checked, broken_at=None, ledger="checkpoints"), newest


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read a ledger as of one moment. PostgreSQL: a read-only REPEATABLE READ transaction —
    rows of different chains commit out of id order, so batches read at different moments
    could miss a row whose chain successor they then see. SQLite commits ids in order (one
    writer): batches in autocommit are consistent and hold no lock writers wait on."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def ledger_verify(
    ledger: Ledger,
    *,
    anchor: Checkpoint | None = None,
    use_stored: bool = True,
    batch: int = 5000,
) -> ChainReport:
    """Walk ``ledger`` in id order and check every row against its chain, its seal and the
    newest checkpoint.

    1. Every chain starts from the genesis hash.
    2. For each row, ``prev_hash`` must equal the ``row_hash`` of the previous row of its
       chain, ``row_hash`` must equal SHA-256(prev_hash + canonical content), and ``seal``
       must be the ledger key's HMAC of ``row_hash``.
    3. At the row the anchor checkpoint names as a chain's head, the chain must have the
       checkpoint's number of rows and its hash; a head never reached means rows were deleted.
    ``anchor`` defaults to the newest stored checkpoint that verifies (``use_stored``).
    """
    if anchor is None and use_stored:
        anchor = checkpoints_verify()[1]
    heads: dict[int, tuple[int, Head]] = {}  # last id → chain, head
    if anchor is not None:
        for key in anchor.heads.get(ledger.name, {}):
            head = anchor.head(ledger, int(key))
            if head is not None:
                heads[head.last_id] = (int(key), head)
    expected: dict[int, str] = {}
    counts: dict[int, int] = {}
    reached: set[int] = set()
    checked = 0
    last_id = 0
    columns = ("id", "chain", "prev_hash", "row_hash", "seal", *ledger.fields)

    def broken(row_id: int, reason: str) -> ChainReport:
        return ChainReport(checked=checked, broken_at=row_id, reason=reason, ledger=ledger.name)

    with _snapshot():
        queryset = ledger.model._default_manager.order_by("id").values(*columns)
        while True:
            rows = list(queryset.filter(id__gt=last_id)[:batch])
            if not rows:
                break
            for row in rows:
                row_id, chain = int(row["id"]), int(row["chain"])
                previous = expected.get(chain, GENESIS)
                if row["prev_hash"] != previous:
                    return broken(
                        row_id,
                        f"{ledger.name} row {row_id} does not follow the previous row of chain "
                        f"{chain} (a row before it was deleted, inserted or edited)",
                    )
                if row["row_hash"] != row_hash(ledger, previous, row):
                    return broken(
                        row_id, f"{ledger.name} row {row_id} does not match its hash (edited)"
                    )
                if not seal_matches(ledger, row["row_hash"], row["seal"]):
                    return broken(
                        row_id,
                        f"{ledger.name} row {row_id} is not sealed by the ledger key (forged, "
                        "or the chain was recomputed)",
                    )
                expected[chain] = row["row_hash"]
                counts[chain] = counts.get(chain, 0) + 1
                checked += 1
                if row_id in heads:
                    head_chain, head = heads[row_id]
                    if (
                        head_chain != chain
                        or head.rows != counts[chain]
                        or head.last_hash != row["row_hash"]
                    ):
                        return broken(
                            row_id,
                            f"{ledger.name} row {row_id} contradicts checkpoint "
                            f"{anchor_seq(anchor)} (chain {head_chain}: {head.rows} rows ending "
                            f"in {head.last_hash[:12]}…; the chain was rewritten)",
                        )
                    reached.add(row_id)
            last_id = int(rows[-1]["id"])
    for head_id, (chain, head) in sorted(heads.items()):
        if head_id not in reached:
            return broken(
                head_id,
                f"{ledger.name} chain {chain} ends before checkpoint {anchor_seq(anchor)}: it had "
                f"{head.rows} rows up to row {head_id}, now {counts.get(chain, 0)} (the newest "
                "rows were deleted)",
            )
    covered = sum(head.rows for _, head in heads.values())
    return ChainReport(
        checked=checked, broken_at=None, ledger=ledger.name, unanchored=checked - covered
    )


def anchor_seq(anchor: Checkpoint | None) -> int:
    return anchor.seq if anchor else 0


def ledgers_verify(external: Sequence[Checkpoint] = (), *, batch: int = 5000) -> list[ChainReport]:
    """Verify the checkpoints, then both ledgers against the newest genuine checkpoint
    (stored or exported). Every report is returned; any that is not ``ok`` is a break."""
    report, anchor = checkpoints_verify(external)
    return [
        report,
        *(
            ledger_verify(ledger, anchor=anchor, use_stored=False, batch=batch)
            for ledger in LEDGERS.values()
        ),
    ]


def checkpoints_read(lines: Iterable[str], *, source: str) -> list[Checkpoint]:
    """Parse exported lines (blank lines skipped); ``ValueError`` naming the source and line."""
    parsed = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append(Checkpoint.from_line(line))
        except ValueError as exc:
            raise ValueError(f"{source} line {number} is not a checkpoint: {exc}") from None
    return parsed


def ledger_rows_seal(ledger: Ledger, model: type[Model], *, chain_rows: bool) -> int:
    """Seal the rows of ``ledger`` stored before seals existed, in id order: used once, by
    migration ``core.0005`` (``model`` is its historical model). ``chain_rows`` also chains
    them first (the access log had no chain): all in chain 0, from the genesis hash. Returns
    the number of rows sealed."""
    names = ["chain", "prev_hash", "row_hash", "seal"] if chain_rows else ["seal"]
    columns = ("id", "chain", "prev_hash", "row_hash", *ledger.fields)
    done = last_id = 0
    previous = GENESIS
    while True:
        rows = list(
            model._default_manager.filter(id__gt=last_id).order_by("id").values(*columns)[:2000]
        )
        if not rows:
            return done
        updates = []
        for row in rows:
            if chain_rows:
                row["chain"] = 0
                row["prev_hash"] = previous
                row["row_hash"] = previous = row_hash(ledger, previous, row)
            row["seal"] = seal(ledger, row["row_hash"])
            updates.append(model(id=row["id"], **{name: row[name] for name in names}))
        model._default_manager.bulk_update(updates, names)
        done += len(rows)
        last_id = int(rows[-1]["id"])

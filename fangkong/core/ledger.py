"""The two chained ledgers (audit, read access): their canonical row form, hashes, seals and keys.

A ledger row is hashed as SHA-256(``prev_hash`` + canonical JSON of its content) and *sealed*
with HMAC-SHA256(seal key, ledger name + ``row_hash``), truncated to 128 bits. The hash chain
makes an edit or a deletion in the middle visible to anyone; the seal makes a row that was
written without the ledger key (a forged row, a chain recomputed after an edit) visible to
whoever holds the key. The key is not in the database, so the database alone cannot forge.

Keys (docs/audit.md): the input keying material is ``FANGKONG_AUDIT_KEY`` or, when that is
empty, ``FANGKONG_FIELD_KEY`` (UTF-8 bytes of the setting). From it HKDF-SHA256 (salt
``fangkong``) derives the seal key (info ``ledger-row-seal-hmac``) and the 32-byte seed of the
Ed25519 key that signs checkpoints (info ``ledger-checkpoint-ed25519``). The sampling codes
derive their own key from the field key with another info string, so no key is shared.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db.models import Model

from fangkong.core.models import AccessEntry, AuditEntry

GENESIS = "0" * 64
#: Number of independent hash chains per ledger; a chain is the actor's user id modulo this (a
#: single write) or the writing server thread's (a batch).
AUDIT_CHAINS = 64
SEAL_LENGTH = 32  # hex digits of the truncated HMAC: 128 bits
#: ``json.dumps(…, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`` with the
#: encoder built once: the same text (``dumps`` builds this encoder on every call).
_CANONICAL_TEXT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class Ledger:
    """One chained, sealed, append-only table."""

    name: str
    model: type[Model]
    fields: tuple[str, ...]  # the content that is hashed, in no particular order
    lock_class: int  # PostgreSQL advisory lock class that serialises each chain
    legacy_chain_zero: bool = False  # chain 0 hashes without its chain number

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)


AUDIT = Ledger(
    name="audit",
    model=AuditEntry,
    fields=(
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
    ),
    lock_class=7_346_221,
    # rows from before chains existed are chain 0 and hash as they did then
    legacy_chain_zero=True,
)
ACCESS = Ledger(
    name="access",
    model=AccessEntry,
    fields=(
        "at",
        "actor_id",
        "actor_username",
        "actor_role",
        "region_path",
        "purpose",
        "action",
        "subject_type",
        "subject_ids",
        "subject_count",
        "ip",
    ),
    lock_class=7_346_222,
)
LEDGERS = {ledger.name: ledger for ledger in (AUDIT, ACCESS)}


def canonical(ledger: Ledger, row: Mapping[str, Any]) -> str:
    """The row's content as one JSON text: sorted keys, UTC microsecond times, no spaces."""
    values: dict[str, Any] = {}
    for name in ledger.fields:
        value = row[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        values[name] = value
    chain = int(row["chain"])
    if chain or not ledger.legacy_chain_zero:
        values["chain"] = chain
    return _CANONICAL_TEXT(values)


def row_hash(ledger: Ledger, prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(ledger, row)).encode()).hexdigest()


# --- keys -------------------------------------------------------------------------------------


def _derive(material: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fangkong", info=info).derive(
        material.encode()
    )


@lru_cache(maxsize=4)
def _seal_key(material: str) -> bytes:
    return _derive(material, b"ledger-row-seal-hmac")


@lru_cache(maxsize=4)
def _signing_key(material: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_derive(material, b"ledger-checkpoint-ed25519"))


def _material() -> str:
    return str(settings.AUDIT_LEDGER_KEY or settings.FIELD_ENCRYPTION_KEY)


def seal(ledger: Ledger, hash_: str) -> str:
    """The row seal: HMAC-SHA256(seal key, ``<ledger>:<row_hash>``), first 128 bits in hex."""
    digest = hmac.digest(_seal_key(_material()), f"{ledger.name}:{hash_}".encode(), "sha256")
    return digest.hex()[:SEAL_LENGTH]


def seal_matches(ledger: Ledger, hash_: str, value: str) -> bool:
    return hmac.compare_digest(seal(ledger, hash_), value)


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key that signs checkpoints."""
    return _signing_key(_material())


def public_key_b64() -> str:
    """The checkpoint key's raw public half, base64url: printed with every exported
    checkpoint so an off-site copy names the key that signed it."""
    raw = (
        signing_key()
        .public_key()
        .public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

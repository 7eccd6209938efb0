"""Barcodes and personal sampling codes.

A personal sampling code (R35) is ``FK1.<payload>.<signature>``: the payload is base64url JSON
``{"p": person code, "n": name, "i": masked identity number, "t": issued (epoch s)}`` and the
signature an Ed25519 signature over ``FK1.<payload>``. Anyone with the public key — a sampling
page offline, a server under load — checks it without a database round trip; only the server
holding the private key (derived from ``FANGKONG_FIELD_KEY`` with HKDF, so there is no second
secret to lose) can issue one. Codes expire after ``CODE_LIFETIME``.
"""

from __future__ import annotations

import base64
import json
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error

PREFIX = "FK1"
CODE_LIFETIME = 400 * 24 * 3600  # a code printed for someone without a phone lasts a season
MAX_CODE_LENGTH = 600
BARCODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")


def barcode_normalise(raw: object) -> str:
    """The one spelling of a scanned or typed barcode: NFKC (full-width digits), spaces
    removed, upper case. Every lookup and every write goes through it."""
    return unicodedata.normalize("NFKC", str(raw or "")).strip().upper().replace(" ", "")


def barcode_clean(raw: object, *, field: str = "barcode") -> str:
    """A tube or package barcode (:func:`barcode_normalise`), 4–32 of ``A–Z 0–9 -``. Raises
    ``ValidationFailed`` (``barcode_invalid``) naming ``field``."""
    text = barcode_normalise(raw)
    if not BARCODE_PATTERN.match(text):
        raise ValidationFailed(
            _("The barcode is not valid."),
            errors=[
                field_error(
                    field, "barcode_invalid", _("A barcode is 4–32 letters, digits or dashes.")
                )
            ],
        )
    return text


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def _private_key(field_key: str) -> Ed25519PrivateKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"fangkong", info=b"sampling-code-ed25519"
    ).derive(field_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def _key() -> Ed25519PrivateKey:
    return _private_key(str(settings.FIELD_ENCRYPTION_KEY))


def public_key_b64() -> str:
    """The raw 32-byte public key, base64url: what a sampling page needs to check codes."""
    raw = (
        _key()
        .public_key()
        .public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    )
    return _b64(raw)


@dataclass(frozen=True)
class SamplingCode:
    """A verified personal sampling code."""

    person_code: uuid.UUID
    name: str
    masked_id: str
    issued_at: int


def sampling_code_issue(*, person_code: uuid.UUID, name: str, masked_id: str) -> str:
    """Sign a personal sampling code for a person (pure: no database access)."""
    payload = _b64(
        json.dumps(
            {"p": str(person_code), "n": name, "i": masked_id, "t": int(time.time())},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )
    signed = f"{PREFIX}.{payload}"
    return f"{signed}.{_b64(_key().sign(signed.encode()))}"


def sampling_code_verify(
    token: str, *, field: str = "sampling_code", now: float | None = None
) -> SamplingCode:
    """Check a personal sampling code's signature and age without touching the database.

    Raises ``ValidationFailed`` with ``code_malformed``, ``code_signature_invalid`` or
    ``code_expired`` naming ``field``.
    """

    def fail(code: str, message: str) -> ValidationFailed:
        return ValidationFailed(message, errors=[field_error(field, code, message)])

    text = (token or "").strip()
    parts = text.split(".")
    if len(text) > MAX_CODE_LENGTH or len(parts) != 3 or parts[0] != PREFIX:
        raise fail("code_malformed", _("This is not a Fangkong sampling code."))
    public: Ed25519PublicKey = _key().public_key()
    try:
        public.verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode())
    except (InvalidSignature, ValueError):
        raise fail(
            "code_signature_invalid", _("The sampling code's signature is not valid.")
        ) from None
    try:
        data = json.loads(_unb64(parts[1]))
        code = SamplingCode(
            person_code=uuid.UUID(str(data["p"])),
            name=str(data["n"]),
            masked_id=str(data["i"]),
            issued_at=int(data["t"]),
        )
    except (ValueError, KeyError, TypeError):
        raise fail("code_malformed", _("This is not a Fangkong sampling code.")) from None
    moment = time.time() if now is None else now
    if moment - code.issued_at > CODE_LIFETIME or code.issued_at - moment > 3600:
        raise fail("code_expired", _("The sampling code has expired; issue a new one."))
    return code

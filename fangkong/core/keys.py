"""The secrets in the settings: their format, the development values, and a floor on their
strength.

Used three ways: the settings parse the field key eagerly (a malformed key stops start-up
instead of failing at the first encryption); the production settings refuse development and
weak keys at start-up (:func:`keys_require`); and a deploy system check reports the same
problems with an error id for any settings module (``core.checks``). The strength test is a
floor against mistakes (a placeholder, a short or repetitive key), not a proof of randomness:
generate keys with a CSPRNG (docs/configuration.md).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

#: The defaults of the development settings: public, in the repository, never for production.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-" + "x" * 20
DEVELOPMENT_FIELD_KEY = "ZGV2ZWxvcG1lbnQtZmllbGQta2V5LWNoYW5nZS1tZSE="
DEVELOPMENT_BLIND_INDEX_KEY = "development-blind-index-key-change-me"
DEVELOPMENT_KEYS = frozenset(
    {DEVELOPMENT_SECRET_KEY, DEVELOPMENT_FIELD_KEY, DEVELOPMENT_BLIND_INDEX_KEY}
)
#: Words that mark a placeholder, whatever its length.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "insecure", "development", "example", "dummy")

MIN_FIELD_KEY_BYTES = 16
MIN_TEXT_KEY_CHARS = 32
MIN_TEXT_KEY_BITS = 80  # Shannon estimate over the characters: 32 random hex digits give 88–128

FIELD = "field"  # URL-safe base64 of the AES key
TEXT = "text"  # used as it is (HMAC keys, Django's signing key)


@dataclass(frozen=True)
class KeyProblem:
    """One thing wrong with one key: ``code`` is ``development``, ``weak`` or ``malformed``."""

    variable: str
    code: str
    message: str


def field_key_bytes(text: str) -> bytes:
    """The raw field key: ``text`` is base64 (URL-safe or standard, padding optional) of at
    least 16 bytes. ``ValueError`` saying what is wrong otherwise."""
    stripped = text.strip()
    try:
        raw = base64.b64decode(stripped + "=" * (-len(stripped) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not base64 (generate 32 random bytes, base64-encoded)") from None
    if len(raw) < MIN_FIELD_KEY_BYTES:
        raise ValueError(f"decodes to {len(raw)} bytes, fewer than {MIN_FIELD_KEY_BYTES}")
    return raw


def _periodic(data: str) -> bool:
    """True when ``data`` is one shorter piece repeated (``abcabcabc``)."""
    return len(data) > 1 and data in (data + data)[1:-1]


def _shannon_bits(text: str) -> float:
    counts = Counter(text)
    return -sum(n * math.log2(n / len(text)) for n in counts.values())


def key_problems(variable: str, value: str, *, kind: str) -> list[KeyProblem]:
    """What is wrong with one key (empty when nothing): a development value or a placeholder,
    a malformed field key, or too little variety for a random key of its kind."""

    def problem(code: str, message: str) -> list[KeyProblem]:
        return [KeyProblem(variable=variable, code=code, message=f"{variable} {message}")]

    lowered = value.lower()
    if value in DEVELOPMENT_KEYS:
        return problem("development", "is a public development key from the repository")
    if kind == FIELD:
        try:
            raw = field_key_bytes(value)
        except ValueError as exc:
            return problem("malformed", str(exc))
        decoded = raw.decode("latin-1").lower()
        if any(marker in decoded or marker in lowered for marker in PLACEHOLDER_MARKERS):
            return problem("development", "is a placeholder, not a generated key")
        if _periodic(raw.decode("latin-1")) or len(set(raw)) < min(len(raw), 32) // 2:
            return problem("weak", "is not random enough (repeated bytes)")
        return []
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return problem("development", "is a placeholder, not a generated key")
    if len(value) < MIN_TEXT_KEY_CHARS:
        return problem("weak", f"is {len(value)} characters long, fewer than {MIN_TEXT_KEY_CHARS}")
    if _periodic(value) or _shannon_bits(value) < MIN_TEXT_KEY_BITS:
        return problem(
            "weak", "is not random enough (a repeated pattern or too few different characters)"
        )
    return []


def deployment_keys(settings: object) -> dict[str, tuple[str, str]]:
    """The keys a deployment must get right: environment variable → (value, kind). The ledger
    key only when it is set (empty means derived from the field key)."""
    keys = {
        "FANGKONG_SECRET_KEY": (str(getattr(settings, "SECRET_KEY", "")), TEXT),
        "FANGKONG_FIELD_KEY": (str(getattr(settings, "FIELD_ENCRYPTION_KEY", "")), FIELD),
        "FANGKONG_BLIND_INDEX_KEY": (str(getattr(settings, "BLIND_INDEX_KEY", "")), TEXT),
    }
    ledger_key = str(getattr(settings, "AUDIT_LEDGER_KEY", "") or "")
    if ledger_key:
        keys["FANGKONG_AUDIT_KEY"] = (ledger_key, TEXT)
    return keys


def keys_check(keys: Mapping[str, tuple[str, str]]) -> list[KeyProblem]:
    problems = [
        found
        for variable, (value, kind) in keys.items()
        for found in key_problems(variable, value, kind=kind)
    ]
    values = [value for value, _kind in keys.values()]
    for variable, (value, _kind) in keys.items():
        if value and values.count(value) > 1:
            problems.append(KeyProblem(variable, "weak", f"{variable} is the same as another key"))
    return problems


def keys_require(keys: Mapping[str, tuple[str, str]]) -> None:
    """Refuse to start: ``ImproperlyConfigured`` listing every problem of ``keys``."""
    problems = keys_check(keys)
    if problems:
        raise ImproperlyConfigured("; ".join(problem.message for problem in problems))

"""Field encryption (AES-GCM) and the keyed blind index used to find encrypted values.

Identity numbers are stored as ``v1:<base64(nonce + ciphertext)>`` under ``FIELD_ENCRYPTION_KEY``
and found through ``blind_index`` = HMAC-SHA256(``BLIND_INDEX_KEY``, normalised value), so an
exact lookup needs no decryption and the table alone reveals nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from fangkong.core.keys import field_key_bytes

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _aead(key_text: str) -> AESGCM:
    raw = field_key_bytes(key_text)  # the settings parsed it already at start-up
    if len(raw) not in (16, 24, 32):
        raw = hashlib.sha256(raw).digest()
    return AESGCM(raw)


def encrypt(value: str, *, purpose: str) -> str:
    """Encrypt ``value``; ``purpose`` is bound as associated data (no swapping ciphertexts)."""
    aead = _aead(settings.FIELD_ENCRYPTION_KEY)
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, value.encode(), purpose.encode())
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str, *, purpose: str) -> str:
    """Reverse :func:`encrypt`; raises ``cryptography.exceptions.InvalidTag`` if tampered."""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    blob = base64.b64decode(token[len(_PREFIX) :])
    aead = _aead(settings.FIELD_ENCRYPTION_KEY)
    return aead.decrypt(blob[:12], blob[12:], purpose.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed, deterministic digest of a normalised value, namespaced by ``purpose``."""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

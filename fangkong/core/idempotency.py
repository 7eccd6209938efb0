"""Idempotent writes: the same request with the same key is answered once and replayed after.

The write and its :class:`IdempotencyRecord` commit in one transaction. Two identical requests
racing each other both run; the loser hits the unique ``(user_id, key)`` constraint, its whole
transaction (including its rows) rolls back, and it answers with the winner's stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from fangkong.core.actor import AnyActor
from fangkong.core.errors import FangkongError
from fangkong.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 100


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, Any]:
    if record.request_hash != fingerprint:
        raise FangkongError(
            "This idempotency key was already used for a different request.",
            code="idempotency_key_reused",
            status=422,
        )
    return record.status, record.response


def run_idempotent(
    *,
    actor: AnyActor,
    key: str | None,
    operation: str,
    payload: Any,
    write: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run ``write`` (which returns ``(status, json_body)``) at most once per ``key``.

    Without a key the write simply runs. With one, a stored answer for the same user and key is
    replayed (same body, same status); a key reused with a different payload is refused.
    """
    if not key:
        with transaction.atomic():
            return write()
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise FangkongError(
            "The Idempotency-Key header must be printable and at most 100 characters.",
            code="idempotency_key_invalid",
            status=422,
        )
    fingerprint = request_fingerprint({"operation": operation, "payload": payload})
    existing = IdempotencyRecord.objects.filter(user_id=actor.user_id, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            status, body = write()
            IdempotencyRecord.objects.create(
                key=key,
                user_id=actor.user_id,
                operation=operation,
                request_hash=fingerprint,
                status=status,
                response=json.loads(json.dumps(body, default=str)),
            )
            return status, body
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user_id=actor.user_id, key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)

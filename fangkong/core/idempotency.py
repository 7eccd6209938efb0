"""Idempotent writes: the same request with the same key is answered once and replayed after.

The write and its :class:`IdempotencyRecord` commit in one transaction. Two identical requests
racing each other both run; the loser hits the unique ``(user_id, key)`` constraint, its whole
transaction (including its rows) rolls back, and it answers with the winner's stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.bulk import rows_insert
from fangkong.core.errors import FangkongError
from fangkong.core.lookups import sql_in
from fangkong.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 100


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _key_reused() -> FangkongError:
    return FangkongError(
        "This idempotency key was already used for a different request.",
        code="idempotency_key_reused",
        status=422,
    )


def _key_checked(key: str) -> str:
    """The key as stored; ``idempotency_key_invalid`` unless printable and short enough."""
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise FangkongError(
            "The Idempotency-Key header must be printable and at most 100 characters.",
            code="idempotency_key_invalid",
            status=422,
        )
    return key


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, Any]:
    if record.request_hash != fingerprint:
        raise _key_reused()
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
    key = _key_checked(key)
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


@dataclass(frozen=True)
class IdempotentCall:
    """One write of :func:`run_idempotent_many`: who, under which key, of what."""

    actor: AnyActor
    key: str | None
    operation: str
    payload: Any


#: What a batched write answers per item: ``(status, json_body)`` or the item's refusal.
Answer = tuple[int, Any] | FangkongError


def run_idempotent_many(
    calls: Sequence[IdempotentCall], write_many: Callable[[list[int]], Sequence[Answer]]
) -> list[Answer]:
    """:func:`run_idempotent` for a batch, inside the caller's transaction.

    1. Keys are checked (``idempotency_key_invalid``) and the stored answers of every
       ``(user, key)`` of the batch read in one query: those calls are replayed (or refused,
       ``idempotency_key_reused``).
    2. A key used twice in the batch is answered once: the later call replays the earlier.
    3. ``write_many`` gets the positions of the remaining calls and answers each; the answers
       that are not refusals are stored under their keys in one insert.

    Two batches in different processes racing on a key make the insert fail
    (``IntegrityError``); the caller then runs the calls one at a time with
    :func:`run_idempotent`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("run_idempotent_many must run inside a transaction")
    answers: list[Answer | None] = [None] * len(calls)
    prints: list[str] = []
    keyed: dict[tuple[int, str], int] = {}
    later: list[tuple[int, int]] = []
    for position, call in enumerate(calls):
        prints.append(request_fingerprint({"operation": call.operation, "payload": call.payload}))
        if not call.key:
            continue
        try:
            key = _key_checked(call.key)
        except FangkongError as exc:
            answers[position] = exc
            continue
        if (call.actor.user_id, key) in keyed:
            later.append((position, keyed[(call.actor.user_id, key)]))
        else:
            keyed[(call.actor.user_id, key)] = position
    if keyed:
        # Raw SQL (the sampling intake asks for every batch; compiling the ORM's query cost
        # more than running it); a stored answer is rare and only then becomes a model.
        users, user_params = sql_in("user_id", {user for user, _key in keyed})
        keys, key_params = sql_in("key", {key for _user, key in keyed})
        for record in IdempotencyRecord.objects.raw(
            f"SELECT * FROM core_idempotencyrecord WHERE {users} AND {keys}",  # noqa: S608 (placeholders only)
            user_params + key_params,
        ):
            position = keyed.pop((record.user_id, record.key), -1)
            if position >= 0:
                answers[position] = _answer_replay(record, prints[position])
    waiting = {position for position, _first in later}
    todo = [
        position
        for position, answer in enumerate(answers)
        if answer is None and position not in waiting
    ]
    for position, answer in zip(todo, write_many(todo), strict=True):
        answers[position] = answer
    now = timezone.now()
    rows_insert(
        IdempotencyRecord,
        [
            {
                "key": key,
                "user_id": user,
                "operation": calls[position].operation,
                "request_hash": prints[position],
                "status": done[0],
                "response": json.loads(json.dumps(done[1], default=str)),
                "created_at": now,
            }
            for (user, key), position in keyed.items()
            if isinstance(done := answers[position], tuple)
        ],
    )
    for position, first in later:
        earlier = answers[first]
        assert earlier is not None
        answers[position] = (
            earlier
            if not isinstance(earlier, tuple) or prints[position] == prints[first]
            else _key_reused()
        )
    return [answer for answer in answers if answer is not None]


def _answer_replay(record: IdempotencyRecord, fingerprint: str) -> Answer:
    try:
        return _replay(record, fingerprint)
    except FangkongError as exc:
        return exc

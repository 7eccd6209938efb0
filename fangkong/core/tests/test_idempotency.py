"""Idempotent writes in batches: stored answers replayed, a key used twice in one batch
answered once, a key reused for another request refused."""

from __future__ import annotations

from django.db import transaction

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import FangkongError
from fangkong.core.idempotency import IdempotentCall, run_idempotent, run_idempotent_many
from fangkong.core.models import IdempotencyRecord


def test_a_batch_writes_once_per_key_and_replays_what_was_stored(tree):
    one = actor_make(role=Role.SAMPLER, region=tree["community_a"])
    two = actor_make(role=Role.SAMPLER, region=tree["community_a"])
    run_idempotent(
        actor=one, key="k-old", operation="op", payload={"n": 0}, write=lambda: (201, {"n": 0})
    )
    written: list[int] = []

    def write_many(positions: list[int]) -> list[tuple[int, dict[str, int]] | FangkongError]:
        written.extend(positions)
        return [
            FangkongError("no", code="refused")
            if calls[p].payload["n"] == 9
            else (201, calls[p].payload)
            for p in positions
        ]

    calls = [
        IdempotentCall(actor=one, key="k-old", operation="op", payload={"n": 0}),  # stored: replay
        IdempotentCall(actor=one, key="k-old", operation="op", payload={"n": 5}),  # reused key
        IdempotentCall(actor=one, key="k1", operation="op", payload={"n": 1}),
        IdempotentCall(actor=one, key="k1", operation="op", payload={"n": 1}),  # same key again
        IdempotentCall(actor=two, key="k1", operation="op", payload={"n": 2}),  # another user's k1
        IdempotentCall(actor=one, key=None, operation="op", payload={"n": 3}),  # no key: runs
        IdempotentCall(actor=one, key="k9", operation="op", payload={"n": 9}),  # refused
        IdempotentCall(actor=one, key="bad\nkey", operation="op", payload={"n": 4}),
    ]
    with transaction.atomic():
        answers = run_idempotent_many(calls, write_many)
    assert written == [2, 4, 5, 6]
    assert answers[0] == (201, {"n": 0})
    assert isinstance(answers[1], FangkongError)
    assert answers[1].code == "idempotency_key_reused"
    assert answers[2] == answers[3] == (201, {"n": 1})
    assert answers[4] == (201, {"n": 2})
    assert answers[5] == (201, {"n": 3})
    assert isinstance(answers[6], FangkongError)
    assert answers[6].code == "refused"
    assert isinstance(answers[7], FangkongError)
    assert answers[7].code == "idempotency_key_invalid"
    stored = set(IdempotencyRecord.objects.values_list("user_id", "key"))
    assert stored == {(one.user_id, "k-old"), (one.user_id, "k1"), (two.user_id, "k1")}

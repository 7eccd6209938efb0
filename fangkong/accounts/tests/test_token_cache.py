"""The process's cache of token actors is bounded and drops what has expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.accounts import tokens
from fangkong.accounts.choices import Role
from fangkong.accounts.models import ApiToken
from fangkong.accounts.tests.factories import actor_make, token_make


@pytest.mark.django_db
def test_token_cache_is_bounded_and_drops_expired_actors(tree, settings):
    settings.TOKEN_CACHE_SECONDS = 10
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    lasting = token_make(actor)
    short = token_make(actor)
    ApiToken.objects.filter(token_hash=tokens.token_hash(short)).update(
        expires_at=timezone.now() + timedelta(seconds=4)
    )
    assert tokens.actor_from_token(lasting) is not None
    assert tokens.actor_from_token(short) is not None
    known = tokens._known
    assert known.maxsize == tokens.TOKENS_KEPT
    assert len(known) == 2
    # Past the short token's expiry but inside the cache time: only the lasting one is kept.
    known.expire(known.timer() + 6)
    assert list(known) == [tokens.token_hash(lasting)]
    # Past the cache time: nothing is kept.
    known.expire(known.timer() + 11)
    assert len(known) == 0

    # Bounded: however many tokens are seen, the process keeps at most TOKENS_KEPT.
    actor_kept = tokens.actor_from_token(lasting)
    assert actor_kept is not None
    with tokens._known_lock:
        for n in range(tokens.TOKENS_KEPT + 50):
            known[f"digest-{n}"] = (10.0, actor_kept)
    assert len(known) == tokens.TOKENS_KEPT

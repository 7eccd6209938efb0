"""API tokens: generated once, stored as SHA-256, looked up by hash."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
import time

from cachetools import TLRUCache
from django.conf import settings
from django.utils import timezone

from fangkong.accounts.actors import actor_from_membership, mfa_required
from fangkong.accounts.models import ApiToken
from fangkong.core.actor import Actor

TOKEN_PREFIX = "fk_"  # noqa: S105 (a public marker that tells tokens apart, not a secret)


def token_hash(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


#: How many tokens' actors a process keeps at most (the least recently used go first).
TOKENS_KEPT = 10_000


def _known_until(_digest: str, kept: tuple[float, Actor], now: float) -> float:
    return now + kept[0]


#: token hash → (seconds to keep, actor without ip); each entry lives for its own time (see
#: ``settings.TOKEN_CACHE_SECONDS``, never past the token's expiry) and expired ones are dropped.
#: Not thread-safe by itself: used under ``_known_lock``.
_known: TLRUCache[str, tuple[float, Actor]] = TLRUCache(
    maxsize=TOKENS_KEPT, ttu=_known_until, timer=time.monotonic
)
_known_lock = threading.Lock()


def tokens_forget() -> None:
    """Drop this process's cached token actors (after a revocation or an account change)."""
    with _known_lock:
        _known.clear()


def actor_from_token(clear: str, *, ip: str = "") -> Actor | None:
    """The actor behind a bearer token, or ``None`` if it is unknown, revoked, expired, or its
    user or membership is no longer active. A user who must use MFA but has not enrolled gets
    no API access either.

    A valid token's actor is kept in this process for ``settings.TOKEN_CACHE_SECONDS`` (never
    past the token's expiry), so a busy sampling point does not pay a query per request;
    refusals are not kept.
    """
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    digest = token_hash(clear)
    with _known_lock:
        known = _known.get(digest)
    if known is not None:
        return dataclasses.replace(known[1], ip=ip)
    actor = _actor_from_database(digest)
    if actor is None:
        return None
    return dataclasses.replace(actor, ip=ip)


def _actor_from_database(digest: str) -> Actor | None:
    token = (
        ApiToken.objects.select_related("membership__user", "membership__region")
        .filter(token_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    membership = token.membership
    user = membership.user
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not (user.is_active and membership.is_active and membership.region.is_active):
        return None
    if mfa_required(user, [membership]) and not user.mfa_enabled:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    actor = actor_from_membership(membership)
    keep = float(settings.TOKEN_CACHE_SECONDS)
    if token.expires_at is not None:
        keep = min(keep, (token.expires_at - now).total_seconds())
    if keep > 0:
        with _known_lock:
            _known[digest] = (keep, actor)
    return actor

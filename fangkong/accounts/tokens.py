"""API tokens: generated once, stored as SHA-256, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from fangkong.accounts.actors import actor_from_membership, mfa_required
from fangkong.accounts.models import ApiToken
from fangkong.core.actor import Actor

TOKEN_PREFIX = "fk_"  # noqa: S105 (a public marker that tells tokens apart, not a secret)


def token_hash(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def actor_from_token(clear: str, *, ip: str = "") -> Actor | None:
    """The actor behind a bearer token, or ``None`` if it is unknown, revoked, expired, or its
    user or membership is no longer active. A user who must use MFA but has not enrolled gets
    no API access either."""
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__region")
        .filter(token_hash=token_hash(clear), revoked_at__isnull=True)
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
    return actor_from_membership(membership, ip=ip)

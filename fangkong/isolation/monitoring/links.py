"""The signed token of a resident link (issue 20 §5): ``django.core.signing`` over the link's
random key with a timestamp, so a token is checked for tampering before any database read and
carries no identifier (no person, order or identity number). It expires with the order: the
link must not be revoked, its order open and the order's release day not past; tokens older
than ``TOKEN_MAX_AGE`` are refused whatever the order says."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

from fangkong.isolation.models import ResidentLink

SALT = "fangkong.isolation.resident-link"
#: No order runs longer than this (the longest plan is 14 + 7 days, plus re-plans).
TOKEN_MAX_AGE = timedelta(days=60)


def link_token(link: ResidentLink) -> str:
    """The URL token of ``link``: its key, signed with a timestamp."""
    return signing.TimestampSigner(salt=SALT).sign(link.key)


def link_key(token: str) -> str | None:
    """The key a token carries, or ``None`` when it is malformed, tampered with or too old."""
    if len(token) > 200:
        return None
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None

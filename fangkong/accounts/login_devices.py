"""Browsers that completed a sign-in: a signed cookie that exempts them from the per-name
sign-in throttle (``accounts.services.login_is_throttled``).

Without it, anyone who spreads failed guesses at an account name over enough addresses keeps
the account's owner out for as long as they go on. The cookie ("device cookie", OWASP's
answer to exactly that) holds truncated hashes of the last few account names that completed
a sign-in (password and, where required, MFA) in this browser, signed with the secret key,
so it can be neither forged nor read for names. It does not exempt from the throttles of the
browser's own address.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "fk_device"
SALT = "fangkong.accounts.login-device"
DAYS = 90
NAMES = 5  # accounts remembered per browser (a shared sampling-point device)


def _name_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _names(request: HttpRequest) -> list[str]:
    value = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=timedelta(days=DAYS))
    return [name for name in str(value).split(",") if name]


def login_device_known(request: HttpRequest, username: str) -> bool:
    """True when this browser completed a sign-in to ``username`` in the last ``DAYS``."""
    return _name_key(username) in _names(request)


def login_device_remember(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """Set the cookie on the response that completes a sign-in to ``username``."""
    mine = _name_key(username)
    names = [mine, *(name for name in _names(request) if name != mine)][:NAMES]
    response.set_signed_cookie(
        COOKIE,
        ",".join(names),
        salt=SALT,
        max_age=DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )

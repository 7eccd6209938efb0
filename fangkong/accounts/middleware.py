"""Per request: end stale sessions, then attach ``request.actor`` (or ``None``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from fangkong.accounts.actors import (
    active_memberships,
    actor_from_membership,
    client_ip,
    mfa_required,
)

SESSION_EPOCH = "fk_epoch"
SESSION_MEMBERSHIP = "fk_membership"
SESSION_MFA_OK = "fk_mfa_ok"
SESSION_LOGIN_AT = "fk_login_at"
SESSION_SEEN_AT = "fk_seen_at"
SEEN_RESOLUTION_SECONDS = 60


class ActorMiddleware:
    """Checks the session against the user's ``session_epoch`` and the idle and absolute
    timeouts, then sets ``request.actor`` from the chosen membership, ``request.memberships``,
    and ``request.mfa_pending`` when the user still owes a second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        request.mfa_pending = False  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated:
            session = request.session
            now = time.time()
            stale = (
                session.get(SESSION_EPOCH) != user.session_epoch
                or now - float(session.get(SESSION_SEEN_AT, 0)) > settings.SESSION_IDLE_SECONDS
                or now - float(session.get(SESSION_LOGIN_AT, 0)) > settings.SESSION_ABSOLUTE_SECONDS
            )
            if stale or not user.is_active:
                logout(request)
            else:
                # Refresh the idle clock at most once a minute: a session write per request
                # would cost a database write on every page view.
                if now - float(session.get(SESSION_SEEN_AT, 0)) > SEEN_RESOLUTION_SECONDS:
                    session[SESSION_SEEN_AT] = now
                self._attach(request)
        return self.get_response(request)

    @staticmethod
    def _attach(request: HttpRequest) -> None:
        user = request.user
        memberships = active_memberships(user)  # type: ignore[arg-type]
        request.memberships = memberships  # type: ignore[attr-defined]
        if not memberships:
            return
        if mfa_required(user, memberships) and not request.session.get(SESSION_MFA_OK):  # type: ignore[arg-type]
            request.mfa_pending = True  # type: ignore[attr-defined]
            return
        chosen_id = request.session.get(SESSION_MEMBERSHIP)
        chosen = next((m for m in memberships if m.pk == chosen_id), memberships[0])
        request.actor = actor_from_membership(chosen, ip=client_ip(request.META))  # type: ignore[attr-defined]

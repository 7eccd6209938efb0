"""Guards for pages: an actor is required, optionally one of some roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError

View = Callable[..., HttpResponse]


def actor_required(*roles: str) -> Callable[[View], View]:
    """Anonymous → login; MFA owed → MFA step; wrong role → 403; a ``FangkongError`` raised by
    the view (404 for out-of-scope objects, 422 for bad input) renders the error page with its
    status."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if getattr(request, "mfa_pending", False):
                return redirect("accounts:mfa")
            actor = getattr(request, "actor", None)
            if not isinstance(actor, Actor):
                return render(request, "web/no_membership.html", status=403)
            if roles and actor.role not in roles:
                return render(request, "web/error.html", {"error_code": "forbidden"}, status=403)
            try:
                return view(request, *args, **kwargs)
            except FangkongError as exc:
                return render(
                    request,
                    "web/error.html",
                    {"error_code": exc.code, "error_message": exc.message},
                    status=exc.status,
                )

        # The roles the page admits (empty: every actor), read by the navigation so a menu or a
        # link is shown only to the roles its page lets in.
        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorate

"""The actor of a request, for every app's API operations and pages."""

from __future__ import annotations

from django.http import HttpRequest

from fangkong.core.actor import Actor


def actor_of(request: HttpRequest) -> Actor:
    """The actor a request acts as, once its guard has admitted it.

    An API operation reads ``request.auth``, which the API's authentication (``ActorAuth`` in
    ``fangkong/api.py``) set from the bearer token, or from the session after its CSRF check. A
    page, which never passes that authentication, reads ``request.actor``, which the accounts
    middleware set from the session and ``actor_required`` checked. ``request.auth`` is read
    first and alone when present: an API request with a token may carry a session cookie too,
    and the token decides who acts.
    """
    actor = request.auth if hasattr(request, "auth") else getattr(request, "actor", None)
    assert isinstance(actor, Actor)
    return actor

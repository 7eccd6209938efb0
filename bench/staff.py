"""Staff for the benchmarks, made the way an administrator makes them: an account with its
first membership (``accounts.services.user_create``), posted to a point or a lab through the
round services, API tokens through ``token_create``. No test factory is used, so a benchmark
measures what the product's own set-up produces."""

from __future__ import annotations

import secrets
from typing import Any

from fangkong.core.actor import Actor


def staff_make(*, role: str, region: Any, username: str) -> Actor:
    """A user with one membership (``role`` at ``region``), as the actor services take."""
    from fangkong.accounts.actors import actor_from_membership
    from fangkong.accounts.models import Membership
    from fangkong.accounts.services import user_create
    from fangkong.core.actor import SYSTEM

    user = user_create(
        actor=SYSTEM,
        username=username,
        display_name=username,
        password=secrets.token_urlsafe(24),
        region=region,
        role=role,
    )
    membership = Membership.objects.select_related("user", "region").get(user=user)
    return actor_from_membership(membership)


def staff_token(actor: Actor) -> str:
    """An API token for the actor's membership, issued by the actor; returns the clear text."""
    from fangkong.accounts.models import Membership
    from fangkong.accounts.services import token_create

    membership = Membership.objects.get(pk=actor.membership_id)
    return token_create(actor=actor, membership=membership, name="benchmark")

"""Turning a session or a token into an :class:`~fangkong.core.actor.Actor`."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from fangkong.accounts.choices import MFA_REQUIRED_ROLES
from fangkong.accounts.models import Membership, User
from fangkong.core.actor import Actor
from fangkong.core.client_address import client_address


def actor_from_membership(membership: Membership, *, ip: str = "") -> Actor:
    """Build the actor for a membership (its region must be loaded or loadable)."""
    region = membership.region
    return Actor(
        user_id=membership.user_id,
        username=membership.user.username,
        role=membership.role,
        membership_id=membership.pk,
        region_id=region.pk,
        region_path=region.path,
        region_code=region.code,
        ip=ip,
    )


def active_memberships(user: User) -> list[Membership]:
    """The user's active memberships with their nodes, in a stable order (one query)."""
    return list(
        Membership.objects.filter(user=user, is_active=True, region__is_active=True)
        .select_related("region", "user")
        .order_by("region__path", "role")
    )


def mfa_required(user: User, memberships: list[Membership]) -> bool:
    """True when MFA is enforced and any of the user's roles requires it."""
    if not settings.MFA_ENFORCED:
        return False
    return any(m.role in MFA_REQUIRED_ROLES for m in memberships)


def client_ip(meta: Mapping[str, object]) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind a trusted proxy the address its
    header names (``core.client_address``)."""
    return client_address(meta)

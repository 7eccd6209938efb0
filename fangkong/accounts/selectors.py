"""Reads of accounts and of the audit ledgers, scoped to the actor's subtree."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from fangkong.accounts.models import ApiToken, Membership, User
from fangkong.core.actor import AnyActor
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.regions.subtree import in_subtree


def user_list(*, actor: AnyActor, search: str = "", role: str = "") -> QuerySet[User]:
    """Users holding at least one membership in the actor's subtree, with those memberships
    prefetched (two queries whatever the page size)."""
    memberships = Membership.objects.select_related("region")
    if actor.region_path:
        memberships = memberships.filter(in_subtree(actor.region_path, field="region__path"))
    if role:
        memberships = memberships.filter(role=role)
    users = User.objects.filter(pk__in=memberships.values("user_id"))
    if search:
        users = users.filter(username__icontains=search) | users.filter(
            display_name__icontains=search
        )
    return users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=memberships.order_by("region__path"),
            to_attr="scoped_memberships",
        )
    ).order_by("username")


def _ledger_scope(queryset: QuerySet, actor: AnyActor) -> QuerySet:  # type: ignore[type-arg]
    if actor.region_path:
        return queryset.filter(in_subtree(actor.region_path, field="region_path"))
    return queryset


def audit_list(
    *,
    actor: AnyActor,
    username: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Audit rows written by actors acting inside the actor's subtree, newest first."""
    queryset = _ledger_scope(AuditEntry.objects.all(), actor)
    if username:
        queryset = queryset.filter(actor_username=username)
    if action:
        queryset = queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if since:
        queryset = queryset.filter(at__gte=since)
    if until:
        queryset = queryset.filter(at__lt=until)
    return queryset.order_by("-id")


def access_list(
    *, actor: AnyActor, username: str = "", purpose: str = "", since: datetime | None = None
) -> QuerySet[AccessEntry]:
    """Read-access rows of actors inside the actor's subtree, newest first."""
    queryset = _ledger_scope(AccessEntry.objects.all(), actor)
    if username:
        queryset = queryset.filter(actor_username=username)
    if purpose:
        queryset = queryset.filter(purpose=purpose)
    if since:
        queryset = queryset.filter(at__gte=since)
    return queryset.order_by("-id")


def token_list(*, actor: AnyActor) -> QuerySet[ApiToken]:
    """The actor's own live API tokens (tokens are personal: nobody lists anyone else's)."""
    return (
        ApiToken.objects.filter(membership__user_id=actor.user_id, revoked_at__isnull=True)
        .select_related("membership__region")
        .order_by("-id")
    )

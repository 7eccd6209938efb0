"""Who is told: the users holding given roles at given nodes."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from fangkong.accounts.models import Membership


def unit_recipients(*, region_ids: Iterable[int], roles: Collection[str]) -> list[int]:
    """User ids of the active memberships with one of ``roles`` at the nodes ``region_ids``
    (one query)."""
    return list(
        Membership.objects.filter(
            region_id__in=list(region_ids),
            role__in=list(roles),
            is_active=True,
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def unit_nodes(*, roles: Collection[str]) -> list[int]:
    """Ids of the nodes where someone holds an active membership with one of ``roles``."""
    return list(
        Membership.objects.filter(role__in=list(roles), is_active=True)
        .values_list("region_id", flat=True)
        .distinct()
    )

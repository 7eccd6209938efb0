"""The households an actor works with: the subtree of their node, and for a grid worker only
the households they answer for (R26). Every community selector starts here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.community.models import Coverage
from fangkong.core.actor import AnyActor
from fangkong.core.roles import Role
from fangkong.people.models import Household
from fangkong.people.selectors import household_scope
from fangkong.regions.subtree import in_subtree


def households_of(actor: AnyActor) -> QuerySet[Household]:
    """Households in the actor's subtree; a grid worker's narrowed to those covered by them
    (through their responsible-person rows, on duty)."""
    households = household_scope(actor)
    if actor.role == Role.GRID_WORKER:
        households = households.filter(pk__in=mine(actor))
    return households


def mine(actor: AnyActor) -> QuerySet[Coverage, int]:
    """Ids of the households the acting user answers for."""
    return Coverage.objects.filter(
        responsible__user_id=actor.user_id, responsible__on_duty=True
    ).values_list("household_id", flat=True)


def narrowed(actor: AnyActor, queryset: QuerySet, field: str = "household_id") -> QuerySet:  # type: ignore[type-arg]
    """``queryset`` (rows with a household) narrowed for a grid worker to their households."""
    if actor.role == Role.GRID_WORKER:
        return queryset.filter(**{f"{field}__in": mine(actor)})
    return queryset


def reaching(actor: AnyActor, field: str = "region") -> Q:
    """Records (sweeps, restrictions) on a node in the actor's subtree, or on a node above
    the actor's own (a sweep over the community reaches its grid's worker)."""
    above = actor.region_path.split(".") if actor.region_path else []
    return in_subtree(actor.region_path, field=f"{field}__path") | Q(
        **{f"{field}__code__in": above}
    )

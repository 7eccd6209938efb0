"""Reads of restrictions: those in scope, the households inside one, the restrictions a
household lies under (what its resident is shown), the gate log."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.community.choices import PlaceUnit, RestrictionStatus
from fangkong.community.models import GateEntry, Restriction
from fangkong.community.scope import households_of, reaching
from fangkong.core.actor import AnyActor
from fangkong.people.models import Household
from fangkong.regions.subtree import in_subtree


def restriction_scope(actor: AnyActor) -> QuerySet[Restriction]:
    """Restrictions on nodes in the actor's subtree or above their node."""
    return Restriction.objects.select_related("region", "risk_area").filter(reaching(actor))


def restriction_list(*, actor: AnyActor, status: str = "") -> QuerySet[Restriction]:
    """Restrictions in scope, newest first, optionally in one status."""
    restrictions = restriction_scope(actor)
    if status:
        restrictions = restrictions.filter(status=status)
    return restrictions.order_by("-imposed_at", "-id")


def restriction_households(*, actor: AnyActor, restriction: Restriction) -> QuerySet[Household]:
    """The households inside a restriction (a grid worker: theirs), by address."""
    households = households_of(actor).filter(
        in_subtree(restriction.region.path, field="region__path")
    )
    if restriction.place in (PlaceUnit.BUILDING, PlaceUnit.UNIT):
        households = households.filter(building=restriction.building)
    if restriction.place == PlaceUnit.UNIT:
        households = households.filter(unit=restriction.unit)
    return households.order_by("address_key", "id")


def restrictions_over(household: Household) -> QuerySet[Restriction]:
    """The restrictions in force over ``household`` (its node or an ancestor, the whole
    compound or its building or stairwell). For a household the caller holds already."""
    places = Q(place=PlaceUnit.COMPOUND)
    if household.building:
        places |= Q(place=PlaceUnit.BUILDING, building=household.building)
        if household.unit:
            places |= Q(place=PlaceUnit.UNIT, building=household.building, unit=household.unit)
    return Restriction.objects.filter(
        places, status=RestrictionStatus.ACTIVE, region__code__in=household.region.ancestor_codes
    ).order_by("imposed_at", "id")


def gate_log(restriction: Restriction) -> QuerySet[GateEntry]:
    """A restriction's gate log, newest first."""
    return GateEntry.objects.filter(restriction=restriction).order_by("-at", "-id")

"""Reads of deliveries and their pick lists, scoped to the actor's subtree (a compound's
staff see their compound's deliveries; the warehouse's officer the whole area)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from fangkong.community.scope import narrowed
from fangkong.core.actor import AnyActor
from fangkong.people.models import Household
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.models import AllocationLine, Delivery, DoorDelivery


def delivery_scope(actor: AnyActor) -> QuerySet[Delivery]:
    """Deliveries whose request's node lies in the actor's subtree."""
    deliveries = Delivery.objects.all()
    if actor.region_path:
        deliveries = deliveries.filter(in_subtree(actor.region_path, field="request__region__path"))
    return deliveries


def delivery_list(
    *, actor: AnyActor, status: str = "", day: date | None = None
) -> QuerySet[Delivery]:
    """The actor's deliveries with their request, node and receiving point, optionally of
    one status or request day; oldest first."""
    deliveries = delivery_scope(actor).select_related(
        "request__region", "request__receiving_point", "allocation__warehouse"
    )
    if status:
        deliveries = deliveries.filter(status=status)
    if day is not None:
        deliveries = deliveries.filter(request__day=day)
    return deliveries.order_by("picked_at", "id")


def pick_list(*, delivery: Delivery) -> QuerySet[AllocationLine]:
    """What to pick for one delivery (held through ``access_delivery``): the allocation's
    lines of its request that got anything, with their items."""
    return (
        AllocationLine.objects.filter(
            allocation_id=delivery.allocation_id, request_id=delivery.request_id, allocated__gt=0
        )
        .select_related("item")
        .order_by("item__kind", "item__sku")
    )


def door_scope(actor: AnyActor) -> QuerySet[DoorDelivery]:
    """Door deliveries of the actor's deliveries; a grid worker's narrowed to the households
    they answer for (``community.scope.narrowed``)."""
    doors = DoorDelivery.objects.filter(delivery__in=delivery_scope(actor))
    return narrowed(actor, doors)


def door_list(*, actor: AnyActor, delivery: Delivery) -> QuerySet[DoorDelivery]:
    """The doors of one delivery (held through ``access_delivery``) the actor works with,
    with their households, by address."""
    return (
        door_scope(actor)
        .filter(delivery=delivery)
        .select_related("household")
        .order_by("household__address_key", "id")
    )


@dataclass(frozen=True)
class DoorProgress:
    """How far a delivery has reached the doors: households confirmed, not at home, refused
    and still pending (all zero for a delivery without doors)."""

    confirmed: int = 0
    not_home: int = 0
    refused: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.not_home + self.refused + self.pending


def door_progress(deliveries: Iterable[Delivery]) -> dict[int, DoorProgress]:
    """Per delivery id, the count of its doors in each state: one grouped query."""
    ids = [d.pk for d in deliveries]
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = (
        DoorDelivery.objects.filter(delivery_id__in=ids)
        .values_list("delivery_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for delivery_id, status, n in rows:
        counts[delivery_id][status] = n
    return {pk: DoorProgress(**found) for pk, found in counts.items()}


def household_doors(household: Household) -> QuerySet[DoorDelivery]:
    """A household's door deliveries (for its resident's page; the caller holds the
    household), newest first."""
    return (
        DoorDelivery.objects.filter(
            household=household, delivery__status__in=["handed_over", "delivered"]
        )
        .select_related("delivery__request__receiving_point")
        .order_by("-delivery__handed_over_at", "-id")
    )

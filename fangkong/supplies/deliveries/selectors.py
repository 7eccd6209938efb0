"""Reads of deliveries and their pick lists, scoped to the actor's subtree (a compound's
staff see their compound's deliveries; the warehouse's officer the whole area)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.models import AllocationLine, Delivery


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

"""Reads of requests and allocations, scoped to the actor's subtree."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.models import Allocation, AllocationLine, SupplyRequest
from fangkong.supplies.stock.selectors import warehouse_scope


def request_scope(actor: AnyActor) -> QuerySet[SupplyRequest]:
    """Requests whose node lies in the actor's subtree."""
    requests = SupplyRequest.objects.all()
    if actor.region_path:
        requests = requests.filter(in_subtree(actor.region_path, field="region__path"))
    return requests


def request_list(
    *, actor: AnyActor, day: date | None = None, status: str = ""
) -> QuerySet[SupplyRequest]:
    """The actor's requests with their node and line count, optionally of one day or status."""
    requests = request_scope(actor).select_related("region", "receiving_point")
    if day is not None:
        requests = requests.filter(day=day)
    if status:
        requests = requests.filter(status=status)
    return requests.annotate(lines_count=Count("lines")).order_by("-day", "id")


def allocation_list(*, actor: AnyActor, status: str = "") -> QuerySet[Allocation]:
    """Allocations of the actor's warehouses, newest first, with their line and unit totals."""
    allocations = Allocation.objects.filter(warehouse__in=warehouse_scope(actor)).select_related(
        "warehouse__region"
    )
    if status:
        allocations = allocations.filter(status=status)
    return allocations.annotate(
        lines_count=Count("lines"),
        units_needed=Sum("lines__needed"),
        units_allocated=Sum("lines__allocated"),
    )


def allocation_items(*, allocation: Allocation) -> list[dict[str, Any]]:
    """Per item of an allocation: units needed and allocated, requests served in full and
    short (one query)."""
    rows = (
        AllocationLine.objects.filter(allocation=allocation)
        .values("item__sku", "item__name", "item__unit")
        .annotate(
            units_needed=Sum("needed"),
            units_allocated=Sum("allocated"),
            requests=Count("id"),
            full=Count("id", filter=Q(allocated=F("needed"))),
        )
        .order_by("item__sku")
    )
    return [dict(row) for row in rows]


def allocation_lines(*, allocation: Allocation) -> QuerySet[AllocationLine]:
    """The lines of an allocation with their request's node and item, by request."""
    return (
        AllocationLine.objects.filter(allocation=allocation)
        .select_related("request__region", "item")
        .order_by("request_id", "item__sku")
    )

"""Reads of isolation orders, scoped to the actor's subtree."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.actor import AnyActor
from fangkong.isolation.models import IsolationOrder, OrderTestTask
from fangkong.regions.subtree import in_subtree


def order_scope(actor: AnyActor) -> QuerySet[IsolationOrder]:
    """Orders whose node (the person's at issue) lies in the actor's subtree."""
    orders = IsolationOrder.objects.all()
    if actor.region_path:
        orders = orders.filter(in_subtree(actor.region_path, field="region__path"))
    return orders


def order_list(*, actor: AnyActor, status: str = "", kind: str = "") -> QuerySet[IsolationOrder]:
    """The actor's orders, newest first, optionally of one status or kind (with their persons:
    persons are shown through ``presentation``, which logs the read)."""
    orders = order_scope(actor).select_related("person", "region", "room", "room__facility")
    if status:
        orders = orders.filter(status=status)
    if kind:
        orders = orders.filter(kind=kind)
    return orders


def order_tests(order: IsolationOrder) -> QuerySet[OrderTestTask]:
    """The test tasks of an order the caller holds (through ``access_order``), by date."""
    return OrderTestTask.objects.filter(order=order).order_by("on", "id")

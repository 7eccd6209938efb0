"""Reads of isolation orders, scoped to the actor's subtree."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.isolation.choices import OrderStatus, OrderTestStatus
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
    return (
        OrderTestTask.objects.filter(order=order)
        .select_related("lab_task__retest_tube", "tube")
        .order_by("on", "id")
    )


#: At most this many due tests on the site manager's page (a site's day: a few hundred).
TESTS_DUE_MAX = 500


def tests_due(*, actor: AnyActor, on: date) -> QuerySet[OrderTestTask]:
    """The plan tests of the actor's open orders due on ``on`` (any result) or before it and
    still without a result, with their lab tasks and tubes, by site, room and day: the site
    manager's "today's tests". The caller slices it (``TESTS_DUE_MAX``)."""
    return (
        OrderTestTask.objects.filter(
            order__in=order_scope(actor).filter(status=OrderStatus.OPEN),
        )
        .filter(Q(on=on) | Q(on__lt=on, status=OrderTestStatus.SCHEDULED))
        .exclude(status=OrderTestStatus.DROPPED)
        .select_related(
            "order",
            "order__person",
            "order__room__facility",
            "lab_task__retest_tube",
            "tube",
        )
        .order_by("order__room__facility__name", "order__room__number", "on", "id")
    )

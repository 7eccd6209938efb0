"""Reads of warehouses, receiving points, items and stock, scoped to the actor's subtree;
days of cover per item and warehouse (stock ÷ the mean daily issue of the rule set's window)
with the items that will run short before they do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet, Sum

from fangkong.core.actor import AnyActor
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.choices import MoveKind
from fangkong.supplies.models import Item, ReceivingPoint, StockLot, StockMove, Warehouse


def warehouse_scope(actor: AnyActor) -> QuerySet[Warehouse]:
    """Warehouses whose node lies in the actor's subtree (the system: all)."""
    warehouses = Warehouse.objects.all()
    if actor.region_path:
        warehouses = warehouses.filter(in_subtree(actor.region_path, field="region__path"))
    return warehouses


def warehouse_list(*, actor: AnyActor) -> QuerySet[Warehouse]:
    """The actor's warehouses with their node, by name."""
    return warehouse_scope(actor).select_related("region")


def receiving_point_list(*, actor: AnyActor) -> QuerySet[ReceivingPoint]:
    """Receiving points whose compound lies in the actor's subtree, with their node."""
    points = ReceivingPoint.objects.select_related("region")
    if actor.region_path:
        points = points.filter(in_subtree(actor.region_path, field="region__path"))
    return points


def item_list() -> QuerySet[Item]:
    """The key items (the same list everywhere), by kind and code."""
    return Item.objects.all()


def items_by_sku(skus: list[str]) -> dict[str, Item]:
    """The key items among ``skus``, by code (unknown codes are simply absent)."""
    return {item.sku: item for item in Item.objects.filter(sku__in=skus[:1000])}


def usable(day: date) -> Q:
    """Lots that may still be issued on ``day``: not expired (no expiry: always)."""
    return Q(expires_on__isnull=True) | Q(expires_on__gte=day)


def lot_list(*, warehouse: Warehouse) -> QuerySet[StockLot]:
    """The lots of a warehouse the caller already holds (``access_warehouse``), with stock,
    first to expire first."""
    return (
        StockLot.objects.filter(warehouse=warehouse, quantity__gt=0)
        .select_related("item")
        .order_by("item__kind", "item__sku", "expires_on", "id")
    )


def stock_available(*, warehouse: Warehouse, day: date) -> dict[int, int]:
    """Units of each item (by id) a warehouse can issue on ``day`` (expired lots left out)."""
    rows = (
        StockLot.objects.filter(usable(day), warehouse=warehouse)
        .values("item_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["item_id"]: int(row["total"] or 0) for row in rows}


@dataclass(frozen=True)
class Cover:
    """One item at one warehouse: usable stock, the mean daily issue over the window, days
    of cover (``None``: nothing was issued, so no rate) and whether it runs short (cover
    below the threshold of the rules at the warehouse's node; ``window_days`` and
    ``threshold_days`` are that node's ``supplies.cover_window_days`` and
    ``supplies.shortage_cover_days``)."""

    warehouse: Warehouse
    item: Item
    stock: int
    daily_issue: float
    days: float | None
    short: bool
    window_days: int
    threshold_days: int


Pair = tuple[int, int]


def _stock_and_issues(
    warehouses: QuerySet[Warehouse], *, day: date, window: int
) -> tuple[dict[Pair, int], dict[Pair, int]]:
    """Usable units on ``day`` and units issued in the ``window`` days up to ``day``, per
    (warehouse id, item id) of ``warehouses`` (two grouped queries)."""
    stock = {
        (row["warehouse_id"], row["item_id"]): int(row["total"] or 0)
        for row in StockLot.objects.filter(usable(day), warehouse__in=warehouses)
        .values("warehouse_id", "item_id")
        .annotate(total=Sum("quantity"))
    }
    issued = {
        (row["lot__warehouse_id"], row["lot__item_id"]): int(row["total"] or 0)
        for row in StockMove.objects.filter(
            kind=MoveKind.ISSUE,
            day__gt=day - timedelta(days=window),
            day__lte=day,
            lot__warehouse__in=warehouses,
        )
        .values("lot__warehouse_id", "lot__item_id")
        .annotate(total=Sum("quantity"))
    }
    return stock, issued


def cover_days(units: int, issued: int, window: int) -> float | None:
    """Days ``units`` last at the mean daily issue of ``issued`` over ``window`` days
    (``None``: nothing issued, no rate)."""
    rate = issued / window
    return units / rate if rate > 0 else None


def short_pairs_per_node(*, day: date, path: str | None = None) -> list[tuple[int, int]]:
    """(warehouse node id, number of (warehouse, item) pairs short) on ``day``: days of cover
    below ``supplies.shortage_cover_days`` of the rules in force at each warehouse's node
    (its ``cover_window_days`` too); ``path``: only warehouses in that subtree. What the
    command picture rolls up the tree (measure ``supplies_short``) and ``supplies_figures``
    reads. Two grouped queries per distinct (window, threshold) of the rules in force."""
    warehouses = Warehouse.objects.select_related("region")
    if path is not None:
        warehouses = warehouses.filter(in_subtree(path, field="region__path"))
    rules_at: dict[tuple[int, int], list[Warehouse]] = {}
    for warehouse in warehouses:
        settings = rules_for(warehouse.region, day).parameters.supplies
        key = (settings.cover_window_days, settings.shortage_cover_days)
        rules_at.setdefault(key, []).append(warehouse)
    short: dict[int, int] = {}
    for (window, threshold), group in rules_at.items():
        node_of = {w.pk: w.region_id for w in group}
        stock, issued = _stock_and_issues(
            Warehouse.objects.filter(pk__in=list(node_of)), day=day, window=window
        )
        for key in set(stock) | set(issued):
            days = cover_days(stock.get(key, 0), issued.get(key, 0), window)
            if days is not None and days < threshold:
                node = node_of[key[0]]
                short[node] = short.get(node, 0) + 1
    return sorted(short.items())


def cover_list(*, actor: AnyActor, day: date, node: Region | None = None) -> list[Cover]:
    """Days of cover of every item held or issued at the actor's warehouses (those under
    ``node`` when given, a node the caller holds through ``access_region``), shortest first.
    Each warehouse is judged by the rules in force at its own node (an override below the
    viewer's node can lengthen or shorten the window and the threshold).

    1. The rules of each distinct warehouse node on ``day`` (one look-up per node), the
       warehouses grouped by their (``supplies.cover_window_days``,
       ``supplies.shortage_cover_days``).
    2. Per group: usable stock per (warehouse, item) on ``day`` and units issued in the
       window up to ``day`` (two grouped queries), divided by the window: the daily rate.
    3. Cover = stock ÷ rate; short when below the group's threshold (an item with issues
       and no stock is short at 0 days).
    """
    scope = warehouse_scope(actor).select_related("region")
    if node is not None:
        scope = scope.filter(in_subtree(node.path, field="region__path"))
    settings_at: dict[int, tuple[int, int]] = {}
    groups: dict[tuple[int, int], dict[int, Warehouse]] = {}
    for warehouse in scope:
        if warehouse.region_id not in settings_at:
            supplies = rules_for(warehouse.region, day).parameters.supplies
            settings_at[warehouse.region_id] = (
                supplies.cover_window_days,
                supplies.shortage_cover_days,
            )
        groups.setdefault(settings_at[warehouse.region_id], {})[warehouse.pk] = warehouse
    pairs: list[tuple[Warehouse, int, int, int, int, int]] = []
    for (window, threshold), warehouses in groups.items():
        stock, issued = _stock_and_issues(
            Warehouse.objects.filter(pk__in=list(warehouses)), day=day, window=window
        )
        for key in set(stock) | set(issued):
            pairs.append(
                (
                    warehouses[key[0]],
                    key[1],
                    stock.get(key, 0),
                    issued.get(key, 0),
                    window,
                    threshold,
                )
            )
    items = Item.objects.in_bulk({item_id for _, item_id, *_rest in pairs})
    covers = []
    for warehouse, item_id, units, units_issued, window, threshold in pairs:
        days = cover_days(units, units_issued, window)
        covers.append(
            Cover(
                warehouse=warehouse,
                item=items[item_id],
                stock=units,
                daily_issue=round(units_issued / window, 2),
                days=round(days, 1) if days is not None else None,
                short=days is not None and days < threshold,
                window_days=window,
                threshold_days=threshold,
            )
        )
    covers.sort(key=lambda c: (c.days if c.days is not None else float("inf"), c.item.sku))
    return covers

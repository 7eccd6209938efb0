"""Warehouses, compound receiving points, key items and stock by batch (issue 21 §5)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.supplies.choices import ItemKind, MoveKind


class Warehouse(TimestampedModel):
    """A store of key goods at a node of the jurisdiction tree (the scope it is seen in and
    the area whose requests it serves). Addressed by ``code``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["region"])]

    def __str__(self) -> str:
        return f"warehouse {self.code}"


class ReceivingPoint(TimestampedModel):
    """The fixed receiving point inside a compound (二十条: the "last metre"): where the
    supplier hands goods over at the gate before staff carry them to the doors. Its node is
    the compound's."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255)
    households = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["region"])]

    def __str__(self) -> str:
        return f"receiving point {self.code}"


class Item(models.Model):
    """A key item with its unit (``food pack``, ``box of 20``): the same list everywhere.
    Addressed by ``sku``."""

    sku = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    unit = models.CharField(max_length=40)

    class Meta:
        ordering = ["kind", "sku"]

    def __str__(self) -> str:
        return f"item {self.sku}"


class StockLot(models.Model):
    """What a warehouse holds of one item from one batch. ``quantity`` never goes below zero:
    the database refuses it (``stock_lot_not_negative``) and issues lock the lots in a fixed
    order before they take from them."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="lots")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(max_length=40)
    expires_on = models.DateField(null=True, blank=True)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["warehouse_id", "item_id", "expires_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "item", "batch"], name="stock_lot_batch_once"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="stock_lot_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.batch}"


class StockIssue(models.Model):
    """One issue from a warehouse (a pick list, a hand-out): its lines are the moves that
    point at it. ``key`` makes a retried issue return the first one instead of taking the
    goods twice; it is unique per warehouse."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="issues")
    key = models.CharField(max_length=100)
    reason = models.CharField(max_length=255)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "key"], name="stock_issue_key_once")
        ]

    def __str__(self) -> str:
        return f"issue {self.code}"


class StockMove(models.Model):
    """Append-only ledger of a lot: a receipt adds ``quantity``, an issue takes it (always
    positive here; ``kind`` gives the sign). The lot's quantity is the sum of its moves."""

    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=8, choices=MoveKind.choices)
    quantity = models.BigIntegerField()
    issue = models.ForeignKey(
        StockIssue, on_delete=models.PROTECT, null=True, blank=True, related_name="moves"
    )
    at = models.DateTimeField()
    day = models.DateField()
    actor = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="stock_move_positive")
        ]
        indexes = [models.Index(fields=["kind", "day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"

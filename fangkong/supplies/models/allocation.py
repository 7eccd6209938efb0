"""Requests from districts and compounds, and the unified allocation that answers them
(统一管理、统一调拨; issue 21 §5)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.supplies.choices import AllocationStatus, RequestStatus
from fangkong.supplies.models.stock import Item, ReceivingPoint, Warehouse


class SupplyRequest(TimestampedModel):
    """A day's need of a district or compound (``region``; one request a day each): the
    residents it serves, how many of them are vulnerable (elderly living alone, pregnant,
    dialysis, chronic disease, disabled) and whether it supplies an epidemic facility
    (isolation site, hospital, sampling point). ``key`` makes a retried filing return the
    first one."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    receiving_point = models.ForeignKey(
        ReceivingPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    day = models.DateField()
    population = models.PositiveIntegerField()
    vulnerable = models.PositiveIntegerField(default=0)
    epidemic_facility = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    filed_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="supply_request_once_a_day"),
            models.CheckConstraint(
                condition=models.Q(population__gte=1), name="supply_request_population"
            ),
            models.CheckConstraint(
                condition=models.Q(vulnerable__lte=models.F("population")),
                name="supply_request_vulnerable_within",
            ),
        ]
        indexes = [models.Index(fields=["day", "status"])]

    def __str__(self) -> str:
        return f"request {self.code}"


class RequestLine(models.Model):
    """How much of one item a request needs."""

    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField()

    class Meta:
        ordering = ["request_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="request_line_item_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="request_line_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.item_id} × {self.quantity}"


class Allocation(TimestampedModel):
    """One day's requests in a warehouse's area divided among them from its stock by
    ``engine.supply_allocation`` under the rule set ``rule_set``; a draft until a supplies
    officer approves it (then the goods are issued and picked)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="allocations")
    day = models.DateField()
    status = models.CharField(
        max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.DRAFT
    )
    rule_set = models.CharField(max_length=200)
    proposed_by = models.CharField(max_length=150)
    approved_by = models.CharField(max_length=150, blank=True, default="")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["warehouse", "day", "status"])]

    def __str__(self) -> str:
        return f"allocation {self.code}"


class AllocationLine(models.Model):
    """What one request line gets: ``needed`` as asked, ``allocated`` as divided."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(RequestLine, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(SupplyRequest, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    needed = models.BigIntegerField()
    allocated = models.BigIntegerField()

    class Meta:
        ordering = ["allocation_id", "request_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "line"], name="allocation_line_once"),
            models.CheckConstraint(
                condition=models.Q(allocated__gte=0, allocated__lte=models.F("needed")),
                name="allocation_line_within_need",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allocated}/{self.needed}"

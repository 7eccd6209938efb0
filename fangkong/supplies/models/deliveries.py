"""Deliveries of an approved allocation: picked, handed over at the gate, delivered to the
doors and confirmed (R27; issue 21 §5)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.supplies.choices import DeliveryStatus, DoorStatus
from fangkong.supplies.models.allocation import Allocation, SupplyRequest


class Delivery(models.Model):
    """The goods of one request in one approved allocation. Its lines are the allocation's
    lines for that request (the pick list). Each step is time-stamped with who did it;
    ``households`` is how many doors were reached, given on confirmation."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="deliveries")
    request = models.ForeignKey(SupplyRequest, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PICKED
    )
    picked_at = models.DateTimeField()
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.CharField(max_length=150, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.CharField(max_length=150, blank=True, default="")
    households = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["allocation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "request"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["status", "delivered_at"])]

    def __str__(self) -> str:
        return f"delivery {self.code}"


class DoorDelivery(models.Model):
    """One household's share of a delivery to a compound's receiving point: made (pending)
    for every household of the compound at the gate hand-over, then confirmed at the door by
    the household's grid worker or by the resident through their link, or recorded as not at
    home or refused (with a reason). ``by`` is the username or ``resident-link``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="doors")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=DoorStatus.choices, default=DoorStatus.PENDING)
    at = models.DateTimeField(null=True, blank=True)
    by = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=255, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["delivery_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "household"], name="door_delivery_once")
        ]
        indexes = [models.Index(fields=["delivery", "status"])]

    def __str__(self) -> str:
        return f"door delivery {self.code}"

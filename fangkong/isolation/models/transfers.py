"""Closed-loop transfer (闭环转运, issue 20 §4): vehicles, crews, transfer tasks, their history
and their late alerts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.isolation.choices import (
    AlertState,
    TransferEventKind,
    TransferKind,
    TransferStatus,
    VehicleKind,
    VehicleState,
)

#: Statuses of a task still under way: it holds a seat of its vehicle.
ACTIVE_STATUSES = (TransferStatus.REQUESTED, TransferStatus.ASSIGNED, TransferStatus.PICKED_UP)

__all__ = [
    "ACTIVE_STATUSES",
    "TransferAlert",
    "TransferCrew",
    "TransferEvent",
    "TransferTask",
    "Vehicle",
]


class Vehicle(TimestampedModel):
    """A transfer vehicle based at a node (the scope it is seen in): its plate, kind, the
    persons it carries at once (``capacity``: the tasks assigned or picked up on it never
    exceed it) and its state."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plate = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=20, choices=VehicleKind.choices)
    capacity = models.PositiveSmallIntegerField()
    state = models.CharField(
        max_length=16, choices=VehicleState.choices, default=VehicleState.AVAILABLE
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plate"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="vehicle_capacity_positive"
            ),
        ]
        indexes = [models.Index(fields=["region", "state"])]

    def __str__(self) -> str:
        return f"vehicle {self.plate}"


class TransferCrew(TimestampedModel):
    """A transfer crew (病例转运组) at a node: its members are staff users. A member acting as
    transfer dispatcher sees only the tasks of their crews."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"crew {self.code}"


class TransferTask(TimestampedModel):
    """One closed-loop transfer of a person: from ``pickup_address`` to ``destination`` (a
    facility when it is one) within ``window_start``–``window_end``, by a vehicle and crew.
    Status moves only along ``transfers.services.TRANSITIONS``. ``region`` is the order's node
    (the scope it is seen in), or the household's for a community medical exit (no order, a
    ``source``). At most one task under way per order and kind: a retried request or a second
    release finds it; one per source and kind."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "isolation.IsolationOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=TransferKind.choices)
    #: What asked for a task that has no order (a community medical exit: ``exit:<code>``);
    #: one task per source and kind, so a retried approval finds the first.
    source = models.CharField(max_length=80, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    pickup_address = models.CharField(max_length=255)
    destination = models.CharField(max_length=255)
    destination_facility = models.ForeignKey(
        "isolation.Facility", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    crew = models.ForeignKey(
        TransferCrew, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    reason = models.CharField(max_length=255)
    rule_set = models.CharField(max_length=200)
    requested_by = models.CharField(max_length=150)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    picked_up_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["window_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=models.Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="transfer_one_active_per_order_kind",
            ),
            models.UniqueConstraint(
                fields=["source", "kind"],
                condition=~models.Q(source=""),
                name="transfer_once_per_source_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="transfer_window_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["vehicle", "status"]),
            models.Index(fields=["status", "window_end"]),
        ]

    def __str__(self) -> str:
        return f"transfer {self.code}"


class TransferEvent(models.Model):
    """Append-only history of a transfer task: who, why, under which rule set, from → to."""

    task = models.ForeignKey(TransferTask, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=TransferEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    from_value = models.CharField(max_length=20, blank=True, default="")
    to_value = models.CharField(max_length=20, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["task", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_value}→{self.to_value}"


class TransferAlert(TimestampedModel):
    """A late transfer (its window passed and the person not picked up, or not delivered),
    raised once per task and stage by the periodic job; owned by the dispatcher who assigned
    it, else by the transfer dispatchers at the task's node (``owner_role``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task = models.ForeignKey(TransferTask, on_delete=models.CASCADE, related_name="alerts")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    #: What is late: ``pickup`` (the window ended before the person was picked up) or
    #: ``delivery`` (picked up, not delivered by the window's end).
    late_in = models.CharField(max_length=10)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_role = models.CharField(max_length=40, blank=True, default="")
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    raised_at = models.DateTimeField()
    handled_by = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "late_in"], name="transfer_alert_once"),
        ]
        indexes = [models.Index(fields=["region", "state"])]

    def __str__(self) -> str:
        return f"transfer alert {self.code}"

"""Isolation facilities (central sites, health stations, designated and Fangcang hospitals),
their rooms and their history (issue 20 §1, R22, R23)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.isolation.choices import FacilityEventKind, FacilityKind, FacilityStatus, RoomStatus


class Facility(TimestampedModel):
    """One site at a node of the jurisdiction tree (the scope it is seen in). Its status moves
    only along ``facilities.services.TRANSITIONS``; ``activation_started_at`` is when the
    order to activate was given (the clock the rule set's staged targets run on). ``latitude``
    and ``longitude`` place it for spreading people by distance. Addressed by ``code``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=FacilityKind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=14, choices=FacilityStatus.choices, default=FacilityStatus.RESERVE
    )
    activation_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"facility {self.code}"


class Room(models.Model):
    """A room of a facility: ``beds`` places, its own bathroom or not, accessible or not.
    ``ready_at`` is when it was made ready for use (activation counts ready rooms); only a
    ready, free room is allocated. Room numbers are unique within a facility."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(max_length=20)
    floor = models.SmallIntegerField()
    beds = models.PositiveSmallIntegerField(default=1)
    own_bathroom = models.BooleanField(default=True)
    accessible = models.BooleanField(default=False)
    status = models.CharField(max_length=14, choices=RoomStatus.choices, default=RoomStatus.FREE)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["facility_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="room_number_once"),
            models.CheckConstraint(condition=models.Q(beds__gte=1), name="room_beds_positive"),
        ]
        indexes = [models.Index(fields=["facility", "status"])]

    def __str__(self) -> str:
        return f"room {self.number}"


class FacilityEvent(models.Model):
    """Append-only history of a facility: who, why, from → to. Written in the transaction of
    the change; never updated or deleted."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=FacilityEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    from_value = models.CharField(max_length=40, blank=True, default="")
    to_value = models.CharField(max_length=40, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["facility", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_value}→{self.to_value}"

"""Restricted compounds (封控/管控): the restriction over a compound, building or stairwell, its
history and the gate's entry and exit log."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.community.choices import (
    GateDirection,
    PlaceUnit,
    RestrictionEventKind,
    RestrictionKind,
    RestrictionStatus,
)
from fangkong.core.models import TimestampedModel


class Restriction(TimestampedModel):
    """A compound node ``region`` (or one ``building``, or one stairwell ``unit`` of it, as
    households name theirs) under closure or control with the rule set's ``measures``.
    ``risk_area`` is the area it follows (its level gave the measures, its lifting lifts it);
    without one it is a local decision with its own ``until``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    place = models.CharField(max_length=10, choices=PlaceUnit.choices)
    building = models.CharField(max_length=20, blank=True, default="")
    unit = models.CharField(max_length=20, blank=True, default="")
    kind = models.CharField(max_length=10, choices=RestrictionKind.choices)
    status = models.CharField(
        max_length=10, choices=RestrictionStatus.choices, default=RestrictionStatus.ACTIVE
    )
    risk_area = models.ForeignKey(
        "risk_areas.RiskArea", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(max_length=40, blank=True, default="")
    stay_home = models.BooleanField()
    gate_log = models.BooleanField()
    reason = models.CharField(max_length=255)
    rule_set = models.CharField(max_length=200)
    imposed_at = models.DateTimeField()
    imposed_by = models.CharField(max_length=150)
    until = models.DateField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "place", "building", "unit"],
                condition=models.Q(status="active"),
                name="restriction_one_active_per_place",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="lifted") | models.Q(lifted_at__isnull=False),
                name="restriction_lifted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"restriction {self.code}"


class RestrictionEvent(models.Model):
    """Append-only history of a restriction: who, why, under which rule set version."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=RestrictionEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=255)
    rule_set = models.CharField(max_length=200)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.kind


class GateEntry(models.Model):
    """One passage through the gate of a restricted compound (where the rule set asks for
    the log): direction, the household (if a resident), the purpose, who recorded it."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="gate")
    direction = models.CharField(max_length=3, choices=GateDirection.choices)
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=120)
    at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.at}"

"""Door-to-door sweeps (排查): the sweep over an area, one visit row per household, and what
the visits found against the registry."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.community.choices import FindingKind, HomeboundReason, SweepStatus, VisitState
from fangkong.core.models import TimestampedModel


class Sweep(TimestampedModel):
    """A sweep over the households under ``region`` with a deadline from the rule set.
    ``totals`` holds the per-state counts frozen at closing."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=SweepStatus.choices, default=SweepStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=150)
    deadline = models.DateTimeField()
    rule_set = models.CharField(max_length=200)
    reason = models.CharField(max_length=255)
    closed_at = models.DateTimeField(null=True, blank=True)
    totals = models.JSONField(default=dict)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SweepVisit(models.Model):
    """One household of a sweep, in exactly one state (unique per sweep and household)."""

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=VisitState.choices, default=VisitState.PENDING)
    residents_counted = models.PositiveSmallIntegerField(null=True, blank=True)
    visited_at = models.DateTimeField(null=True, blank=True)
    visited_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["household_id"]
        constraints = [
            models.UniqueConstraint(fields=["sweep", "household"], name="sweep_visit_once"),
            models.CheckConstraint(
                condition=models.Q(state="pending") | models.Q(visited_at__isnull=False),
                name="sweep_visit_visited_has_time",
            ),
        ]
        indexes = [models.Index(fields=["sweep", "region", "state"])]

    def __str__(self) -> str:
        return f"{self.sweep_id}:{self.household_id}:{self.state}"


class SweepFinding(models.Model):
    """A person a visit reconciled against the registry: registered now (new resident) or
    registered but not found there (missing)."""

    visit = models.ForeignKey(SweepVisit, on_delete=models.CASCADE, related_name="findings")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    at = models.DateTimeField()
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "person"], name="sweep_finding_once")
        ]

    def __str__(self) -> str:
        return self.kind


class DoorSample(models.Model):
    """A resident of a sweep who cannot go out, to be sampled at the door (one per sweep and
    person). ``tube`` is the lab's tube once a door-to-door sampler bound the person; the
    result is the tube's (read through ``lab``)."""

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="door_samples")
    visit = models.ForeignKey(SweepVisit, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=HomeboundReason.choices)
    listed_at = models.DateTimeField()
    listed_by = models.CharField(max_length=150)
    tube = models.ForeignKey(
        "lab.Tube", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sampled_at = models.DateTimeField(null=True, blank=True)
    sampled_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["sweep", "person"], name="door_sample_once")]

    def __str__(self) -> str:
        return f"{self.sweep_id}:{self.person_id}"

"""Essential services and orderly power use (有序用电; issue 21 §6): priority users with
their tier, shortage plans and outage or supply incidents at priority sites."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.supplies.choices import IncidentKind, IncidentStatus, PowerTier


class PriorityUser(models.Model):
    """A site that must keep power, water, heat or gas: its tier (the rule set orders the
    tiers) and its demand in kW. Its node is where it lies (a district or below)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=16, choices=PowerTier.choices)
    demand_kw = models.PositiveIntegerField()
    address = models.CharField(max_length=255)
    registered_by = models.CharField(max_length=150)
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["region", "tier"])]

    def __str__(self) -> str:
        return f"priority user {self.code}"


class ShortagePlan(models.Model):
    """A curtailment plan for one district's power deficit, made by
    ``engine.curtailment.curtailment_plan`` under the rule set ``rule_set``: the lines say
    how much each priority user gives up; ``uncovered_kw`` is deficit no curtailment of
    registered users could meet."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    deficit_kw = models.PositiveIntegerField()
    uncovered_kw = models.PositiveIntegerField(default=0)
    rule_set = models.CharField(max_length=200)
    reason = models.CharField(max_length=255)
    made_by = models.CharField(max_length=150)
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["-made_at", "-id"]

    def __str__(self) -> str:
        return f"shortage plan {self.code}"


class ShortagePlanLine(models.Model):
    """One priority user in a plan: its demand and the kW cut (0: keeps power whole)."""

    plan = models.ForeignKey(ShortagePlan, on_delete=models.CASCADE, related_name="lines")
    user = models.ForeignKey(PriorityUser, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=16, choices=PowerTier.choices)
    demand_kw = models.PositiveIntegerField()
    cut_kw = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cut_kw__lte=models.F("demand_kw")), name="plan_cut_within"
            )
        ]

    def __str__(self) -> str:
        return f"cut {self.cut_kw}/{self.demand_kw}"


class ServiceIncident(models.Model):
    """An outage or supply incident at a priority site, an alert with an owner and a
    deadline from the rule set; ``critical`` when the rule set names it most urgent (power
    lost at an isolation site or hospital)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(PriorityUser, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=8, choices=IncidentKind.choices)
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    critical = models.BooleanField(default=False)
    owner = models.CharField(max_length=150)
    reported_at = models.DateTimeField()
    due_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=255)
    rule_set = models.CharField(max_length=200)

    class Meta:
        ordering = ["-critical", "due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"incident {self.code}"

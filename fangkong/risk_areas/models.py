"""Risk areas (风险区): the area and its level, its append-only history, and the infections
found in it (§2.5, R5, R6).

An area hangs off the jurisdiction node that holds it: a compound or a work place is the
node itself (the grid or community drawn for it), a building or a stairwell unit is named
on the node the way households name theirs (``Household.building`` / ``.unit``), and the
rest of a county is the county node. Levels are the codes of the rule set in force
(``high``/``medium``/``low`` from the 9th edition, ``lockdown``/``controlled``/``prevention``
for the 封控/管控/防范 zones before it).
"""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.policy.choices import DesignationUnit
from fangkong.risk_areas.choices import RiskAreaEventKind, RiskAreaStatus


class RiskArea(TimestampedModel):
    """One designated area and where its lifting clock stands.

    ``clock_from`` is day 0 of the clock: the last infection that reset it, the day the
    area took its current level, or the designation. ``days clean`` is today minus
    ``clock_from`` in the node's time zone. ``stepped_down`` says the area reached its level
    by stepping down from a higher one (9th edition: medium → low after 3 days instead of 7).
    ``last_contact_exposure_on`` and ``last_contact_negative`` are the legacy zones' third
    condition (R6: the last close contact exposed *more than* 14 days ago, tested negative).
    ``rule_set_key`` is the national edition whose level codes ``level`` uses and
    ``rule_set_version`` the labels in force at the last change.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=20, choices=DesignationUnit.choices)
    building = models.CharField(max_length=20, blank=True, default="")
    stairwell = models.CharField(max_length=20, blank=True, default="")
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=40)
    status = models.CharField(
        max_length=12, choices=RiskAreaStatus.choices, default=RiskAreaStatus.DESIGNATED
    )
    stepped_down = models.BooleanField(default=False)
    designated_at = models.DateTimeField()
    level_since = models.DateTimeField()
    clock_from = models.DateField()
    last_infection_on = models.DateField(null=True, blank=True)
    last_contact_exposure_on = models.DateField(null=True, blank=True)
    last_contact_negative = models.BooleanField(default=False)
    lifted_at = models.DateTimeField(null=True, blank=True)
    rule_set_key = models.CharField(max_length=40)
    rule_set_version = models.CharField(max_length=200)
    designated_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-designated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "level"], name="risk_area_status_level"),
            models.Index(fields=["region", "status"], name="risk_area_region_status"),
        ]
        constraints = [
            # one open area per place: the same compound, building or unit is designated once
            models.UniqueConstraint(
                fields=["region", "unit", "building", "stairwell"],
                condition=models.Q(status="designated"),
                name="risk_area_one_open_per_place",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="lifted") | models.Q(lifted_at__isnull=False),
                name="risk_area_lifted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RiskAreaEvent(models.Model):
    """One step of an area's history, written in the transaction of the change: who, why,
    under which rule set version, the level before and after."""

    area = models.ForeignKey(RiskArea, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=RiskAreaEventKind.choices)
    at = models.DateTimeField()
    level_before = models.CharField(max_length=40, blank=True, default="")
    level_after = models.CharField(max_length=40, blank=True, default="")
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40)
    reason = models.CharField(max_length=500)
    rule_set_version = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["area", "at"], name="risk_area_event_area_at")]

    def __str__(self) -> str:
        return f"{self.area_id}:{self.kind}"


class AreaInfection(models.Model):
    """An infection found in an area, by an opaque reference (a case or report code, never a
    personal identifier); recorded once per area and reference. ``reset_clock`` is false
    when the rules in force let it pass (新十条: a person already under strict home isolation
    or a close contact, community risk excluded)."""

    area = models.ForeignKey(RiskArea, on_delete=models.PROTECT, related_name="infections")
    reference = models.CharField(max_length=64)
    found_on = models.DateField()
    in_isolated_person = models.BooleanField(default=False)
    community_risk_excluded = models.BooleanField(default=False)
    reset_clock = models.BooleanField()
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)
    rule_set_version = models.CharField(max_length=200)

    class Meta:
        ordering = ["-found_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "reference"], name="area_infection_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id}:{self.reference}"

"""Rounds, their areas, sampling points and laboratories (with their staff), and
exemptions from a round (免检)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangkong.core.models import TimestampedModel
from fangkong.lab.choices import (
    ExemptionReason,
    PointKind,
    RoundKind,
    RoundStatus,
)


class ScreeningRound(TimestampedModel):
    """One round of screening (区域核酸检测) over some jurisdiction nodes.

    ``kind`` says whether it screens areas (in an outbreak, or routinely) or tests named
    people (targeted); the rules in force decide which kinds may open. ``deadline_at``
    defaults to ``starts_at`` + the rule set's deadline for the population (24 h under the
    3rd-edition guide), or the tightest first-screening limit of its zones; ``rule_set``
    records the version labels in force when the round was opened.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=RoundKind.choices, default=RoundKind.OUTBREAK)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    rule_set = models.CharField(max_length=200)
    population_at_open = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def past_deadline(self, now: datetime | None = None) -> bool:
        """Still open after its deadline (overdue): binding goes on until someone closes it."""
        return self.status == RoundStatus.OPEN and (now or timezone.now()) > self.deadline_at

    def __str__(self) -> str:
        return self.name


class RoundArea(models.Model):
    """A node covered by a round, with its zone (risk-level code or ``other``) that sets the
    default pool ratio of tubes bound at points inside it — unless a point lies in a node
    that has a zone of its own today, at or below this one (an open risk area:
    :mod:`fangkong.lab.zones`)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="areas")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    zone = models.CharField(max_length=40, default="other")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "region"], name="round_area_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.region_id} {self.zone}"


class SamplingPoint(TimestampedModel):
    """A sampling point (采样点) with location, opening hours, capacity and its staff."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    capacity_per_hour = models.PositiveIntegerField(default=300)
    sampler_posts = models.PositiveIntegerField(default=2)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)
    kind = models.CharField(max_length=12, choices=PointKind.choices, default=PointKind.FIXED)

    class Meta:
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class Lab(TimestampedModel):
    """A testing laboratory: capacity in tubes a day, and the technicians who work there."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    capacity_per_day = models.PositiveIntegerField(default=10_000)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Exemption(models.Model):
    """Someone left off the should-test list, with a reason and an expiry (§1.6, R14).
    ``round`` empty: every round until ``valid_until``. ``code`` names it in URLs (revoke)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(
        ScreeningRound, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ExemptionReason.choices)
    note = models.CharField(max_length=255, blank=True, default="")
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"

"""Packages (封包) on their way to a lab, and the anomalies found at receipt (R10)."""

from __future__ import annotations

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.lab.choices import (
    AnomalyKind,
    PackageStatus,
)


class Package(TimestampedModel):
    """A sealed package (封包) of tubes with its package code; ``tube_count`` is what was
    sealed, ``received_count`` what the lab scanned (R10)."""

    code = models.CharField(max_length=40, unique=True)
    round = models.ForeignKey("lab.ScreeningRound", on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey("lab.SamplingPoint", on_delete=models.PROTECT, related_name="+")
    lab = models.ForeignKey("lab.Lab", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=PackageStatus.choices, default=PackageStatus.SEALED
    )
    tube_count = models.PositiveIntegerField()
    sealed_at = models.DateTimeField()
    sealed_by = models.CharField(max_length=150)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    vehicle = models.CharField(max_length=40, blank=True, default="")
    carrier = models.CharField(max_length=100, blank=True, default="")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.CharField(max_length=150, blank=True, default="")
    received_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sealed_at"]
        indexes = [models.Index(fields=["lab", "status"]), models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return self.code


class Anomaly(models.Model):
    """Something wrong found at receipt (R10): kept open until someone resolves it."""

    kind = models.CharField(max_length=24, choices=AnomalyKind.choices)
    lab = models.ForeignKey("lab.Lab", on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(
        "lab.ScreeningRound", on_delete=models.PROTECT, null=True, related_name="+"
    )
    package = models.ForeignKey(Package, on_delete=models.PROTECT, null=True, related_name="+")
    tube = models.ForeignKey("lab.Tube", on_delete=models.PROTECT, null=True, related_name="+")
    barcode = models.CharField(max_length=32, blank=True, default="")
    detail = models.JSONField(default=dict)
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.barcode}"

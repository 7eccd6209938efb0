"""The supplies app's append-only history."""

from __future__ import annotations

from django.db import models

from fangkong.supplies.choices import SupplyEventKind


class SupplyEvent(models.Model):
    """One history row of a supplies object (``object_type`` and its code): who, why, under
    which rule set. Written in the transaction of the change; never updated or deleted."""

    object_type = models.CharField(max_length=20)
    object_code = models.CharField(max_length=40)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=SupplyEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_code"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}"

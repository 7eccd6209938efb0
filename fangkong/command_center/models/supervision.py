"""Supervision and inspection (督导检查, issue 22 §7, R33): inspections with their
checklists, the findings they make and each finding's rectification."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.command_center.duty_choices import FindingSeverity, FindingStatus, InspectionMethod
from fangkong.core.models import TimestampedModel


class Inspection(TimestampedModel):
    """One inspection by the team of the node ``region`` on ``on``: its theme, the place
    visited, announced or not, and its ``checklist`` (a list of ``{"item", "passed",
    "note"}``). Addressed by ``code``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    team = models.CharField(max_length=200)
    theme = models.CharField(max_length=200)
    place = models.CharField(max_length=200)
    method = models.CharField(max_length=12, choices=InspectionMethod.choices)
    on = models.DateField()
    checklist = models.JSONField(default=list)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"inspection {self.code}"


class Finding(TimestampedModel):
    """A problem an inspection found, the unit responsible for fixing it (a node in the
    inspecting node's subtree) and the deadline. Its status moves only along
    ``supervision.services.TRANSITIONS``; past the deadline and not yet submitted it is
    escalated once to the node above the unit (R33)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=8, choices=FindingSeverity.choices)
    description = models.TextField()
    deadline = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    rectification = models.TextField(blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"finding {self.code}"


class FindingEvent(models.Model):
    """Append-only history of a finding: who, when, from → to, why."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    from_value = models.CharField(max_length=12, blank=True, default="")
    to_value = models.CharField(max_length=12, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_value}→{self.to_value}"

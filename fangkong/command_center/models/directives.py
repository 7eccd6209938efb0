"""Directives sent down the jurisdiction tree, each receiving unit's progress, and their
history (issue 22 §5, R33)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.command_center.duty_choices import DirectiveEventKind, DirectiveStatus
from fangkong.core.models import TimestampedModel


class Directive(TimestampedModel):
    """A directive or task issued by the command at ``region`` to units below it, due by
    ``deadline``. Its text is work, not personal data. Addressed by ``code``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    deadline = models.DateTimeField()
    #: The dispatch meeting that decided it, if one did.
    meeting = models.ForeignKey(
        "command_center.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directives",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "deadline"])]

    def __str__(self) -> str:
        return f"directive {self.code}"


class DirectiveAssignment(TimestampedModel):
    """One receiving unit (a node below the issuer) of a directive and where it stands. Its
    status moves only along ``directives.services.TRANSITIONS``. Past the deadline and not
    completed, the periodic job escalates it once to the node above the unit
    (``escalated_to``, R33). ``evidence_text`` and ``evidence_file`` are the proof of
    completion."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="assignments")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=14, choices=DirectiveStatus.choices, default=DirectiveStatus.SENT
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress_note = models.TextField(blank=True, default="")
    evidence_text = models.TextField(blank=True, default="")
    evidence_file = models.FileField(upload_to="command/evidence/%Y/%m/", blank=True, default="")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["directive_id", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["directive", "region"], name="directive_unit_once")
        ]
        indexes = [models.Index(fields=["status", "escalated_at"])]

    def __str__(self) -> str:
        return f"assignment {self.pk}"


class DirectiveEvent(models.Model):
    """Append-only history of a directive at one unit: who, when, what."""

    assignment = models.ForeignKey(
        DirectiveAssignment, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=14, choices=DirectiveEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"

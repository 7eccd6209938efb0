"""Command bodies at each level, their working groups (专班) and members, and the incidents
they command with the escalation of command (提级指挥, issue 22 §2, R34)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.command_center.duty_choices import WorkingGroupKind
from fangkong.core.models import TimestampedModel


class CommandBody(TimestampedModel):
    """The command body (指挥部) of one node of the tree; at most one per node."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["region__path"]

    def __str__(self) -> str:
        return f"command body {self.code}"


class WorkingGroup(TimestampedModel):
    """A working group (专班) of a command body, one per kind."""

    body = models.ForeignKey(CommandBody, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(max_length=20, choices=WorkingGroupKind.choices)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["body_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["body", "kind"], name="working_group_kind_once")
        ]

    def __str__(self) -> str:
        return f"working group {self.pk}"


class GroupMember(models.Model):
    """A staff member of a working group; ``leader`` marks its leaders."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    leader = models.BooleanField(default=False)
    duty = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["group_id", "-leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="working_group_member_once")
        ]

    def __str__(self) -> str:
        return f"member {self.pk}"


class Incident(TimestampedModel):
    """An outbreak or event under command: where it is (``region``) and which body commands
    it now (``body``; moved up only by escalation, never down)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey(CommandBody, on_delete=models.PROTECT, related_name="incidents")
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"incident {self.code}"


class IncidentEscalation(models.Model):
    """Append-only history of an incident's command: opened under a body, then each
    escalation from one body to a higher one, who and why (R34)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="history")
    from_body = models.ForeignKey(
        CommandBody, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_body = models.ForeignKey(CommandBody, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=255)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"escalation {self.pk}"


class DutyShift(models.Model):
    """One shift of one staff member on the duty post of a working group, ``[starts_at,
    ends_at)``; the roster is the group's shifts (R32)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["group_id", "starts_at", "id"]
        indexes = [models.Index(fields=["group", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"shift {self.pk}"


class DutyLogEntry(models.Model):
    """One line of a shift's duty log (值班日志): what happened, who wrote it, when."""

    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"log {self.pk}"

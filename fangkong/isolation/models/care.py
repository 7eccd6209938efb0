"""Care requests of persons under an order and their families (人文关怀, issue 20 §7): medicine,
a special diet, a carer, complaints and appeals against the order, each with an owner, a
deadline from the rule set and an outcome."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.isolation.choices import CareEventKind, CareFiler, CareOutcome, CareStatus
from fangkong.policy.choices import CareCategory


class CareRequest(TimestampedModel):
    """One request about the person of an open order: its ``category``, who filed it (staff
    on the person's behalf, the person or the family through the resident's page), the text,
    the ``owner`` who answers it, the ``deadline`` the rule set gives the category (overdue
    after it), and the ``outcome`` with who decided and why. An appeal is decided by someone
    other than the order's issuer. ``region`` is the order's node (the scope it is seen in)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "isolation.IsolationOrder", on_delete=models.PROTECT, related_name="care_requests"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=14, choices=CareCategory.choices)
    filed_by_kind = models.CharField(max_length=10, choices=CareFiler.choices)
    filed_by = models.CharField(max_length=150)
    filed_at = models.DateTimeField()
    text = models.TextField()
    deadline = models.DateTimeField()
    rule_set = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=CareStatus.choices, default=CareStatus.OPEN)
    outcome = models.CharField(max_length=12, choices=CareOutcome.choices, blank=True, default="")
    outcome_note = models.TextField(blank=True, default="")
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["region", "status", "deadline"]),
            models.Index(fields=["order", "category"]),
        ]

    def __str__(self) -> str:
        return f"care request {self.code}"


class CareEvent(models.Model):
    """Append-only history of a care request: filed, assigned, decided — who, why, from → to."""

    request = models.ForeignKey(CareRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=CareEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    from_value = models.CharField(max_length=40, blank=True, default="")
    to_value = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_value}→{self.to_value}"

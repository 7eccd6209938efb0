"""Lead lists (协查单) and the persons on them."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.tracing.leads.choices import LeadOutcome


class LeadList(models.Model):
    """The persons of one case pushed to one district (``to_region``, a county/district node)
    with a deadline from the rule set (``leads.deadline_hours``). ``from_region`` is the case's
    node. The receiving district sees the list's persons and deadline, never the case."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    from_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    pushed_at = models.DateTimeField()
    pushed_by = models.CharField(max_length=150)
    deadline = models.DateTimeField()
    rule_set = models.CharField(max_length=200)

    class Meta:
        ordering = ["-pushed_at", "-id"]
        indexes = [models.Index(fields=["to_region", "pushed_at"])]

    def __str__(self) -> str:
        return f"lead list {self.code}"


class LeadItem(models.Model):
    """One person on a lead list, from one contact link (each link is pushed once), and how
    the receiving district's check ended: who, when, why, under which rule set."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="items")
    link = models.OneToOneField(
        "tracing.ContactLink", on_delete=models.PROTECT, related_name="lead_item"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        max_length=12, choices=LeadOutcome.choices, default=LeadOutcome.PENDING
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.CharField(max_length=150, blank=True, default="")
    checked_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["outcome", "lead_list"])]

    def __str__(self) -> str:
        return f"lead {self.code}"

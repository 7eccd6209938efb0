"""A case's contacts: who was exposed to the case, how, and what an epidemiologist decided."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.tracing.contacts.choices import ContactKind, ContactSetting, ContactStatus


class ContactLink(models.Model):
    """One person exposed to one case (domain reference §2.7 ContactLink).

    Derived as a *candidate* (``determined_by`` names the derivation: venue co-presence,
    household, secondary) and becomes a close (or secondary) contact only when an
    epidemiologist confirms it; a dismissed candidate stays, with its reason, so that a later
    derivation does not propose it again. ``via`` is the confirmed close contact a secondary
    contact was exposed to. ``region`` is the case's node (reads are scoped by it);
    ``rule_set`` the rules in force when it was derived, ``decided_rule_set`` when decided."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ContactKind.choices)
    setting = models.CharField(max_length=12, choices=ContactSetting.choices)
    venue = models.ForeignKey(
        "tracing.Venue", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exposure_start = models.DateTimeField(null=True, blank=True)
    exposure_end = models.DateTimeField(null=True, blank=True)
    overlap_seconds = models.PositiveIntegerField(default=0)
    determined_by = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=ContactStatus.choices, default=ContactStatus.CANDIDATE
    )
    derived_at = models.DateTimeField()
    rule_set = models.CharField(max_length=200)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_role = models.CharField(max_length=40, blank=True, default="")
    decision_reason = models.CharField(max_length=500, blank=True, default="")
    decided_rule_set = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "kind"], name="contactlink_once_per_case_kind"
            )
        ]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.code}"

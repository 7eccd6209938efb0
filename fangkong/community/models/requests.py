"""Residents' requests with deadlines (R27, R28), medical exits, the history, and the
residents' personal links."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.community.choices import (
    RequestCategory,
    RequestChannel,
    RequestEventKind,
    RequestStatus,
    Urgency,
)
from fangkong.core.models import TimestampedModel


class ResidentRequest(TimestampedModel):
    """A need of one household: category, urgency and deadline from the rule set in force at
    filing (``rule_set``), ``rank`` the urgency's queue place (an emergency first), the owner
    (the household's responsible person at filing, if any), the escalation level reached."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=RequestCategory.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    rank = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=12, choices=RequestChannel.choices)
    description = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.FILED
    )
    owner = models.ForeignKey(
        "community.Responsible", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField()
    filed_by = models.CharField(max_length=150)
    deadline = models.DateTimeField()
    rule_set = models.CharField(max_length=200)
    escalation = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(max_length=255, blank=True, default="")
    #: The resident's page sends a fresh key with each form: a form sent twice files once.
    submit_key = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["rank", "deadline", "id"]
        indexes = [
            models.Index(fields=["region", "status", "rank", "deadline"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["household", "filed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="request_refused_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"request {self.code}"


class MedicalExit(models.Model):
    """The exit of a medical request (R28): the community's approval, the dedicated vehicle
    and the return. ``transfer_task`` is the closed-loop transfer task of ``isolation`` made at
    approval (home → ``destination``), ``return_task`` the one back, made with the return
    time (their codes); plate and driver are recorded here too."""

    request = models.OneToOneField(
        ResidentRequest, on_delete=models.CASCADE, related_name="medical_exit"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True, default="")
    vehicle_plate = models.CharField(max_length=20, blank=True, default="")
    driver = models.CharField(max_length=60, blank=True, default="")
    vehicle_at = models.DateTimeField(null=True, blank=True)
    transfer_task = models.UUIDField(null=True, blank=True)
    #: The hospital, given at approval; the return task (hospital → home) once the return
    #: time is known.
    destination = models.CharField(max_length=255, blank=True, default="")
    return_task = models.UUIDField(null=True, blank=True)
    return_by = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"exit {self.request_id}"


class RequestEvent(models.Model):
    """Append-only history of a request: who (or the resident's link, or the job), why."""

    request = models.ForeignKey(ResidentRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=RequestEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    from_value = models.CharField(max_length=20, blank=True, default="")
    to_value = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        return self.kind


class ResidentLink(models.Model):
    """A household's personal link: the URL carries ``key`` signed with an expiry, nothing
    that names the household; revoked links stop at once."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("people.Household", on_delete=models.CASCADE, related_name="+")
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=150)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"link {self.pk}"

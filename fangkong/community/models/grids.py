"""Who answers for each household (R26): responsible persons, their coverage, care plans of
special-needs residents, and the grid's history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.community.choices import GridEventKind, ResponsibleKind
from fangkong.core.models import TimestampedModel


class Responsible(TimestampedModel):
    """A grid worker (a staff ``user`` with a grid-worker membership), building head or
    volunteer (named, no user) working at a grid node ``region``. ``on_duty`` false: gone off
    duty, covering nobody."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ResponsibleKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(max_length=100)
    on_duty = models.BooleanField(default=True)

    class Meta:
        ordering = ["region_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=models.Q(user__isnull=False),
                name="community_responsible_user_region",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Coverage(models.Model):
    """One household and the one person answering for it (R26: exactly one); ``region`` is
    the household's node, kept here so scoped lists need no join."""

    household = models.OneToOneField("people.Household", on_delete=models.CASCADE, related_name="+")
    responsible = models.ForeignKey(Responsible, on_delete=models.PROTECT, related_name="coverage")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    assigned_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["household_id"]
        indexes = [models.Index(fields=["responsible", "household"])]

    def __str__(self) -> str:
        return f"{self.household_id}→{self.responsible_id}"


class CarePlan(TimestampedModel):
    """The care plan of a special-needs resident (§4.3: one-to-one service, green channel)."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    plan = models.TextField()
    written_by = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"care plan {self.person_id}"


class GridEvent(models.Model):
    """Append-only history of a grid's responsibility: who, why, what (codes and counts)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(
        Responsible, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=GridEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.kind

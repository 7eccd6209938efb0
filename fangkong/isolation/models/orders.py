"""Isolation and quarantine orders, their plans' test tasks and their history (issue 20 §2,
R4)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.isolation.choices import (
    OrderEventKind,
    OrderKind,
    OrderStatus,
    OrderTestStatus,
    ResultSource,
)


class IsolationOrder(TimestampedModel):
    """An order for one person, in one quarantine group, from ``day0`` (the day of the last
        exposure or of arrival): its plan (``plan``: the rule set's ``QuarantinePlan`` as issued),
        the day central quarantine ends and the release day, under the rule set ``rule_set``
        (``nhc-9@r1``; kept when the rules change, see ``order_replan``). At most one open order
        per person and kind (a retried issue finds it). ``region`` is the person's node at issue
        (the scope it is seen in); ``room`` the room allocated to a central quarantine (shared only
    by a declared group: a carer and dependants, a minor and guardian)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=OrderKind.choices)
    group = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    day0 = models.DateField()
    central_until = models.DateField(null=True, blank=True)
    release_on = models.DateField()
    plan = models.JSONField(default=dict)
    rule_set = models.CharField(max_length=200)
    issued_by = models.CharField(max_length=150)
    issued_at = models.DateTimeField()
    reason = models.CharField(max_length=255)
    room = models.ForeignKey(
        "isolation.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(status="open"),
                name="order_one_open_per_person_kind",
            ),
        ]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"order {self.code}"


class OrderTestTask(models.Model):
    """One day-numbered test of an order's plan (``policy.rules.quarantine_test_dates``): the
    phase, its day number and date, double sampling and swab site, and its result. A re-plan
    drops the tasks still scheduled and writes the new plan's. Each scheduled test is a
    test task of the person in ``lab`` (``lab_task``); its tube's result comes back through
    ``lab.findings`` with the tube and the time (``result_source`` ``lab``), or is entered by
    hand for a lab outside the platform (``manual``)."""

    order = models.ForeignKey(IsolationOrder, on_delete=models.CASCADE, related_name="tests")
    phase = models.CharField(max_length=30)
    day = models.PositiveSmallIntegerField()
    on = models.DateField()
    double_sampling = models.BooleanField(default=False)
    swab_site = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=OrderTestStatus.choices, default=OrderTestStatus.SCHEDULED
    )
    rule_set = models.CharField(max_length=200)
    lab_task = models.ForeignKey(
        "lab.RetestTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tube = models.ForeignKey(
        "lab.Tube", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resulted_at = models.DateTimeField(null=True, blank=True)
    result_source = models.CharField(
        max_length=8, choices=ResultSource.choices, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["order", "status"]), models.Index(fields=["on"])]

    def __str__(self) -> str:
        return f"{self.phase} day {self.day}"


class OrderEvent(models.Model):
    """Append-only history of an order: who, why, under which rule set, from → to."""

    order = models.ForeignKey(IsolationOrder, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=OrderEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    from_value = models.CharField(max_length=40, blank=True, default="")
    to_value = models.CharField(max_length=40, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["order", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_value}→{self.to_value}"

"""Person-level testing obligations: key-group membership (R15), arrivals owed a landing test
(落地检) and antigen results (R16)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.lab.choices import (
    AntigenResult,
    AntigenSource,
)


class KeyGroupMember(models.Model):
    """A person in a key group (重点人员, occupation category) whose test interval comes from
    the rule set's ``key_groups`` (R15)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "group"], name="key_group_person_unique")
        ]
        indexes = [models.Index(fields=["group", "region"])]

    def __str__(self) -> str:
        return f"{self.group} {self.person_id}"


class Arrival(models.Model):
    """Someone registered as arriving from elsewhere, owed a landing test (落地检)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField()
    origin = models.CharField(max_length=120)
    test_due_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-arrived_at"]
        indexes = [models.Index(fields=["region", "arrived_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} from {self.origin}"


class AntigenTest(models.Model):
    """An antigen result, self-reported or from a clinic: kept apart from PCR, never the
    confirming result of a case; a positive, or a negative of a suspected person, creates a
    PCR task (R16)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=AntigenSource.choices)
    result = models.CharField(max_length=10, choices=AntigenResult.choices)
    tested_at = models.DateTimeField()
    kit_serial = models.CharField(max_length=64, blank=True, default="")
    #: Respiratory or fever symptoms, as the clinic or the person reported them with the test.
    symptomatic = models.BooleanField(default=False)
    #: Why a negative result still needed PCR (``symptoms``, ``held``), empty otherwise.
    suspected = models.CharField(max_length=16, blank=True, default="")
    reported_by = models.CharField(max_length=150)
    reported_at = models.DateTimeField()
    pcr_task = models.ForeignKey(
        "lab.RetestTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-tested_at"]
        indexes = [models.Index(fields=["person", "tested_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.result}"

"""Treatment of positives in designated and Fangcang shelter hospitals: admissions to beds, the
tests that decide discharge and the history of every change (issue 20 §6, R25)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.isolation.choices import (
    AdmissionStatus,
    ResultSource,
    TreatmentEventKind,
    TreatmentTestStatus,
)


class Admission(TimestampedModel):
    """A case's person treated in a bed (a room of a designated or Fangcang hospital) from
    ``admitted_at``; ``isolated_since`` is isolation day 0 (the day count of the rule set's
    ``positives`` runs from it and survives transfers between levels of care). ``region`` is
    the node of the facility the person lies in (the scope it is seen in); it follows a
    transfer. ``rule_set`` is the rule set in force at admission. At most one admission per
    case is open; ``version`` guards concurrent changes."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(
        "isolation.Facility", on_delete=models.PROTECT, related_name="admissions"
    )
    room = models.ForeignKey("isolation.Room", on_delete=models.PROTECT, related_name="admissions")
    status = models.CharField(
        max_length=12, choices=AdmissionStatus.choices, default=AdmissionStatus.ADMITTED
    )
    isolated_since = models.DateField()
    admitted_at = models.DateTimeField()
    admitted_by = models.CharField(max_length=150)
    rule_set = models.CharField(max_length=200)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.CharField(max_length=150, blank=True, default="")
    monitoring_order = models.ForeignKey(
        "isolation.IsolationOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-admitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="admitted"),
                name="admission_one_open_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["room", "status"]),
        ]

    def __str__(self) -> str:
        return f"admission {self.code}"


class TreatmentTest(models.Model):
    """One nucleic-acid test of an admitted person: when it was sampled, its result and the Ct
    values of the N and ORF1ab genes (a positive result carries both; a negative one none).
    Pending until its result is recorded, once: read from the lab's tube when it was sampled
    through ``lab``, entered by hand for a lab outside the platform."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    admission = models.ForeignKey(Admission, on_delete=models.CASCADE, related_name="tests")
    sampled_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=TreatmentTestStatus.choices, default=TreatmentTestStatus.PENDING
    )
    ct_n = models.FloatField(null=True, blank=True)
    ct_orf1ab = models.FloatField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    result_at = models.DateTimeField(null=True, blank=True)
    #: ``lab``: sampled through a test task in ``lab`` (``lab_task``), its result and Ct values
    #: read from the tube; ``manual``: a lab outside the platform, entered by hand.
    source = models.CharField(
        max_length=8, choices=ResultSource.choices, default=ResultSource.MANUAL, db_default="manual"
    )
    lab_task = models.ForeignKey(
        "lab.RetestTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tube = models.ForeignKey(
        "lab.Tube", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sampled_at", "id"]
        indexes = [models.Index(fields=["admission", "sampled_at"])]

    def __str__(self) -> str:
        return f"test {self.code}"


class TreatmentEvent(models.Model):
    """Append-only history of an admission: who (name and role), why, under which rule set,
    from → to (admitted, severity, transferred, test, discharged)."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=TreatmentEventKind.choices)
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
        indexes = [models.Index(fields=["admission", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_value}→{self.to_value}"

"""Release tests of a positive isolated at home (issue 20 §6, R25)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.isolation.choices import TreatmentTestStatus
from fangkong.isolation.models.orders import IsolationOrder


class HomeIsolationTest(models.Model):
    """One nucleic-acid test of a positive under a home-isolation order: when it was
    sampled, its result and the Ct values of the N and ORF1ab genes (a positive carries both).
    Judged at release by the same rule as a Fangcang discharge
    (``treatment.discharge.discharge_blockers``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        IsolationOrder, on_delete=models.CASCADE, related_name="positive_tests"
    )
    sampled_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=TreatmentTestStatus.choices)
    ct_n = models.FloatField(null=True, blank=True)
    ct_orf1ab = models.FloatField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    result_at = models.DateTimeField()

    class Meta:
        ordering = ["sampled_at", "id"]
        indexes = [models.Index(fields=["order", "sampled_at"])]

    def __str__(self) -> str:
        return f"test {self.code}"

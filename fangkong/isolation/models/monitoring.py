"""Health monitoring of persons under an order (issue 20 §5, R24): the twice-daily temperature
and symptom checks, the alerts a missed check or an abnormal one raises, and the personal
links residents self-report through."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.isolation.choices import AlertState, CheckSource, MonitoringAlertKind

__all__ = ["HealthCheck", "MonitoringAlert", "ResidentLink"]


class HealthCheck(models.Model):
    """One check of an order's person for the check time ``slot`` (its index in the rule
    set's ``monitoring.check_hours``) of the local day ``on``: the temperature in ℃, the
    symptoms (``Symptom`` values), who entered it (staff or the person). ``abnormal`` is set
    from the rule set in force (``rule_set``) when it is taken. One check per order, day and
    slot: a retried submission finds the first."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "isolation.IsolationOrder", on_delete=models.PROTECT, related_name="checks"
    )
    on = models.DateField()
    slot = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField()
    temperature = models.DecimalField(max_digits=3, decimal_places=1)
    symptoms = models.JSONField(default=list)
    source = models.CharField(max_length=6, choices=CheckSource.choices)
    recorded_by = models.CharField(max_length=150)
    fever = models.BooleanField(default=False)
    abnormal = models.BooleanField(default=False)
    rule_set = models.CharField(max_length=200)

    class Meta:
        ordering = ["-on", "-slot", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "on", "slot"], name="check_once_per_slot"),
        ]
        indexes = [models.Index(fields=["on", "slot"])]

    def __str__(self) -> str:
        return f"check {self.on} #{self.slot}"


class MonitoringAlert(TimestampedModel):
    """A missed check (raised by the periodic job once the check time and its grace have
    passed), a fever or symptoms (raised with the check). Once per order, kind, day and slot.
    Owned by the isolation-site managers of the order's site, or of its node for a home order
    (``owner_role`` at ``region``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "isolation.IsolationOrder", on_delete=models.CASCADE, related_name="monitoring_alerts"
    )
    check_row = models.ForeignKey(
        HealthCheck, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MonitoringAlertKind.choices)
    on = models.DateField()
    slot = models.PositiveSmallIntegerField()
    owner_role = models.CharField(max_length=40)
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    raised_at = models.DateTimeField()
    rule_set = models.CharField(max_length=200)
    handled_by = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "on", "slot"], name="monitoring_alert_once"
            ),
        ]
        indexes = [models.Index(fields=["region", "state"])]

    def __str__(self) -> str:
        return f"monitoring alert {self.code}"


class ResidentLink(models.Model):
    """A person's own page for one order: the signed link carries ``key`` (random, no
    identifier). It works while the order is open and until its release day; a new link for
    the order revokes the older ones."""

    order = models.ForeignKey(
        "isolation.IsolationOrder", on_delete=models.CASCADE, related_name="resident_links"
    )
    key = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return "resident link"

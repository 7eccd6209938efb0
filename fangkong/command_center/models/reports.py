"""Daily and zero reports (日报告、零报告, issue 22 §6, R31) and their corrections."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.command_center.duty_choices import ReportKind


class DailyReport(models.Model):
    """The report of the unit at ``region`` for ``day`` (the unit's local date). ``figures``
    are the counts filled from the data of that day and subtree when filed
    (``reports.figures.FIGURES``); ``late`` when filed after the rule set's deadline."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    figures = models.JSONField(default=dict)
    notes = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(default=False)
    rule_set = models.CharField(max_length=200)

    class Meta:
        ordering = ["-day", "region__path"]
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="daily_report_once")]

    def __str__(self) -> str:
        return f"report {self.code}"


class ReportCorrection(models.Model):
    """A correction of one figure of a filed report by its unit: the figure filled, the
    value the unit gives, and why. Never updated; the report shows both."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="corrections")
    figure = models.CharField(max_length=40)
    filled = models.IntegerField()
    corrected = models.IntegerField()
    note = models.CharField(max_length=255)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"correction {self.pk}"


class MissingReport(models.Model):
    """A reporting unit that had filed no report for ``day`` when its deadline passed
    (R31), flagged once by the periodic job; ``filed_at`` is set when the report came in
    after all."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    flagged_at = models.DateTimeField()
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="missing_report_once")
        ]

    def __str__(self) -> str:
        return f"missing report {self.pk}"

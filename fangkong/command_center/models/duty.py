"""Duty checks (值班抽查, issue 22 §3): a commander asks every locality below whether its
officer on duty is at the post; each answers within the rule set's minutes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class DutyCheck(models.Model):
    """One check sent from ``region`` at ``sent_at``; answers are due by ``due_at`` (the rule
    set's ``command.duty_check_answer_minutes`` later, recorded with ``rule_set``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    due_at = models.DateTimeField()
    rule_set = models.CharField(max_length=200)
    #: When the periodic job told the sender who had not answered by ``due_at``.
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["region", "sent_at"])]

    def __str__(self) -> str:
        return f"duty check {self.code}"


class DutyCheckAnswer(models.Model):
    """One locality asked by a check; ``answered_at`` and ``answered_by`` once its officer on
    duty acknowledged (late when after the check's ``due_at``)."""

    check_sent = models.ForeignKey(DutyCheck, on_delete=models.CASCADE, related_name="answers")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["check_sent_id", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["check_sent", "region"], name="duty_check_answer_once")
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"

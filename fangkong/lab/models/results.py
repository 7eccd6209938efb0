"""What follows a result: re-test tasks, notifications of a pooled positive (R12) and lab
alerts (late results, R13)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.lab.choices import (
    AlertKind,
    AlertStatus,
    Recipient,
    RetestReason,
    RetestStatus,
    SamplingPlace,
)
from fangkong.lab.models.rounds import ScreeningRound


class RetestTask(TimestampedModel):
    """A single-tube PCR task for one person: a member of a pooled positive or invalid tube,
    or someone whose antigen result needs PCR (R11, R16), or a day-numbered test of a
    quarantine plan (``quarantine``: due on ``due_on`` at ``place``, not sampled before that
    day). Closed by the result of the tube bound for it. A member's first task is derived
    from their outcome until it is acted upon, and only then written here
    (``lab.results.retests``, which every reader of tasks goes through)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The indexes below lead with the person and the region; the source tube has its key's.
    # No index or foreign key another one already gives: the round is the source tube's
    # (``screening_round``), and the re-test tube is indexed once set.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source_tube = models.ForeignKey(
        "lab.Tube", on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=RetestReason.choices)
    status = models.CharField(max_length=8, choices=RetestStatus.choices, default=RetestStatus.OPEN)
    retest_tube = models.ForeignKey(
        "lab.Tube",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    outcome = models.CharField(max_length=16, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    #: The day a quarantine plan's test is due (none for re-tests, due at once).
    due_on = models.DateField(null=True, blank=True)
    #: Where it is sampled (``SamplingPlace``; empty for re-tests: at a sampling point).
    place = models.CharField(
        max_length=4, choices=SamplingPlace.choices, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["person", "status"]),
            models.Index(
                fields=["retest_tube"],
                name="retesttask_retest_tube",
                condition=models.Q(retest_tube__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.person_id}"

    @property
    def screening_round(self) -> ScreeningRound | None:
        """The round whose tube sent the person (none for an antigen result's task); needs
        ``source_tube__round`` loaded to cost no query."""
        return self.source_tube.round if self.source_tube is not None else None


class Notification(models.Model):
    """A pooled positive told to one recipient (R12): the testing working group, the
    emergency sampling squad, or one member community. ``latency_ms`` is from the result
    report to the notification."""

    tube = models.ForeignKey("lab.Tube", on_delete=models.CASCADE, related_name="notifications")
    recipient = models.CharField(max_length=20, choices=Recipient.choices)
    # (region, notified_at) below leads with the region
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    members = models.PositiveSmallIntegerField(default=0)
    result_at = models.DateTimeField()
    notified_at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-notified_at", "-id"]
        indexes = [models.Index(fields=["region", "notified_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} {self.tube_id}"


class LabAlert(models.Model):
    """A late result or a late notification; owned, closed with a reason (R13, R30)."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    tube = models.ForeignKey("lab.Tube", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey("lab.ScreeningRound", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    detail = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    owner = models.CharField(max_length=150, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "tube"], name="lab_alert_kind_tube_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.tube_id}"

"""Dispatch meetings (调度会, issue 22 §4): a commander's meeting with the localities below,
its roll call, the external video room, minutes and decisions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.core.models import TimestampedModel


class Meeting(TimestampedModel):
    """A dispatch meeting called by the command at ``region``. ``video_url`` is the room in
    the external conferencing system (Fangkong does not do video). Directives it produced
    point back to it (``Directive.meeting``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    video_url = models.URLField(max_length=500, blank=True, default="")
    minutes = models.TextField(blank=True, default="")
    decisions = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"meeting {self.code}"


class MeetingAttendance(models.Model):
    """One locality invited to a meeting; ``present`` once the roll call was taken."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["meeting_id", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "region"], name="meeting_locality_once")
        ]

    def __str__(self) -> str:
        return f"attendance {self.pk}"

"""Results crossing the lab's boundary: result files labs upload, and the batches sent on to
receiving systems (R17)."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.lab.choices import ExportStatus, ExportTarget


class ResultUpload(models.Model):
    """A lab's result file: its byte hash and its normalised-rows hash (the same content
    re-saved by Excel is the same upload), and the reconciled counts."""

    lab = models.ForeignKey("lab.Lab", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    bytes_sha256 = models.CharField(max_length=64)
    rows_sha256 = models.CharField(max_length=64)
    rows_total = models.PositiveIntegerField()
    rows_applied = models.PositiveIntegerField()
    rows_unchanged = models.PositiveIntegerField()
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["lab", "rows_sha256"])]

    def __str__(self) -> str:
        return self.filename


class ResultExport(models.Model):
    """One batch of results sent to a receiving system (R17).

    A batch covers the tubes whose results were recorded between its two cursors (by
    ``reported_at``, then tube id); its records are rebuilt from those tubes at each attempt,
    so no identity number is ever stored in clear. ``payload_sha256`` is the digest of the
    records first sent; the receiver sees the batch code as its idempotency key.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.CharField(max_length=20, choices=ExportTarget.choices)
    after_at = models.DateTimeField(null=True, blank=True)
    after_tube = models.BigIntegerField(default=0)
    upto_at = models.DateTimeField()
    upto_tube = models.BigIntegerField()
    tubes = models.PositiveIntegerField()
    records = models.PositiveIntegerField()
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True, default="")
    payload_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target", "upto_at", "upto_tube"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "upto_at", "upto_tube"], name="lab_export_target_cursor_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.target} {self.code}"

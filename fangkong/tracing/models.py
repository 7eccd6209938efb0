"""Venues and the ledger of what came into the scan and dwell store.

Scans and dwell intervals themselves are not in the database: they live in the day-partitioned
Parquet store (``tracing.store``, docs/tracing.md says why). The database holds what the
workflows need: the venues (场所码) and one :class:`IngestBatch` per batch that came in, which
is also the store's manifest (a file is part of the store only when an accepted batch lists
it), and one :class:`TracingPurge` per run of the retention job.
"""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.tracing.choices import BatchStatus, FeedKind, VenueKind


class Venue(TimestampedModel):
    """A place with a venue code (场所码, domain reference §2.4) in one jurisdiction node.

    ``code`` is the public id that scans name (``V`` + district code + serial in the synthetic
    city); the store keeps the integer ``id``."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=VenueKind.choices, default=VenueKind.OTHER)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class IngestBatch(models.Model):
    """One batch of scans or dwell intervals that came in (API batch or file).

    ``(kind, source, batch_key)`` names a batch: the feed's name and its batch id or sequence
    number (a file's SHA-256 for uploads). At most one *accepted* batch per name, so a batch
    sent again is answered with the first answer and never lands twice; refused batches are
    kept too (with their rejected-row count) so the page shows what was turned away.

    ``parts`` is the batch's share of the store: ``[{"day", "file", "rows", "bytes"}]`` with
    ``file`` relative to the store directory; the retention job removes the entries of the
    days it purges (and sets ``purged_at`` when none is left). No personal data here."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=FeedKind.choices)
    source = models.CharField(max_length=60)
    batch_key = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=BatchStatus.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    rows_total = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    parts = models.JSONField(default=list, blank=True)
    bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.CharField(max_length=150)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "batch_key"],
                condition=models.Q(status=BatchStatus.ACCEPTED),
                name="tracing_batch_accepted_once",
            )
        ]
        indexes = [models.Index(fields=["kind", "status", "last_day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}/{self.batch_key}"


class TracingPurge(models.Model):
    """One run of the retention job: which days went, how many files, rows and bytes, and the
    rule set whose retention decided it."""

    ran_at = models.DateTimeField(db_index=True)
    scan_cutoff = models.DateField()
    dwell_cutoff = models.DateField()
    days = models.JSONField(default=list)
    files = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    rule_set = models.CharField(max_length=200)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"purge {self.ran_at:%Y-%m-%d %H:%M}"


# the sub-domains' models, registered with the app through this module
from fangkong.tracing.contacts.models import ContactLink  # noqa: E402
from fangkong.tracing.leads.models import LeadItem, LeadList  # noqa: E402

__all__ = ["ContactLink", "IngestBatch", "LeadItem", "LeadList", "TracingPurge", "Venue"]

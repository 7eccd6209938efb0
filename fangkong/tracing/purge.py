"""The retention job: day partitions older than the rule set's window are deleted.

Venue scans and dwell intervals are whereabouts (行踪轨迹, sensitive under PIPL Art. 28)
collected for epidemic control only (the CAC notice of Feb 2020; security reference T23/T24):
they are kept ``tracing.scan_retention_days`` / ``dwell_retention_days`` days, counting today,
and not a day longer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.core.audit import audit_record
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.tracing.choices import BatchStatus, FeedKind
from fangkong.tracing.models import IngestBatch, TracingPurge
from fangkong.tracing.store import day_remove, days_on_disk, orphans_remove, part_files


def purge_cutoffs(on: date) -> tuple[date, date, str]:
    """The first day still kept for scans and for dwell intervals on ``on``, and the label of
    the rule set that says so: the rules in force at the top of the jurisdiction tree (the
    store serves the whole deployment)."""
    root = Region.objects.filter(parent__isnull=True).order_by("path").first()
    rules = rules_for(root, on)
    tracing = rules.parameters.tracing
    return (
        on - timedelta(days=tracing.scan_retention_days - 1),
        on - timedelta(days=tracing.dwell_retention_days - 1),
        rules.label,
    )


def tracing_purge(*, now: datetime | None = None) -> TracingPurge:
    """Delete every day partition older than the retention window; audited.

    1. The cutoffs from :func:`purge_cutoffs` for today (local date).
    2. In one transaction: the purged days' entries leave the accepted batches' manifests
       (a batch with none left gets ``purged_at``), a :class:`TracingPurge` row and one audit
       row (``tracing_purge``: days, files, rows, bytes; no identifiers) are written.
    3. After the commit the day directories go from disk, whole (orphans in them too), and
       files in the kept days that no batch lists and that are older than an hour (writes
       that never committed) are removed.

    Running it again the same day finds nothing older and changes nothing in the store
    (it records its run all the same)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    scan_cutoff, dwell_cutoff, rule_set = purge_cutoffs(today)
    cutoffs = {FeedKind.SCANS.value: scan_cutoff, FeedKind.DWELLS.value: dwell_cutoff}
    doomed: dict[str, set[date]] = {
        kind: {found.day for found in days_on_disk(kind) if found.day < cutoff}
        for kind, cutoff in cutoffs.items()
    }
    files = rows = size = batches = 0
    with transaction.atomic():
        for kind, cutoff in cutoffs.items():
            old = IngestBatch.objects.select_for_update().filter(
                kind=kind,
                status=BatchStatus.ACCEPTED,
                purged_at__isnull=True,
                first_day__lt=cutoff,
            )
            for batch in old:
                gone = [part for part in batch.parts if part["day"] < cutoff.isoformat()]
                kept = [part for part in batch.parts if part["day"] >= cutoff.isoformat()]
                files += sum(len(part_files(part)) for part in gone)
                rows += sum(int(part["rows"]) for part in gone)
                size += sum(int(part["bytes"]) for part in gone)
                doomed[kind].update(date.fromisoformat(part["day"]) for part in gone)
                batch.parts = kept
                batch.bytes = sum(int(part["bytes"]) for part in kept)
                batch.first_day = date.fromisoformat(kept[0]["day"]) if kept else None
                batch.last_day = date.fromisoformat(kept[-1]["day"]) if kept else None
                batch.purged_at = None if kept else now
                batch.save(update_fields=["parts", "bytes", "first_day", "last_day", "purged_at"])
                batches += 1
        days = sorted(
            f"{kind}:{day.isoformat()}" for kind, found in doomed.items() for day in found
        )
        purge = TracingPurge.objects.create(
            ran_at=now,
            scan_cutoff=scan_cutoff,
            dwell_cutoff=dwell_cutoff,
            days=days,
            files=files,
            rows=rows,
            bytes=size,
            batches=batches,
            rule_set=rule_set,
        )
        audit_record(
            actor=SYSTEM,
            action="tracing_purge",
            object_type="tracing_store",
            object_id=purge.pk,
            rule_set=rule_set,
            extra={
                "days": days,
                "files": files,
                "rows": rows,
                "bytes": size,
                "batches": batches,
                "scan_cutoff": scan_cutoff.isoformat(),
                "dwell_cutoff": dwell_cutoff.isoformat(),
            },
        )
    for kind, found in doomed.items():
        for day in found:
            day_remove(kind, day)
    listed: set[str] = set()
    for parts in IngestBatch.objects.filter(
        status=BatchStatus.ACCEPTED, purged_at__isnull=True
    ).values_list("parts", flat=True):
        listed.update(file for part in parts for file in part_files(part))
    for kind in cutoffs:
        orphans_remove(kind, listed)
    return purge

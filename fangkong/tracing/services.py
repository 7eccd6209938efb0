"""Every write of the tracing app: venues, and batches of scans and dwell intervals.

A batch (API request, uploaded file, ``tracing_load``, the demo) goes through one function,
:func:`batch_ingest`; it lands whole in the Parquet store or not at all, is recorded once per
``(kind, source, batch key)``, and is audited with its counts (never an identifier).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import table_insert
from fangkong.core.errors import FangkongError, ValidationFailed, field_error
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree
from fangkong.tracing.access import require_ingest_role, retention_days
from fangkong.tracing.checks import frame_check
from fangkong.tracing.choices import BatchStatus, FeedKind, VenueKind
from fangkong.tracing.models import IngestBatch, Venue
from fangkong.tracing.store import parts_remove, parts_write

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 100
MAX_SOURCE_LENGTH = 60


# --------------------------------------------------------------------------- venues


def _region_in_scope(actor: AnyActor, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code).first()
    if region is None or not path_in_subtree(region.path, actor.region_path):
        raise ValidationFailed(
            _("No such jurisdiction node."),
            errors=[field_error("region", "region_not_found", _("No such jurisdiction node."))],
            code="region_not_found",
        )
    return region


@transaction.atomic
def venue_register(*, actor: AnyActor, code: str, name: str, region_code: str, kind: str) -> Venue:
    """Register a venue code (场所码) at a node of the actor's subtree; audited.

    Raises ``PermissionDenied`` for a role that may not feed the store, ``ValidationFailed``
    for an unknown or out-of-scope node (``region_not_found``), a kind that is not a
    :class:`VenueKind` or a code already registered (``venue_code_taken``; a code elsewhere
    answers the same, it is one national namespace)."""
    require_ingest_role(actor)
    region = _region_in_scope(actor, region_code)
    if kind not in VenueKind.values:
        raise ValidationFailed(
            _("Unknown venue kind."),
            errors=[field_error("kind", "invalid_choice", _("Unknown venue kind."))],
        )
    if Venue.objects.filter(code=code).exists():
        raise ValidationFailed(
            _("This venue code is already registered."),
            errors=[
                field_error("code", "venue_code_taken", _("This venue code is already registered."))
            ],
            code="venue_code_taken",
        )
    venue = Venue.objects.create(code=code, name=name, region=region, kind=kind)
    audit_record(
        actor=actor,
        action="venue_register",
        object_type="venue",
        object_id=venue.code,
        fields=["code", "name", "region", "kind"],
    )
    return venue


@transaction.atomic
def venues_bulk_register(*, actor: AnyActor, venues: pl.DataFrame) -> int:
    """Register many venues at once (``code``, ``name``, ``region_code``, ``kind``): one
    insert and one audit row. All or nothing: ``ValidationFailed`` names every row (1-based)
    whose node is unknown or outside the actor's subtree, whose kind is unknown, or whose code
    is registered already or repeats in the frame. Returns the number registered."""
    require_ingest_role(actor)
    frame = venues.select("code", "name", "region_code", "kind").with_row_index("_row", offset=1)
    regions = pl.DataFrame(
        list(Region.objects.filter(in_subtree(actor.region_path)).values_list("code", "id")),
        schema={"region_code": pl.String, "region_id": pl.Int64},
        orient="row",
    )
    frame = frame.join(regions, on="region_code", how="left")
    taken: set[str] = set()
    codes = frame["code"].to_list()
    for start in range(0, len(codes), 900):
        taken.update(
            Venue.objects.filter(code__in=codes[start : start + 900]).values_list("code", flat=True)
        )
    errors: list[dict[str, Any]] = []
    checks = (
        (
            pl.col("region_id").is_null(),
            "region_code",
            "region_not_found",
            _("No such jurisdiction node."),
        ),
        (
            ~pl.col("kind").is_in(VenueKind.values),
            "kind",
            "invalid_choice",
            _("Unknown venue kind."),
        ),
        (
            pl.col("code").is_in(list(taken)) | pl.col("code").is_duplicated(),
            "code",
            "venue_code_taken",
            _("This venue code is already registered."),
        ),
        (
            pl.col("name").str.len_chars().is_between(1, 120).not_(),
            "name",
            "invalid_name",
            _("A name of 1 to 120 characters is required."),
        ),
        (
            pl.col("code").str.len_chars().is_between(1, 40).not_(),
            "code",
            "invalid_code",
            _("A code of 1 to 40 characters is required."),
        ),
    )
    for mask, field_name, code, message in checks:
        for row in frame.filter(mask.fill_null(True))["_row"].to_list():
            errors.append(field_error(field_name, code, message, row=row))
    if errors:
        errors.sort(key=lambda error: error["row"])
        raise ValidationFailed(_("Some venues cannot be registered."), errors=errors)
    now = timezone.now()
    rows = frame.select(
        "code",
        "name",
        "region_id",
        "kind",
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
        version=pl.lit(1),
    )
    table_insert(Venue._meta.db_table, rows)
    audit_record(
        actor=actor,
        action="venues_bulk_register",
        object_type="venue",
        object_id="bulk",
        extra={"venues": rows.height},
    )
    return rows.height


# --------------------------------------------------------------------------- batches


@dataclass(frozen=True)
class BatchAnswer:
    """What a batch is answered with (and, for an accepted batch sent again, answered with
    again): its code, name, counts and days. ``repeat`` says this batch was accepted before."""

    code: str
    kind: str
    source: str
    batch_key: str
    status: str
    rows_total: int
    rows_accepted: int
    rows_rejected: int
    first_day: date | None
    last_day: date | None
    repeat: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "source": self.source,
            "batch_key": self.batch_key,
            "status": self.status,
            "rows_total": self.rows_total,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "repeat": self.repeat,
        }


def _answer(batch: IngestBatch, *, repeat: bool) -> BatchAnswer:
    return BatchAnswer(
        code=str(batch.code),
        kind=batch.kind,
        source=batch.source,
        batch_key=batch.batch_key,
        status=batch.status,
        rows_total=batch.rows_total,
        rows_accepted=batch.rows_accepted,
        rows_rejected=batch.rows_rejected,
        first_day=batch.first_day,
        last_day=batch.last_day,
        repeat=repeat,
    )


def _name_checked(value: str, field_name: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable():
        message = _("Required: printable, at most %(limit)s characters.") % {"limit": limit}
        raise ValidationFailed(message, errors=[field_error(field_name, "invalid", message)])
    return value


def _accepted(kind: str, source: str, batch_key: str) -> IngestBatch | None:
    return IngestBatch.objects.filter(
        kind=kind, source=source, batch_key=batch_key, status=BatchStatus.ACCEPTED
    ).first()


def _region_of(actor: AnyActor) -> Region:
    if isinstance(actor, SystemActor):
        root = Region.objects.filter(parent__isnull=True).order_by("path").first()
        if root is None:
            raise FangkongError(_("There is no jurisdiction tree yet."), code="no_regions")
        return root
    return Region.objects.get(pk=actor.region_id)


def batch_ingest(
    *,
    actor: AnyActor,
    kind: str,
    frame: pl.DataFrame,
    source: str,
    batch_key: str,
    first_row: int = 1,
) -> BatchAnswer:
    """Check a batch of scans or dwell intervals and store it whole, once.

    1. The actor must feed the store (``PermissionDenied``); ``source`` and ``batch_key``
       must be printable and short (``ValidationFailed``).
    2. An accepted batch of the same kind, source and key: answered with its first answer
       (``repeat=True``); nothing is checked or written again.
    3. :func:`tracing.checks.frame_check` against the retention window of the rule set in
       force at the actor's node (rows numbered from ``first_row``). Rejected rows: the batch
       is recorded as refused (counts only) and audited in its own transaction, then
       ``ValidationFailed`` lists every rejected row and field (``detail["rows_rejected"]``
       counts them).
    4. The rows are written into their day partitions, one file per day, each atomically.
    5. In one transaction, the accepted :class:`IngestBatch` (its files: the store's manifest)
       and one audit row with the counts. If another writer recorded the same batch first
       (the unique constraint), this batch's files are removed and the winner's answer given.
    """
    require_ingest_role(actor)
    if kind not in FeedKind.values:
        raise ValidationFailed(
            _("Unknown kind of batch."),
            errors=[field_error("kind", "invalid_choice", _("Unknown kind of batch."))],
        )
    source = _name_checked(source, "source", MAX_SOURCE_LENGTH)
    batch_key = _name_checked(batch_key, "batch", MAX_KEY_LENGTH)
    existing = _accepted(kind, source, batch_key)
    if existing is not None:
        return _answer(existing, repeat=True)
    now = timezone.now()
    today = timezone.localdate(now)
    keep, rule_set = retention_days(actor, kind, today)
    earliest = today - timedelta(days=keep - 1)
    checked = frame_check(kind, frame, actor=actor, earliest=earliest, now=now, first_row=first_row)
    region = _region_of(actor)
    if checked.errors:
        with transaction.atomic():
            refused = IngestBatch.objects.create(
                kind=kind,
                source=source,
                batch_key=batch_key,
                status=BatchStatus.REFUSED,
                region=region,
                rows_total=checked.rows_total,
                rows_rejected=checked.rows_rejected,
                created_by=actor.username,
            )
            audit_record(
                actor=actor,
                action="tracing_batch_refuse",
                object_type="ingest_batch",
                object_id=refused.code,
                rule_set=rule_set,
                extra={"kind": kind, "rows": checked.rows_total, "rejected": checked.rows_rejected},
            )
        error = ValidationFailed(
            _("%(rejected)s of %(total)s rows were rejected; nothing was stored.")
            % {"rejected": checked.rows_rejected, "total": checked.rows_total},
            errors=checked.errors,
            code="batch_rejected",
        )
        error.detail["rows_rejected"] = checked.rows_rejected
        error.detail["rows_total"] = checked.rows_total
        error.detail["batch"] = str(refused.code)
        raise error
    batch = IngestBatch(
        kind=kind,
        source=source,
        batch_key=batch_key,
        status=BatchStatus.ACCEPTED,
        region=region,
        rows_total=checked.rows_total,
        rows_accepted=checked.rows_total,
        created_by=actor.username,
    )
    files: list[str] = []
    try:
        with transaction.atomic():
            batch.save(force_insert=True)
            # the row first: its id goes into every stored row, and a batch recorded by a
            # concurrent writer fails here, before any file is written
            rows = checked.frame.with_columns(batch=pl.lit(batch.pk, dtype=pl.Int64))
            parts = parts_write(kind, rows, name=batch.code.hex)
            files = [file for part in parts for file in part.files]
            batch.parts = [part.as_json() for part in parts]
            batch.bytes = sum(part.bytes for part in parts)
            batch.first_day = parts[0].day if parts else None
            batch.last_day = parts[-1].day if parts else None
            batch.save(update_fields=["parts", "bytes", "first_day", "last_day"])
            audit_record(
                actor=actor,
                action="tracing_batch_ingest",
                object_type="ingest_batch",
                object_id=batch.code,
                rule_set=rule_set,
                extra={
                    "kind": kind,
                    "rows": batch.rows_accepted,
                    "days": len(parts),
                    "bytes": batch.bytes,
                },
            )
    except IntegrityError:
        parts_remove(files)
        winner = _accepted(kind, source, batch_key)
        if winner is None:
            raise
        return _answer(winner, repeat=True)
    except BaseException:
        parts_remove(files)
        raise
    logger.info("tracing batch %s stored: %s rows of %s", batch.code, batch.rows_accepted, kind)
    return _answer(batch, repeat=False)

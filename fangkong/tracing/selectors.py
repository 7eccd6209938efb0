"""Reads of the tracing app, always for an actor.

* :func:`scans_for_person`: one person's venue scans for the investigator (the person comes
  from ``people.access.access_person``, which scopes and logs the person read; this logs the
  read of the whereabouts too).
* :func:`batch_list`, :func:`store_days`, :func:`last_purge`: the feed's view of the store
  (counts, no personal data).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import access_record
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.core.paging import Page, paginate
from fangkong.people.models import Person
from fangkong.regions.subtree import in_subtree
from fangkong.tracing.choices import FeedKind
from fangkong.tracing.models import IngestBatch, TracingPurge, Venue
from fangkong.tracing.roles import INGEST_ROLES, TRACE_READ_ROLES
from fangkong.tracing.store import days_on_disk, scans_frame

#: The longest look-back an investigator may ask for (the rule sets' retention is at most this).
MAX_DAYS = 60


def _require(actor: AnyActor, roles: frozenset[str], message: str) -> None:
    if isinstance(actor, SystemActor) or actor.role in roles:
        return
    raise PermissionDenied(message, code="role_not_allowed")


def require_trace_reader(actor: AnyActor) -> None:
    """``PermissionDenied`` unless the actor may read a person's scans (epidemiologists)."""
    _require(actor, TRACE_READ_ROLES, _("Your role may not read venue scans."))


@dataclass(frozen=True)
class ScanRow:
    """One scan of the person as the investigator sees it: where and when. A scan made for
    someone else (同行人员) says so without naming them."""

    venue_code: str
    venue_name: str
    venue_kind: str
    scanned_at: datetime
    left_at: datetime | None
    companions: int
    for_someone_else: bool


def scans_for_person(*, actor: AnyActor, person: Person, days: int) -> list[ScanRow]:
    """The venue scans of ``person`` over the last ``days`` local days (today included),
    oldest first, for an epidemiologist (``PermissionDenied`` otherwise).

    ``person`` must come from ``people.access.access_person`` (in the actor's subtree, its
    read logged); this logs one more access row, ``person_scans``, since whereabouts are
    sensitive on their own (PIPL Art. 28). ``days`` outside 1…60: ``ValidationFailed``.
    Scans the person made for others are included (as ``for_someone_else``); scans others
    made for the person are too, under the scanner's venue and time."""
    require_trace_reader(actor)
    if not 1 <= days <= MAX_DAYS:
        message = _("Days must be from 1 to %(max)s.") % {"max": MAX_DAYS}
        raise ValidationFailed(message, errors=[field_error("days", "out_of_range", message)])
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    # two reads rather than one OR: the files are in person order, so the first skips all but
    # one row group a day; the second reads only the (mostly empty) companion_for column
    frame = (
        pl.concat(
            [
                scans_frame(first, today, persons=[person.pk]),
                scans_frame(first, today).filter(
                    (pl.col("companion_for") == person.pk) & (pl.col("person") != person.pk)
                ),
            ]
        )
        .sort("scanned_at")
        .collect()
    )
    venues = {
        venue.pk: venue for venue in Venue.objects.filter(pk__in=frame["venue"].unique().to_list())
    }
    access_record(
        actor=actor,
        purpose=AccessPurpose.INVESTIGATION,
        action="person_scans",
        subject_type="person",
        subject_ids=[person.code],
    )
    rows: list[ScanRow] = []
    for row in frame.iter_rows(named=True):
        venue = venues[row["venue"]]
        rows.append(
            ScanRow(
                venue_code=venue.code,
                venue_name=venue.name,
                venue_kind=venue.kind,
                scanned_at=row["scanned_at"],
                left_at=row["left_at"],
                companions=row["companions"],
                for_someone_else=row["person"] == person.pk and row["companion_for"] is not None,
            )
        )
    return rows


# --------------------------------------------------------------------------- the feed's view


def batch_scope(actor: AnyActor) -> QuerySet[IngestBatch]:
    """Batches recorded at nodes of the actor's subtree (feeds and administrators only)."""
    _require(actor, INGEST_ROLES, _("Your role may not see the tracing store."))
    return IngestBatch.objects.filter(in_subtree(actor.region_path, field="region__path"))


def batch_list(
    *, actor: AnyActor, kind: str = "", status: str = "", page: int = 1, page_size: int = 50
) -> Page[IngestBatch]:
    """The actor's batches, newest first, optionally of one kind and status."""
    queryset = batch_scope(actor).order_by("-id")
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return paginate(queryset, page=page, page_size=page_size)


@dataclass
class DayFigures:
    """One local day of the store: batches that came in that day (accepted, refused, rows
    accepted, rows rejected), and the scan and dwell partitions of that day on disk."""

    day: date
    batches_accepted: int = 0
    batches_refused: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    scan_files: int = 0
    scan_bytes: int = 0
    dwell_files: int = 0
    dwell_bytes: int = 0


def store_days(*, actor: AnyActor, days: int = 21) -> list[DayFigures]:
    """The last ``days`` local days, newest first: what came in and what the store holds.

    The figures of what came in are the actor's subtree's; the partitions on disk serve the
    whole deployment, so only feeds at the top of the tree should read much into them."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    figures: dict[date, DayFigures] = defaultdict(lambda: DayFigures(day=today))
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    for batch in (
        batch_scope(actor)
        .filter(created_at__gte=since)
        .only("created_at", "status", "rows_accepted", "rows_rejected")
    ):
        day = timezone.localdate(batch.created_at)
        entry = figures[day]
        entry.day = day
        if batch.status == "accepted":
            entry.batches_accepted += 1
        else:
            entry.batches_refused += 1
        entry.rows_accepted += batch.rows_accepted
        entry.rows_rejected += batch.rows_rejected
    for kind in (FeedKind.SCANS, FeedKind.DWELLS):
        for found in days_on_disk(kind):
            if found.day < first:
                continue
            entry = figures[found.day]
            entry.day = found.day
            if kind == FeedKind.SCANS:
                entry.scan_files, entry.scan_bytes = found.files, found.bytes
            else:
                entry.dwell_files, entry.dwell_bytes = found.files, found.bytes
    return sorted(figures.values(), key=lambda entry: entry.day, reverse=True)


def last_purge(*, actor: AnyActor) -> TracingPurge | None:
    """The newest run of the retention job."""
    _require(actor, INGEST_ROLES, _("Your role may not see the tracing store."))
    return TracingPurge.objects.order_by("-ran_at", "-id").first()

"""The scan and dwell store: day-partitioned Parquet files under ``TRACING_STORE_DIR``.

Layout (docs/tracing.md says why not a database table), each day file sorted by person, then
time::

    scans/day=YYYY-MM-DD/part-<batch code>.parquet    person, venue, scanned_at, left_at,
                                                      companions, companion_for, batch
    dwells/day=YYYY-MM-DD/part-<batch code>.parquet   person, cell, start, end, batch

``person``, ``venue``, ``companion_for`` and ``batch`` are the integer ids of ``Person``,
``Venue`` and ``IngestBatch``; times are UTC microseconds. A row's day is the local date
(``TIME_ZONE``) of its ``scanned_at`` or ``start``: a stay that crosses midnight lives in the
day it began, so readers of a day range also read the day before it and keep what overlaps.

Writes are atomic per file: a part is written under a temporary name in its day directory and
renamed into place (``os.replace``). The accepted :class:`IngestBatch` rows are the manifest:
a file belongs to the store only once the transaction that records its batch has committed, so
a batch rolled back after its files were renamed leaves files no reader sees; the retention
job removes them (:func:`orphans_remove`).

The readers return Polars ``LazyFrame`` s (or Arrow tables) for the engine's pure functions
(``fangkong.engine``) to consume; nothing here decides who may read — callers are the tracing
selectors, which check the actor and log the read.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from fangkong.tracing.choices import BatchStatus, FeedKind
from fangkong.tracing.models import IngestBatch

TIME = pl.Datetime("us", "UTC")

#: Column types of the files of each kind, in file order.
SCAN_SCHEMA: dict[str, pl.DataType] = {
    "person": pl.Int64(),
    "venue": pl.Int64(),
    "scanned_at": TIME,
    "left_at": TIME,
    "companions": pl.Int16(),
    "companion_for": pl.Int64(),
    "batch": pl.Int64(),
}
DWELL_SCHEMA: dict[str, pl.DataType] = {
    "person": pl.Int64(),
    "cell": pl.Int64(),
    "start": TIME,
    "end": TIME,
    "batch": pl.Int64(),
}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    FeedKind.SCANS.value: SCAN_SCHEMA,
    FeedKind.DWELLS.value: DWELL_SCHEMA,
}
#: The column that decides a row's day, per kind, and the one that ends its stay.
START_COLUMN = {FeedKind.SCANS.value: "scanned_at", FeedKind.DWELLS.value: "start"}
END_COLUMN = {FeedKind.SCANS.value: "left_at", FeedKind.DWELLS.value: "end"}
#: Rows per Parquet row group: small enough that a venue or person filter skips most of a day.
ROW_GROUP_ROWS = 256_000
#: Temporary files older than this that no batch lists are left-overs of a failed write.
ORPHAN_AGE = timedelta(hours=1)


def store_root() -> Path:
    """The store's directory (``FANGKONG_TRACING_STORE_DIR``)."""
    return Path(settings.TRACING_STORE_DIR)


def day_dir(kind: str, day: date) -> Path:
    """The directory of one day's partition of ``kind``."""
    return store_root() / kind / f"day={day.isoformat()}"


def local_day(column: str) -> pl.Expr:
    """The local date (``TIME_ZONE``) of a UTC time column."""
    return pl.col(column).dt.convert_time_zone(settings.TIME_ZONE).dt.date()


def day_start(day: date) -> datetime:
    """Local midnight that starts ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@dataclass(frozen=True)
class Part:
    """One file written for a batch: its day, path relative to the store, rows and bytes."""

    day: date
    file: str
    rows: int
    bytes: int

    def as_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "file": self.file,
            "rows": self.rows,
            "bytes": self.bytes,
        }


def parts_write(kind: str, frame: pl.DataFrame, *, name: str) -> list[Part]:
    """Write ``frame`` (the columns of ``SCHEMAS[kind]``) into its day partitions, one file
    ``part-<name>.parquet`` per day, each atomically (temporary file, then rename).

    Returns the parts written, in day order. Raises ``FileExistsError`` when a part of that
    name is already there (a batch is written once) and ``OSError`` for the disk; parts
    already renamed then stay as orphans, invisible to readers (no batch lists them)."""
    schema = SCHEMAS[kind]
    frame = frame.select([pl.col(column).cast(dtype) for column, dtype in schema.items()])
    frame = frame.with_columns(_day=local_day(START_COLUMN[kind]))
    parts: list[Part] = []
    # person order inside a day: row-group statistics then let a one-person read skip all but
    # one group per day (docs/tracing.md has the measurements of both orders)
    ordered = frame.sort("_day", "person", START_COLUMN[kind])
    for (day,), rows in ordered.group_by(["_day"], maintain_order=True):
        assert isinstance(day, date)
        directory = day_dir(kind, day)
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / f"part-{name}.parquet"
        if final.exists():
            raise FileExistsError(final.name)
        temporary = directory / f".tmp-{uuid.uuid4().hex}.parquet"
        try:
            rows.drop("_day").write_parquet(
                temporary, compression="zstd", statistics=True, row_group_size=ROW_GROUP_ROWS
            )
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        parts.append(
            Part(
                day=day,
                file=str(final.relative_to(store_root())),
                rows=rows.height,
                bytes=final.stat().st_size,
            )
        )
    return parts


def parts_remove(files: Iterable[str]) -> None:
    """Delete the files (relative to the store) of a batch that did not commit."""
    root = store_root()
    for file in files:
        (root / file).unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading


def batch_files(kind: str, first_day: date, last_day: date) -> list[Path]:
    """The files of accepted batches of ``kind`` for the days ``first_day`` … ``last_day``:
    the store's manifest, read from the database (one query)."""
    root = store_root()
    files: list[Path] = []
    batches = IngestBatch.objects.filter(
        kind=kind,
        status=BatchStatus.ACCEPTED,
        first_day__lte=last_day,
        last_day__gte=first_day,
    ).values_list("parts", flat=True)
    first, last = first_day.isoformat(), last_day.isoformat()
    for parts in batches:
        files.extend(root / part["file"] for part in parts if first <= part["day"] <= last)
    return sorted(files)


def among(column: str, values: Collection[int]) -> pl.Expr:
    """``column`` is one of ``values``, written so that Parquet row-group statistics can skip
    groups: Polars does not prune on ``is_in`` alone, so the values' range goes first (at 10 M
    scans one person's 14 days took 494 ms with ``is_in`` alone, 76 ms with the range)."""
    listed = pl.Series(list(values), dtype=pl.Int64)
    if listed.len() == 0:
        return pl.lit(False)
    return pl.col(column).is_between(listed.min(), listed.max()) & pl.col(column).is_in(
        listed.implode()
    )


def _frame(
    kind: str, first_day: date, last_day: date, column: str, values: Collection[int] | None
) -> pl.LazyFrame:
    """Rows of ``kind`` whose stay overlaps the local days ``first_day`` … ``last_day``
    (the partitions of those days and of the day before, for stays that began before
    midnight), optionally only those whose ``column`` is one of ``values``."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    schema = SCHEMAS[kind]
    files = batch_files(kind, first_day - timedelta(days=1), last_day)
    if not files:
        return pl.LazyFrame(schema=schema)
    start, end = START_COLUMN[kind], END_COLUMN[kind]
    low = day_start(first_day).astimezone(UTC)
    high = day_start(last_day + timedelta(days=1)).astimezone(UTC)
    frame = pl.scan_parquet(files, schema=schema)
    if values is not None:
        frame = frame.filter(among(column, values))
    # half-open stays: one that ends at midnight is not in the next day; an open check-in
    # (no left_at) counts at its scan time only
    reaches = pl.when(pl.col(end).is_null()).then(pl.col(start) >= low).otherwise(pl.col(end) > low)
    return frame.filter((pl.col(start) < high) & reaches)


def scans_frame(
    first_day: date,
    last_day: date,
    *,
    venues: Collection[int] | None = None,
    persons: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Scans that overlap the local days ``first_day`` … ``last_day`` (venue or person ids
    to narrow them): ``person, venue, scanned_at, left_at, companions, companion_for,
    batch``."""
    frame = _frame(FeedKind.SCANS, first_day, last_day, "venue", venues)
    if persons is not None:
        frame = frame.filter(among("person", persons))
    return frame


def dwells_frame(
    first_day: date,
    last_day: date,
    *,
    cells: Collection[int] | None = None,
    persons: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Dwell intervals that overlap the local days ``first_day`` … ``last_day`` (cell or
    person ids to narrow them): ``person, cell, start, end, batch``."""
    frame = _frame(FeedKind.DWELLS, first_day, last_day, "cell", cells)
    if persons is not None:
        frame = frame.filter(among("person", persons))
    return frame


def scans_arrow(first_day: date, last_day: date, **narrow: Collection[int] | None) -> pa.Table:
    """:func:`scans_frame` collected as an Arrow table."""
    return scans_frame(first_day, last_day, **narrow).collect().to_arrow()


def dwells_arrow(first_day: date, last_day: date, **narrow: Collection[int] | None) -> pa.Table:
    """:func:`dwells_frame` collected as an Arrow table."""
    return dwells_frame(first_day, last_day, **narrow).collect().to_arrow()


# --------------------------------------------------------------------------- disk


@dataclass(frozen=True)
class DayOnDisk:
    """One day partition as found on disk: files and bytes (orphans included)."""

    kind: str
    day: date
    files: int
    bytes: int


def days_on_disk(kind: str) -> list[DayOnDisk]:
    """Every day partition of ``kind`` on disk, oldest first."""
    base = store_root() / kind
    if not base.is_dir():
        return []
    found: list[DayOnDisk] = []
    for directory in sorted(base.iterdir()):
        if not directory.is_dir() or not directory.name.startswith("day="):
            continue
        try:
            day = date.fromisoformat(directory.name.removeprefix("day="))
        except ValueError:
            continue
        files = [path for path in directory.iterdir() if path.is_file()]
        found.append(DayOnDisk(kind, day, len(files), sum(path.stat().st_size for path in files)))
    return found


def day_remove(kind: str, day: date) -> None:
    """Delete one day partition of ``kind`` with everything in it."""
    shutil.rmtree(day_dir(kind, day), ignore_errors=True)


def orphans_remove(kind: str, listed: Collection[str]) -> int:
    """Delete files of ``kind`` older than :data:`ORPHAN_AGE` that no batch lists (``listed``:
    paths relative to the store): parts of batches that never committed and temporary files
    of writes that died. Returns how many went."""
    root = store_root()
    base = root / kind
    if not base.is_dir():
        return 0
    cutoff = time.time() - ORPHAN_AGE.total_seconds()
    removed = 0
    for path in base.glob("day=*/*"):
        if not path.is_file() or str(path.relative_to(root)) in listed:
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed

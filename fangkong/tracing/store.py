"""The scan and dwell store: day-partitioned Parquet files under ``TRACING_STORE_DIR``.

Layout (docs/tracing.md says why not a database table and why two orders)::

    scans/day=YYYY-MM-DD/part-<batch code>.parquet    person, venue, scanned_at, left_at,
                                                      companions, companion_for, batch
    scans/day=YYYY-MM-DD/place-<batch code>.parquet   the same rows in venue order
    dwells/day=YYYY-MM-DD/part-<batch code>.parquet   person, cell, start, end, batch
    dwells/day=YYYY-MM-DD/place-<batch code>.parquet  the same rows in cell order

Each batch writes its rows of a day twice: ``part-`` sorted by person, then time, in row
groups of :data:`ROW_GROUP_ROWS` (a person's reads skip all but one group a day), and
``place-`` sorted by venue or cell (:data:`PLACE_COLUMN`), then time, in small row groups of
:data:`PLACE_ROW_GROUP_ROWS` (a read of a case's venues or cells skips all but a few). Readers
narrowed to places read the ``place-`` files, every other read the ``part-`` files.

``person``, ``venue``, ``companion_for`` and ``batch`` are the integer ids of ``Person``,
``Venue`` and ``IngestBatch``; times are UTC microseconds. A row's day is the local date
(``TIME_ZONE``) of its ``scanned_at`` or ``start``: a stay that crosses midnight lives in the
day it began, so readers of a day range also read the day before it and keep what overlaps.

Writes are atomic per file: a part is written under a temporary name in its day directory and
renamed into place (``os.replace``); a day's two files are both written before either is
renamed. The accepted :class:`IngestBatch` rows are the manifest:
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
#: The place column of each kind: the order of the day's second file.
PLACE_COLUMN = {FeedKind.SCANS.value: "venue", FeedKind.DWELLS.value: "cell"}
#: Rows per Parquet row group of the person-ordered files: small enough that a person filter
#: skips most of a day.
ROW_GROUP_ROWS = 256_000
#: Rows per row group of the place-ordered files: a case's few venues lie in a few groups of
#: 7 M a day (one venue day of 7 M scans, six venues: 10 ms at 16k rows a group, 23 ms at 64k,
#: 61 ms at 128k, 1.1 s in person order; docs/tracing.md).
PLACE_ROW_GROUP_ROWS = 16_384
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
    """One day of a batch: its day, the person-ordered file and the place-ordered file (paths
    relative to the store), the rows (each file holds them all) and the bytes of both files."""

    day: date
    file: str
    place_file: str
    rows: int
    bytes: int

    @property
    def files(self) -> list[str]:
        return [self.file, self.place_file]

    def as_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "file": self.file,
            "place_file": self.place_file,
            "rows": self.rows,
            "bytes": self.bytes,
        }


def part_files(part: dict[str, object]) -> list[str]:
    """The files (relative to the store) of one manifest entry (:meth:`Part.as_json`); entries
    written before the place-ordered copy existed have the person-ordered file only."""
    return [str(part[key]) for key in ("file", "place_file") if part.get(key)]


def parts_write(kind: str, frame: pl.DataFrame, *, name: str) -> list[Part]:
    """Write ``frame`` (the columns of ``SCHEMAS[kind]``) into its day partitions: per day,
    ``part-<name>.parquet`` in person order and ``place-<name>.parquet`` in place order, both
    written to temporary files and synced before either is renamed into place.

    Returns the parts written, in day order. Raises ``FileExistsError`` when a part of that
    name is already there (a batch is written once) and ``OSError`` for the disk; files
    already renamed then stay as orphans, invisible to readers (no batch lists them)."""
    schema = SCHEMAS[kind]
    frame = frame.select([pl.col(column).cast(dtype) for column, dtype in schema.items()])
    frame = frame.with_columns(_day=local_day(START_COLUMN[kind]))
    start, place = START_COLUMN[kind], PLACE_COLUMN[kind]
    parts: list[Part] = []
    for (day,), rows in frame.sort("_day").group_by(["_day"], maintain_order=True):
        assert isinstance(day, date)
        rows = rows.drop("_day")
        directory = day_dir(kind, day)
        directory.mkdir(parents=True, exist_ok=True)
        # person order: a one-person read skips all but one group a day; place order in
        # small groups: a read of a case's venues skips all but a few (docs/tracing.md)
        layouts = [
            (directory / f"part-{name}.parquet", (("person", start), ROW_GROUP_ROWS)),
            (directory / f"place-{name}.parquet", ((place, start), PLACE_ROW_GROUP_ROWS)),
        ]
        for final, _ in layouts:
            if final.exists():
                raise FileExistsError(final.name)
        written: list[tuple[Path, Path]] = []
        try:
            for final, (order, group_rows) in layouts:
                temporary = directory / f".tmp-{uuid.uuid4().hex}.parquet"
                written.append((temporary, final))
                rows.sort(*order).write_parquet(
                    temporary, compression="zstd", statistics=True, row_group_size=group_rows
                )
                with open(temporary, "rb") as handle:
                    os.fsync(handle.fileno())
            for temporary, final in written:
                os.replace(temporary, final)
        finally:
            for temporary, _ in written:
                temporary.unlink(missing_ok=True)
        parts.append(
            Part(
                day=day,
                file=str(layouts[0][0].relative_to(store_root())),
                place_file=str(layouts[1][0].relative_to(store_root())),
                rows=rows.height,
                bytes=sum(final.stat().st_size for final, _ in layouts),
            )
        )
    return parts


def parts_remove(files: Iterable[str]) -> None:
    """Delete the files (relative to the store) of a batch that did not commit."""
    root = store_root()
    for file in files:
        (root / file).unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading


def batch_files(
    kind: str, first_day: date, last_day: date, *, by_place: bool = False
) -> list[Path]:
    """The files of accepted batches of ``kind`` for the days ``first_day`` … ``last_day``:
    the store's manifest, read from the database (one query). The person-ordered files, or
    with ``by_place`` the place-ordered ones (the person-ordered file of a part written
    before those existed)."""
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
        files.extend(
            root / ((part.get("place_file") if by_place else None) or part["file"])
            for part in parts
            if first <= part["day"] <= last
        )
    return sorted(files)


def among(column: str, values: Collection[int]) -> pl.Expr:
    """``column`` is one of ``values``, written so that Parquet row-group statistics can skip
    groups. Polars (2.1) prunes on ``is_in`` only when the set is a literal
    (``pl.lit(series).implode()``; with ``series.implode()`` it read 775 of a day's 872 row
    groups for five venues, with the literal 17); the values' range goes first all the same
    (one person's 14 days at 10 M scans: 494 ms with the unpruned ``is_in`` alone, 76 ms with
    the range)."""
    listed = pl.Series(list(values), dtype=pl.Int64)
    if listed.len() == 0:
        return pl.lit(False)
    return pl.col(column).is_between(listed.min(), listed.max()) & pl.col(column).is_in(
        pl.lit(listed).implode()
    )


def _frame(
    kind: str, first_day: date, last_day: date, column: str, values: Collection[int] | None
) -> pl.LazyFrame:
    """Rows of ``kind`` whose stay overlaps the local days ``first_day`` … ``last_day``
    (the partitions of those days and of the day before, for stays that began before
    midnight), optionally only those whose place ``column`` is one of ``values`` — read from
    the place-ordered files then, from the person-ordered ones otherwise."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    schema = SCHEMAS[kind]
    files = batch_files(kind, first_day - timedelta(days=1), last_day, by_place=values is not None)
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

"""``store``: S venue-code scans over 14 days written through the product's store writer
(``fangkong.tracing.store.parts_write``), then one person's contacts read back from it — the
measurement issue 19 §3 asks for (default S = 100 M, the headline; ``--scale`` for smaller).

Data (seeded, generated one day at a time so that memory stays at one day's rows): S ÷ 14
scans a day, S ÷ 5 persons, S ÷ 100 venues with Zipf popularity (rank ** −0.9), arrivals
around 14:00 local time ± 4 h, log-normal stays (median ≈ 46 min, at most 8 h): the
distribution of analytics-reference.md §5.3 that ``bench/tracing_store.py`` uses, and
2 % of the scans made for a companion.

Timed:

* **write**: each day's frame through ``parts_write("scans", …)`` — cast to the store's
  schema, the local day, sorted by person and time into zstd Parquet in 256k-row groups and
  by venue and time into 16k-row groups (the venue-ordered copy), both written to temporary
  files, ``fsync``, renamed — as ``batch_ingest`` stores an accepted batch.
  Generating the rows and recording the batch in the manifest (an ``IngestBatch`` row, a fresh
  SQLite database) are not timed.
* **disk**: the bytes of the day files, both orders (the venue-ordered copy's share shown).
* **case query** (``--repeat`` cases, each timed once after one warm-up case): one person's
  contacts over the 14 days as ``tracing.contacts`` derives them — the person's scans
  (``scans_frame(persons=…)``, the trajectory, from the person-ordered files), the scans of
  those venues over those days (``scans_frame(venues=…)``, from the venue-ordered copy;
  companions placed too), ``engine.copresence.stays_index`` and
  ``contacts_find``; answered: distinct persons. ``person_read`` is the first step alone
  (``scans_for_person``'s read).

No baseline: the figures are absolute (docs/tracing.md compares the store with a PostgreSQL
table at 10 M). Everything is written under a temporary directory and removed afterwards
(``FANGKONG_BENCH_KEEP=1`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.harness import Report

DAYS = 14
SEED = 20220404
FIRST_DAY = date(2026, 11, 23)
COMPANION_SHARE = 0.02
MAX_STAY = 8 * 3600


def _configure(root: Path) -> None:
    """Django on a fresh SQLite database and a store directory under ``root``."""
    os.environ.pop("DATABASE_URL", None)
    os.environ["FANGKONG_DATA_DIR"] = str(root)
    os.environ["FANGKONG_TRACING_STORE_DIR"] = str(root / "tracing")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def day_scans(count: int, day: int, *, persons: int, venues: int) -> pl.DataFrame:
    """``count`` scans of day ``day`` (0-based) in local time (see the module docstring)."""
    from django.utils import timezone

    rng = np.random.default_rng([SEED, day])
    weights = np.arange(1, venues + 1, dtype=np.float64) ** -0.9
    weights /= weights.sum()
    venue = rng.choice(venues, size=count, p=weights).astype(np.int64) + 1
    person = rng.integers(1, persons + 1, size=count, dtype=np.int64)
    arrival = np.clip(rng.normal(14 * 3600, 4 * 3600, size=count), 0, 86_399).astype(np.int64)
    stay = np.minimum(rng.lognormal(np.log(46 * 60), 0.8, size=count), MAX_STAY).astype(np.int64)
    midnight = timezone.make_aware(
        datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time())
    )
    scanned = int(midnight.timestamp()) + arrival
    companion = rng.random(count) < COMPANION_SHARE
    companion_for = np.where(companion, rng.integers(1, persons + 1, size=count), 0)
    return pl.DataFrame(
        {
            "person": person,
            "venue": venue,
            "scanned_at": pl.from_epoch(pl.Series(scanned), time_unit="s"),
            "left_at": pl.from_epoch(pl.Series(scanned + stay), time_unit="s"),
            "companions": pl.Series(companion.astype(np.int16)),
            "companion_for": pl.Series(companion_for).replace(0, None),
            "batch": pl.Series(np.full(count, day + 1, dtype=np.int64)),
        }
    ).with_columns(pl.col("scanned_at", "left_at").dt.replace_time_zone("UTC"))


def _manifest(day: int, parts: list[Any], region: Any) -> None:
    """Record the day's files as one accepted batch, as ``batch_ingest`` does."""
    from fangkong.tracing.models import IngestBatch

    IngestBatch.objects.create(
        kind="scans",
        source="bench",
        batch_key=f"day-{day}",
        status="accepted",
        region=region,
        rows_total=sum(part.rows for part in parts),
        rows_accepted=sum(part.rows for part in parts),
        first_day=min(part.day for part in parts),
        last_day=max(part.day for part in parts),
        parts=[part.as_json() for part in parts],
        bytes=sum(part.bytes for part in parts),
        created_by="bench",
    )


def person_contacts(person: int) -> tuple[int, int]:
    """(scans of the person, distinct contacts) over the 14 days, as ``tracing.contacts``
    derives them from venue scans (see the module docstring)."""
    from fangkong.engine.copresence import OPEN, contacts_find, stays_index
    from fangkong.tracing.store import scans_frame

    last = FIRST_DAY + timedelta(days=DAYS - 1)
    visits = scans_frame(FIRST_DAY, last, persons=[person]).collect()
    if visits.height == 0:
        return 0, 0
    days = visits["scanned_at"].dt.convert_time_zone("Asia/Shanghai").dt.date()
    scans = scans_frame(
        days.min(),  # type: ignore[arg-type]
        days.max(),  # type: ignore[arg-type]
        venues=visits["venue"].unique().to_list(),
    ).collect()
    companions = scans.filter(pl.col("companion_for").is_not_null()).with_columns(
        pl.col("companion_for").alias("person")
    )
    stays = pl.concat([scans, companions]).select(
        "person",
        "venue",
        pl.col("scanned_at").dt.epoch("s").alias("check_in"),
        pl.col("left_at").dt.epoch("s").fill_null(OPEN).alias("check_out"),
    )
    index = stays_index(
        person=stays["person"].to_numpy(),
        venue=stays["venue"].to_numpy(),
        check_in=stays["check_in"].to_numpy(),
        check_out=stays["check_out"].to_numpy(),
        stay_limit=MAX_STAY,
    )
    found = contacts_find(
        index,
        venue=visits["venue"].to_numpy(),
        start=visits["scanned_at"].dt.epoch("s").to_numpy(),
        end=visits["left_at"].dt.epoch("s").to_numpy(),
        exclude_person=np.full(visits.height, person, dtype=np.int64),
    )
    return visits.height, int(np.unique(found.person).shape[0])


def run(args: argparse.Namespace) -> Report:
    scans = args.scale
    root = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        return _run(scans, args.repeat, root)
    finally:
        if os.environ.get("FANGKONG_BENCH_KEEP"):
            print(f"kept {root} (FANGKONG_BENCH_KEEP)", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def _run(scans: int, repeat: int, root: Path) -> Report:
    _configure(root)
    from fangkong.regions.models import Region
    from fangkong.tracing.store import parts_write, scans_frame

    region = Region.objects.create(code="110000", name="bench", level=1, path="110000")
    persons, venues = max(1, scans // 5), max(1, scans // 100)
    per_day = [scans // DAYS + (1 if day < scans % DAYS else 0) for day in range(DAYS)]
    write_s: list[float] = []
    generate_s = 0.0
    disk = files = place_disk = 0
    for day, count in enumerate(per_day):
        started = time.perf_counter()
        frame = day_scans(count, day, persons=persons, venues=venues)
        generate_s += time.perf_counter() - started
        started = time.perf_counter()
        parts = parts_write("scans", frame, name=f"bench-{day:02d}")
        write_s.append(time.perf_counter() - started)
        del frame
        _manifest(day, parts, region)
        disk += sum(part.bytes for part in parts)
        place_disk += sum((root / "tracing" / part.place_file).stat().st_size for part in parts)
        files += sum(len(part.files) for part in parts)
        print(f"day {day + 1}/{DAYS}: {count:,} scans written in {write_s[-1]:.1f} s", flush=True)

    rng = np.random.default_rng(SEED)
    chosen = rng.integers(1, persons + 1, size=repeat + 1).tolist()
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    query_s: list[float] = []
    read_s: list[float] = []
    answers: list[tuple[int, int]] = []
    person_contacts(chosen[0])  # warm-up: the page cache and the first imports
    for person in chosen[1:]:
        started = time.perf_counter()
        scans_frame(FIRST_DAY, last, persons=[person]).collect()
        read_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        answers.append(person_contacts(person))
        query_s.append(time.perf_counter() - started)
    stored = scans_frame(FIRST_DAY, last).select(pl.len()).collect().item()
    if stored != scans:
        raise SystemExit(f"the store holds {stored:,} scans, {scans:,} were written")

    total_write = sum(write_s)
    report = Report(name="store", scale=scans)
    report.rows += [
        ("scans, days, persons, venues", f"{scans:,}, {DAYS}, {persons:,}, {venues:,}"),
        ("generate (not timed)", f"{generate_s:.1f} s"),
        ("write through parts_write", f"{total_write:.1f} s ({scans / total_write:,.0f} rows/s)"),
        ("per day (min–max)", f"{min(write_s):.1f}–{max(write_s):.1f} s"),
        ("on disk", f"{disk / 1e6:,.1f} MB in {files} files ({disk / scans:.2f} B/scan)"),
        ("  of which the venue-ordered copy", f"{place_disk / 1e6:,.1f} MB"),
        (
            "case query: one person's contacts, 14 days",
            f"median {statistics.median(query_s) * 1000:.0f} ms, "
            f"max {max(query_s) * 1000:.0f} ms over {len(query_s)} persons",
        ),
        (
            "  of which the person's scans",
            f"median {statistics.median(read_s) * 1000:.0f} ms",
        ),
        (
            "  visits, contacts per person (median)",
            f"{statistics.median(a[0] for a in answers):.0f}, "
            f"{statistics.median(a[1] for a in answers):,.0f}",
        ),
    ]
    report.figures.update(
        {
            "write_s": total_write,
            "rows_per_s": scans / total_write,
            "disk_mb": disk / 1e6,
            "bytes_per_scan": disk / scans,
            "place_disk_mb": place_disk / 1e6,
            "query_p50_ms": statistics.median(query_s) * 1000,
            "query_max_ms": max(query_s) * 1000,
            "person_read_p50_ms": statistics.median(read_s) * 1000,
            "contacts_p50": float(statistics.median(a[1] for a in answers)),
        }
    )
    report.notes.append(
        "no baseline: absolute figures (docs/tracing.md compares with PostgreSQL at 10 M)"
    )
    return report

"""Why the tracing store is day-partitioned Parquet: the same synthetic scans in the store's
layout (read by Polars and DuckDB) and in a PostgreSQL table, the same queries on both.

``python -m bench.tracing_store --scans 10000000 --database postgres://…/fk_tracing``

Data (seeded): ``--scans`` venue-code scans over 14 days, ``scans / 5`` persons, ``scans / 100``
venues with Zipf popularity (rank ** -0.9), arrivals around 14:00 ± 4 h, log-normal stays
(median ≈ 46 min, capped at 8 h): the distribution of analytics-reference.md §5.3. Written
the way ``tracing.store.parts_write`` writes (zstd, 256k-row groups, one file per day, sorted
by scan time); into PostgreSQL with ``COPY`` and two B-tree indexes, (venue, scanned_at) and
(person, scanned_at), as a capable engineer would index it.

Queries, each the median of ``--repeat`` runs after one warm-up:

* ``venue_window``: the scans at 20 venues within a 2-hour window on one day (what a case's
  trajectory visit asks);
* ``venue_day``: every scan of the busiest venue on one day;
* ``person_14d``: one person's scans over the 14 days (``scans_for_person``);
* ``day_scan``: every scan of one day, read whole (what the contact engine prepares from).

Nothing here is product code; it prints figures and ratios.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import psycopg

DAY_US = 86_400_000_000
START = datetime(2026, 11, 23, tzinfo=UTC)


def scans_make(count: int, seed: int = 42) -> pl.DataFrame:
    """``count`` scans over 14 days (see the module docstring)."""
    rng = np.random.default_rng(seed)
    persons = max(1, count // 5)
    venues = max(1, count // 100)
    weights = np.arange(1, venues + 1, dtype=np.float64) ** -0.9
    weights /= weights.sum()
    venue = rng.choice(venues, size=count, p=weights).astype(np.int64)
    person = rng.integers(0, persons, size=count, dtype=np.int64)
    day = rng.integers(0, 14, size=count, dtype=np.int64)
    arrival = np.clip(rng.normal(14 * 3600, 4 * 3600, size=count), 0, 86_399).astype(np.int64)
    stay = np.minimum(rng.lognormal(np.log(46 * 60), 0.8, size=count), 8 * 3600).astype(np.int64)
    start_us = int(START.timestamp() * 1_000_000)
    scanned = start_us + day * DAY_US + arrival * 1_000_000
    return pl.DataFrame(
        {
            "person": person,
            "venue": venue,
            "scanned_at": pl.Series(scanned).cast(pl.Datetime("us", "UTC")),
            "left_at": pl.Series(scanned + stay * 1_000_000).cast(pl.Datetime("us", "UTC")),
            "companions": pl.Series(np.zeros(count, dtype=np.int16)),
            "companion_for": pl.Series([None] * count, dtype=pl.Int64),
            "batch": pl.Series(np.ones(count, dtype=np.int64)),
        }
    )


def _median(step: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = step()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def parquet_write(
    frame: pl.DataFrame, root: Path, order: tuple[str, ...] = ("person", "scanned_at")
) -> tuple[float, int, list[Path]]:
    started = time.perf_counter()
    files = []
    framed = frame.with_columns(_day=pl.col("scanned_at").dt.date()).sort("_day", *order)
    for (day,), rows in framed.group_by(["_day"], maintain_order=True):
        directory = root / f"day={day}"
        directory.mkdir(parents=True)
        path = directory / "part-bench.parquet"
        rows.drop("_day").write_parquet(
            path, compression="zstd", statistics=True, row_group_size=256_000
        )
        files.append(path)
    size = sum(path.stat().st_size for path in files)
    return time.perf_counter() - started, size, files


def pg_load(frame: pl.DataFrame, url: str) -> tuple[float, float, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_tracing_scan")
        conn.execute(
            "CREATE TABLE bench_tracing_scan (person bigint NOT NULL, venue bigint NOT NULL, "
            "scanned_at timestamptz NOT NULL, left_at timestamptz, companions smallint NOT NULL, "
            "companion_for bigint, batch bigint NOT NULL)"
        )
        started = time.perf_counter()
        chunk = 1_000_000
        with conn.cursor() as cursor:
            for offset in range(0, frame.height, chunk):
                buffer = io.BytesIO()
                frame.slice(offset, chunk).write_csv(buffer, include_header=False, null_value="")
                with cursor.copy(
                    "COPY bench_tracing_scan FROM STDIN WITH (FORMAT csv, NULL '')"
                ) as copy:
                    copy.write(buffer.getvalue())
        loaded = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("CREATE INDEX ON bench_tracing_scan (venue, scanned_at)")
        conn.execute("CREATE INDEX ON bench_tracing_scan (person, scanned_at)")
        conn.execute("VACUUM ANALYZE bench_tracing_scan")
        indexed = time.perf_counter()
        size = conn.execute("SELECT pg_total_relation_size('bench_tracing_scan')").fetchone()
        assert size is not None
        return loaded - started, indexed - loaded, int(size[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing_store")
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="", help="postgres://… (omit: Parquet only)")
    parser.add_argument(
        "--order",
        choices=("person", "time"),
        default="person",
        help="row order inside a day file (the store's: person, then scan time)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    frame = scans_make(args.scans)
    print(f"generated {frame.height:,} scans in {time.perf_counter() - started:.1f} s")
    busiest = int(frame["venue"].mode()[0])
    rng = np.random.default_rng(7)
    sample_venues = [int(v) for v in rng.choice(frame["venue"].unique().to_numpy(), 19)]
    venues = [busiest, *sample_venues]
    person = int(frame["person"][12345])
    day = START + timedelta(days=7)
    low, high = day + timedelta(hours=13), day + timedelta(hours=15)
    root = Path(tempfile.mkdtemp(prefix="bench-tracing-"))
    figures: dict[str, dict[str, float]] = {}
    try:
        order = ("person", "scanned_at") if args.order == "person" else ("scanned_at",)
        seconds, size, files = parquet_write(frame, root, order)
        print(f"parquet: written in {seconds:.1f} s, {size / 1e6:.1f} MB ({len(files)} files)")
        day_file = [f for f in files if f.parent.name == f"day={day.date()}"]
        all_files = [str(f) for f in files]

        def polars_venue_window() -> int:
            return (
                pl.scan_parquet(day_file)
                .filter(
                    pl.col("venue").is_in(pl.Series(venues).implode())
                    & (pl.col("scanned_at") < high)
                    & (pl.col("left_at") > low)
                )
                .collect()
                .height
            )

        def polars_venue_day() -> int:
            return pl.scan_parquet(day_file).filter(pl.col("venue") == busiest).collect().height

        def polars_person() -> int:
            return pl.scan_parquet(all_files).filter(pl.col("person") == person).collect().height

        def polars_day() -> int:
            return pl.read_parquet(day_file).height

        duck = duckdb.connect()
        day_sql = f"read_parquet('{day_file[0]}')"
        all_sql = f"read_parquet({all_files!r})"
        venue_list = ",".join(map(str, venues))

        def duck_count(sql: str) -> Callable[[], int]:
            def run() -> int:
                return int(duck.execute(sql).fetchall()[0][0])

            return run

        polars = {
            "venue_window": polars_venue_window,
            "venue_day": polars_venue_day,
            "person_14d": polars_person,
            "day_scan": polars_day,
        }
        # the SQL is built from this script's own numbers and temporary paths only
        ducks = {
            "venue_window": duck_count(
                f"SELECT count(*) FROM {day_sql} WHERE venue IN ({venue_list}) "  # noqa: S608
                f"AND scanned_at < '{high.isoformat()}' AND left_at > '{low.isoformat()}'"
            ),
            "venue_day": duck_count(
                f"SELECT count(*) FROM {day_sql} WHERE venue = {busiest}"  # noqa: S608
            ),
            "person_14d": duck_count(
                f"SELECT count(*) FROM {all_sql} WHERE person = {person}"  # noqa: S608
            ),
            "day_scan": lambda: (
                duck.sql(
                    f"SELECT * FROM {day_sql}"  # noqa: S608
                )
                .to_arrow_table()
                .num_rows
            ),
        }
        rows: dict[str, int] = {}
        for name in polars:
            figures[name] = {}
            figures[name]["polars"], rows[name] = _median(polars[name], args.repeat)
            figures[name]["duckdb"], duck_rows = _median(ducks[name], args.repeat)
            assert duck_rows == rows[name], (name, duck_rows, rows[name])
        if args.database:
            copy_s, index_s, pg_size = pg_load(frame, args.database)
            print(
                f"postgresql: COPY {copy_s:.1f} s, two indexes {index_s:.1f} s, "
                f"{pg_size / 1e6:.1f} MB with indexes"
            )
            with psycopg.connect(args.database) as conn:

                def pg(sql: str, params: tuple[Any, ...]) -> Callable[[], int]:
                    def run() -> int:
                        return len(conn.execute(sql, params).fetchall())

                    return run

                base = "SELECT * FROM bench_tracing_scan WHERE "
                pgs = {
                    "venue_window": pg(
                        base + "venue = ANY(%s) AND scanned_at < %s AND left_at > %s "
                        "AND scanned_at >= %s",
                        (venues, high, low, low - timedelta(hours=8)),
                    ),
                    "venue_day": pg(
                        base + "venue = %s AND scanned_at >= %s AND scanned_at < %s",
                        (busiest, day, day + timedelta(days=1)),
                    ),
                    "person_14d": pg(base + "person = %s", (person,)),
                    "day_scan": pg(
                        base + "scanned_at >= %s AND scanned_at < %s",
                        (day, day + timedelta(days=1)),
                    ),
                }
                for name, run in pgs.items():
                    figures[name]["postgresql"], pg_rows = _median(run, args.repeat)
                    assert pg_rows == rows[name], (name, pg_rows, rows[name])
            with psycopg.connect(args.database, autocommit=True) as conn:
                conn.execute("DROP TABLE bench_tracing_scan")
        print(f"{'query':<14}{'rows':>10}" + "".join(f"{k:>12}" for k in figures["day_scan"]))
        for name, timings in figures.items():
            cells = "".join(f"{value * 1000:>10.1f}ms" for value in timings.values())
            print(f"{name:<14}{rows[name]:>10,}{cells}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

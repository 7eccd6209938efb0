"""``companions``: spatiotemporal companions (时空伴随, R20) of C = 1,000 cases among the dwell
intervals of N people on 800 m cells over 14 days (benchmarks.md; default N = 10 M, the
headline scale; ``--scale`` for smaller).

Setup (not timed): the synthetic city of N residents (``fangkong.sim``) lives 14 days; its
dwell intervals (person, cell, start, end: each night at home, each stay in another cell; 2.7
a person a day) go to one Parquet file (``bench/citydata.py``, kept between runs). 1,000 cases
are drawn among 10 M residents; a smaller ``--scale`` keeps that density (1 in 10,000, at
least 10 cases).

Each side, timed, ``--repeat`` times, all-in from the file:

* **ours**: read the file (PyArrow; person and cell stay int32 and uint16) and
  :func:`fangkong.engine.companions.companions_find` (window = the 14 days, more than 10
  minutes, no cumulative-stay filter): the dwells in cells a case visited, bucketed per cell
  (long ones, then by day of start), and per (case, cell) the case's presence function F
  evaluated at every dwell's ends in the buckets it can reach (``np.interp``), F(e) − F(s)
  summed per person (``np.bincount``) — no pair of dwells expanded;
* **DuckDB** (a capable engineer's SQL, analytics-reference §5.3): the same from
  ``read_parquet`` — dwells clipped to the window, the cases' dwells, both replicated into
  every UTC day they touch and equi-joined on (cell, day) with the overlap predicate, each
  pair of dwells counted in its first common day only, summed per (companion, case, cell),
  kept when > 10 minutes, summed per (companion, case).

Both must return identical (case, companion, overlap) rows. ``ratio`` = ours ÷ DuckDB, all-in.

The headline (10 M residents, 373 M dwell intervals) does not fit this machine: 1 M residents
(41.6 M dwells, 17.5 M companion rows, since the synthetic city's cells hold ~6,600 residents
each, about 10,000 residents a km², a dense city's centre) peaked at
9.0 GB in one process holding both sides' rows, and the rows grow faster than N. The history
in docs/benchmarks.md holds the growth curve (100 k, 300 k, 1 M). ``cpu_s`` and
``duckdb_cpu_s`` (process CPU seconds, DuckDB's threads included) show the work each side did
when other work shares the machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from bench.citydata import START, city_days
from bench.harness import Report, Timing

DAYS = 14
DAY = 86_400
SEED = 20220404
CASES = 1_000
HEADLINE_RESIDENTS = 10_000_000
MIN_OVERLAP = 600

Rows = npt.NDArray[np.int64]

DUCKDB_SQL = """
    WITH d AS (
        SELECT person, cell, greatest(start, $ws) AS s, least("end", $we) AS e
        FROM read_parquet($path)
        WHERE least("end", $we) > greatest(start, $ws)
    ),
    c AS (SELECT * FROM d WHERE person IN (SELECT unnest($cases))),
    cb AS (
        SELECT person, cell, s, e, s // 86400 AS first_day,
               unnest(range(s // 86400, (e - 1) // 86400 + 1)) AS day
        FROM c
    ),
    db AS (
        SELECT person, cell, s, e, s // 86400 AS first_day,
               unnest(range(s // 86400, (e - 1) // 86400 + 1)) AS day
        FROM d WHERE cell IN (SELECT DISTINCT cell FROM c)
    ),
    per_cell AS (
        SELECT db.person AS companion, cb.person AS "case", db.cell,
               sum(least(db.e, cb.e) - greatest(db.s, cb.s)) AS overlap
        FROM cb JOIN db ON db.cell = cb.cell AND db.day = cb.day
        WHERE db.s < cb.e AND db.e > cb.s AND db.person <> cb.person
          AND cb.day = greatest(db.first_day, cb.first_day)
        GROUP BY ALL
        HAVING sum(least(db.e, cb.e) - greatest(db.s, cb.s)) > $min_overlap
    )
    SELECT "case", companion, sum(overlap)::BIGINT AS overlap FROM per_cell GROUP BY ALL
"""


def _ours(path: Path, cases: Rows, window: tuple[int, int]) -> Rows:
    from fangkong.engine.companions import companions_find

    table = pq.read_table(path)
    found = companions_find(
        person=table["person"].to_numpy(),
        cell=table["cell"].to_numpy(),
        start=table["start"].to_numpy(),
        end=table["end"].to_numpy(),
        cases=cases,
        window_start=window[0],
        window_end=window[1],
        min_overlap=MIN_OVERLAP,
    )
    return np.column_stack([found.case, found.companion, found.overlap])


def _duckdb(path: Path, cases: Rows, window: tuple[int, int]) -> Rows:
    import duckdb

    connection: Any = duckdb.connect()
    result = connection.execute(
        DUCKDB_SQL,
        {
            "path": str(path),
            "ws": window[0],
            "we": window[1],
            "cases": cases.tolist(),
            "min_overlap": MIN_OVERLAP,
        },
    ).fetchnumpy()
    connection.close()
    return np.column_stack(
        [np.asarray(result[k], dtype=np.int64) for k in ("case", "companion", "overlap")]
    )


def _sorted(rows: Rows) -> Rows:
    return rows[np.lexsort(rows.T[::-1])] if rows.shape[0] else rows


def run(args: argparse.Namespace) -> Report:
    from fangkong.sim.life import epoch_of

    residents = args.scale
    directory, setup_s = city_days(residents, days=DAYS, seed=SEED)
    path = directory / "dwells.parquet"
    dwells = pq.ParquetFile(path).metadata.num_rows
    rng = np.random.default_rng(SEED)
    # 1,000 cases in 10 M people; a smaller city keeps that density (1 in 10,000), or the
    # companions of 1,000 cases in a small city would be most of it
    count = max(10, round(CASES * residents / HEADLINE_RESIDENTS))
    cases = np.sort(rng.choice(residents, size=min(count, residents), replace=False)).astype(
        np.int64
    )
    epoch = epoch_of(START)
    window = (epoch, epoch + DAYS * DAY)

    ours_s: list[float] = []
    theirs_s: list[float] = []
    # CPU seconds of the process (DuckDB's threads included) beside the wall clock: on a
    # machine shared with other work they show what each side did
    ours_cpu: list[float] = []
    theirs_cpu: list[float] = []
    rows = persons = 0
    for _ in range(args.repeat):
        started, cpu = time.perf_counter(), time.process_time()
        ours = _ours(path, cases, window)
        ours_s.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        theirs = _duckdb(path, cases, window)
        theirs_s.append(time.perf_counter() - started)
        theirs_cpu.append(time.process_time() - cpu)
        ours, theirs = _sorted(ours), _sorted(theirs)
        if not np.array_equal(ours, theirs):
            raise SystemExit(
                f"companions differ: ours {ours.shape[0]:,} rows, DuckDB {theirs.shape[0]:,}"
            )
        rows = int(ours.shape[0])
        persons = int(np.unique(ours[:, 1]).shape[0])
        del ours, theirs

    mine, baseline = Timing("ours", ours_s), Timing("duckdb", theirs_s)
    report = Report(name="companions", scale=residents)
    report.rows += [
        ("residents, days, dwell intervals", f"{residents:,}, {DAYS}, {dwells:,}"),
        ("setup (city, 14 days, Parquet; 0 = kept)", f"{setup_s:.1f} s"),
        ("cases", f"{cases.shape[0]:,}"),
        ("(case, companion) rows; distinct companions", f"{rows:,}; {persons:,}"),
        ("ours: read + companions_find", mine.text()),
        ("DuckDB: SQL over the Parquet file", baseline.text()),
        (
            "CPU seconds, ours; DuckDB (median)",
            f"{float(np.median(ours_cpu)):.2f}; {float(np.median(theirs_cpu)):.2f}",
        ),
    ]
    report.figures = {
        "dwells": float(dwells),
        "seconds": mine.median,
        "duckdb_s": baseline.median,
        "cpu_s": float(np.median(ours_cpu)),
        "duckdb_cpu_s": float(np.median(theirs_cpu)),
        "rows": float(rows),
        "companions": float(persons),
    }
    report.ratio = mine.median / baseline.median
    report.notes.append(
        "all-in from the same Parquet file on both sides; > 10 min in one cell within the 14 "
        "days, no cumulative-stay filter; identical rows checked; ratio = ours ÷ DuckDB"
    )
    return report

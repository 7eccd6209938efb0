"""The synthetic city's venue-code scans and cell dwell intervals on disk, for the engine's
benchmarks (``contacts``, ``companions``).

:func:`city_days` runs ``fangkong.sim`` (city, places, ``days`` days of every resident's life,
no outbreak needed) into ``scans.parquet`` and ``dwells.parquet`` (one row group per day,
:class:`fangkong.sim.parquet.ParquetSink`) under ``bench/results/data/`` and keeps them: the
files depend only on (residents, days, seed), so a growth curve or a second run reuses them.
Generating is setup, never timed; reading the files is part of both sides' timed work.
"""

from __future__ import annotations

import gc
import time
from datetime import date
from pathlib import Path

from bench.harness import RESULTS

START = date(2022, 4, 4)
DATA = RESULTS / "data"


def city_days(residents: int, *, days: int, seed: int) -> tuple[Path, float]:
    """The directory holding the city's scans and dwells, and the seconds spent making them
    (0 when they were already there)."""
    from fangkong.sim.city import city_generate
    from fangkong.sim.life import Life
    from fangkong.sim.parquet import ParquetSink
    from fangkong.sim.places import places_generate

    directory = DATA / f"city-{residents}-{days}d-{seed}"
    done = directory / "DONE"
    if done.exists():
        return directory, 0.0
    started = time.perf_counter()
    city = city_generate(residents=residents, seed=seed, as_of=START)
    places = places_generate(city, seed=seed)
    del city
    gc.collect()
    life = Life(places, start=START, seed=seed)
    sink = ParquetSink(directory)
    for day in range(days):
        sink(life.day(day))
    sink.close(life=life, days=days)
    del life, places, sink
    gc.collect()
    done.write_text("")
    return directory, time.perf_counter() - started

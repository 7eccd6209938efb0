"""Write a simulated city to Parquet for the analytics engine (pyarrow; no Django).

:class:`ParquetSink` streams the days of a run — ``scans.parquet`` and ``dwells.parquet``, one
row group per day, so a month of a large city never sits in memory — and :meth:`close` writes
the rest: the places, the ground truth and the observations. :func:`simulation_write` runs the
whole chain (places, outbreak, observations) into a directory. Times are int64 epoch seconds.

Files: ``scans`` (person, venue, arrival, departure, kind 0 visit / 1 work / 2 school),
``dwells`` (person, cell, start, end), ``venues``, ``sites``, ``households``, ``persons``
(person_key, household_key, district, age, occupation, site, team), ``cells``,
``infections`` and ``courses`` (ground truth), ``daily``, ``fever_clinic``, ``pharmacy``,
``absences`` and ``tests`` (observations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from fangkong.sim.day import Day
from fangkong.sim.life import Life, LifeParams
from fangkong.sim.observe import ObservationParams, Observations, observations_generate
from fangkong.sim.outbreak import OutbreakResult, outbreak_run
from fangkong.sim.outbreak_params import OutbreakParams
from fangkong.sim.places import Places

COMPRESSION = "zstd"


@dataclass
class ParquetSink:
    """Receives :class:`Day` objects (pass it as ``on_day``) and appends them to the files."""

    directory: Path
    compression: str = COMPRESSION
    rows: dict[str, int] = field(default_factory=lambda: {"scans": 0, "dwells": 0})
    _writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def _append(self, name: str, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        writer = self._writers.get(name)
        if writer is None:
            writer = pq.ParquetWriter(
                self.directory / f"{name}.parquet", table.schema, compression=self.compression
            )
            self._writers[name] = writer
        writer.write_table(table)
        self.rows[name] = self.rows.get(name, 0) + frame.height

    def __call__(self, day: Day) -> None:
        self._append("scans", day.scans())
        self._append("dwells", day.dwells())

    def close(
        self,
        *,
        life: Life,
        days: int,
        places: Places | None = None,
        result: OutbreakResult | None = None,
        observations: Observations | None = None,
    ) -> None:
        """Append the nights at home still open, close the streams, write the other files."""
        self._append("dwells", life.finish(days))
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        frames: dict[str, pl.DataFrame] = {}
        if places is not None:
            frames |= {
                "venues": places.venues,
                "sites": places.sites,
                "households": places.households,
                "persons": places.persons,
                "cells": places.cells,
            }
        if result is not None:
            frames |= {
                "infections": result.infections,
                "courses": result.courses,
                "daily": result.daily,
            }
        if observations is not None:
            frames |= {
                "fever_clinic": observations.fever_clinic,
                "pharmacy": observations.pharmacy,
                "absences": observations.absences,
                "tests": observations.tests,
            }
        for name, frame in frames.items():
            pq.write_table(
                frame.to_arrow(), self.directory / f"{name}.parquet", compression=self.compression
            )
            self.rows[name] = frame.height


def simulation_write(
    places: Places,
    directory: Path,
    *,
    start: date,
    days: int,
    seed: int,
    params: OutbreakParams | None = None,
    life_params: LifeParams | None = None,
    observation_params: ObservationParams | None = None,
    compression: str = COMPRESSION,
) -> dict[str, int]:
    """Run the outbreak for ``days`` days and write everything under ``directory``; returns
    the number of rows written per file."""
    life = Life(places, start=start, seed=seed, params=life_params)
    sink = ParquetSink(directory, compression=compression)
    result = outbreak_run(
        places, start=start, days=days, seed=seed, params=params, life=life, on_day=sink
    )
    observations = observations_generate(places, result, seed=seed, params=observation_params)
    sink.close(life=life, days=days, places=places, result=result, observations=observations)
    return dict(sink.rows)


def read_table(directory: Path, name: str) -> pa.Table:
    """One of the files written, as an Arrow table."""
    return pq.read_table(directory / f"{name}.parquet")

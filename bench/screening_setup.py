"""The ``screening`` benchmark's setup (not timed): the city loaded in parts with the plain
document numbers a sampler scans kept by part, the persons read back, the round's frames (zones,
tubes, members, results), the accounts, point and lab, and the baseline's empty schema.
``bench/screening.py`` runs the rounds."""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.harness import peak_memory_mb
from bench.staff import staff_make
from fangkong.sim.city import City
from fangkong.sim.parts import CityParts

SEED = 20220404
PREVALENCE = 0.001
INVALID_SHARE = 0.0005
AWAY_SHARE = 0.10
PART_RESIDENTS = 1_000_000  # generating a part peaks near 1 GB, loading it near 2 GB
COPY_BLOCK_BYTES = 64 << 20  # CSV from COPY is parsed by Polars this many bytes at a time
#: The baseline's tables live in a schema of their own.
BASELINE = "bench_baseline"
#: The pooling group whose rule takes one household per tube.
HOUSEHOLD_GROUP = "sealed_household"


@dataclass(frozen=True, eq=False)
class _PartsKeepingDocuments(CityParts):
    """The city's parts, keeping each part's identity documents (type and plain number, what
    a sampler scans) as the loader draws it: the database holds numbers encrypted only."""

    documents: list[Any] = field(default_factory=list)

    def __iter__(self) -> Iterator[City]:
        for part in super().__iter__():
            self.documents.append(part.documents.select("doc_type", "number"))
            yield part


def _round_frames(persons: Any, prevalence: float = PREVALENCE) -> tuple[Any, Any]:
    """Tubes and bindings for the residents present, by the zone of their grid.

    ``persons`` has ``person_id``, ``region_id``, ``household_id``, ``doc_type``, ``number``.
    Tubes: ``tube_index``, ``barcode`` (without the round's prefix), ``ratio`` asked for
    (null: the rule's), ``group``, ``member_count``, ``result``; bindings: ``tube_index``,
    ``person_id``, ``region_id``, ``household_id``, ``position``, ``doc_type``, ``number``,
    ordered by tube and position.
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(SEED)
    present = persons.filter(pl.Series(rng.random(persons.height) >= AWAY_SHARE))
    zone_of = pl.col("region_id") % 20
    present = present.with_columns(
        pl.when(zone_of == 0)
        .then(1)
        .when(zone_of <= 3)
        .then(0)  # one tube per household
        .when(zone_of <= 9)
        .then(10)
        .otherwise(20)
        .cast(pl.Int8)
        .alias("ratio")
    ).sort(["region_id", "household_id", "person_id"])
    rank = pl.int_range(pl.len()).over("region_id")
    present = present.with_columns(
        pl.when(pl.col("ratio") == 0)
        .then(pl.col("household_id"))
        .otherwise(rank // pl.col("ratio"))
        .cast(pl.Int32)
        .alias("slot")
    )
    # a household of more than 20 goes into several tubes
    present = present.with_columns(
        (pl.int_range(pl.len()).over(["region_id", "slot"]) // 20).cast(pl.Int32).alias("split")
    )
    # tubes numbered in (region, slot, split) order (the dense rank of the triple), members
    # in id order within their tube
    present = present.sort(["region_id", "slot", "split", "person_id"])
    new_tube = (
        (pl.col("region_id") != pl.col("region_id").shift(1))
        | (pl.col("slot") != pl.col("slot").shift(1))
        | (pl.col("split") != pl.col("split").shift(1))
    ).fill_null(True)
    present = present.with_columns(
        (new_tube.cum_sum().cast(pl.Int64) - 1).alias("tube_index"),
    )
    present = present.with_columns(
        pl.int_range(pl.len()).over("tube_index").cast(pl.Int16).alias("position"),
        pl.Series("infected", rng.random(present.height) < prevalence),
    )
    tubes = (
        present.group_by("tube_index")
        .agg(
            pl.len().alias("member_count"),
            pl.col("ratio").first().cast(pl.Int32),
            pl.col("infected").any(),
        )
        .sort("tube_index")
    )
    bindings = present.select(
        "tube_index",
        "person_id",
        "region_id",
        "household_id",
        "position",
        "doc_type",
        "number",
    )
    del present
    invalid = pl.Series(rng.random(tubes.height) < INVALID_SHARE)
    tubes = tubes.select(
        "tube_index",
        pl.format("T{}", pl.col("tube_index").cast(pl.String).str.zfill(10)).alias("barcode"),
        # the point's zone pools 20 (the rule); a tube asks for fewer, or the household group
        pl.when(pl.col("ratio").is_in([1, 10])).then(pl.col("ratio")).alias("ratio"),
        pl.when(pl.col("ratio") == 0)
        .then(pl.lit(HOUSEHOLD_GROUP))
        .otherwise(pl.lit(""))
        .alias("group"),
        "member_count",
        pl.when(pl.col("infected") & (pl.col("member_count") > 1))
        .then(pl.lit("pooled_positive"))
        .when(pl.col("infected"))
        .then(pl.lit("positive"))
        .when(invalid)
        .then(pl.lit("invalid"))
        .otherwise(pl.lit("negative"))
        .alias("result"),
    )
    return tubes, bindings.sort(["tube_index", "position"])


def _persons() -> Any:
    """Every person's id, grid, household and document blind index, in id order: ``COPY … TO
    STDOUT`` as CSV, parsed by Polars ``COPY_BLOCK_BYTES`` at a time."""
    import polars as pl
    from django.db import connection

    schema = {
        "person_id": pl.Int32,
        "region_id": pl.Int32,
        "household_id": pl.Int32,
        "number_index": pl.String,
    }
    query = (
        "COPY (SELECT DISTINCT ON (p.id) p.id, p.region_id, p.household_id, d.number_index "
        "FROM people_person p LEFT JOIN people_identitydocument d ON d.person_id = p.id "
        "ORDER BY p.id, d.id) TO STDOUT WITH (FORMAT csv)"
    )

    def parse(data: bytes | bytearray) -> Any:
        return pl.read_csv(io.BytesIO(data), has_header=False, schema=schema)

    frames = []
    pending = bytearray()
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for block in copy:
            pending += block
            if len(pending) >= COPY_BLOCK_BYTES:
                cut = pending.rindex(b"\n") + 1
                frames.append(parse(pending[:cut]))
                del pending[:cut]
    if pending:
        frames.append(parse(pending))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, rechunk=True)


def _persons_with_numbers(documents: list[Any]) -> Any:
    """The persons (:func:`_persons`) with the plain document each holds, matched by blind
    index; every person must have one (the sampler scans it)."""
    import polars as pl

    from fangkong.people.documents import number_index

    kept = pl.concat(documents, rechunk=True)
    kept = kept.with_columns(
        pl.Series(
            "number_index",
            [
                number_index(doc_type, number)
                for doc_type, number in zip(kept["doc_type"], kept["number"], strict=True)
            ],
            dtype=pl.String,
        )
    )
    persons = _persons().join(kept, on="number_index", how="left").drop("number_index")
    missing = persons.filter(pl.col("number").is_null()).height
    if missing:
        raise AssertionError(f"{missing} persons without a document the sampler can scan")
    return persons.sort("person_id")


def memory_gb() -> str:
    return f"{peak_memory_mb() / 1024:.2f} GB"


class PhasePeaks:
    """Peak resident memory of each phase, from ``/proc/self/statm`` sampled every
    ``interval`` seconds in a thread: ``ru_maxrss`` only gives the peak so far, and the setup's
    peak hides the later phases'. Nothing is sampled where ``/proc`` is missing."""

    def __init__(self, interval: float = 0.02) -> None:
        self.peaks: dict[str, float] = {}
        self.phase = ""
        self._statm = Path("/proc/self/statm")
        self._page = os.sysconf("SC_PAGE_SIZE") if self._statm.exists() else 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, args=(interval,))
        self._thread.daemon = True

    def _sample(self) -> None:
        if self.phase and self._page:
            rss = int(self._statm.read_text().split()[1]) * self._page / 2**20
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), rss)

    def _sample_until_stopped(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self._sample()

    def enter(self, phase: str) -> None:
        """Start counting towards ``phase`` (the first call starts the sampler)."""
        self._sample()
        self.phase = phase
        self._sample()
        if self._page and not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> list[tuple[str, str]]:
        """Stop sampling; one report row per phase."""
        self._sample()
        self._stop.set()
        return [(f"peak memory: {name}", f"{mb / 1024:.2f} GB") for name, mb in self.peaks.items()]


@dataclass
class Setup:
    """What every round needs: the actors, the point, the lab, the frames, and the tubes'
    members as plain Python (doc type, number) lists in tube order."""

    sampler: Any
    dispatcher: Any
    technician: Any
    commander: Any
    root: Any
    point: Any
    lab: Any
    rule_set: str
    tubes: Any
    bindings: Any
    persons: Any
    members: list[list[tuple[str, str]]]
    seconds: float = 0.0
    parts: int = 1
    load_seconds: float = 0.0


def prepare(
    residents: int,
    *,
    prevalence: float = PREVALENCE,
    phases: PhasePeaks | None = None,
    part_residents: int = PART_RESIDENTS,
) -> Setup:
    """Load the city and set up the round's people, places and frames (not timed), and an
    empty baseline schema. Runs on the configured (PostgreSQL) database."""
    from django.contrib.auth import get_user_model

    from fangkong.accounts.choices import Role
    from fangkong.core.actor import SYSTEM
    from fangkong.lab.rounds.services import (
        lab_create,
        lab_staff_add,
        point_staff_add,
        sampling_point_create,
    )
    from fangkong.policy.selectors import rules_for
    from fangkong.policy.services import rule_set_override_create
    from fangkong.regions.choices import RegionLevel
    from fangkong.regions.models import Region
    from fangkong.sim.load import city_parts_load
    from fangkong.sim.parts import city_parts

    started = time.perf_counter()
    phases = phases or PhasePeaks()
    phases.enter("city load")
    planned = city_parts(
        residents=residents, seed=SEED, as_of=date(2022, 4, 4), part_residents=part_residents
    )
    parts = _PartsKeepingDocuments(**{f.name: getattr(planned, f.name) for f in fields(planned)})

    def progress(index: int, people: Any) -> None:
        if len(parts) > 1:
            elapsed = time.perf_counter() - started
            print(
                f"  setup: part {index + 1}/{len(parts)} ({people.persons:,} persons) "
                f"after {elapsed:.0f} s, peak {memory_gb()}",
                file=sys.stderr,
                flush=True,
            )

    city_parts_load(parts, actor=SYSTEM, on_part=progress)
    load_seconds = time.perf_counter() - started
    root = Region.objects.filter(level=RegionLevel.CITY).order_by("path").first()
    community = Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("path").first()
    assert root is not None
    assert community is not None
    # Today's national edition (the 10th) has no area screening and samples singly; the city
    # turns area screening on and pools 20 to a tube outside risk areas, as a city meeting an
    # outbreak does (round_open refuses an area round otherwise).
    rule_set_override_create(
        actor=SYSTEM,
        key="bench-area-screening",
        region=root,
        name_zh="基准测试区域核酸检测",
        name_en="Benchmark area screening",
        effective_from=date.today() - timedelta(days=1),
        parameters={
            "screening": {"area_screening_enabled": True},
            "pooling": {"by_zone": {"other": {"ratio": 20, "per_household": False}}},
        },
        reason="screening benchmark: rounds of area screening, 20 to a tube",
    )
    commander = staff_make(role=Role.COMMANDER, region=root, username="bench-commander")
    sampler = staff_make(role=Role.SAMPLER, region=community, username="bench-sampler")
    dispatcher = staff_make(role=Role.TRANSFER_DISPATCHER, region=root, username="bench-dispatcher")
    technician = staff_make(role=Role.LAB_TECHNICIAN, region=root, username="bench-technician")
    point = sampling_point_create(actor=commander, region=community, name="基准采样点")
    lab = lab_create(actor=commander, region=root, name="基准检测中心")
    users = get_user_model().objects
    point_staff_add(actor=commander, point=point, user=users.get(pk=sampler.user_id))
    lab_staff_add(actor=commander, lab=lab, user=users.get(pk=technician.user_id))
    rule_set = rules_for(community, date.today()).label
    phases.enter("reading persons")
    persons = _persons_with_numbers(parts.documents)
    parts.documents.clear()
    phases.enter("round frames")
    tubes, bindings = _round_frames(persons, prevalence)
    numbers = bindings["number"].to_list()
    doc_types = bindings["doc_type"].to_list()
    members: list[list[tuple[str, str]]] = []
    start = 0
    for count in tubes["member_count"].to_list():
        stop = start + count
        members.append(list(zip(doc_types[start:stop], numbers[start:stop], strict=True)))
        start = stop
    del numbers, doc_types
    _baseline_schema()
    return Setup(
        sampler=sampler,
        dispatcher=dispatcher,
        technician=technician,
        commander=commander,
        root=root,
        point=point,
        lab=lab,
        rule_set=rule_set,
        tubes=tubes,
        bindings=bindings.drop("number"),
        persons=persons.select("person_id", "region_id"),
        members=members,
        seconds=time.perf_counter() - started,
        parts=len(parts),
        load_seconds=load_seconds,
    )


def _baseline_schema() -> None:
    """Empty tables shaped like ours (columns, defaults, checks, the same indexes) with the same
    foreign keys, in a schema of their own."""
    from django.db import connection

    deferred = "DEFERRABLE INITIALLY DEFERRED"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {BASELINE} CASCADE")
        cursor.execute(f"CREATE SCHEMA {BASELINE}")
        for table, ours in (("tube", "lab_tube"), ("binding", "lab_binding")):
            cursor.execute(f"CREATE TABLE {BASELINE}.{table} (LIKE {ours} INCLUDING ALL)")
        cursor.execute(f"CREATE TABLE {BASELINE}.retest (LIKE lab_retesttask INCLUDING ALL)")
        for table, column, target in (
            ("tube", "round_id", "lab_screeninground"),
            ("tube", "point_id", "lab_samplingpoint"),
            ("tube", "lab_id", "lab_lab"),
            ("binding", "tube_id", f"{BASELINE}.tube"),
            ("binding", "round_id", "lab_screeninground"),
            ("binding", "person_id", "people_person"),
            ("binding", "region_id", "regions_region"),
            ("binding", "household_id", "people_household"),
            ("retest", "person_id", "people_person"),
            ("retest", "region_id", "regions_region"),
            ("retest", "source_tube_id", f"{BASELINE}.tube"),
        ):
            cursor.execute(
                f"ALTER TABLE {BASELINE}.{table} ADD FOREIGN KEY ({column}) "
                f"REFERENCES {target} (id) {deferred}"
            )


def parquet_write(setup: Setup, directory: str) -> dict[str, str]:
    """The DuckDB script's inputs (persons, bindings, results) as Parquet under ``directory``."""
    paths = {
        name: str(Path(directory) / f"{name}.parquet")
        for name in ("persons", "bindings", "results")
    }
    setup.persons.write_parquet(paths["persons"])
    setup.bindings.select("tube_index", "person_id", "region_id").write_parquet(paths["bindings"])
    setup.tubes.select("tube_index", "result").write_parquet(paths["results"])
    return paths

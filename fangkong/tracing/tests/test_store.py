"""The store's two orders: every batch day written in person order and in venue (cell) order,
the place-narrowed reads served from the place-ordered copy with row groups skipped, both
files purged and reconciled together, and the same rows (and the same contacts) as the
person-ordered files give."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pyarrow.parquet as pq
import pytest
import time_machine

from fangkong.cases.services.investigation import trajectory_visit_add
from fangkong.core.actor import SYSTEM
from fangkong.people.tests.factories import person_make
from fangkong.regions.models import Region
from fangkong.tracing import store
from fangkong.tracing.choices import BatchStatus
from fangkong.tracing.contacts.choices import ContactSetting
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.services import contacts_derive
from fangkong.tracing.contacts.tests.factories import scene_make
from fangkong.tracing.models import IngestBatch
from fangkong.tracing.purge import tracing_purge
from fangkong.tracing.services import batch_ingest
from fangkong.tracing.store import batch_files, dwells_frame, scans_frame
from fangkong.tracing.tests.factories import scan_row, venue_make

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=LOCAL)
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    keys = dict.fromkeys(key for row in rows for key in row)
    return pl.DataFrame(
        [{key: row.get(key) for key in keys} for row in rows],
        schema=dict.fromkeys(keys, pl.String),
    )


def _generated_scans(tree: dict[str, Region], now: datetime, *, seed: int) -> list[Any]:
    """Random scans of 25 persons at 6 venues over the 3 days before ``now``, some open,
    some made for a companion; returns the venues."""
    rng = random.Random(seed)
    persons = [person_make(region=tree["grid_a1"]) for _ in range(25)]
    venues = [venue_make(region=tree["grid_a1"]) for _ in range(6)]
    rows = []
    for _ in range(300):
        at = now - timedelta(minutes=rng.randrange(200, 3 * 24 * 60))
        stay = None if rng.random() < 0.1 else timedelta(minutes=rng.randrange(1, 180))
        scanner, companion = rng.sample(persons, 2)
        extra = {"companion_for": str(companion.code)} if rng.random() < 0.1 else {}
        rows.append(scan_row(scanner, rng.choice(venues), at, stay=stay, **extra))
    unique = list({(r["person"], r["venue"], r["scanned_at"]): r for r in rows}.values())
    for number, start in enumerate(range(0, len(unique), 120)):
        batch_ingest(
            actor=SYSTEM,
            kind="scans",
            frame=_frame(unique[start : start + 120]),
            source="gen",
            batch_key=str(number),
        )
    return venues


def _strip_place_files() -> None:
    """Make the manifest list only the person-ordered files, as parts written before the
    place-ordered copy existed: the readers then fall back to the person order."""
    for batch in IngestBatch.objects.all():
        batch.parts = [{k: v for k, v in p.items() if k != "place_file"} for p in batch.parts]
        batch.save(update_fields=["parts"])


def test_each_batch_day_is_written_in_person_order_and_in_venue_order(
    tree: dict[str, Region], store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "PLACE_ROW_GROUP_ROWS", 4)
    with time_machine.travel(NOW, tick=False):
        _generated_scans(tree, NOW, seed=1)
    batch = IngestBatch.objects.filter(status=BatchStatus.ACCEPTED).first()
    assert batch is not None
    for part in batch.parts:
        person_file, place_file = store_dir / part["file"], store_dir / part["place_file"]
        assert person_file.name.startswith("part-")
        assert place_file.name.startswith("place-")
        assert person_file.parent == place_file.parent  # one day directory holds both
        assert part["bytes"] == person_file.stat().st_size + place_file.stat().st_size
        by_person, by_place = pl.read_parquet(person_file), pl.read_parquet(place_file)
        assert by_person.height == by_place.height == part["rows"]
        assert by_person.equals(by_person.sort("person", "scanned_at"))
        assert by_place.equals(by_place.sort("venue", "scanned_at"))
        assert by_place.sort(by_place.columns).equals(by_person.sort(by_person.columns))
        groups = pq.ParquetFile(place_file).metadata
        assert groups.num_row_groups == -(-part["rows"] // 4)
    assert batch.bytes == sum(part["bytes"] for part in batch.parts)


def test_venue_reads_come_from_the_venue_ordered_copy_and_skip_row_groups(
    tree: dict[str, Region], store_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: Any
) -> None:
    monkeypatch.setattr(store, "PLACE_ROW_GROUP_ROWS", 8)
    with time_machine.travel(NOW, tick=False):
        venues = _generated_scans(tree, NOW, seed=2)
        first, last = NOW.date() - timedelta(days=3), NOW.date()
        assert all(
            path.name.startswith("place-")
            for path in batch_files("scans", first, last, by_place=True)
        )
        wanted = [venues[1].pk]
        expected = scans_frame(first, last).filter(pl.col("venue") == venues[1].pk).collect()
        with pl.Config(verbose=True):
            capfd.readouterr()
            got = scans_frame(first, last, venues=wanted).collect()
            log = capfd.readouterr().err
        # the person-ordered files are not needed for it
        for path in batch_files("scans", first, last):
            path.unlink()
        again = scans_frame(first, last, venues=wanted).collect()
    columns = ["person", "venue", "scanned_at"]
    assert got.height > 0
    assert got.sort(columns).equals(expected.sort(columns))
    assert again.sort(columns).equals(expected.sort(columns))
    # Polars reports the row groups it read after the statistics: one venue of six is a few
    read = [line for line in log.splitlines() if "row groups" in line and "reading" in line]
    assert read, log
    kept = total = 0
    for line in read:
        counts = line.rsplit("reading", 1)[1].split("row groups")[0].split("/")
        kept, total = kept + int(counts[0]), total + int(counts[1])
    assert kept < total / 2


def test_venue_reads_equal_the_person_ordered_files_on_generated_data(
    tree: dict[str, Region],
) -> None:
    with time_machine.travel(NOW, tick=False):
        venues = _generated_scans(tree, NOW, seed=3)
        first, last = NOW.date() - timedelta(days=2), NOW.date()
        columns = ["person", "venue", "scanned_at", "left_at", "companion_for", "batch"]
        rng = random.Random(3)
        for size in (1, 2, 3, 6):
            chosen = [venue.pk for venue in rng.sample(venues, size)]
            from_place = scans_frame(first, last, venues=chosen).collect().sort(columns)
            from_person = (
                scans_frame(first, last).filter(pl.col("venue").is_in(chosen)).collect()
            ).sort(columns)
            assert from_place.height > 0
            assert from_place.equals(from_person)
        _strip_place_files()
        assert all(
            path.name.startswith("part-")
            for path in batch_files("scans", first, last, by_place=True)
        )
        fallback = scans_frame(first, last, venues=chosen).collect().sort(columns)
    assert fallback.equals(from_place)


def test_contacts_from_the_venue_ordered_copy_equal_those_from_the_person_order(
    tree: dict[str, Region],
) -> None:
    with time_machine.travel(NINTH, tick=False):
        onset = NINTH.date() - timedelta(days=1)
        scene = scene_make(tree, onset=onset, visit_at=NINTH - timedelta(days=2, hours=3))
        venues = [scene.venue, *_generated_scans(tree, NINTH, seed=4)]
        rng = random.Random(4)
        for venue in venues[1:]:
            at = NINTH - timedelta(minutes=rng.randrange(120, 3 * 24 * 60))
            trajectory_visit_add(
                actor=scene.epidemiologist,
                case=scene.case,
                place="场所",
                venue_code=venue.code,
                started_at=at,
                ended_at=at + timedelta(hours=3),
                source="interview",
            )

        def derived() -> set[tuple[int, int | None, int]]:
            contacts_derive(actor=scene.epidemiologist, case=scene.case)
            links = ContactLink.objects.filter(case=scene.case, setting=ContactSetting.VENUE)
            found: set[tuple[int, int | None, int]] = set(
                links.values_list("person_id", "venue_id", "overlap_seconds")
            )
            ContactLink.objects.filter(case=scene.case).delete()
            return found

        from_place = derived()
        _strip_place_files()
        from_person = derived()
    assert len(from_place) > 5
    assert from_place == from_person


def test_the_purge_removes_both_orders_and_keeps_listed_files(
    tree: dict[str, Region], store_dir: Path
) -> None:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    old = NOW - timedelta(days=13)
    with time_machine.travel(NOW, tick=False):
        answer = batch_ingest(
            actor=SYSTEM,
            kind="scans",
            frame=_frame(
                [scan_row(person, venue, old), scan_row(person, venue, NOW - timedelta(hours=1))]
            ),
            source="feed",
            batch_key="1",
        )
    name = answer.code.replace("-", "")
    kept_day = store_dir / "scans" / f"day={NOW.date().isoformat()}"
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        purge = tracing_purge()
    assert (purge.files, purge.rows) == (2, 1)
    assert not (store_dir / "scans" / f"day={old.date().isoformat()}").exists()
    # the kept day's files are listed: neither order is taken for an orphan
    assert sorted(path.name for path in kept_day.iterdir()) == [
        f"part-{name}.parquet",
        f"place-{name}.parquet",
    ]
    part = IngestBatch.objects.get().parts[0]
    assert (part["file"], part["place_file"]) == (
        f"scans/day={NOW.date().isoformat()}/part-{name}.parquet",
        f"scans/day={NOW.date().isoformat()}/place-{name}.parquet",
    )
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert scans_frame(NOW.date(), NOW.date(), venues=[venue.pk]).collect().height == 1


def test_a_batch_whose_second_order_fails_leaves_no_file_and_no_batch(
    tree: dict[str, Region], store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    written = pl.DataFrame.write_parquet
    calls: list[object] = []

    def failing(self: pl.DataFrame, file: Any, **options: Any) -> None:
        calls.append(file)
        if len(calls) == 2:
            raise OSError("disk full")
        written(self, file, **options)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing)
    with time_machine.travel(NOW, tick=False), pytest.raises(OSError, match="disk full"):
        batch_ingest(
            actor=SYSTEM,
            kind="scans",
            frame=_frame([scan_row(person, venue, NOW - timedelta(hours=1))]),
            source="feed",
            batch_key="1",
        )
    assert len(calls) == 2
    assert [path for path in store_dir.rglob("*") if path.is_file()] == []
    assert not IngestBatch.objects.filter(status=BatchStatus.ACCEPTED).exists()


def test_cell_reads_come_from_the_cell_ordered_copy(
    tree: dict[str, Region], store_dir: Path
) -> None:
    person = person_make(region=tree["grid_a1"])
    other = person_make(region=tree["grid_a1"])
    start = NOW - timedelta(hours=5)
    rows = [
        {"person": str(p.code), "cell": str(cell), "start": s.isoformat(), "end": e.isoformat()}
        for p, cell, s, e in [
            (person, 9, start, start + timedelta(hours=1)),
            (other, 3, start, start + timedelta(hours=2)),
            (other, 9, start + timedelta(hours=2), start + timedelta(hours=3)),
        ]
    ]
    with time_machine.travel(NOW, tick=False):
        batch_ingest(actor=SYSTEM, kind="dwells", frame=_frame(rows), source="cells", batch_key="1")
        place = batch_files("dwells", NOW.date(), NOW.date(), by_place=True)
        assert [path.name.split("-")[0] for path in place] == ["place"]
        assert pl.read_parquet(place[0])["cell"].to_list() == [3, 9, 9]
        got = dwells_frame(NOW.date(), NOW.date(), cells=[9]).collect()
    assert sorted(got["person"].to_list()) == sorted([person.pk, other.pk])

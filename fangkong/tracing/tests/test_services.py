"""Ingestion, the store's readers and the retention purge, through the services."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import time_machine

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.actor import SYSTEM
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.people.tests.factories import person_make
from fangkong.regions.models import Region
from fangkong.tracing.choices import BatchStatus
from fangkong.tracing.models import IngestBatch, TracingPurge
from fangkong.tracing.purge import tracing_purge
from fangkong.tracing.services import batch_ingest, venues_bulk_register
from fangkong.tracing.store import dwells_frame, scans_frame
from fangkong.tracing.tests.factories import scan_row, venue_make

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


def _files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.parquet"))


def _scans(rows: list[dict[str, object]]) -> pl.DataFrame:
    keys = dict.fromkeys(key for row in rows for key in row)
    return pl.DataFrame(
        [{key: row.get(key) for key in keys} for row in rows],
        schema=dict.fromkeys(keys, pl.String),
    )


def test_scans_land_in_day_partitions_and_read_back(
    tree: dict[str, Region], store_dir: Path
) -> None:
    person = person_make(region=tree["grid_a1"])
    other = person_make(region=tree["grid_a2"])
    venue = venue_make(region=tree["grid_a1"])
    rows = [
        scan_row(person, venue, NOW - timedelta(days=1, hours=2)),
        scan_row(other, venue, NOW - timedelta(days=1, hours=2, minutes=-10), companions="2"),
        scan_row(person, venue, NOW - timedelta(hours=3), stay=None),
    ]
    answer = batch_ingest(
        actor=SYSTEM, kind="scans", frame=_scans(rows), source="feed", batch_key="1"
    )
    assert (answer.status, answer.rows_accepted, answer.repeat) == ("accepted", 3, False)
    assert [str(answer.first_day), str(answer.last_day)] == ["2026-12-06", "2026-12-07"]
    name = answer.code.replace("-", "")
    assert _files(store_dir) == [
        f"scans/day=2026-12-06/part-{name}.parquet",
        f"scans/day=2026-12-06/place-{name}.parquet",
        f"scans/day=2026-12-07/part-{name}.parquet",
        f"scans/day=2026-12-07/place-{name}.parquet",
    ]
    got = scans_frame(NOW.date() - timedelta(days=1), NOW.date()).collect().sort("scanned_at")
    assert got["person"].to_list() == [person.pk, other.pk, person.pk]
    assert got["venue"].to_list() == [venue.pk] * 3
    assert got["companions"].to_list() == [0, 2, 0]
    assert got["left_at"].is_null().to_list() == [False, False, True]
    today_only = scans_frame(NOW.date(), NOW.date()).collect()
    assert today_only["person"].to_list() == [person.pk]
    by_venue = scans_frame(NOW.date() - timedelta(days=1), NOW.date(), venues=[venue.pk + 1])
    assert by_venue.collect().height == 0
    entry = AuditEntry.objects.get(action="tracing_batch_ingest")
    assert entry.extra == {"kind": "scans", "rows": 3, "days": 2, "bytes": entry.extra["bytes"]}
    assert str(person.code) not in str(entry.extra)


def test_every_rejected_row_is_named_and_nothing_is_stored(
    tree: dict[str, Region], store_dir: Path
) -> None:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    good = scan_row(person, venue, NOW - timedelta(hours=5))
    rows = [
        good,
        {**good, "person": "00000000-0000-0000-0000-000000000000"},
        {**good, "venue": "VNOSUCH"},
        {**good, "scanned_at": "yesterday", "left_at": None},
        {**good, "scanned_at": (NOW - timedelta(days=20)).isoformat(), "left_at": None},
        {
            **good,
            "scanned_at": (NOW - timedelta(hours=4)).isoformat(),
            "left_at": (NOW - timedelta(hours=6)).isoformat(),
        },
        good,
        {**good, "scanned_at": "2026-12-07 09:00", "left_at": "2026-12-07T01:30:00Z"},
        {
            **good,
            "companions": "-1",
            "scanned_at": (NOW - timedelta(hours=1)).isoformat(),
            "left_at": None,
        },
    ]
    with pytest.raises(ValidationFailed) as caught:
        batch_ingest(actor=SYSTEM, kind="scans", frame=_scans(rows), source="feed", batch_key="b")
    named = [(error["row"], error["field"], error["code"]) for error in caught.value.errors]
    assert named == [
        (2, "person", "person_not_found"),
        (3, "venue", "venue_not_found"),
        (4, "scanned_at", "invalid_time"),
        (5, "scanned_at", "too_old"),
        (6, "left_at", "left_before_scanned"),
        (7, "row", "duplicate_row"),
        (9, "companions", "invalid_number"),
    ]
    assert caught.value.detail["rows_rejected"] == 7
    assert _files(store_dir) == []
    refused = IngestBatch.objects.get()
    assert (refused.status, refused.rows_total, refused.rows_rejected) == ("refused", 9, 7)
    assert AuditEntry.objects.filter(action="tracing_batch_refuse").count() == 1
    # fixed, the same batch key is accepted: a refusal does not hold the name
    answer = batch_ingest(
        actor=SYSTEM, kind="scans", frame=_scans([good, rows[7]]), source="feed", batch_key="b"
    )
    assert answer.rows_accepted == 2


def test_a_batch_sent_again_is_answered_with_the_first_answer(
    tree: dict[str, Region], store_dir: Path
) -> None:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    frame = _scans([scan_row(person, venue, NOW - timedelta(hours=2))])
    first = batch_ingest(actor=SYSTEM, kind="scans", frame=frame, source="feed", batch_key="7")
    again = batch_ingest(actor=SYSTEM, kind="scans", frame=frame, source="feed", batch_key="7")
    assert again.repeat
    assert not first.repeat
    assert again.as_json() | {"repeat": False} == first.as_json()
    assert len(_files(store_dir)) == 2  # one day, person and venue order
    assert scans_frame(NOW.date(), NOW.date()).collect().height == 1
    assert IngestBatch.objects.filter(status=BatchStatus.ACCEPTED).count() == 1
    # another feed's batch 7 is another batch
    batch_ingest(actor=SYSTEM, kind="scans", frame=frame, source="other", batch_key="7")
    assert scans_frame(NOW.date(), NOW.date()).collect().height == 2


@pytest.mark.parametrize("whole", [False, True], ids=["codes asked for", "scope read whole"])
def test_persons_and_venues_outside_the_feed_jurisdiction_are_unknown(
    tree: dict[str, Region], whole: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if whole:
        monkeypatch.setattr("fangkong.tracing.checks.PERSON_LOOKUP_WHOLE", 0)
    feed = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    mine = person_make(region=tree["grid_a1"])
    theirs = person_make(region=tree["grid_b1"])
    venue_a = venue_make(region=tree["grid_a1"])
    venue_b = venue_make(region=tree["grid_b1"])
    at = NOW - timedelta(hours=2)
    upper = {**scan_row(mine, venue_a, at), "person": mine.code.hex.upper()}
    frame = _scans([scan_row(mine, venue_b, at), scan_row(theirs, venue_a, at), upper])
    with pytest.raises(ValidationFailed) as caught:
        batch_ingest(actor=feed, kind="scans", frame=frame, source="feed", batch_key="x")
    named = [(error["row"], error["field"], error["code"]) for error in caught.value.errors]
    assert named == [(1, "venue", "venue_not_found"), (2, "person", "person_not_found")]
    answer = batch_ingest(actor=feed, kind="scans", frame=frame[2:], source="feed", batch_key="y")
    assert answer.rows_accepted == 1


def test_roles_other_than_the_feed_may_not_ingest(tree: dict[str, Region]) -> None:
    epidemiologist = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["city"])
    with pytest.raises(PermissionDenied):
        batch_ingest(
            actor=epidemiologist,
            kind="scans",
            frame=pl.DataFrame({"person": ["x"]}),
            source="feed",
            batch_key="1",
        )


def test_dwells_crossing_midnight_are_stored_one_piece_per_day(tree: dict[str, Region]) -> None:
    person = person_make(region=tree["grid_a1"])
    start = datetime(2026, 12, 5, 22, 0, tzinfo=LOCAL)
    end = datetime(2026, 12, 7, 7, 30, tzinfo=LOCAL)
    frame = pl.DataFrame(
        {"person": [str(person.code)], "cell": [412], "start": [start], "end": [end]}
    )
    answer = batch_ingest(actor=SYSTEM, kind="dwells", frame=frame, source="cells", batch_key="1")
    assert answer.rows_accepted == 1
    got = dwells_frame(start.date(), end.date()).collect().sort("start")
    assert got["start"].dt.convert_time_zone("Asia/Shanghai").dt.hour().to_list() == [22, 0, 0]
    assert got["end"].dt.convert_time_zone("Asia/Shanghai").dt.day().to_list() == [6, 7, 7]
    total = (got["end"] - got["start"]).sum()
    assert total == end - start
    assert dwells_frame(end.date(), end.date(), cells=[412]).collect().height == 1
    bad = frame.with_columns(end=pl.lit(start), cell=pl.lit(-3))
    with pytest.raises(ValidationFailed) as caught:
        batch_ingest(actor=SYSTEM, kind="dwells", frame=bad, source="cells", batch_key="2")
    assert {(e["field"], e["code"]) for e in caught.value.errors} == {
        ("end", "end_not_after_start"),
        ("cell", "invalid_cell"),
    }


def test_purge_removes_days_older_than_the_retention_and_is_audited(
    tree: dict[str, Region], store_dir: Path
) -> None:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    old_day = NOW - timedelta(days=13)
    frame = _scans(
        [scan_row(person, venue, old_day), scan_row(person, venue, NOW - timedelta(hours=1))]
    )
    batch_ingest(actor=SYSTEM, kind="scans", frame=frame, source="feed", batch_key="1")
    assert scans_frame(old_day.date(), NOW.date()).collect().height == 2
    # still inside 14 days today
    assert tracing_purge().days == []
    assert len(_files(store_dir)) == 4  # two days, each in person and in venue order
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        purge = tracing_purge()
    assert purge.days == [f"scans:{old_day.date().isoformat()}"]
    assert (purge.files, purge.rows) == (2, 1)
    assert not (store_dir / "scans" / f"day={old_day.date().isoformat()}").exists()
    assert scans_frame(old_day.date(), NOW.date()).collect().height == 1
    entry = AuditEntry.objects.filter(action="tracing_purge").order_by("id").last()
    assert entry is not None
    assert entry.extra["days"] == purge.days
    assert entry.extra["rows"] == 1
    assert entry.rule_set
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        tracing_purge()
    assert _files(store_dir) == []
    batch = IngestBatch.objects.get()
    assert batch.parts == []
    assert batch.purged_at is not None
    assert TracingPurge.objects.count() == 3


def test_purge_removes_files_no_batch_lists(tree: dict[str, Region], store_dir: Path) -> None:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    frame = _scans([scan_row(person, venue, NOW - timedelta(hours=1))])
    batch_ingest(actor=SYSTEM, kind="scans", frame=frame, source="feed", batch_key="1")
    day = store_dir / "scans" / f"day={NOW.date().isoformat()}"
    stray = day / "part-rolledback.parquet"
    stray.write_bytes(b"PAR1")
    written = (NOW - timedelta(minutes=5)).timestamp()
    os.utime(stray, (written, written))
    assert scans_frame(NOW.date(), NOW.date()).collect().height == 1  # not read: not listed
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        tracing_purge()
    assert not stray.exists()
    assert len(_files(store_dir)) == 2  # the batch's files in person and venue order stay


def test_venues_bulk_register_names_every_bad_row(tree: dict[str, Region]) -> None:
    feed = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    venue_make(region=tree["grid_a1"])
    taken = venue_make(region=tree["grid_a1"]).code
    frame = pl.DataFrame(
        {
            "code": ["VA1", taken, "VA3", "VA4"],
            "name": ["Noodles", "Market", "Gym", "Other"],
            "region_code": [
                tree["grid_a1"].code,
                tree["grid_a1"].code,
                tree["grid_b1"].code,
                tree["grid_a2"].code,
            ],
            "kind": ["restaurant", "market", "gym", "spaceport"],
        }
    )
    with pytest.raises(ValidationFailed) as caught:
        venues_bulk_register(actor=feed, venues=frame)
    named = [(error["row"], error["field"], error["code"]) for error in caught.value.errors]
    assert named == [
        (2, "code", "venue_code_taken"),
        (3, "region_code", "region_not_found"),
        (4, "kind", "invalid_choice"),
    ]
    assert venues_bulk_register(actor=feed, venues=frame.head(1)) == 1


def test_a_person_scans_include_those_made_for_them_and_by_them_for_others(
    tree: dict[str, Region],
) -> None:
    from fangkong.people.access import access_person
    from fangkong.tracing.selectors import scans_for_person

    child = person_make(region=tree["grid_a1"])
    parent = person_make(region=tree["grid_a1"])
    stranger = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    rows = [
        scan_row(parent, venue, NOW - timedelta(hours=5), companion_for=str(child.code)),
        scan_row(parent, venue, NOW - timedelta(hours=3)),
        scan_row(stranger, venue, NOW - timedelta(hours=2)),
        scan_row(child, venue, NOW - timedelta(days=3)),
    ]
    batch_ingest(actor=SYSTEM, kind="scans", frame=_scans(rows), source="feed", batch_key="1")
    investigator = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    seen = scans_for_person(
        actor=investigator, person=access_person(investigator, child.code), days=2
    )
    assert [(row.scanned_at, row.for_someone_else) for row in seen] == [
        (NOW - timedelta(hours=5), False)
    ]
    longer = scans_for_person(
        actor=investigator, person=access_person(investigator, child.code), days=4
    )
    assert len(longer) == 2
    by_parent = scans_for_person(
        actor=investigator, person=access_person(investigator, parent.code), days=1
    )
    assert [row.for_someone_else for row in by_parent] == [True, False]

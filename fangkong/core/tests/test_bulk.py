"""The generic bulk-write toolkit: id reservation, inserts on SQLite and PostgreSQL, index
rebuilds for large loads, column defaults, random codes and worker chunks.

The rows go into core's own ledgers (``AccessEntry``, ``PeriodicRun``) so that no domain app
is needed; the loaders built on the toolkit are tested in ``sim/tests/test_load.py``.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from django.db import connection
from django.utils import timezone

from fangkong.core import bulk
from fangkong.core.bulk import (
    ChunkWorkers,
    StepClock,
    ascii_rows,
    db_now,
    random_uuids,
    table_fill_defaults,
    table_insert,
    table_reserve_ids,
)
from fangkong.core.models import AccessEntry, IdempotencyRecord, PeriodicRun

ACCESS = AccessEntry._meta.db_table


def _access_rows(count: int, **constant: object) -> pl.DataFrame:
    """``count`` access-log rows as the database stores them, defaults filled in."""
    frame = pl.DataFrame(
        {
            "actor_username": [f"user{i}" for i in range(count)],
            "subject_count": list(range(count)),
        }
    ).with_columns(
        at=pl.lit(db_now()),
        actor_role=pl.lit("grid_worker"),
        region_path=pl.lit("110000.110100"),
        purpose=pl.lit("case_work"),
        action=pl.lit("person_view"),
        subject_type=pl.lit("person"),
        **{name: pl.lit(value) for name, value in constant.items()},
    )
    return table_fill_defaults(AccessEntry, frame)


def _squares(part: list[int]) -> list[tuple[int, int]]:
    """Work for the chunk tests: each item with its process id."""
    return [(item * item, os.getpid()) for item in part]


@pytest.mark.django_db
def test_reserved_ids_follow_existing_rows_and_the_orm_continues_after_them():
    slot = timezone.now()
    PeriodicRun.objects.create(job="before-1", slot=slot)
    top = PeriodicRun.objects.create(job="before-2", slot=slot).pk

    first = table_reserve_ids(PeriodicRun._meta.db_table, 3)
    assert first > top
    rows = pl.DataFrame(
        {"id": [first, first + 1, first + 2], "uid": random_uuids(3), "job": ["a", "b", "c"]}
    ).with_columns(slot=pl.lit(db_now()))
    assert table_insert(PeriodicRun._meta.db_table, table_fill_defaults(PeriodicRun, rows)) == 3
    after = PeriodicRun.objects.create(job="after", slot=slot)

    assert after.pk == first + 3
    assert list(
        PeriodicRun.objects.filter(pk__gte=first).order_by("id").values_list("id", "job")
    ) == [
        (first, "a"),
        (first + 1, "b"),
        (first + 2, "c"),
        (first + 3, "after"),
    ]
    stored = PeriodicRun.objects.get(pk=first)
    assert stored.uid == uuid.UUID(rows["uid"][0])
    assert (stored.started_at, stored.outcome, stored.message) == (None, "", "")
    assert abs(stored.slot - timezone.now()) < timedelta(minutes=1)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 49, 50, 123])
def test_every_row_is_written_whatever_the_remainder_of_a_multi_row_statement(count):
    before = timezone.now().replace(microsecond=0)
    frame = _access_rows(count, ip="O'Brien's desk")

    assert table_insert(ACCESS, frame) == count
    stored = list(AccessEntry.objects.order_by("id"))
    assert [entry.actor_username for entry in stored] == [f"user{i}" for i in range(count)]
    assert [entry.subject_count for entry in stored] == list(range(count))
    assert {entry.ip for entry in stored} == {"O'Brien's desk"}
    assert {entry.purpose for entry in stored} == {"case_work"}
    assert all(entry.subject_ids == [] for entry in stored)
    assert all(before <= entry.at <= timezone.now() for entry in stored)


@pytest.mark.django_db
def test_rows_whose_every_column_repeats_are_all_written():
    frame = _access_rows(3).with_columns(actor_username=pl.lit("same"), subject_count=pl.lit(7))

    assert table_insert(ACCESS, frame) == 3
    assert (
        list(AccessEntry.objects.values_list("actor_username", "subject_count"))
        == [("same", 7)] * 3
    )


@pytest.mark.django_db
def test_an_empty_frame_writes_nothing():
    assert table_insert(ACCESS, _access_rows(0)) == 0
    assert not AccessEntry.objects.exists()


def _indexes_of(table: str) -> set[tuple[str, str]]:
    """Names and definitions of the table's secondary indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
            )
        return set(cursor.fetchall())


@pytest.mark.django_db
def test_a_load_that_at_least_doubles_a_table_rebuilds_the_indexes_it_dropped(monkeypatch):
    monkeypatch.setattr(bulk, "REBUILD_MIN_ROWS", 10)
    before = _indexes_of(ACCESS)
    assert len(before) >= 2  # ``at`` and ``region_path``

    table_insert(ACCESS, _access_rows(40))
    assert _indexes_of(ACCESS) == before
    table_insert(ACCESS, _access_rows(20))  # smaller than the table: the indexes stay live
    assert _indexes_of(ACCESS) == before
    assert AccessEntry.objects.filter(region_path="110000.110100").count() == 60


@pytest.mark.django_db
def test_defaults_fill_the_columns_a_frame_lacks():
    frame = pl.DataFrame(
        {"key": ["k"], "user_id": [1], "operation": ["x"], "request_hash": ["h"], "status": [201]}
    )
    filled = table_fill_defaults(IdempotencyRecord, frame.with_columns(response=pl.lit("{}")))
    assert "created_at" in filled.columns
    assert "id" not in filled.columns
    table_insert(IdempotencyRecord._meta.db_table, filled)
    assert IdempotencyRecord.objects.get().response == {}

    access = _access_rows(1).row(0, named=True)
    assert (access["subject_ids"], access["subject_count"], access["ip"]) == ("[]", 0, "")


def test_a_required_column_without_a_default_is_refused():
    with pytest.raises(ValueError, match=r"IdempotencyRecord\.user_id"):
        table_fill_defaults(IdempotencyRecord, pl.DataFrame({"key": ["k"]}))
    with pytest.raises(ValueError, match=r"PeriodicRun\.uid"):  # a callable default
        table_fill_defaults(PeriodicRun, pl.DataFrame({"job": ["j"], "slot": ["s"]}))


def test_random_uuids_are_distinct_sorted_version_4_hex():
    codes = random_uuids(2_000).to_list()

    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    for code in codes[:50]:
        parsed = uuid.UUID(code)
        assert parsed.hex == code
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


def test_ascii_rows_turns_each_row_of_bytes_into_a_string():
    chars = np.frombuffer(b"abcXYZ019", dtype=np.uint8).reshape(3, 3)
    assert ascii_rows(chars).to_list() == ["abc", "XYZ", "019"]


@pytest.mark.parametrize("workers", [1, 2])
def test_chunks_come_back_in_order_serially_or_from_forked_workers(workers):
    warmed: list[bool] = []
    pool = ChunkWorkers(10, workers, warm_up=lambda: warmed.append(True))
    try:
        ready = pool.submit(_squares, list(range(25)), 4)
        parts = ready()
    finally:
        pool.close()

    assert [value for part in parts for value, _pid in part] == [i * i for i in range(25)]
    assert [len(part) for part in parts] == [4, 4, 4, 4, 4, 4, 1]
    pids = {pid for part in parts for _value, pid in part}
    if workers == 1:
        assert warmed == []
        assert pids == {os.getpid()}
    elif pool.pool is not None:  # where ``fork`` exists
        assert warmed == [True]
        assert os.getpid() not in pids


def test_small_loads_stay_in_this_process_unless_workers_are_asked_for():
    pool = ChunkWorkers(bulk.PARALLEL_MIN_ROWS - 1, None, warm_up=lambda: None)
    assert pool.pool is None
    pool.close()


def test_the_step_clock_records_each_lap_under_its_label():
    clock = StepClock()
    clock.lap("first")
    clock.lap("second")
    assert list(clock.seconds) == ["first", "second"]
    assert all(seconds >= 0 for seconds in clock.seconds.values())


def test_rows_insert_reports_a_duplicate_key_as_djangos_integrity_error(db):
    """The batched writers fall back to one write at a time on ``IntegrityError``; a
    duplicate met by ``COPY`` (PostgreSQL) must surface as that, not as the driver's error."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from fangkong.core.bulk import rows_insert
    from fangkong.core.models import IdempotencyRecord

    row = {
        "key": "k",
        "user_id": 1,
        "operation": "op",
        "request_hash": "h",
        "status": 201,
        "response": {"a": "阴性"},
        "created_at": timezone.now(),
    }
    assert rows_insert(IdempotencyRecord, [row]) == 1
    stored = IdempotencyRecord.objects.get()
    assert stored.response == {"a": "阴性"}
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(IdempotencyRecord, [row])


class _Cursor:
    """What ``statistics_refresh_if_stale`` asks of a cursor: the statistics' row count,
    and the statements it runs."""

    def __init__(self, reltuples: float) -> None:
        self.reltuples = reltuples
        self.statements: list[str] = []

    def execute(self, sql: str, params: object = None) -> None:
        self.statements.append(sql)

    def fetchone(self) -> tuple[float]:
        return (self.reltuples,)


@pytest.mark.parametrize(
    ("reltuples", "rows", "analysed"),
    [
        (-1, 550, True),  # never analysed: a region tree just loaded
        (1_000_000, 10_000, False),  # 1 % more: autovacuum's business
        (1_000, 300, True),  # 30 % more
        (-1, 99, False),  # a handful of rows
    ],
)
def test_statistics_refresh_after_a_load_that_outgrows_them(
    monkeypatch: pytest.MonkeyPatch, reltuples: float, rows: int, analysed: bool
) -> None:
    monkeypatch.setattr(connection, "vendor", "postgresql")
    cursor = _Cursor(reltuples)
    assert bulk.statistics_refresh_if_stale(cursor, "regions_region", rows) is analysed
    assert any(s.startswith("ANALYZE") for s in cursor.statements) is analysed

"""Bulk writes that bypass the ORM: the table primitives every app's bulk loader shares.

DB-ready Polars frames go straight to a table: on SQLite one ``executemany`` of a multi-row
``INSERT`` inside the caller's transaction, on PostgreSQL ``COPY ... FROM STDIN`` through
psycopg 3. Primary keys are reserved up front so callers know every new row's id without
reading it back; a load that at least doubles a table drops its secondary indexes (and, on
PostgreSQL, its foreign keys) and rebuilds them once at the end. Per-value Python work runs
in forked worker processes (:class:`ChunkWorkers`). Nothing here knows a domain model.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from django.db import connection
from django.db.models import DateTimeField, JSONField, Model
from django.utils import timezone

PARALLEL_MIN_ROWS = 50_000  # below this, starting workers costs more than it saves
COPY_CHUNK_ROWS = 200_000
SQLITE_CHUNK_ROWS = 100_000
SQLITE_ROWS_PER_STATEMENT = 50  # a multi-row VALUES saves a statement step per row
IN_CHUNK = 900  # below SQLite's default limit on host parameters per statement
REBUILD_MIN_ROWS = 50_000  # smaller loads insert into the live indexes
#: A load of at least this many rows refreshes the table's statistics when they are missing
#: or the load grew the table by more than :data:`STATISTICS_STALE_SHARE` of its rows.
STATISTICS_MIN_ROWS = 100
STATISTICS_STALE_SHARE = 0.2
PG_INDEX_MEMORY = "256MB"  # maintenance_work_mem while rebuilding indexes
SQLITE_LOAD_CACHE_KIB = 262_144  # page cache while loading (256 MiB)
#: JSON text as ``json.dumps(value, ensure_ascii=False)`` writes it, with the encoder built
#: once (``dumps`` with options builds one per call: a third of its time on small values).
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False).encode


def db_now() -> str:
    """``timezone.now()`` as the text the database stores (SQLite) or parses (PostgreSQL)."""
    return db_datetime(timezone.now())


def db_datetime(value: datetime) -> str:
    """An aware datetime as the text the database stores (SQLite) or parses (PostgreSQL)."""
    if connection.vendor == "postgresql":
        return value.isoformat()
    return str(connection.ops.adapt_datetimefield_value(value))


def _quote(name: str) -> str:
    """A table or column name quoted for the current database."""
    return connection.ops.quote_name(name)


def table_reserve_ids(table: str, count: int) -> int:
    """Reserve ``count`` consecutive primary keys of ``table``; returns the first.

    Must run inside the transaction that inserts the rows. On SQLite the transaction already
    holds the write lock (``BEGIN IMMEDIATE``): the next id is above both ``MAX(id)`` and the
    ``AUTOINCREMENT`` counter, which SQLite raises itself when explicit ids are inserted. On
    PostgreSQL the table is locked against other writers until commit and the identity
    sequence is moved past the reserved range.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("table_reserve_ids must run inside the inserting transaction")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {_quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_quote(table)])
            sequence = cursor.fetchone()[0]
            above = f"SELECT COALESCE(MAX(id), 0) + 1 FROM {_quote(table)}"  # noqa: S608 - quoted
            cursor.execute(f"SELECT GREATEST(nextval(%s), ({above}))", [sequence])
            first = int(cursor.fetchone()[0])
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_quote(table)}")  # noqa: S608 - quoted
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        return max(top, int(row[0]) if row else 0) + 1


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1, as Django's SQLite backend stores them."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).cast(pl.String))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(casts) if casts else frame


def _row_groups(frame: pl.DataFrame, size: int) -> Iterator[tuple[Any, ...]]:
    """The frame's values, ``size`` whole rows per flat tuple (a multi-row ``VALUES``)."""
    for offset in range(0, frame.height, SQLITE_CHUNK_ROWS):
        chunk = frame.slice(offset, SQLITE_CHUNK_ROWS)
        rows = zip(*(chunk.get_column(name).to_list() for name in chunk.columns), strict=True)
        group = tuple(itertools.islice(rows, size))
        while len(group) == size:
            yield tuple(itertools.chain.from_iterable(group))
            group = tuple(itertools.islice(rows, size))
        if group:
            raise AssertionError("chunks are multiples of the group size")


def table_insert(table: str, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as the table's columns) into ``table``.

    Values must be what the database stores: text, numbers, ``Date`` and ``Boolean`` columns,
    datetimes from :func:`db_now`, JSON as its text. Returns the number of rows written.
    """
    if frame.height == 0:
        return 0
    columns = ", ".join(_quote(name) for name in frame.columns)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        sql = f"COPY {_quote(table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor:
            restore = _pg_suspend(cursor, table, frame.height)
            # the raw cursor's errors are not Django's: wrap them (IntegrityError, …)
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for offset in range(0, frame.height, COPY_CHUNK_ROWS):
                    chunk = frame.slice(offset, COPY_CHUNK_ROWS)
                    copy.write(chunk.write_csv(include_header=False).encode())
            if restore:
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_MEMORY}'")
            for statement in restore:
                cursor.execute(statement)
            if restore:
                cursor.execute(f"ANALYZE {_quote(table)}")  # fresh statistics for the planner
            else:
                statistics_refresh_if_stale(cursor, table, frame.height)
        return frame.height
    frame = _sqlite_values(frame)
    constant = {
        name: frame[name][0]
        for name in frame.columns
        if frame.height > 1 and frame[name].n_unique() == 1
    }
    if len(constant) == len(frame.columns):
        constant.pop(frame.columns[0])  # executemany needs one bound value per row
    varying = [name for name in frame.columns if name not in constant]
    row = ", ".join(_sqlite_literal(constant[c]) if c in constant else "?" for c in frame.columns)
    insert = f"INSERT INTO {_quote(table)} ({columns}) VALUES "  # noqa: S608 - quoted names
    row = f"({row})"
    whole = frame.height - frame.height % SQLITE_ROWS_PER_STATEMENT
    with connection.cursor() as cursor:
        suspended = _sqlite_suspend_indexes(cursor, table, frame.height)
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {min(cache_size, -SQLITE_LOAD_CACHE_KIB)}")
        try:
            values = frame.select(varying)
            raw = connection.connection
            many = ", ".join([row] * SQLITE_ROWS_PER_STATEMENT)
            raw.executemany(
                insert + many, _row_groups(values.head(whole), SQLITE_ROWS_PER_STATEMENT)
            )
            raw.executemany(insert + row, _row_groups(values.slice(whole), 1))
            for statement in suspended:
                cursor.execute(statement)
            if suspended:
                # Without statistics SQLite's planner walks a whole subtree of persons where a
                # name index would answer in milliseconds; a large load refreshes them.
                cursor.execute(f"ANALYZE {_quote(table)}")
        finally:
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
    return frame.height


def objects_insert(objects: Sequence[Model]) -> None:
    """Insert new model instances of one model and set their ids, like ``bulk_create``:
    on PostgreSQL the ids are drawn from the table's sequence (no lock; concurrent writers
    draw their own) and the rows go in by ``COPY`` (:func:`rows_insert`); on SQLite, whose
    one writer holds the database anyway, ``bulk_create``. Field defaults must already be set
    (model instances have them); ``auto_now`` fields are not filled in."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects)
        return
    table = str(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [_quote(table), len(objects)],
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
    for instance, new_id in zip(objects, ids, strict=True):
        instance.pk = new_id
        instance._state.adding = False
    fields = model._meta.concrete_fields
    rows_insert(
        model,
        [
            {str(field.column): getattr(instance, field.attname) for field in fields}
            for instance in objects
        ],
        with_id=True,
    )


def rows_insert(
    model: type[Model], rows: Sequence[Mapping[str, Any]], *, with_id: bool = False
) -> int:
    """Insert plain rows (every column but the primary key, unless ``with_id``) into
    ``model``'s table without model instances: ``COPY`` on PostgreSQL, one ``executemany`` on
    SQLite. For the many small rows of a batched write (history, audit, access log), where
    building and compiling model instances costs more than writing them. Aware datetimes and
    JSON values are converted as the fields store them."""
    if not rows:
        return 0
    fields = [field for field in model._meta.concrete_fields if with_id or not field.primary_key]
    columns = [str(field.column) for field in fields]
    kinds = [
        "json"
        if isinstance(field, JSONField)
        else "time"
        if isinstance(field, DateTimeField)
        else ""
        for field in fields
    ]

    times: dict[datetime, str] = {}  # batched rows mostly share their moments

    def moment(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = times.get(value)
        if text is None:
            text = times[value] = db_datetime(value)
        return text

    def as_json(value: Any) -> str | None:
        if value is None:
            return None
        if not value and isinstance(value, dict | list):
            return "{}" if isinstance(value, dict) else "[]"  # most details are empty
        return _JSON_TEXT(value)

    # column by column: one conversion chosen per column, not per cell
    converted = []
    for column, kind in zip(columns, kinds, strict=True):
        values = [row[column] for row in rows]
        if kind == "json":
            values = list(map(as_json, values))
        elif kind == "time":
            values = list(map(moment, values))
        converted.append(values)
    data = list(zip(*converted, strict=True))
    return values_insert(str(model._meta.db_table), columns, data)


def values_insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert rows of values as the database stores them (text, numbers, booleans, ``None``;
    datetimes as :func:`db_datetime` text) into ``table``: ``COPY`` on PostgreSQL, one
    ``executemany`` on SQLite. For the tens to hundreds of rows of a batched write, where a
    frame costs more to build than the rows take to send."""
    if not rows:
        return 0
    names = ", ".join(_quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the raw cursor's errors are not Django's: wrap them (a duplicate key must be an
            # IntegrityError for the callers that retry one by one)
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy,
            ):
                for values in rows:
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608 - quoted names
    return len(rows)


def _sqlite_literal(value: object) -> str:
    """A value shared by every row, written into the statement instead of bound a million
    times (numbers as they are, text quoted with ``'`` doubled, ``NULL``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def statistics_refresh_if_stale(cursor: Any, table: str, rows: int) -> bool:
    """After ``rows`` were loaded into ``table`` on PostgreSQL: ``ANALYZE`` it when it has no
    statistics yet (``reltuples`` −1: never analysed) or the load added more than
    :data:`STATISTICS_STALE_SHARE` of what the statistics knew. Autovacuum would do it within
    a minute or so; until then the planner guesses, and a guessed region tree turns a
    millisecond subquery into a scan of every case (the case list's deep pages went 40 ms →
    3 s right after a city was loaded). Loads under :data:`STATISTICS_MIN_ROWS` rows, and
    SQLite, are left alone. Returns whether it analysed."""
    if rows < STATISTICS_MIN_ROWS or connection.vendor != "postgresql":
        return False
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [_quote(table)])
    known = float(cursor.fetchone()[0])
    if known >= 0 and rows <= STATISTICS_STALE_SHARE * known:
        return False
    cursor.execute(f"ANALYZE {_quote(table)}")
    return True


def _pg_suspend(cursor: Any, table: str, rows: int) -> list[str]:
    """Before a load that at least doubles ``table`` on PostgreSQL: drop its secondary indexes
    and its foreign keys (:func:`pg_indexes_and_keys_drop`) and return the statements that
    restore them. Building an index once and validating a foreign key with one join are far
    faster than maintaining them row by row (deferred foreign keys otherwise fire one trigger
    per row at commit). The table is locked for the rest of the transaction; the caller's
    transaction makes it all-or-nothing.
    """
    if rows < REBUILD_MIN_ROWS:
        return []
    cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted name
    if int(cursor.fetchone()[0]) > rows:
        return []
    indexes, keys = pg_indexes_and_keys_drop(cursor, table)
    return indexes + keys


def pg_indexes_and_keys_drop(
    cursor: Any, table: str, *, keep: Callable[[str], bool] = lambda _definition: False
) -> tuple[list[str], list[str]]:
    """Drop the secondary indexes of ``table`` (PostgreSQL; but those whose definition
    ``keep`` accepts; constraint indexes always stay) and its foreign keys. Returns the
    statements that restore them exactly, with the same names (``pg_get_indexdef``,
    ``pg_get_constraintdef``): the indexes', then the keys'."""
    quoted = _quote(table)
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
        [quoted],
    )
    indexes = [(name, sql) for name, sql in cursor.fetchall() if not keep(sql)]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [quoted],
    )
    foreign_keys = cursor.fetchall()
    # Earlier inserts of this transaction may still hold deferred checks on the tables the
    # keys point to, which ALTER TABLE refuses: run them now, then defer again.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name, _definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {_quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {_quote(name)}")
    return [definition for _name, definition in indexes], [
        f"ALTER TABLE {quoted} ADD CONSTRAINT {_quote(name)} {definition}"
        for name, definition in foreign_keys
    ]


def _sqlite_suspend_indexes(cursor: Any, table: str, rows: int) -> list[str]:
    """Drop the table's secondary indexes before a load that at least doubles the table, and
    return their ``CREATE INDEX`` statements: building an index once from sorted keys is
    several times faster than a million random B-tree inserts. The caller's transaction
    makes this all-or-nothing (SQLite DDL is transactional); constraint indexes declared
    inline (``UNIQUE``) are not touched."""
    if rows < REBUILD_MIN_ROWS:
        return []
    cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted name
    if int(cursor.fetchone()[0]) > rows:
        return []
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
        "AND sql IS NOT NULL",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _sql in indexes:
        cursor.execute(f"DROP INDEX {_quote(name)}")
    return [sql for _name, sql in indexes]


def random_uuids(count: int) -> pl.Series:
    """``count`` random version-4 UUIDs as 32 hex digits (how Django stores ``UUIDField`` on
    SQLite; PostgreSQL's ``uuid`` input accepts the same text), in ascending order.

    Sorted so that rows inserted in id order also arrive in order at the unique index on the
    code (appends, not random B-tree inserts); the values themselves stay random."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    text = np.empty((count, 32), dtype=np.uint8)
    text[:, 0::2] = hex_digits[raw >> 4]
    text[:, 1::2] = hex_digits[raw & 0x0F]
    return ascii_rows(text).sort()


def ascii_rows(chars: npt.NDArray[np.uint8]) -> pl.Series:
    """Each row of an ``(n, width)`` ASCII byte array as one string (through Arrow, no copy
    per row)."""
    count, width = chars.shape
    array = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), count, [None, pa.py_buffer(np.ascontiguousarray(chars).tobytes())]
    )
    series = pl.from_arrow(array.cast(pa.binary()).cast(pa.string()))
    assert isinstance(series, pl.Series)
    return series


def table_fill_defaults(model: type[Model], frame: pl.DataFrame) -> pl.DataFrame:
    """Add every concrete column of ``model`` the frame lacks, with the field's default.

    ``created_at``/``updated_at`` get :func:`db_now`, ``version`` 1, JSON fields their default
    as JSON text, nullable fields without a default NULL. The primary key is left to the
    caller. Raises ``ValueError`` for a required column with no default (a new model field
    this loader does not know yet), and for callable defaults other than ``dict``/``list``.
    """
    now = db_now()
    additions: list[pl.Expr] = []
    for field in model._meta.concrete_fields:
        column = str(field.column)
        if column in frame.columns or field.primary_key:
            continue
        if column in ("created_at", "updated_at"):
            additions.append(pl.lit(now).alias(column))
        elif isinstance(field, JSONField):
            additions.append(pl.lit(json.dumps(field.get_default())).alias(column))
        elif field.has_default() and not callable(field.default):
            additions.append(pl.lit(field.get_default()).alias(column))
        elif field.null:
            additions.append(pl.lit(None).alias(column))
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value in the bulk frame")
    return frame.with_columns(additions) if additions else frame


class ChunkWorkers:
    """Per-value Python work (hashing, encryption, transliteration) over chunks in forked
    worker processes, so a bulk load uses every core; serial when the load is small, when
    ``workers`` is 1, or where ``fork`` is not available. Workers never touch the database.
    """

    def __init__(self, rows: int, workers: int | None, *, warm_up: Callable[[], None]) -> None:
        count = workers if workers is not None else (os.cpu_count() or 1)
        self.pool: ProcessPoolExecutor | None = None
        if (
            count > 1
            and (workers is not None or rows >= PARALLEL_MIN_ROWS)
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            warm_up()  # shared by the forked workers instead of built once in each
            self.pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))

    def submit(
        self, fn: Callable[[list[Any]], Any], items: list[Any], chunk: int
    ) -> Callable[[], list[Any]]:
        """Start ``fn`` over chunks of ``items``; the returned function waits for the results
        (in chunk order)."""
        parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        if self.pool is None:
            done = [fn(part) for part in parts]
            return lambda: done
        futures: list[Future[Any]] = [self.pool.submit(fn, part) for part in parts]
        return lambda: [future.result() for future in futures]

    def close(self) -> None:
        """Stop the workers (cancelling chunks not started); nothing to do when serial."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class StepClock:
    """Seconds per named step, for progress output and benchmarks."""

    def __init__(self) -> None:
        self.mark = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, label: str) -> None:
        """Record the seconds since the previous lap (or the start) under ``label``."""
        now = time.perf_counter()
        self.seconds[label] = round(now - self.mark, 3)
        self.mark = now

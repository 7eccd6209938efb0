"""Bulk writes: jurisdiction nodes from a frame, and the table primitives other apps' bulk
loaders share (id reservation, fast inserts on SQLite and PostgreSQL).

The primitives write DB-ready Polars frames straight to a table, bypassing the ORM: on
SQLite one ``executemany`` of a plain ``INSERT`` inside the caller's transaction, on PostgreSQL
``COPY ... FROM STDIN`` through psycopg 3. Primary keys are reserved up front so callers know
every new row's id without reading it back.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.choices import Role
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region

PARALLEL_MIN_ROWS = 50_000  # below this, starting workers costs more than it saves
COPY_CHUNK_ROWS = 200_000
SQLITE_CHUNK_ROWS = 100_000
SQLITE_ROWS_PER_STATEMENT = 50  # a multi-row VALUES saves a statement step per row
IN_CHUNK = 900  # below SQLite's default limit on host parameters per statement
REBUILD_MIN_ROWS = 50_000  # smaller loads insert into the live indexes
PG_INDEX_MEMORY = "256MB"  # maintenance_work_mem while rebuilding indexes
SQLITE_LOAD_CACHE_KIB = 262_144  # page cache while loading (256 MiB)

#: Code length per level: GB/T 2260 six digits down to county, then +3 per level.
CODE_LENGTHS = {1: 6, 2: 6, 3: 6, 4: 9, 5: 12, 6: 15}
DEFAULT_TIME_ZONE = "Asia/Shanghai"
_COLUMNS_IN = ["id", "code", "name", "level", "parent_id", "path", "time_zone"]


# ------------------------------------------------------------------------ table primitives


def db_now() -> str:
    """``timezone.now()`` as the text the database stores (SQLite) or parses (PostgreSQL)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return now.isoformat()
    return str(connection.ops.adapt_datetimefield_value(now))


def _quote(name: str) -> str:
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
            with cursor.cursor.copy(sql) as copy:
                for offset in range(0, frame.height, COPY_CHUNK_ROWS):
                    chunk = frame.slice(offset, COPY_CHUNK_ROWS)
                    copy.write(chunk.write_csv(include_header=False).encode())
            if restore:
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_MEMORY}'")
            for statement in restore:
                cursor.execute(statement)
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
        finally:
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
    return frame.height


def _sqlite_literal(value: object) -> str:
    """A value shared by every row, written into the statement instead of bound a million
    times (numbers as they are, text quoted with ``'`` doubled, ``NULL``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def _pg_suspend(cursor: Any, table: str, rows: int) -> list[str]:
    """Before a load that at least doubles ``table`` on PostgreSQL: drop its secondary indexes
    and its foreign keys, and return the statements that restore them exactly
    (``pg_get_indexdef``/``pg_get_constraintdef``, same names). Building an index once and
    validating a foreign key with one join are far faster than maintaining them row by row
    (deferred foreign keys otherwise fire one trigger per row at commit). The table is locked
    for the rest of the transaction; the caller's transaction makes it all-or-nothing.
    """
    if rows < REBUILD_MIN_ROWS:
        return []
    cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted name
    if int(cursor.fetchone()[0]) > rows:
        return []
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
        [_quote(table)],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [_quote(table)],
    )
    foreign_keys = cursor.fetchall()
    # Earlier inserts of this transaction may still hold deferred checks on the tables the
    # keys point to, which ALTER TABLE refuses: run them now, then defer again.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name, _definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {_quote(name)}")
    return [definition for _name, definition in indexes] + [
        f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}"
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


def region_ids(actor: AnyActor, codes: Sequence[str]) -> tuple[pl.DataFrame, list[str]]:
    """The nodes named by ``codes`` as a frame (``region_code``, ``region_id``), and the codes
    that name no node. Raises ``PermissionDenied`` (``region_out_of_scope``) when a node lies
    outside the actor's subtree. Reads in chunks under SQLite's parameter limit."""
    found: dict[str, int] = {}
    root = actor.region_path
    unique = sorted(set(codes))
    for start in range(0, len(unique), IN_CHUNK):
        rows = Region.objects.filter(code__in=unique[start : start + IN_CHUNK])
        for code, pk, path in rows.values_list("code", "id", "path"):
            if root and path != root and not path.startswith(root + "."):
                raise PermissionDenied(
                    _("Some jurisdictions lie outside yours."), code="region_out_of_scope"
                )
            found[code] = pk
    frame = pl.DataFrame(
        {"region_code": list(found), "region_id": list(found.values())},
        schema={"region_code": pl.String, "region_id": pl.Int64},
    )
    return frame, [code for code in unique if code not in found]


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
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class StepClock:
    """Seconds per named step, for progress output and benchmarks."""

    def __init__(self) -> None:
        self.mark = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        self.seconds[label] = round(now - self.mark, 3)
        self.mark = now


# ----------------------------------------------------------------------- jurisdiction nodes


def _require_region_writer(actor: AnyActor) -> None:
    if isinstance(actor, SystemActor) or actor.role == Role.ADMINISTRATOR:
        return
    raise PermissionDenied(
        _("Only administrators may add jurisdiction nodes."), code="role_not_allowed"
    )


def _existing(codes: Sequence[str]) -> pl.DataFrame:
    rows: list[tuple[str, int, str, str, int, str | None]] = []
    unique = sorted(set(codes))
    for start in range(0, len(unique), IN_CHUNK):
        part = unique[start : start + IN_CHUNK]
        rows.extend(
            Region.objects.filter(code__in=part).values_list(
                "code", "id", "path", "name", "level", "parent__code"
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "code": pl.String,
            "id": pl.Int64,
            "path": pl.String,
            "name": pl.String,
            "level": pl.Int64,
            "parent_code": pl.String,
        },
        orient="row",
    )


def _validate(frame: pl.DataFrame) -> pl.DataFrame:
    missing = {"code", "name", "level", "parent_code"} - set(frame.columns)
    if missing:
        raise ValidationFailed(
            _("The region frame lacks columns."),
            errors=[
                field_error(name, "required", _("Missing column.")) for name in sorted(missing)
            ],
        )
    if "time_zone" not in frame.columns:
        frame = frame.with_columns(time_zone=pl.lit(DEFAULT_TIME_ZONE))
    frame = frame.select(
        pl.col("code").cast(pl.String),
        pl.col("name").cast(pl.String).str.strip_chars(),
        pl.col("level").cast(pl.Int64),
        pl.col("parent_code").cast(pl.String),
        pl.col("time_zone").cast(pl.String).fill_null(DEFAULT_TIME_ZONE),
    ).with_row_index("row", offset=1)
    expected = pl.col("level").replace_strict(CODE_LENGTHS, default=-1, return_dtype=pl.Int64)
    extends = pl.col("code").str.starts_with(pl.col("parent_code").fill_null(""))
    checks = {
        "code": pl.col("code").is_null()
        | ~pl.col("code").str.contains(r"^[0-9]+$")
        | (pl.col("code").str.len_chars() != expected)
        | pl.col("code").is_duplicated()
        | ((pl.col("level") >= int(RegionLevel.STREET)) & ~extends),
        "name": pl.col("name").is_null()
        | (pl.col("name").str.len_chars() == 0)
        | (pl.col("name").str.len_chars() > 100),
        "level": ~pl.col("level").is_between(int(RegionLevel.PROVINCE), int(RegionLevel.GRID)),
        "parent_code": pl.col("parent_code").is_null()
        != (pl.col("level") == int(RegionLevel.PROVINCE)),
    }
    errors = []
    for field, condition in checks.items():
        for row in frame.filter(condition).get_column("row").head(50).to_list():
            code = f"region_{field.removesuffix('_code')}_invalid"
            errors.append(field_error(field, code, _("Invalid value."), row=row))
    if errors:
        raise ValidationFailed(_("The jurisdiction nodes cannot be loaded."), errors=errors)
    return frame.sort("level", "code", maintain_order=True)


@transaction.atomic
def regions_bulk_load(frame: pl.DataFrame, *, actor: AnyActor) -> int:
    """Insert jurisdiction nodes, parents before children; returns the number inserted.

    ``frame`` has ``code``, ``name``, ``level``, ``parent_code`` (null for a province) and
    optionally ``time_zone``. A node whose code already exists with the same name, level and
    parent is kept as it is (so a city can be loaded under an existing province); any other
    difference raises ``ValidationFailed`` (``region_conflict``, naming the 1-based row).

    1. Validate codes (digits, GB/T 2260 length per level, a street/community/grid code
       extends its parent's), names and levels.
    2. Read the nodes that exist among the codes and parent codes.
    3. Level by level, join each new node to its parent's path (from the frame or the
       database) and give it a reserved id; a parent that is nowhere raises
       ``region_parent_missing``. An actor with a jurisdiction may only add nodes inside it.
    4. Insert every new node in one statement (``COPY`` on PostgreSQL) and write one audit row.
    """
    _require_region_writer(actor)
    frame = _validate(frame)
    existing = _existing(
        frame.get_column("code").to_list() + frame.get_column("parent_code").drop_nulls().to_list()
    )
    clash = frame.join(existing, on="code", how="inner", suffix="_db").filter(
        (pl.col("name") != pl.col("name_db"))
        | (pl.col("level") != pl.col("level_db"))
        | (pl.col("parent_code").fill_null("") != pl.col("parent_code_db").fill_null(""))
    )
    if clash.height:
        raise ValidationFailed(
            _("Some nodes exist already with a different name, level or parent."),
            errors=[
                field_error("code", "region_conflict", _("Exists with other values."), row=row)
                for row in clash.get_column("row").head(50).to_list()
            ],
        )
    new = frame.join(existing.select("code"), on="code", how="anti")
    known = existing.select("code", "id", "path", "level")
    first_id = table_reserve_ids(Region._meta.db_table, new.height) if new.height else 0
    new = new.with_row_index("offset").with_columns(id=pl.col("offset").cast(pl.Int64) + first_id)
    placed: list[pl.DataFrame] = []
    for level in range(RegionLevel.PROVINCE, RegionLevel.GRID + 1):
        layer = new.filter(pl.col("level") == level)
        if layer.height == 0:
            continue
        if level == RegionLevel.PROVINCE:
            layer = layer.with_columns(parent_id=pl.lit(None, pl.Int64), path=pl.col("code"))
        else:
            parents = known.rename(
                {
                    "code": "parent_code",
                    "id": "parent_id",
                    "path": "parent_path",
                    "level": "parent_level",
                }
            )
            layer = layer.join(parents, on="parent_code", how="left")
            orphans = layer.filter(
                pl.col("parent_id").is_null() | (pl.col("parent_level") != level - 1)
            )
            if orphans.height:
                raise ValidationFailed(
                    _("Some parents are missing or not one level up."),
                    errors=[
                        field_error(
                            "parent_code", "region_parent_missing", _("Unknown parent."), row=row
                        )
                        for row in orphans.get_column("row").head(50).to_list()
                    ],
                )
            layer = layer.with_columns(path=pl.col("parent_path") + "." + pl.col("code"))
        placed.append(layer)
        known = pl.concat([known, layer.select("code", "id", "path", "level")])
    if not placed:
        return 0
    rows = pl.concat([layer.select(_COLUMNS_IN) for layer in placed])
    if actor.region_path:
        root = actor.region_path
        outside = rows.filter(
            (pl.col("path") != root) & ~pl.col("path").str.starts_with(root + ".")
        )
        if outside.height:
            raise PermissionDenied(
                _("You can add nodes only inside your own jurisdiction."),
                code="region_out_of_scope",
            )
    now = db_now()
    rows = rows.with_columns(
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
        version=pl.lit(1, pl.Int64),
        is_active=pl.lit(True),
    )
    table_insert(Region._meta.db_table, rows)
    audit_record(
        actor=actor,
        action="regions_bulk_load",
        object_type="region",
        object_id=rows.get_column("code").item(0),
        fields=["code", "name", "level", "parent", "path", "time_zone"],
        extra={
            "inserted": rows.height,
            "kept": frame.height - rows.height,
            "by_level": {
                str(level): int(count)
                for level, count in rows.group_by("level").len().sort("level").iter_rows()
            },
        },
    )
    return rows.height

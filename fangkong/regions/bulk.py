"""Bulk writes of jurisdiction nodes from a frame, and the lookup of nodes by code that other
apps' bulk loaders share.

The nodes go in through the table primitives of :mod:`fangkong.core.bulk` (reserved ids, one
multi-row ``INSERT`` on SQLite, ``COPY`` on PostgreSQL) inside one transaction with one audit
row.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import IN_CHUNK, db_now, table_insert, table_reserve_ids
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.core.roles import Role
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.subtree import path_in_subtree

#: Code length per level: GB/T 2260 six digits down to county, then +3 per level.
CODE_LENGTHS = {1: 6, 2: 6, 3: 6, 4: 9, 5: 12, 6: 15}
DEFAULT_TIME_ZONE = "Asia/Shanghai"
_COLUMNS_IN = ["id", "code", "name", "level", "parent_id", "path", "time_zone"]


# ---------------------------------------------------------------------------- nodes by code


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
            if not path_in_subtree(path, root):
                raise PermissionDenied(
                    _("Some jurisdictions lie outside yours."), code="region_out_of_scope"
                )
            found[code] = pk
    frame = pl.DataFrame(
        {"region_code": list(found), "region_id": list(found.values())},
        schema={"region_code": pl.String, "region_id": pl.Int64},
    )
    return frame, [code for code in unique if code not in found]


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

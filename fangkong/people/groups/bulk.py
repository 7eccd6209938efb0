"""Bulk load of groups of people and their members from frames (registries, the synthetic
city's work teams and classes).

Set-based: the frames are checked with Polars all at once, every bad row named; groups and
members go in with ``bulk_create`` in one transaction with one audit row. A load is named by
its ``source``: a group's ``(source, key)`` is stored, so the same load sent again finds its
groups and members and writes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.people.access import parse_code, require_person_role
from fangkong.people.choices import GroupKind
from fangkong.people.groups.services import MAX_NAME
from fangkong.people.models import GroupMember, PersonGroup
from fangkong.people.selectors import person_scope
from fangkong.regions.selectors import region_scope

MAX_KEY = 80
MAX_SOURCE = 40
#: Rows of a lookup or insert sent to the database at once (SQLite's variable limit).
CHUNK = 5_000
#: At most this many problems are listed; the rest are counted.
MAX_ERRORS = 1_000


@dataclass(frozen=True)
class GroupsLoaded:
    """What a load wrote: groups and members new, and those already stored by this source."""

    groups: int
    groups_existing: int
    members: int
    members_existing: int


def _problems(
    frame: pl.DataFrame,
    table: str,
    checks: list[tuple[pl.Expr, str, str, str]],
    first_row: int,
) -> list[dict[str, Any]]:
    """One error per failed (condition, field, code, message) and row (numbered from
    ``first_row``)."""
    numbered = frame.with_row_index("_row", offset=first_row)
    errors: list[dict[str, Any]] = []
    for bad, field, code, message in checks:
        for row in numbered.filter(bad)["_row"].to_list():
            errors.append(field_error(f"{table}.{field}", code, message, row=row))
    return errors


def _typed(frame: pl.DataFrame, columns: tuple[str, ...], table: str) -> pl.DataFrame:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        message = _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
        raise ValidationFailed(message, errors=[field_error(table, "missing_columns", message)])
    return frame.select(pl.col(column).cast(pl.String) for column in columns)


def _lookup(queryset: Any, field: str, values: list[Any]) -> dict[str, int]:
    """``{value: pk}`` of the rows of ``queryset`` whose ``field`` is one of ``values``."""
    found: dict[str, int] = {}
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        found.update(
            (str(value), int(pk))
            for value, pk in queryset.filter(**{f"{field}__in": chunk}).values_list(field, "pk")
        )
    return found


def _checked(
    actor: AnyActor, groups: pl.DataFrame, members: pl.DataFrame, first_row: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The frames with ``region_id`` and ``person_id`` added, or ``ValidationFailed`` naming
    every bad row: keys missing, too long or repeated; kinds unknown; names empty or too
    long; nodes unknown or outside the actor's subtree; members of groups not in the frame,
    persons unknown or outside the subtree (``person_not_found``), a member twice."""
    regions = _lookup(
        region_scope(actor), "code", groups["region_code"].drop_nulls().unique().to_list()
    )
    parsed = {
        text: code
        for text in members["person"].drop_nulls().unique().to_list()
        if (code := parse_code(text)) is not None
    }
    by_code = _lookup(person_scope(actor), "code", list(parsed.values()))
    persons = {text: by_code[str(code)] for text, code in parsed.items() if str(code) in by_code}
    groups = groups.with_columns(
        region_id=pl.col("region_code").replace_strict(regions, default=None, return_dtype=pl.Int64)
    )
    members = members.with_columns(
        person_id=pl.col("person").replace_strict(persons, default=None, return_dtype=pl.Int64)
    )
    key_len = pl.col("key").str.len_chars()
    name_len = pl.col("name").str.strip_chars().str.len_chars()
    errors = _problems(
        groups,
        "groups",
        [
            (
                pl.col("key").is_null() | (key_len == 0),
                "key",
                "required",
                _("This field is required."),
            ),
            (
                key_len > MAX_KEY,
                "key",
                "text_too_long",
                _("At most %(count)d characters.") % {"count": MAX_KEY},
            ),
            (
                pl.col("key").is_duplicated() & pl.col("key").is_not_null(),
                "key",
                "duplicate_key",
                _("This key is repeated."),
            ),
            (
                ~pl.col("kind").is_in(GroupKind.values).fill_null(False),
                "kind",
                "invalid_choice",
                _("Not a kind of group."),
            ),
            (
                pl.col("name").is_null() | (name_len == 0),
                "name",
                "required",
                _("This field is required."),
            ),
            (
                name_len > MAX_NAME,
                "name",
                "text_too_long",
                _("At most %(count)d characters.") % {"count": MAX_NAME},
            ),
            (
                pl.col("region_id").is_null(),
                "region_code",
                "region_not_found",
                _("No such jurisdiction."),
            ),
        ],
        first_row,
    )
    errors += _problems(
        members,
        "members",
        [
            (
                ~pl.col("group_key").is_in(groups["key"].drop_nulls().implode()).fill_null(False),
                "group_key",
                "group_not_found",
                _("No such group in this load."),
            ),
            (pl.col("person_id").is_null(), "person", "person_not_found", _("No such person.")),
            (
                pl.struct("group_key", "person").is_duplicated(),
                "person",
                "duplicate_member",
                _("This person is listed twice in the group."),
            ),
        ],
        first_row,
    )
    if errors:
        raise ValidationFailed(
            _("The groups cannot be loaded: %(count)d problems.") % {"count": len(errors)},
            errors=errors[:MAX_ERRORS],
        )
    return groups, members


@transaction.atomic
def groups_bulk_load(
    *,
    actor: AnyActor,
    source: str,
    groups: pl.DataFrame,
    members: pl.DataFrame,
    first_row: int = 1,
) -> GroupsLoaded:
    """Store the groups of ``groups`` and their members of ``members`` as loaded by
    ``source`` (a feed's or registry's name).

    Frames (extra columns ignored): ``groups``: ``key`` (the source's id of the group),
    ``kind`` (a :class:`GroupKind` value), ``name``, ``region_code`` (where the group sits);
    ``members``: ``group_key``, ``person`` (a person code). Rows are named by their number
    counted from ``first_row`` (1 for rows sent as JSON, 2 for a CSV file whose header is
    row 1).

    1. Role (``PERSON_WRITE_ROLES``) and ``source`` (1–40 characters) checked.
    2. The rows checked set-based (:func:`_checked`); any problem stores nothing and raises
       ``ValidationFailed`` listing up to ``MAX_ERRORS`` of them by table, field and row.
    3. Groups whose ``(source, key)`` is stored already are reused; the others are created.
    4. Members not yet in their group are added (``added_at`` now).
    5. One audit row ``groups_bulk_load`` with the source and the counts.
    """
    require_person_role(actor, write=True)
    if not 0 < len(source) <= MAX_SOURCE:
        message = _("Name the source (at most %(count)d characters).") % {"count": MAX_SOURCE}
        raise ValidationFailed(message, errors=[field_error("source", "required", message)])
    groups, members = _checked(
        actor,
        _typed(groups, ("key", "kind", "name", "region_code"), "groups"),
        _typed(members, ("group_key", "person"), "members"),
        first_row,
    )
    keys = groups["key"].to_list()
    stored = _lookup(PersonGroup.objects.filter(source=source), "source_key", keys)
    new = groups.filter(~pl.col("key").is_in(list(stored)))
    PersonGroup.objects.bulk_create(
        [
            PersonGroup(
                kind=row["kind"],
                name=row["name"].strip(),
                region_id=row["region_id"],
                source=source,
                source_key=row["key"],
            )
            for row in new.iter_rows(named=True)
        ],
        batch_size=CHUNK,
    )
    group_ids = _lookup(PersonGroup.objects.filter(source=source), "source_key", keys)
    # Polars 2.1 hands the key column back unchanged, still text, from ``replace_strict``
    # with an empty mapping (a file of no groups), and the anti-join below then refused to
    # match it with the integers: a 500 the schema fuzzing found
    pairs = (
        members.select(
            group_id=pl.col("group_key").replace_strict(group_ids, return_dtype=pl.Int64),
            person_id=pl.col("person_id").cast(pl.Int64),
        )
        if group_ids
        else pl.DataFrame(schema={"group_id": pl.Int64, "person_id": pl.Int64})
    )
    present = pl.DataFrame(
        list(
            GroupMember.objects.filter(group_id__in=list(stored.values())).values_list(
                "group_id", "person_id"
            )
        )
        if stored
        else [],
        schema={"group_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    )
    added = pairs.join(present, on=["group_id", "person_id"], how="anti")
    now = timezone.now()
    GroupMember.objects.bulk_create(
        [
            GroupMember(group_id=group_id, person_id=person_id, added_at=now)
            for group_id, person_id in added.iter_rows()
        ],
        batch_size=CHUNK,
    )
    loaded = GroupsLoaded(
        groups=new.height,
        groups_existing=groups.height - new.height,
        members=added.height,
        members_existing=pairs.height - added.height,
    )
    audit_record(
        actor=actor,
        action="groups_bulk_load",
        object_type="person_group",
        object_id=source,
        extra={
            "groups": loaded.groups,
            "groups_existing": loaded.groups_existing,
            "members": loaded.members,
            "members_existing": loaded.members_existing,
        },
    )
    return loaded

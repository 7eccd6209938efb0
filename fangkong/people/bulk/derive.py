"""Values the people bulk load derives from the checked frames.

Per-value work that must run in Python (pinyin, AES-GCM, HMAC) runs in forked worker
processes (:class:`fangkong.core.bulk.ChunkWorkers`) while the main process writes
households and persons; the other derived values (address parts, canonical phones, flags)
are computed in the main process, through the services' own helpers once per distinct value.
"""

from __future__ import annotations

import json

import polars as pl

from fangkong.core.addresses import parse_address
from fangkong.core.crypto import encrypt
from fangkong.core.errors import ValidationFailed
from fangkong.core.idcard import mask_number
from fangkong.core.names import name_clean, name_key, name_pinyin, name_warnings
from fangkong.core.phones import normalise_phone
from fangkong.people.bulk.checks import RowErrors
from fangkong.people.choices import Sex
from fangkong.people.documents import ID_PURPOSE, number_index

NAME_CHUNK = 10_000
DOCUMENT_CHUNK = 50_000
MOBILE = r"^1[3-9][0-9]{9}$"
#: ``锦绣花园3号楼2单元501室``: CJK ideographs other than numerals, then the three parts.
CANONICAL_ADDRESS = (
    r"^[\x{4e00}-\x{9fff}--[零一二两三四五六七八九十]]*"
    r"(?<building>[1-9][0-9]{0,3})号楼(?<unit>[1-9][0-9]?)单元(?<room>[1-9][0-9]{1,4})室$"
)


# ---------------------------------------------------------------- per-value work (workers)


def derive_names(names: list[str]) -> list[tuple[str, str, str, str] | None]:
    """``(clean, key, pinyin, flags as JSON)`` per name; ``None`` for a name that is refused."""
    out: list[tuple[str, str, str, str] | None] = []
    for raw in names:
        try:
            clean = name_clean(raw)
        except ValidationFailed:
            out.append(None)
            continue
        out.append((clean, name_key(clean), name_pinyin(clean), json.dumps(name_warnings(clean))))
    return out


def derive_documents(pairs: list[tuple[str, str]]) -> tuple[str, str, str]:
    """Encrypted number, blind index and masked number per ``(doc_type, number)``, each column
    joined with newlines (one string pickles far faster than a hundred thousand)."""
    encrypted = "\n".join(encrypt(number, purpose=ID_PURPOSE) for _, number in pairs)
    indexes = "\n".join(number_index(doc_type, number) for doc_type, number in pairs)
    masked = "\n".join(mask_number(number) for _, number in pairs)
    return encrypted, indexes, masked


def warm_up() -> None:
    """Load OpenCC, pypinyin's tables and the AES key once, before the workers fork."""
    name_pinyin("張三")
    encrypt("0", purpose=ID_PURPOSE)


# ----------------------------------------------------------------------- derived values


def household_values(house: pl.DataFrame) -> pl.DataFrame:
    """Building, unit, room and key as ``parse_address`` gives them.

    A canonical address (CJK ideographs other than numerals, then ``<n>号楼<n>单元<n>室``
    without leading zeros) is split by one regular expression: for such text
    ``parse_address`` finds exactly these numbers (its normalisation leaves the text as it is,
    and nothing before the building number can start a building, unit, room or dashed
    match). Every other address goes through ``parse_address``, once per distinct text.
    """
    parts = pl.col("address").str.extract_groups(CANONICAL_ADDRESS)
    house = house.drop(
        [c for c in ("building", "unit", "room", "address_key") if c in house.columns]
    )
    house = house.with_columns(
        building=parts.struct.field("building"),
        unit=parts.struct.field("unit"),
        room=parts.struct.field("room"),
    ).with_columns(address_key=pl.concat_str("building", "unit", "room", separator="-"))
    other = house.filter(pl.col("building").is_null())["address"].unique().to_list()
    if not other:
        return house
    parsed = [parse_address(text) for text in other]
    table = pl.DataFrame(
        [
            (t, p.building[:20], p.unit[:20], p.room[:20], p.key[:255])
            for t, p in zip(other, parsed, strict=True)
        ],
        schema=dict.fromkeys(("address", "building", "unit", "room", "address_key"), pl.String),
        orient="row",
    )
    fast = house.filter(pl.col("building").is_not_null())
    slow = house.filter(pl.col("building").is_null()).drop(
        "building", "unit", "room", "address_key"
    )
    return pl.concat([fast, slow.join(table, on="address", how="left").select(fast.columns)]).sort(
        "household_pos"
    )


def phone_values(people: pl.DataFrame, errors: RowErrors) -> pl.DataFrame:
    """Canonical mobiles pass as they are; anything else goes through ``normalise_phone``."""
    odd = people.filter((pl.col("phone") != "") & ~pl.col("phone").str.contains(MOBILE))
    fixed: dict[str, str] = {}
    for row, raw in odd.select("row", "phone").iter_rows():
        if raw in fixed:
            continue
        try:
            fixed[raw] = normalise_phone(raw).number
        except ValidationFailed as exc:
            errors.extend({**e, "field": "persons.phone", "row": row} for e in exc.errors)
    return people.with_columns(pl.col("phone").replace(fixed)) if fixed else people


def name_values(
    people: pl.DataFrame,
    names: list[str],
    derived: list[tuple[str, str, str, str] | None],
    errors: RowErrors,
) -> pl.DataFrame:
    """Join the per-name values back to the persons; refused names are row errors."""
    refused = [name for name, value in zip(names, derived, strict=True) if value is None]
    errors.rows(people, pl.col("name").is_in(refused), "persons.name", "name_invalid")
    table = pl.DataFrame(
        [(name, *value) for name, value in zip(names, derived, strict=True) if value is not None],
        schema=dict.fromkeys(
            ("name", "name_clean", "name_key", "name_pinyin", "name_flags"), pl.String
        ),
        orient="row",
    )
    return people.join(table, on="name", how="left").sort("person_pos")


def from_documents(people: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """As ``person_create``: a missing birth date or an unknown sex comes from the first
    document that states one; ``flags`` are the name warnings plus every document's warnings,
    sorted, as JSON."""
    said = (
        docs.sort("row")
        .group_by("person_pos", maintain_order=True)
        .agg(
            pl.col("doc_birth").drop_nulls().first().alias("said_birth"),
            pl.col("doc_sex").drop_nulls().first().alias("said_sex"),
            pl.col("doc_warnings").explode().drop_nulls().unique().alias("said_warnings"),
        )
    )
    people = people.join(said, on="person_pos", how="left").sort("person_pos")
    people = people.with_columns(
        birth_date=pl.coalesce("birth_date", "said_birth"),
        sex=pl.when(pl.col("sex") == Sex.UNKNOWN)
        .then(pl.coalesce("said_sex", "sex"))
        .otherwise("sex"),
        flags=pl.col("name_flags"),
    )
    extra = people.filter(pl.col("said_warnings").list.len() > 0).select(
        "person_pos", "said_warnings"
    )
    if extra.height == 0:
        return people
    flags = people["flags"].to_list()  # persons are in person_pos order
    for pos, warnings in extra.iter_rows():
        flags[pos] = json.dumps(sorted(set(json.loads(flags[pos])) | set(warnings)))
    return people.with_columns(flags=pl.Series(flags, dtype=pl.String))

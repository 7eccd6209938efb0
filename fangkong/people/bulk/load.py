"""Bulk load of households, persons, identity documents and special needs from frames.

For registries and the synthetic city: a million persons in seconds instead of hours through
``person_create``. Every stored value is what the people services store for the same input:
names through ``name_clean``/``name_key``/``name_pinyin``/``name_warnings`` (once per distinct
name), phones in canonical form, addresses split as ``parse_address`` splits them, identity
numbers validated, encrypted with ``purpose="id-number"``, blind-indexed with
``people.documents.number_index`` and masked with ``mask_number``; ``flags`` carry the same
warnings. What it does not do is open duplicate reviews one person at a time: identity
numbers already stored (or repeated in the frame) are refused, and same-name-and-birth review
is a batch job over the whole registry.

The per-value work that must run in Python (pinyin, AES-GCM, HMAC) runs in forked worker
processes while the main process validates and writes households and persons; rows go in
through ``regions.bulk.table_insert`` (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
inside one transaction with one audit row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import pyarrow as pa
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.actor import AnyActor
from fangkong.core.addresses import parse_address
from fangkong.core.audit import audit_record
from fangkong.core.crypto import encrypt
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.idcard import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    PROVINCE_CODES,
    WARN_ADDRESS_CODE,
    WARN_BIRTH_MISMATCH,
    WARN_SEX_MISMATCH,
    WEIGHTS,
    mask_number,
)
from fangkong.core.names import name_clean, name_key, name_pinyin, name_warnings
from fangkong.core.phones import normalise_phone
from fangkong.people.access import require_person_role
from fangkong.people.choices import DocumentType, Sex, SpecialNeed
from fangkong.people.documents import ID_PURPOSE, RESIDENT_FAMILY, document_validate, number_index
from fangkong.people.models import Household, IdentityDocument, Person, PersonNeed
from fangkong.regions.bulk import (
    ChunkWorkers,
    StepClock,
    random_uuids,
    region_ids,
    table_fill_defaults,
    table_insert,
    table_reserve_ids,
)

NAME_CHUNK = 10_000
DOCUMENT_CHUNK = 50_000
MAX_ERRORS = 50
MOBILE = r"^1[3-9][0-9]{9}$"
#: ``锦绣花园3号楼2单元501室``: CJK ideographs other than numerals, then the three parts.
CANONICAL_ADDRESS = (
    r"^[\x{4e00}-\x{9fff}--[零一二两三四五六七八九十]]*"
    r"(?<building>[1-9][0-9]{0,3})号楼(?<unit>[1-9][0-9]?)单元(?<room>[1-9][0-9]{1,4})室$"
)
_RESIDENT = sorted(RESIDENT_FAMILY)


@dataclass(frozen=True)
class PeopleLoaded:
    """Rows written; ids are consecutive from the first id, in frame order."""

    households: int
    persons: int
    documents: int
    needs: int
    household_first_id: int
    person_first_id: int
    seconds: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- per-value work (workers)


def _derive_names(names: list[str]) -> list[tuple[str, str, str, str] | None]:
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


def _derive_documents(pairs: list[tuple[str, str]]) -> tuple[str, str, str]:
    """Encrypted number, blind index and masked number per ``(doc_type, number)``, each column
    joined with newlines (one string pickles far faster than a hundred thousand)."""
    encrypted = "\n".join(encrypt(number, purpose=ID_PURPOSE) for _, number in pairs)
    indexes = "\n".join(number_index(doc_type, number) for doc_type, number in pairs)
    masked = "\n".join(mask_number(number) for _, number in pairs)
    return encrypted, indexes, masked


def _warm_up() -> None:
    """Load OpenCC, pypinyin's tables and the AES key once, before the workers fork."""
    name_pinyin("張三")
    encrypt("0", purpose=ID_PURPOSE)


# --------------------------------------------------------------------------- input frames


#: Columns per frame: (type, value when missing or null — ``REQUIRED`` if it must be given,
#: trim the text?).
REQUIRED = object()
_COLUMNS: dict[str, dict[str, tuple[Any, Any, bool]]] = {
    "households": {
        "household_key": (pl.Int64, REQUIRED, False),
        "region_code": (pl.String, REQUIRED, False),
        "address": (pl.String, REQUIRED, True),
    },
    "persons": {
        "person_key": (pl.Int64, REQUIRED, False),
        "household_key": (pl.Int64, REQUIRED, False),
        "region_code": (pl.String, None, False),
        "name": (pl.String, REQUIRED, False),
        "sex": (pl.String, REQUIRED, False),
        "birth_date": (pl.Date, REQUIRED, False),
        "phone": (pl.String, REQUIRED, True),
        "occupation": (pl.String, REQUIRED, True),
        "note": (pl.String, "", True),
    },
    "documents": {
        "person_key": (pl.Int64, REQUIRED, False),
        "doc_type": (pl.String, REQUIRED, False),
        "number": (pl.String, REQUIRED, False),
        "issuing_country": (pl.String, "", False),
        "is_primary": (pl.Boolean, None, False),
    },
    "needs": {
        "person_key": (pl.Int64, REQUIRED, False),
        "kind": (pl.String, REQUIRED, False),
        "note": (pl.String, "", True),
    },
}
_FILL = {"name": "", "sex": Sex.UNKNOWN, "address": "", "phone": "", "occupation": ""}


def _frame(data: pl.DataFrame | pa.Table, name: str) -> pl.DataFrame:
    """One input frame with a 1-based ``row``, its columns typed, defaulted and trimmed."""
    frame = data if isinstance(data, pl.DataFrame) else pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)
    spec = _COLUMNS[name]
    missing = [c for c, (_t, default, _s) in spec.items() if default is REQUIRED and c not in frame]
    if missing:
        raise ValidationFailed(
            _("A frame lacks columns."),
            errors=[field_error(f"{name}.{c}", "required", _("Missing column.")) for c in missing],
        )
    columns = []
    for column, (dtype, default, strip) in spec.items():
        value = pl.col(column).cast(dtype) if column in frame else pl.lit(default, dtype)
        fill = _FILL.get(column, default if default is not REQUIRED else None)
        value = value.fill_null(fill) if fill is not None else value
        columns.append((value.str.strip_chars() if strip else value).alias(column))
    return frame.select(columns).with_row_index("row", offset=1)


def _prepared(
    households: pl.DataFrame | pa.Table,
    persons: pl.DataFrame | pa.Table,
    documents: pl.DataFrame | pa.Table,
    needs: pl.DataFrame | pa.Table,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The four frames ready to check: positions for ids, numbers compacted and upper-cased,
    a person's first document primary unless the frame says otherwise."""
    house = _frame(households, "households").with_row_index("household_pos")
    people = _frame(persons, "persons").with_row_index("person_pos")
    docs = _frame(documents, "documents").with_columns(
        pl.col("number").fill_null("").str.to_uppercase().str.replace_all(r"\s|-", ""),
        pl.col("is_primary").fill_null(pl.col("person_key").is_first_distinct()),
    )
    return house, people, docs, _frame(needs, "needs")


# ------------------------------------------------------------------------------ validation


#: Messages of the row errors, by code (the codes are the services' codes).
_MESSAGES = {
    "duplicate_key": gettext_lazy("Repeated key."),
    "duplicate_need": gettext_lazy("The same need appears twice for this person."),
    "required": gettext_lazy("This field is required."),
    "text_too_long": gettext_lazy("The text is too long."),
    "text_nul": gettext_lazy("The text contains a NUL character."),
    "invalid_choice": gettext_lazy("Unknown value."),
    "doc_type_invalid": gettext_lazy("Unknown document type."),
    "birth_date_range": gettext_lazy("The birth date must be between 1900 and today."),
    "household_not_found": gettext_lazy("No such household in the frame."),
    "person_not_found": gettext_lazy("No such person in the frame."),
    "id_characters": gettext_lazy("An identity number has 17 digits and a final digit or X."),
    "id_check_digit": gettext_lazy("The check digit does not match; a digit was mistyped."),
    "id_birth_date": gettext_lazy("The birth date in the number is not a real date."),
    "identity_exists": gettext_lazy("This identity number is already taken."),
    "name_invalid": gettext_lazy("This name cannot be stored."),
}
#: Free-text columns and their limits (as the services cut them).
_TEXT_LIMITS = (
    ("households", "address", 255),
    ("persons", "occupation", 60),
    ("persons", "note", 5000),
    ("needs", "note", 255),
)


class _Errors(list[dict[str, Any]]):
    """Field errors (``frame.column``, code, message, 1-based row), at most ``MAX_ERRORS``."""

    def rows(self, frame: pl.DataFrame, failing: pl.Expr, where: str, code: str) -> None:
        for row in frame.filter(failing).get_column("row").head(MAX_ERRORS).to_list():
            self.append(field_error(where, code, str(_MESSAGES[code]), row=row))

    def raise_any(self) -> None:
        if self:
            raise ValidationFailed(
                _("The bulk load was refused; nothing was written."), errors=self[:MAX_ERRORS]
            )


def _check_fields(frames: dict[str, pl.DataFrame], errors: _Errors) -> None:
    """Keys, choices, lengths and dates, as the services check them one at a time."""
    col = pl.col
    for name, column, limit in _TEXT_LIMITS:
        text, where = col(column), f"{name}.{column}"
        errors.rows(frames[name], text.str.len_chars() > limit, where, "text_too_long")
        errors.rows(frames[name], text.str.contains("\x00", literal=True), where, "text_nul")
    house, people, wants = frames["households"], frames["persons"], frames["needs"]
    errors.rows(house, col("address") == "", "households.address", "required")
    for name, column in (("households", "household_key"), ("persons", "person_key")):
        errors.rows(frames[name], col(column).is_duplicated(), f"{name}.{column}", "duplicate_key")
    for name, column, values in (
        ("persons", "sex", Sex.values),
        ("needs", "kind", SpecialNeed.values),
    ):
        errors.rows(frames[name], ~col(column).is_in(values), f"{name}.{column}", "invalid_choice")
    doc_type = ~col("doc_type").is_in(DocumentType.values)
    errors.rows(frames["documents"], doc_type, "documents.doc_type", "doc_type_invalid")
    errors.rows(
        wants, pl.struct("person_key", "kind").is_duplicated(), "needs.kind", "duplicate_need"
    )
    born = col("birth_date").is_between(EARLIEST_BIRTH, timezone.localdate())
    errors.rows(
        people, col("birth_date").is_not_null() & ~born, "persons.birth_date", "birth_date_range"
    )


def _place(
    actor: AnyActor, house: pl.DataFrame, people: pl.DataFrame, errors: _Errors
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Join each household and person to its node (``region_id``) and each person to its
    household (``household_pos``). Unknown nodes and keys are errors; a node outside the
    actor's subtree refuses the whole load (``PermissionDenied``)."""
    members = house.select("household_key", "household_pos", household_region="region_code")
    people = people.join(members, on="household_key", how="left").sort("person_pos")
    lost = pl.col("household_key").is_not_null() & pl.col("household_pos").is_null()
    errors.rows(people, lost, "persons.household_key", "household_not_found")
    people = people.with_columns(region_code=pl.coalesce("household_region", "region_code"))
    errors.rows(people, pl.col("region_code").is_null(), "persons.region_code", "required")
    codes = house["region_code"].drop_nulls().to_list()
    mapping, unknown = region_ids(actor, codes + people["region_code"].drop_nulls().to_list())
    for code in unknown[:MAX_ERRORS]:
        message = _("No such jurisdiction: %(code)s") % {"code": code}
        errors.append(field_error("region_code", "region_not_found", message))
    house = house.join(mapping, on="region_code", how="left").sort("household_pos")
    return house, people.join(mapping, on="region_code", how="left").sort("person_pos")


def _check_documents(docs: pl.DataFrame, people: pl.DataFrame, errors: _Errors) -> pl.DataFrame:
    """Owners, GB 11643 for resident numbers (vectorised), ``document_validate`` for every
    other type (few rows), and numbers repeated in the frame.

    Adds ``person_pos``, the number and issuing country as stored, and what the document says
    of its holder: ``doc_birth``, ``doc_sex`` and ``doc_warnings`` (the warnings
    ``person_create`` turns into flags: sex parity, birth date, unknown province code).
    """
    owners = people.select("person_key", "person_pos", "sex", "birth_date")
    docs = docs.join(owners, on="person_key", how="left").sort("row")
    errors.rows(docs, pl.col("person_pos").is_null(), "documents.person_key", "person_not_found")
    number, sex, born = pl.col("number"), pl.col("sex"), pl.col("birth_date")
    digits = [number.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(17)]
    total = pl.sum_horizontal([d * w for d, w in zip(digits, WEIGHTS, strict=True)]) % 11
    check = total.replace_strict(dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String)
    parity = number.str.slice(16, 1).cast(pl.Int64, strict=False) % 2
    docs = docs.with_columns(
        resident=pl.col("doc_type").is_in(_RESIDENT),
        id_format=number.str.contains(r"^[0-9]{17}[0-9X]$"),
        id_check=check == number.str.slice(17, 1),
        doc_birth=number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False),
        doc_sex=pl.when(parity == 1).then(pl.lit("M")).otherwise(pl.lit("F")),
    )
    warned = [
        (~number.str.slice(0, 2).is_in(sorted(PROVINCE_CODES)), WARN_ADDRESS_CODE),
        (sex.is_in(["M", "F"]) & (sex != pl.col("doc_sex")), WARN_SEX_MISMATCH),
        (born.is_not_null() & (born != pl.col("doc_birth")), WARN_BIRTH_MISMATCH),
    ]
    docs = docs.with_columns(
        doc_warnings=pl.concat_list([pl.when(on).then(pl.lit(code)) for on, code in warned])
        .list.drop_nulls()
        .list.sort()
    )
    resident, ok, birth = pl.col("resident"), pl.col("id_format"), pl.col("doc_birth")
    bad_birth = birth.is_null() | ~birth.is_between(EARLIEST_BIRTH, timezone.localdate())
    errors.rows(docs, resident & ~ok, "documents.number", "id_characters")
    errors.rows(docs, resident & ok & ~pl.col("id_check"), "documents.number", "id_check_digit")
    errors.rows(docs, resident & ok & bad_birth, "documents.number", "id_birth_date")
    others = docs.filter(~resident & pl.col("doc_type").is_in(DocumentType.values))
    replaced = []
    for row, doc_type, raw, country, declared_sex, declared_birth in others.select(
        "row", "doc_type", "number", "issuing_country", "sex", "birth_date"
    ).iter_rows():
        try:
            valid = document_validate(
                doc_type=doc_type,
                number=raw,
                issuing_country=country,
                declared_sex=declared_sex,
                declared_birth_date=declared_birth,
            )
        except ValidationFailed as exc:
            errors.extend({**e, "field": f"documents.{e['field']}", "row": row} for e in exc.errors)
            continue
        warnings = sorted(valid.warnings)
        replaced.append(
            (row, valid.number, valid.issuing_country, valid.birth_date, valid.sex, warnings)
        )
    docs = docs.with_columns(
        issuing_country=pl.when(resident).then(pl.lit("CHN")).otherwise("issuing_country")
    )
    if replaced:
        table = pl.DataFrame(
            replaced,
            schema={
                "row": pl.UInt32,
                "number": pl.String,
                "issuing_country": pl.String,
                "doc_birth": pl.Date,
                "doc_sex": pl.String,
                "doc_warnings": pl.List(pl.String),
            },
            orient="row",
        )
        docs = docs.update(table, on="row", include_nulls=True)
    indexed = pl.when(resident).then(number).otherwise(pl.col("doc_type") + ":" + number)
    errors.rows(docs, indexed.is_duplicated(), "documents.number", "identity_exists")
    return docs


def _check_stored_numbers(indexes: list[str], docs: pl.DataFrame, errors: _Errors) -> None:
    """Refuse numbers someone already holds (the service answers ``identity_exists``)."""
    if not IdentityDocument.objects.exists():
        return
    step = connection.features.max_query_params or 10_000
    held: set[str] = set()
    for start in range(0, len(indexes), step):
        part = indexes[start : start + step]
        found = IdentityDocument.objects.filter(number_index__in=part)
        held.update(found.values_list("number_index", flat=True))
    if held:
        stored = docs.with_columns(stored=pl.Series(indexes, dtype=pl.String).is_in(sorted(held)))
        errors.rows(stored, pl.col("stored"), "documents.number", "identity_exists")


# ----------------------------------------------------------------------- derived values


def _household_values(house: pl.DataFrame) -> pl.DataFrame:
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


def _phone_values(people: pl.DataFrame, errors: _Errors) -> pl.DataFrame:
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


def _name_values(
    people: pl.DataFrame,
    names: list[str],
    derived: list[tuple[str, str, str, str] | None],
    errors: _Errors,
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


def _from_documents(people: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
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


# ------------------------------------------------------------------------------- the load


@transaction.atomic
def people_bulk_load(
    households: pl.DataFrame | pa.Table,
    persons: pl.DataFrame | pa.Table,
    documents: pl.DataFrame | pa.Table,
    needs: pl.DataFrame | pa.Table,
    *,
    actor: AnyActor,
    workers: int | None = None,
) -> PeopleLoaded:
    """Insert households, persons, documents and needs in one transaction; one audit row.

    Frames (Polars or Arrow; extra columns are ignored):

    * ``households``: ``household_key``, ``region_code``, ``address``.
    * ``persons``: ``person_key``, ``household_key`` (nullable), ``name``, ``sex`` (M/F/U),
      ``birth_date``, ``phone``, ``occupation``; optional ``region_code`` (used when there is
      no household) and ``note``.
    * ``documents``: ``person_key``, ``doc_type``, ``number``; optional ``issuing_country``
      and ``is_primary`` (default: the person's first document).
    * ``needs``: ``person_key``, ``kind``; optional ``note``.

    1. Check the role (``PERSON_WRITE_ROLES`` or the system) and that every node exists and
       lies in the actor's subtree (``PermissionDenied``).
    2. Validate every field (``ValidationFailed``; errors name frame, column and 1-based row),
       including GB 11643 for resident numbers; start the per-name and per-document work in
       worker processes.
    3. Insert households and persons (names derived first) while workers still encrypt.
    4. Refuse identity numbers someone already holds, insert documents and needs, and write
       one ``people_bulk_load`` audit row with the counts. Any failure rolls everything back.

    Returns :class:`PeopleLoaded` with step timings. ``workers`` sets the number of worker
    processes (default: one per core for loads of 50,000 rows or more, none below).
    """
    clock = StepClock()
    require_person_role(actor, write=True)
    house, people, docs, wants = _prepared(households, persons, documents, needs)
    errors = _Errors()
    frames = {"households": house, "persons": people, "documents": docs, "needs": wants}
    _check_fields(frames, errors)
    house, people = _place(actor, house, people, errors)
    docs = _check_documents(docs, people, errors)
    wants = wants.join(people.select("person_key", "person_pos"), on="person_key", how="left")
    errors.rows(wants, pl.col("person_pos").is_null(), "needs.person_key", "person_not_found")
    errors.raise_any()
    pool = ChunkWorkers(people.height + docs.height, workers, warm_up=_warm_up)
    try:
        names = people["name"].unique(maintain_order=True).to_list()
        names_ready = pool.submit(_derive_names, names, NAME_CHUNK)
        pairs = list(zip(docs["doc_type"].to_list(), docs["number"].to_list(), strict=True))
        docs_ready = pool.submit(_derive_documents, pairs, DOCUMENT_CHUNK)
        house = _household_values(house)
        people = _phone_values(people, errors)
        errors.raise_any()
        clock.lap("validate")
        first_household = _write_households(house)
        clock.lap("insert_households")
        people = _name_values(people, names, [v for part in names_ready() for v in part], errors)
        errors.raise_any()
        people = _from_documents(people, docs)
        clock.lap("names")
        first_person = _write_persons(people, first_household)
        clock.lap("insert_persons")
        derived = docs_ready()
        clock.lap("documents")
    finally:
        pool.close()
    docs = docs.with_columns(
        pl.Series(name, [v for part in derived for v in part[i].split("\n")], dtype=pl.String)
        for i, name in enumerate(("number_encrypted", "number_index", "masked"))
    )
    _check_stored_numbers(docs["number_index"].to_list(), docs, errors)
    errors.raise_any()
    written = _write_documents(docs, wants, first_person)
    loaded = PeopleLoaded(
        households=house.height,
        persons=people.height,
        documents=written[0],
        needs=written[1],
        household_first_id=first_household,
        person_first_id=first_person,
    )
    audit_record(
        actor=actor,
        action="people_bulk_load",
        object_type="person",
        object_id=f"{first_person}+{people.height}",
        fields=["households", "persons", "documents", "needs"],
        extra={k: v for k, v in loaded.__dict__.items() if k != "seconds"},
    )
    clock.lap("insert_documents")
    return replace(loaded, seconds=clock.seconds)


def _write_households(house: pl.DataFrame) -> int:
    """Reserve ids and insert the households; returns the first id."""
    first_household = table_reserve_ids(Household._meta.db_table, house.height)
    house_rows = house.select(
        id=pl.col("household_pos").cast(pl.Int64) + first_household,
        code=random_uuids(house.height),
        region_id="region_id",
        address="address",
        building="building",
        unit="unit",
        room="room",
        address_key="address_key",
    )
    _insert(Household, house_rows)
    return first_household


def _write_persons(people: pl.DataFrame, first_household: int) -> int:
    """Reserve ids and insert the persons; returns the first id."""
    first_person = table_reserve_ids(Person._meta.db_table, people.height)
    people_rows = people.select(
        id=pl.col("person_pos").cast(pl.Int64) + first_person,
        code=random_uuids(people.height),
        region_id="region_id",
        household_id=pl.col("household_pos").cast(pl.Int64) + first_household,
        name="name_clean",
        name_key="name_key",
        name_pinyin="name_pinyin",
        sex="sex",
        birth_date="birth_date",
        phone="phone",
        occupation="occupation",
        note="note",
        flags="flags",
    )
    _insert(Person, people_rows)
    return first_person


def _write_documents(docs: pl.DataFrame, wants: pl.DataFrame, first_person: int) -> tuple[int, int]:
    """Insert documents and needs (their ids are left to the database)."""
    person_id = pl.col("person_pos").cast(pl.Int64) + first_person
    doc_rows = docs.select(
        person_id=person_id,
        doc_type="doc_type",
        number_encrypted="number_encrypted",
        number_index="number_index",
        masked="masked",
        legacy_number_encrypted=pl.lit(""),
        issuing_country="issuing_country",
        is_primary="is_primary",
    )
    need_rows = wants.select(person_id=person_id, kind="kind", note="note")
    return _insert(IdentityDocument, doc_rows), _insert(PersonNeed, need_rows)


def _insert(model: type[Model], rows: pl.DataFrame) -> int:
    return table_insert(model._meta.db_table, table_fill_defaults(model, rows))

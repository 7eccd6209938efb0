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
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.addresses import parse_address
from fangkong.core.audit import audit_record
from fangkong.core.crypto import encrypt
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.core.idcard import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    PROVINCE_CODES,
    WARN_ADDRESS_CODE,
    WARN_BIRTH_MISMATCH,
    WARN_SEX_MISMATCH,
    WEIGHTS,
    mask_number,
    parse_issuing_country,
    parse_passport,
)
from fangkong.core.names import name_clean, name_key, name_pinyin, name_warnings
from fangkong.core.phones import normalise_phone
from fangkong.people.access import require_person_role
from fangkong.people.choices import DocumentType, Sex, SpecialNeed
from fangkong.people.documents import ID_PURPOSE, RESIDENT_FAMILY, number_index
from fangkong.people.models import Household, IdentityDocument, Person, PersonNeed
from fangkong.regions.bulk import (
    random_uuids,
    region_nodes,
    table_fill_defaults,
    table_insert,
    table_reserve_ids,
)

PARALLEL_MIN_ROWS = 50_000  # below this, starting workers costs more than it saves
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


class _Workers:
    """Chunked per-value work in forked processes; serial when small or fork is missing."""

    def __init__(self, rows: int, workers: int | None) -> None:
        count = workers if workers is not None else (os.cpu_count() or 1)
        self.pool: ProcessPoolExecutor | None = None
        if (
            count > 1
            and (workers is not None or rows >= PARALLEL_MIN_ROWS)
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            # Load OpenCC, pypinyin's tables and the AES key once, before forking.
            name_pinyin("張三")
            encrypt("0", purpose=ID_PURPOSE)
            self.pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))

    def submit(
        self, fn: Callable[[list[Any]], Any], items: list[Any], chunk: int
    ) -> Callable[[], list[Any]]:
        """Start ``fn`` over chunks of ``items``; the returned function waits for the results."""
        parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        if self.pool is None:
            done = [fn(part) for part in parts]
            return lambda: done
        futures: list[Future[Any]] = [self.pool.submit(fn, part) for part in parts]
        return lambda: [future.result() for future in futures]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


# --------------------------------------------------------------------------- input frames


def _frame(data: pl.DataFrame | pa.Table, name: str, required: list[str]) -> pl.DataFrame:
    frame = data if isinstance(data, pl.DataFrame) else pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValidationFailed(
            _("A frame lacks columns."),
            errors=[field_error(f"{name}.{c}", "required", _("Missing column.")) for c in missing],
        )
    return frame.with_row_index("row", offset=1)


def _optional(frame: pl.DataFrame, **defaults: Any) -> pl.DataFrame:
    return frame.with_columns(
        [pl.lit(value).alias(name) for name, value in defaults.items() if name not in frame.columns]
    )


def _prepared(
    households: pl.DataFrame | pa.Table,
    persons: pl.DataFrame | pa.Table,
    documents: pl.DataFrame | pa.Table,
    needs: pl.DataFrame | pa.Table,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The four frames with row numbers (1-based), optional columns and settled types."""
    text = pl.String
    house = _frame(households, "households", ["household_key", "region_code", "address"])
    house = house.with_columns(
        pl.col("household_key").cast(pl.Int64),
        pl.col("region_code").cast(text),
        pl.col("address").cast(text).fill_null("").str.strip_chars(),
    ).with_row_index("household_pos")
    people = _frame(
        persons,
        "persons",
        ["person_key", "household_key", "name", "sex", "birth_date", "phone", "occupation"],
    )
    people = (
        _optional(people, note="", region_code=None)
        .with_columns(
            pl.col("person_key").cast(pl.Int64),
            pl.col("household_key").cast(pl.Int64),
            pl.col("region_code").cast(text),
            pl.col("name").cast(text).fill_null(""),
            pl.col("sex").cast(text).fill_null(Sex.UNKNOWN),
            pl.col("birth_date").cast(pl.Date),
            pl.col("phone").cast(text).fill_null("").str.strip_chars(),
            pl.col("occupation").cast(text).fill_null("").str.strip_chars(),
            pl.col("note").cast(text).fill_null("").str.strip_chars(),
        )
        .with_row_index("person_pos")
    )
    docs = _frame(documents, "documents", ["person_key", "doc_type", "number"])
    if "is_primary" not in docs.columns:
        docs = docs.with_columns(is_primary=pl.col("person_key").is_first_distinct())
    docs = _optional(docs, issuing_country="").with_columns(
        pl.col("person_key").cast(pl.Int64),
        pl.col("doc_type").cast(text).fill_null(""),
        pl.col("number").cast(text).fill_null("").str.to_uppercase().str.replace_all(r"\s|-", ""),
        pl.col("issuing_country").cast(text).fill_null(""),
        pl.col("is_primary").cast(pl.Boolean).fill_null(value=False),
    )
    wants = _optional(_frame(needs, "needs", ["person_key", "kind"]), note="").with_columns(
        pl.col("person_key").cast(pl.Int64),
        pl.col("kind").cast(text),
        pl.col("note").cast(text).fill_null("").str.strip_chars(),
    )
    return house, people, docs, wants


# ------------------------------------------------------------------------------ validation


class _Errors(list[dict[str, Any]]):
    """Field errors with 1-based rows, at most ``MAX_ERRORS``."""

    def rows(
        self, frame: pl.DataFrame, failing: pl.Expr, where: str, code: str, message: str
    ) -> None:
        for row in frame.filter(failing).get_column("row").head(MAX_ERRORS).to_list():
            self.append(field_error(where, code, message, row=row))

    def raise_any(self) -> None:
        if self:
            raise ValidationFailed(
                _("The bulk load was refused; nothing was written."), errors=self[:MAX_ERRORS]
            )


def _check_fields(
    house: pl.DataFrame,
    people: pl.DataFrame,
    docs: pl.DataFrame,
    wants: pl.DataFrame,
    errors: _Errors,
) -> None:
    """Keys, choices, lengths and dates, as the services check them one at a time."""
    today = timezone.localdate()
    repeated, required = _("Repeated key."), _("This field is required.")
    too_long, nul = _("The text is too long."), _("The text contains a NUL character.")
    col = pl.col
    rules: list[tuple[pl.DataFrame, pl.Expr, str, str, str]] = [
        (
            house,
            col("household_key").is_duplicated(),
            "households.household_key",
            "duplicate_key",
            repeated,
        ),
        (house, col("address") == "", "households.address", "required", required),
        (
            house,
            col("address").str.len_chars() > 255,
            "households.address",
            "text_too_long",
            too_long,
        ),
        (
            people,
            col("person_key").is_duplicated(),
            "persons.person_key",
            "duplicate_key",
            repeated,
        ),
        (people, ~col("sex").is_in(Sex.values), "persons.sex", "invalid_choice", _("Unknown sex.")),
        (
            people,
            col("birth_date").is_not_null() & ~col("birth_date").is_between(EARLIEST_BIRTH, today),
            "persons.birth_date",
            "birth_date_range",
            _("The birth date must be between 1900 and today."),
        ),
        (
            people,
            col("occupation").str.len_chars() > 60,
            "persons.occupation",
            "text_too_long",
            too_long,
        ),
        (people, col("note").str.len_chars() > 5000, "persons.note", "text_too_long", too_long),
        (
            wants,
            ~col("kind").is_in(SpecialNeed.values),
            "needs.kind",
            "invalid_choice",
            _("Unknown special need."),
        ),
        (
            wants,
            pl.struct("person_key", "kind").is_duplicated(),
            "needs.kind",
            "duplicate_need",
            repeated,
        ),
        (wants, col("note").str.len_chars() > 255, "needs.note", "text_too_long", too_long),
        (
            docs,
            ~col("doc_type").is_in(DocumentType.values),
            "documents.doc_type",
            "doc_type_invalid",
            _("Unknown document type."),
        ),
    ]
    for frame, name in (
        (house, "households.address"),
        (people, "persons.occupation"),
        (people, "persons.note"),
        (wants, "needs.note"),
    ):
        rules.append(
            (
                frame,
                col(name.split(".")[1]).str.contains("\x00", literal=True),
                name,
                "text_nul",
                nul,
            )
        )
    for frame, failing, where, code, message in rules:
        errors.rows(frame, failing, where, code, message)


def _place(
    actor: AnyActor, house: pl.DataFrame, people: pl.DataFrame, errors: _Errors
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Join each household and person to its node (``region_id``) and each person to its
    household (``household_pos``). Unknown nodes and keys are errors; a node outside the
    actor's subtree refuses the whole load."""
    members = house.select("household_key", "household_pos", household_region="region_code")
    people = people.join(members, on="household_key", how="left").sort("person_pos")
    errors.rows(
        people,
        pl.col("household_key").is_not_null() & pl.col("household_pos").is_null(),
        "persons.household_key",
        "household_not_found",
        _("No such household in the frame."),
    )
    people = people.with_columns(region_code=pl.coalesce("household_region", "region_code"))
    errors.rows(
        people,
        pl.col("region_code").is_null(),
        "persons.region_code",
        "required",
        _("Choose a jurisdiction or household."),
    )
    codes = (
        house["region_code"].drop_nulls().to_list() + people["region_code"].drop_nulls().to_list()
    )
    nodes = region_nodes(codes)
    for code in sorted(set(codes) - set(nodes))[:MAX_ERRORS]:
        errors.append(
            field_error(
                "region_code",
                "region_not_found",
                _("No such jurisdiction: %(code)s") % {"code": code},
            )
        )
    root = actor.region_path
    if root and any(
        path != root and not path.startswith(root + ".") for _pk, path in nodes.values()
    ):
        raise PermissionDenied(
            _("Some jurisdictions lie outside yours."), code="region_out_of_scope"
        )
    mapping = pl.DataFrame(
        {"region_code": list(nodes), "region_id": [pk for pk, _path in nodes.values()]},
        schema={"region_code": pl.String, "region_id": pl.Int64},
    )
    house = house.join(mapping, on="region_code", how="left").sort("household_pos")
    return house, people.join(mapping, on="region_code", how="left").sort("person_pos")


def _check_documents(docs: pl.DataFrame, people: pl.DataFrame, errors: _Errors) -> pl.DataFrame:
    """Owners, GB 11643 for resident numbers (vectorised), the own validator for every other
    type (few rows), and numbers repeated in the frame. Adds ``person_pos``, the issuing
    country as stored (``CHN`` for resident numbers) and ``id_birth``/``id_male``/
    ``id_province`` for the warnings."""
    docs = docs.join(
        people.select("person_key", "person_pos", "sex", "birth_date"), on="person_key", how="left"
    ).sort("row")
    errors.rows(
        docs,
        pl.col("person_pos").is_null(),
        "documents.person_key",
        "person_not_found",
        _("No such person in the frame."),
    )
    number = pl.col("number")
    digits = [number.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(17)]
    total = pl.sum_horizontal([d * w for d, w in zip(digits, WEIGHTS, strict=True)]) % 11
    docs = docs.with_columns(
        resident=pl.col("doc_type").is_in(_RESIDENT),
        id_format=number.str.contains(r"^[0-9]{17}[0-9X]$"),
        id_check=total.replace_strict(
            dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String
        )
        == number.str.slice(17, 1),
        id_birth=number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False),
        id_male=number.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1,
        id_province=number.str.slice(0, 2).is_in(sorted(PROVINCE_CODES)),
    )
    resident, ok = pl.col("resident"), pl.col("id_format")
    bad_birth = pl.col("id_birth").is_null() | ~pl.col("id_birth").is_between(
        EARLIEST_BIRTH, timezone.localdate()
    )
    errors.rows(
        docs,
        resident & ~ok,
        "documents.number",
        "id_characters",
        _("An identity number has 17 digits and a final digit or X."),
    )
    errors.rows(
        docs,
        resident & ok & ~pl.col("id_check"),
        "documents.number",
        "id_check_digit",
        _("The check digit does not match; a digit was probably mistyped."),
    )
    errors.rows(
        docs,
        resident & ok & bad_birth,
        "documents.number",
        "id_birth_date",
        _("The birth date in the number is not a real date."),
    )
    numbers, countries = docs["number"].to_list(), docs["issuing_country"].to_list()
    for position in docs["resident"].not_().arg_true().to_list():
        try:
            countries[position] = parse_issuing_country(countries[position])
            if docs["doc_type"][position] == DocumentType.PASSPORT:
                numbers[position] = parse_passport(
                    numbers[position], issuing_country=countries[position]
                ).number
        except ValidationFailed as exc:
            errors.extend(
                {**e, "field": f"documents.{e['field']}", "row": position + 1} for e in exc.errors
            )
    docs = docs.with_columns(
        number=pl.Series(numbers, dtype=pl.String),
        issuing_country=pl.when(pl.col("resident"))
        .then(pl.lit("CHN"))
        .otherwise(pl.Series(countries, dtype=pl.String)),
    )
    indexed = pl.when(pl.col("resident")).then(number).otherwise(pl.col("doc_type") + ":" + number)
    errors.rows(
        docs,
        indexed.is_duplicated(),
        "documents.number",
        "identity_exists",
        _("This identity number appears more than once."),
    )
    return docs


def _check_stored_numbers(indexes: list[str], docs: pl.DataFrame, errors: _Errors) -> None:
    """Refuse numbers someone already holds (the service answers ``identity_exists``)."""
    if not IdentityDocument.objects.exists():
        return
    step = connection.features.max_query_params or 10_000
    held: set[str] = set()
    for start in range(0, len(indexes), step):
        part = indexes[start : start + step]
        held.update(
            IdentityDocument.objects.filter(number_index__in=part).values_list(
                "number_index", flat=True
            )
        )
    if held:
        stored = pl.Series(indexes, dtype=pl.String).is_in(sorted(held))
        errors.rows(
            docs.with_columns(stored=stored),
            pl.col("stored"),
            "documents.number",
            "identity_exists",
            _("Someone already holds this identity number."),
        )


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
    errors.rows(
        people,
        pl.col("name").is_in(refused),
        "persons.name",
        "name_invalid",
        _("This name cannot be stored."),
    )
    table = pl.DataFrame(
        [(name, *value) for name, value in zip(names, derived, strict=True) if value is not None],
        schema=dict.fromkeys(
            ("name", "name_clean", "name_key", "name_pinyin", "name_flags"), pl.String
        ),
        orient="row",
    )
    return people.join(table, on="name", how="left").sort("person_pos")


def _flags(people: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """``flags``: the name warnings plus the resident-number warnings ``person_create`` adds
    (sex parity, birth date, unknown province code), sorted, as JSON."""
    found = (
        docs.filter(pl.col("resident"))
        .select(
            "person_pos",
            sex=pl.col("sex").is_in(["M", "F"]) & ((pl.col("sex") == "M") != pl.col("id_male")),
            birth=pl.col("birth_date").is_not_null() & (pl.col("birth_date") != pl.col("id_birth")),
            province=~pl.col("id_province"),
        )
        .filter(pl.col("sex") | pl.col("birth") | pl.col("province"))
    )
    people = people.with_columns(flags=pl.col("name_flags"))
    if found.height == 0:
        return people
    flags = people["flags"].to_list()  # persons are in person_pos order
    for pos, sex, birth, province in found.iter_rows():
        extra = {
            w
            for w, on in (
                (WARN_SEX_MISMATCH, sex),
                (WARN_BIRTH_MISMATCH, birth),
                (WARN_ADDRESS_CODE, province),
            )
            if on
        }
        flags[pos] = json.dumps(sorted(set(json.loads(flags[pos])) | extra))
    return people.with_columns(flags=pl.Series(flags, dtype=pl.String))


# ------------------------------------------------------------------------------- the load


class _Clock:
    def __init__(self) -> None:
        self.mark = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        self.seconds[label] = round(now - self.mark, 3)
        self.mark = now


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
    clock = _Clock()
    require_person_role(actor, write=True)
    house, people, docs, wants = _prepared(households, persons, documents, needs)
    errors = _Errors()
    _check_fields(house, people, docs, wants, errors)
    house, people = _place(actor, house, people, errors)
    docs = _check_documents(docs, people, errors)
    wants = wants.join(people.select("person_key", "person_pos"), on="person_key", how="left")
    errors.rows(
        wants,
        pl.col("person_pos").is_null(),
        "needs.person_key",
        "person_not_found",
        _("No such person in the frame."),
    )
    errors.raise_any()
    pool = _Workers(people.height + docs.height, workers)
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
        people = _flags(people, docs)
        clock.lap("names")
        first_person = _write_persons(people, first_household)
        clock.lap("insert_persons")
        derived = docs_ready()
        clock.lap("documents")
    finally:
        pool.close()
    docs = (
        docs.with_columns(
            number_encrypted=pl.Series(
                [v for part in derived for v in part[0].split("\n")], dtype=pl.String
            ),
            number_index=pl.Series(
                [v for part in derived for v in part[1].split("\n")], dtype=pl.String
            ),
            masked=pl.Series([v for part in derived for v in part[2].split("\n")], dtype=pl.String),
        )
        if docs.height
        else docs.with_columns(
            number_encrypted=pl.lit(""), number_index=pl.lit(""), masked=pl.lit("")
        )
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
    table_insert(Household._meta.db_table, table_fill_defaults(Household, house_rows))
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
    table_insert(Person._meta.db_table, table_fill_defaults(Person, people_rows))
    return first_person


def _write_documents(docs: pl.DataFrame, wants: pl.DataFrame, first_person: int) -> tuple[int, int]:
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
    return (
        table_insert(
            IdentityDocument._meta.db_table, table_fill_defaults(IdentityDocument, doc_rows)
        ),
        table_insert(PersonNeed._meta.db_table, table_fill_defaults(PersonNeed, need_rows)),
    )

"""Typing and checking the four input frames of the people bulk load.

Every check is a vectorised expression over a whole frame; the few values that only a
service can judge (identity documents other than resident numbers) go through the service's
own validator, row by row. Errors name frame, column and 1-based row, as the services name
them, and the load is refused as a whole.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.actor import AnyActor
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.idcard import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    PROVINCE_CODES,
    WARN_ADDRESS_CODE,
    WARN_BIRTH_MISMATCH,
    WARN_SEX_MISMATCH,
    WEIGHTS,
)
from fangkong.people.choices import DocumentType, Sex, SpecialNeed
from fangkong.people.documents import RESIDENT_FAMILY, document_validate
from fangkong.people.models import IdentityDocument
from fangkong.regions.bulk import region_ids

MAX_ERRORS = 50
_RESIDENT = sorted(RESIDENT_FAMILY)


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


def frames_prepared(
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


class RowErrors(list[dict[str, Any]]):
    """Field errors (``frame.column``, code, message, 1-based row), at most ``MAX_ERRORS``."""

    def rows(self, frame: pl.DataFrame, failing: pl.Expr, where: str, code: str) -> None:
        """Add one ``code`` error at ``where`` per row of ``frame`` where ``failing`` holds."""
        for row in frame.filter(failing).get_column("row").head(MAX_ERRORS).to_list():
            self.append(field_error(where, code, str(_MESSAGES[code]), row=row))

    def raise_any(self) -> None:
        """Raise ``ValidationFailed`` with the errors so far, if there are any."""
        if self:
            raise ValidationFailed(
                _("The bulk load was refused; nothing was written."), errors=self[:MAX_ERRORS]
            )


def check_fields(frames: dict[str, pl.DataFrame], errors: RowErrors) -> None:
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


def place(
    actor: AnyActor, house: pl.DataFrame, people: pl.DataFrame, errors: RowErrors
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


def check_documents(docs: pl.DataFrame, people: pl.DataFrame, errors: RowErrors) -> pl.DataFrame:
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


def check_stored_numbers(indexes: list[str], docs: pl.DataFrame, errors: RowErrors) -> None:
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

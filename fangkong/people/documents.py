"""Identity documents by type: which validator, which blind-index value.

Resident identity cards (01) and household registers (02) carry the same 公民身份号码, so both
go through the GB 11643 validator and are indexed on the bare 18-digit number: a 15-digit
legacy number, an 18-digit one and a household-register entry of the same person all meet.
Every other type has its own validator (``core.idcard``) and is indexed as ``<type>:<number>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from fangkong.core.crypto import blind_index
from fangkong.core.errors import ValidationFailed
from fangkong.core.idcard import (
    DocumentNumber,
    IdNumberInvalid,
    parse_hk_macao_permit,
    parse_issuing_country,
    parse_other_document,
    parse_passport,
    parse_residence_permit,
    parse_resident_id,
    parse_taiwan_permit,
)
from fangkong.people.choices import DocumentType

ID_PURPOSE = "id-number"
RESIDENT_FAMILY = frozenset({DocumentType.RESIDENT_ID, DocumentType.HOUSEHOLD_REGISTER})


@dataclass(frozen=True)
class ValidDocument:
    """A validated document, ready to store: ``index`` is the blind index, ``masked`` the
    masked number; ``raw`` the input as typed (only ever stored encrypted, in the audit)."""

    doc_type: str
    number: str
    legacy_number: str | None
    issuing_country: str
    masked: str
    index: str
    birth_date: date | None
    sex: str | None
    warnings: tuple[str, ...]
    raw: str


def index_value(doc_type: str, number: str) -> str:
    """The text the blind index is computed over (see the module docstring)."""
    if doc_type in RESIDENT_FAMILY:
        return number
    return f"{doc_type}:{number}"


def number_index(doc_type: str, number: str) -> str:
    return blind_index(index_value(doc_type, number), purpose=ID_PURPOSE)


_OTHER_PARSERS: dict[str, Callable[..., DocumentNumber]] = {
    DocumentType.HK_MACAO_PERMIT: parse_hk_macao_permit,
    DocumentType.TAIWAN_PERMIT: parse_taiwan_permit,
    DocumentType.HMT_RESIDENCE_PERMIT: parse_residence_permit,
    DocumentType.OTHER: parse_other_document,
}


def document_validate(
    *,
    doc_type: str,
    number: str,
    issuing_country: str = "",
    declared_sex: str | None = None,
    declared_birth_date: date | None = None,
    field: str = "number",
) -> ValidDocument:
    """Validate one document number by its type.

    Raises :class:`ValidationFailed` naming ``field`` (codes from ``core.idcard``), or
    ``doc_type_invalid`` for an unknown type.
    """
    if doc_type not in DocumentType.values:
        raise IdNumberInvalid("doc_type_invalid", _("Unknown document type."), field=field)
    if doc_type in RESIDENT_FAMILY:
        resident = parse_resident_id(
            number,
            declared_sex=declared_sex if declared_sex in ("M", "F") else None,
            declared_birth_date=declared_birth_date,
            field=field,
        )
        return ValidDocument(
            doc_type=doc_type,
            number=resident.number,
            legacy_number=resident.legacy_number,
            issuing_country="CHN",
            masked=resident.masked,
            index=number_index(doc_type, resident.number),
            birth_date=resident.birth_date,
            sex=resident.sex,
            warnings=resident.warnings,
            raw=number,
        )
    if doc_type == DocumentType.PASSPORT:
        parsed = parse_passport(number, issuing_country=issuing_country, field=field)
    else:
        parsed = _OTHER_PARSERS[doc_type](number, field=field)
        country = parse_issuing_country(issuing_country)
        parsed = DocumentNumber(
            number=parsed.number,
            issuing_country=country,
            birth_date=parsed.birth_date,
            sex=parsed.sex,
            warnings=parsed.warnings,
            repairs=parsed.repairs,
        )
    return ValidDocument(
        doc_type=doc_type,
        number=parsed.number,
        legacy_number=None,
        issuing_country=parsed.issuing_country,
        masked=parsed.masked,
        index=number_index(doc_type, parsed.number),
        birth_date=parsed.birth_date,
        sex=parsed.sex,
        warnings=parsed.warnings,
        raw=number,
    )


@dataclass(frozen=True)
class NumberQuery:
    """How a typed search reads as a document number: the blind-index values to look up,
    whether it is a valid resident number, and a problem code when it looks like a resident
    number but is not a valid one (``id_check_digit``, …)."""

    indexes: list[str]
    resident: bool
    problem: str


def search_indexes(query: str) -> NumberQuery:
    """Blind-index values a typed search could mean.

    1. A valid resident number (18 digits, or 15 legacy digits → 18) → its index only.
    2. Text with a digit that another type's validator accepts → ``<type>:<number>``.
    """
    indexes: list[str] = []
    problem = ""
    try:
        resident = parse_resident_id(query)
    except ValidationFailed as exc:
        compact = "".join(query.split())
        if len(compact) in (15, 17, 18, 19) and compact[:15].isdigit():
            problem = exc.code
    else:
        index = number_index(DocumentType.RESIDENT_ID, resident.number)
        return NumberQuery(indexes=[index], resident=True, problem="")
    if not any(char.isdigit() for char in query):
        return NumberQuery(indexes=[], resident=False, problem=problem)
    for doc_type in (DocumentType.PASSPORT, *_OTHER_PARSERS):
        try:
            parsed = (
                parse_passport(query)
                if doc_type == DocumentType.PASSPORT
                else _OTHER_PARSERS[doc_type](query)
            )
        except ValidationFailed:
            continue
        indexes.append(number_index(doc_type, parsed.number))
    return NumberQuery(indexes=indexes, resident=False, problem=problem)

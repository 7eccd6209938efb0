"""Identity documents by type: which validator, which blind-index value.

Resident identity cards (01) and household registers (02) carry the same 公民身份号码, so both
go through the GB 11643 validator and are indexed on the bare 18-digit number: a 15-digit
legacy number, an 18-digit one and a household-register entry of the same person all meet.
Every other type has its own validator (``core.idcard``) and is indexed as ``<type>:<number>``.

The helpers at the end serve the person services: validate a list of typed documents (every
error named ``documents[i].number``), lock and look up the numbers, refuse a number held by
someone else (``identity_exists``) unless a duplicate is allowed with a reason, and say what the
audit keeps (the raw input, encrypted with ``purpose="audit-raw-id"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.crypto import blind_index, encrypt
from fangkong.core.errors import Conflict, ValidationFailed, field_error
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
from fangkong.people.models import IdentityDocument, Person
from fangkong.people.validation import collect
from fangkong.regions.models import Region
from fangkong.regions.subtree import region_in_scope

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


_DOC_TYPES = frozenset(DocumentType.values)  # ``.values`` builds a list on every access


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
    if doc_type not in _DOC_TYPES:
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


# --------------------------------------------------------------------------- storing

AUDIT_RAW_PURPOSE = "audit-raw-id"
MAX_DOCUMENTS = 5


@dataclass(frozen=True)
class DocumentInput:
    """A document as the caller typed it."""

    doc_type: str
    number: str
    issuing_country: str = ""


def lock_indexes(indexes: Sequence[str]) -> None:
    """Serialise writers of the same identity numbers (PostgreSQL advisory locks, in a fixed
    order so two writers cannot deadlock). SQLite already serialises writers."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for index in sorted(set(indexes)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(index[:15], 16)])


def validate_documents(
    documents: Sequence[DocumentInput],
    *,
    sex: str,
    birth_date: date | None,
    errors: list[dict[str, Any]],
    prefix: str = "documents",
) -> list[ValidDocument]:
    """Validate each document by its type against the declared sex and birth date; append
    field errors (``documents[i].number``, ``document_repeated``) to ``errors`` and return the
    valid ones."""
    if len(documents) > MAX_DOCUMENTS:
        errors.append(
            field_error(prefix, "too_many", _("At most %(n)d documents.") % {"n": MAX_DOCUMENTS})
        )
        return []
    valid: list[ValidDocument] = []
    seen: set[tuple[str, str]] = set()
    for position, document in enumerate(documents):
        name = f"{prefix}[{position}].number"
        parsed = collect(
            errors,
            document_validate,
            doc_type=document.doc_type,
            number=document.number,
            issuing_country=document.issuing_country,
            declared_sex=sex,
            declared_birth_date=birth_date,
            field=name,
        )
        if parsed is None:
            continue
        if (parsed.doc_type, parsed.index) in seen:
            errors.append(
                field_error(name, "document_repeated", _("This document is listed twice."))
            )
            continue
        seen.add((parsed.doc_type, parsed.index))
        valid.append(parsed)
    return valid


def existing_holders(
    indexes: Sequence[str], *, exclude: Person | None = None
) -> list[IdentityDocument]:
    """Documents of *any* jurisdiction with these blind indexes: an identity number is unique
    nationally, so this check is deliberately not scoped; :func:`refuse_or_allow` decides
    what the caller may learn of each holder."""
    queryset = IdentityDocument.objects.filter(number_index__in=list(indexes)).select_related(
        "person__region"
    )
    if exclude is not None:
        queryset = queryset.exclude(person=exclude)
    return list(queryset.order_by("person_id"))


def _visible(actor: AnyActor, person: Person) -> bool:
    return region_in_scope(actor, person.region)


class IdentityExistsElsewhere(Conflict):
    """``identity_exists_elsewhere`` (409): someone outside the actor's jurisdiction holds the
    number. The answer names the field only — no code, no name, no region — so a writer
    learns no more of a person they may not see than that the number is taken.

    ``holders`` (never serialised) are the persons the service asks, through a claim
    (``services.identity_claims_record``), to be reviewed by their own jurisdiction.
    """

    def __init__(self, *, field: str, holders: Sequence[Person], region: Region, note: str) -> None:
        super().__init__(
            _(
                "This identity number is already registered outside your jurisdiction. That "
                "record cannot be shown to you; its jurisdiction has been asked to review it."
            ),
            code="identity_exists_elsewhere",
            detail={"field": field},
        )
        self.holders = list(holders)
        self.region = region
        self.note = note


def refuse_or_allow(
    holders: list[IdentityDocument],
    documents: Sequence[ValidDocument],
    *,
    actor: AnyActor,
    region: Region,
    allow_duplicate: bool,
    reason: str,
    field_prefix: str,
) -> None:
    """Decide what happens when the numbers are registered to someone else.

    1. A holder outside the actor's subtree → :class:`IdentityExistsElsewhere` (409, no code),
       whatever ``allow_duplicate`` says: the writer cannot judge a person they may not see,
       so the holder's jurisdiction reviews the claim instead (docs/privacy.md); ``region``
       is the node the writer registers at.
    2. A holder in the subtree → ``identity_exists`` (409, the holder's code in ``detail``)
       unless the caller allows a duplicate with a reason (then a duplicate pair is opened).
    """
    if not holders:
        return

    def field_of(holder: IdentityDocument) -> str:
        position = next(
            (i for i, doc in enumerate(documents) if doc.index == holder.number_index), 0
        )
        return f"{field_prefix}[{position}].number"

    hidden = [doc for doc in holders if not _visible(actor, doc.person)]
    if hidden:
        raise IdentityExistsElsewhere(
            field=field_of(hidden[0]),
            holders=list({doc.person_id: doc.person for doc in hidden}.values()),
            region=region,
            note=reason,
        )
    if not allow_duplicate:
        holder = holders[0]
        raise Conflict(
            _("A person with this identity number is already registered."),
            code="identity_exists",
            detail={"person_code": str(holder.person.code), "field": field_of(holder)},
        )
    if not reason:
        raise ValidationFailed(
            _("Say why the same identity number is registered again."),
            errors=[
                field_error(
                    "duplicate_reason",
                    "reason_required",
                    _("Say why the same identity number is registered again."),
                )
            ],
        )


def audit_documents(documents: Sequence[ValidDocument]) -> list[dict[str, str]]:
    """What the audit keeps of each document: its type and the raw input, encrypted."""
    return [
        {"type": doc.doc_type, "raw_input": encrypt(doc.raw, purpose=AUDIT_RAW_PURPOSE)}
        for doc in documents
    ]

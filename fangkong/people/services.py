"""Every write to persons, identity documents, households, special needs and duplicate pairs.

Each service takes the acting :class:`Actor`, checks its role (``PERSON_WRITE_ROLES``), runs in
one transaction and leaves an audit row naming the fields written (never their values). Names
and phones are normalised here (``core.names``, ``core.phones``), document numbers validated by
type (``people.documents``), encrypted (``purpose="id-number"``) and found through their blind
index. The raw identity input is kept only encrypted in the audit row
(``purpose="audit-raw-id"``), never in clear text.

Duplicates are never merged and never overwritten: the same identity number is refused
(``identity_exists``, 409) unless the caller says ``allow_duplicate`` with a reason, and then a
:class:`DuplicateCandidate` is opened for a person to review, as for the same name and birth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.addresses import parse_address
from fangkong.core.audit import audit_record
from fangkong.core.concurrency import update_versioned
from fangkong.core.crypto import decrypt, encrypt
from fangkong.core.errors import Conflict, NotFound, ValidationFailed, field_error
from fangkong.core.idcard import EARLIEST_BIRTH, WARN_BIRTH_MISMATCH, WARN_SEX_MISMATCH
from fangkong.core.names import name_clean, name_key, name_pinyin, name_warnings
from fangkong.core.phones import normalise_phone
from fangkong.people.access import require_person_role
from fangkong.people.choices import DuplicateReason, DuplicateStatus, Sex, SpecialNeed
from fangkong.people.documents import (
    ID_PURPOSE,
    RESIDENT_FAMILY,
    ValidDocument,
    document_validate,
)
from fangkong.people.models import (
    DuplicateCandidate,
    Household,
    IdentityDocument,
    Person,
    PersonNeed,
)
from fangkong.regions.models import Region

AUDIT_RAW_PURPOSE = "audit-raw-id"
MAX_NOTE = 5000
MAX_REASON = 1000
MAX_DOCUMENTS = 5
MAX_NAME_BIRTH_CANDIDATES = 20
_NAME_FLAGS = frozenset(
    {
        "name_has_digits",
        "name_has_brackets",
        "name_has_symbols",
        "name_placeholder",
        "name_private_use",
        "name_mixed_script",
    }
)
_ID_FLAGS = frozenset({WARN_SEX_MISMATCH, WARN_BIRTH_MISMATCH, "id_address_code"})


@dataclass(frozen=True)
class DocumentInput:
    """A document as the caller typed it."""

    doc_type: str
    number: str
    issuing_country: str = ""


@dataclass(frozen=True)
class PersonCreated:
    """The new person and the duplicate pairs opened for review."""

    person: Person
    duplicates: list[DuplicateCandidate] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _text(
    value: str | None,
    *,
    field: str,
    max_length: int,
    errors: list[dict[str, Any]],
    required: bool = False,
) -> str:
    """Free text kept verbatim (trimmed): injection strings are data, escaped on output. NUL
    is refused because PostgreSQL cannot store it, lone surrogates because they cannot be
    encoded."""
    text = (value or "").strip()
    if "\x00" in text:
        errors.append(field_error(field, "text_nul", _("The text contains a NUL character.")))
    elif any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        errors.append(
            field_error(field, "text_invalid", _("The text contains an invalid character."))
        )
    elif len(text) > max_length:
        errors.append(
            field_error(
                field,
                "text_too_long",
                _("At most %(count)d characters.") % {"count": max_length},
            )
        )
    elif required and not text:
        errors.append(field_error(field, "required", _("This field is required.")))
    return text


def _collect(errors: list[dict[str, Any]], fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a validator; on ``ValidationFailed`` keep its field errors and return ``None``."""
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return None


def _check_birth_date(value: date | None, errors: list[dict[str, Any]]) -> None:
    if value is not None and not (EARLIEST_BIRTH <= value <= timezone.localdate()):
        errors.append(
            field_error(
                "birth_date",
                "birth_date_range",
                _("The birth date must be between 1900 and today."),
            )
        )


def _require_in_scope(actor: AnyActor, region: Region) -> None:
    if actor.region_path and not region.is_within(actor.region_path):
        raise NotFound(_("No such jurisdiction."), code="region_not_found")


def _lock_indexes(indexes: Sequence[str]) -> None:
    """Serialise writers of the same identity numbers (PostgreSQL advisory locks, in a fixed
    order so two writers cannot deadlock). SQLite already serialises writers."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for index in sorted(set(indexes)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(index[:15], 16)])


def _pair(a: Person, b: Person) -> tuple[Person, Person]:
    return (a, b) if a.pk < b.pk else (b, a)


def _open_candidate(
    *, actor: AnyActor, a: Person, b: Person, reason: str, note: str = ""
) -> DuplicateCandidate | None:
    """Open a review for the pair unless one exists for the same reason (audited)."""
    first, second = _pair(a, b)
    candidate, created = DuplicateCandidate.objects.get_or_create(
        person_a=first, person_b=second, reason=reason, defaults={"note": note}
    )
    if not created:
        return None
    audit_record(
        actor=actor,
        action="duplicate_open",
        object_type="duplicate_candidate",
        object_id=candidate.code,
        fields=["person_a", "person_b", "reason", "note"],
        extra={"reason": reason, "persons": [str(first.code), str(second.code)]},
    )
    return candidate


def _validate_documents(
    documents: Sequence[DocumentInput],
    *,
    sex: str,
    birth_date: date | None,
    errors: list[dict[str, Any]],
    prefix: str = "documents",
) -> list[ValidDocument]:
    if len(documents) > MAX_DOCUMENTS:
        errors.append(
            field_error(prefix, "too_many", _("At most %(n)d documents.") % {"n": MAX_DOCUMENTS})
        )
        return []
    valid: list[ValidDocument] = []
    seen: set[tuple[str, str]] = set()
    for position, document in enumerate(documents):
        name = f"{prefix}[{position}].number"
        parsed = _collect(
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


def _existing_holders(
    indexes: Sequence[str], *, exclude: Person | None = None
) -> list[IdentityDocument]:
    queryset = IdentityDocument.objects.filter(number_index__in=list(indexes)).select_related(
        "person"
    )
    if exclude is not None:
        queryset = queryset.exclude(person=exclude)
    return list(queryset.order_by("person_id"))


def _refuse_or_allow(
    holders: list[IdentityDocument],
    documents: Sequence[ValidDocument],
    *,
    allow_duplicate: bool,
    reason: str,
    field_prefix: str,
) -> None:
    """``identity_exists`` (409) when the number is registered to someone else, unless the
    caller allows a duplicate with a reason."""
    if not holders:
        return
    if not allow_duplicate:
        holder = holders[0]
        position = next(
            (i for i, doc in enumerate(documents) if doc.index == holder.number_index), 0
        )
        raise Conflict(
            _("A person with this identity number is already registered."),
            code="identity_exists",
            detail={
                "person_code": str(holder.person.code),
                "field": f"{field_prefix}[{position}].number",
            },
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


def _store_documents(person: Person, documents: Sequence[ValidDocument], *, primary: bool) -> None:
    for position, document in enumerate(documents):
        IdentityDocument.objects.create(
            person=person,
            doc_type=document.doc_type,
            number_encrypted=encrypt(document.number, purpose=ID_PURPOSE),
            number_index=document.index,
            masked=document.masked,
            legacy_number_encrypted=(
                encrypt(document.legacy_number, purpose=ID_PURPOSE)
                if document.legacy_number
                else ""
            ),
            issuing_country=document.issuing_country,
            is_primary=primary and position == 0,
        )


def _audit_documents(documents: Sequence[ValidDocument]) -> list[dict[str, str]]:
    """What the audit keeps of each document: its type and the raw input, encrypted."""
    return [
        {"type": doc.doc_type, "raw_input": encrypt(doc.raw, purpose=AUDIT_RAW_PURPOSE)}
        for doc in documents
    ]


# --------------------------------------------------------------------------- persons


@transaction.atomic
def person_create(
    *,
    actor: AnyActor,
    name: str,
    region: Region | None = None,
    household: Household | None = None,
    sex: str = Sex.UNKNOWN,
    birth_date: date | None = None,
    phone: str = "",
    occupation: str = "",
    note: str = "",
    documents: Sequence[DocumentInput] = (),
    needs: Sequence[str] = (),
    allow_duplicate: bool = False,
    duplicate_reason: str = "",
) -> PersonCreated:
    """Register a person, with documents and special needs, in one transaction.

    1. Check the role and that the node (the household's, if one is given) is in scope.
    2. Normalise and validate every field, collecting all errors (``ValidationFailed`` names
       each field: ``name``, ``phone``, ``documents[0].number``, ...). Birth date and sex
       missing from the input are taken from a resident ID; disagreements become ``flags``.
    3. Lock the identity numbers, look for other holders: ``identity_exists`` (409, the holder's
       code in ``detail``) unless ``allow_duplicate`` with ``duplicate_reason``.
    4. Store the person, the encrypted documents and the needs; open duplicate reviews for
       the same identity number and for the same name key and birth date.
    5. Audit: field names, document types, the raw identity input encrypted.
    """
    require_person_role(actor, write=True)
    if household is not None:
        region = household.region
    errors: list[dict[str, Any]] = []
    if region is None:
        errors.append(field_error("region", "required", _("Choose a jurisdiction or household.")))
    else:
        _require_in_scope(actor, region)
    clean_name = _collect(errors, name_clean, name) or ""
    if sex not in Sex.values:
        errors.append(field_error("sex", "invalid_choice", _("Unknown sex.")))
        sex = Sex.UNKNOWN
    _check_birth_date(birth_date, errors)
    phone_number = ""
    if phone and phone.strip():
        parsed_phone = _collect(errors, normalise_phone, phone)
        phone_number = parsed_phone.number if parsed_phone else ""
    occupation = _text(occupation, field="occupation", max_length=60, errors=errors)
    note = _text(note, field="note", max_length=MAX_NOTE, errors=errors)
    reason = _text(duplicate_reason, field="duplicate_reason", max_length=MAX_REASON, errors=errors)
    for position, kind in enumerate(needs):
        if kind not in SpecialNeed.values:
            errors.append(
                field_error(f"needs[{position}]", "invalid_choice", _("Unknown special need."))
            )
    valid = _validate_documents(documents, sex=sex, birth_date=birth_date, errors=errors)
    if errors:
        raise ValidationFailed(_("The person cannot be registered."), errors=errors)
    assert region is not None

    flags = set(name_warnings(clean_name))
    for document in valid:
        flags.update(document.warnings)
        if birth_date is None and document.birth_date is not None:
            birth_date = document.birth_date
        if sex == Sex.UNKNOWN and document.sex:
            sex = document.sex

    indexes = [document.index for document in valid]
    _lock_indexes(indexes)
    holders = _existing_holders(indexes)
    _refuse_or_allow(
        holders, valid, allow_duplicate=allow_duplicate, reason=reason, field_prefix="documents"
    )

    person = Person.objects.create(
        region=region,
        household=household,
        name=clean_name,
        name_key=name_key(clean_name),
        name_pinyin=name_pinyin(clean_name),
        sex=sex,
        birth_date=birth_date,
        phone=phone_number,
        occupation=occupation,
        note=note,
        flags=sorted(flags),
    )
    _store_documents(person, valid, primary=True)
    for kind in dict.fromkeys(needs):
        PersonNeed.objects.create(person=person, kind=kind)

    opened: list[DuplicateCandidate] = []
    for holder in {doc.person_id: doc.person for doc in holders}.values():
        candidate = _open_candidate(
            actor=actor, a=holder, b=person, reason=DuplicateReason.SAME_ID, note=reason
        )
        if candidate:
            opened.append(candidate)
    if person.birth_date is not None:
        namesakes = (
            Person.objects.filter(name_key=person.name_key, birth_date=person.birth_date)
            .exclude(pk=person.pk)
            .order_by("id")[:MAX_NAME_BIRTH_CANDIDATES]
        )
        for other in namesakes:
            candidate = _open_candidate(
                actor=actor, a=other, b=person, reason=DuplicateReason.SAME_NAME_BIRTH
            )
            if candidate:
                opened.append(candidate)

    written = ["name", "name_key", "name_pinyin", "region", "sex", "flags"]
    written += [
        name
        for name, value in (
            ("household", household),
            ("birth_date", birth_date),
            ("phone", phone_number),
            ("occupation", occupation),
            ("note", note),
            ("documents", valid),
            ("needs", needs),
        )
        if value
    ]
    audit_record(
        actor=actor,
        action="person_create",
        object_type="person",
        object_id=person.code,
        fields=written,
        reason=reason,
        extra={
            "documents": _audit_documents(valid),
            "needs": sorted(set(needs)),
            "flags": sorted(flags),
            "allow_duplicate": bool(allow_duplicate and holders),
            "duplicates": [str(candidate.code) for candidate in opened],
        },
    )
    return PersonCreated(person=person, duplicates=opened)


def _identity_flags(person: Person, *, sex: str, birth_date: date | None) -> set[str]:
    """Recompute the sex and birth-date warnings against the person's resident documents."""
    found: set[str] = set()
    for document in IdentityDocument.objects.filter(
        person=person, doc_type__in=list(RESIDENT_FAMILY)
    ):
        number = decrypt(document.number_encrypted, purpose=ID_PURPOSE)
        parity = "M" if int(number[16]) % 2 == 1 else "F"
        if sex in ("M", "F") and sex != parity:
            found.add(WARN_SEX_MISMATCH)
        if birth_date is not None and number[6:14] != birth_date.strftime("%Y%m%d"):
            found.add(WARN_BIRTH_MISMATCH)
    return found


UPDATABLE = ("name", "sex", "birth_date", "phone", "occupation", "note", "household")


@transaction.atomic
def person_update(
    *, actor: AnyActor, person: Person, version: int, changes: Mapping[str, Any]
) -> Person:
    """Change some of ``name``, ``sex``, ``birth_date``, ``phone``, ``occupation``, ``note`` and
    ``household`` (a :class:`Household` in scope, or ``None``) if ``version`` is current.

    Raises ``Conflict`` (``stale_version``, 409) when someone saved first; the database keeps
    their values. ``ValidationFailed`` names each bad field. Moving to a household moves the
    person to its node. Recomputes keys and flags; audits the changed field names only.
    """
    require_person_role(actor, write=True)
    unknown = sorted(set(changes) - set(UPDATABLE))
    errors: list[dict[str, Any]] = [
        field_error(name, "not_updatable", _("This field cannot be changed here."))
        for name in unknown
    ]
    values: dict[str, Any] = {}
    if "name" in changes:
        cleaned = _collect(errors, name_clean, changes["name"])
        if cleaned is not None:
            values.update(
                name=cleaned, name_key=name_key(cleaned), name_pinyin=name_pinyin(cleaned)
            )
    if "sex" in changes:
        if changes["sex"] in Sex.values:
            values["sex"] = changes["sex"]
        else:
            errors.append(field_error("sex", "invalid_choice", _("Unknown sex.")))
    if "birth_date" in changes:
        _check_birth_date(changes["birth_date"], errors)
        values["birth_date"] = changes["birth_date"]
    if "phone" in changes:
        raw_phone = changes["phone"] or ""
        if raw_phone.strip():
            parsed = _collect(errors, normalise_phone, raw_phone)
            if parsed is not None:
                values["phone"] = parsed.number
        else:
            values["phone"] = ""
    if "occupation" in changes:
        values["occupation"] = _text(
            changes["occupation"], field="occupation", max_length=60, errors=errors
        )
    if "note" in changes:
        values["note"] = _text(changes["note"], field="note", max_length=MAX_NOTE, errors=errors)
    if "household" in changes:
        household: Household | None = changes["household"]
        values["household"] = household
        if household is not None:
            _require_in_scope(actor, household.region)
            values["region"] = household.region
    if errors:
        raise ValidationFailed(_("The person cannot be saved."), errors=errors)
    changed = {
        key: value
        for key, value in values.items()
        if getattr(person, key if key not in ("household", "region") else f"{key}_id")
        != (value.pk if key in ("household", "region") and value is not None else value)
    }
    if not changed:
        if version != person.version:
            update_versioned(person, expected_version=version, changes={})
        return person
    sex = changed.get("sex", person.sex)
    birth = changed.get("birth_date", person.birth_date)
    flags = set(person.flags or []) - _NAME_FLAGS - {WARN_SEX_MISMATCH, WARN_BIRTH_MISMATCH}
    flags |= set(name_warnings(changed.get("name", person.name)))
    flags |= _identity_flags(person, sex=sex, birth_date=birth)
    if sorted(flags) != sorted(person.flags or []):
        changed["flags"] = sorted(flags)
    update_versioned(person, expected_version=version, changes=changed)
    audit_record(
        actor=actor,
        action="person_update",
        object_type="person",
        object_id=person.code,
        fields=list(changed),
        extra={"version": person.version},
    )
    return person


@transaction.atomic
def document_add(
    *,
    actor: AnyActor,
    person: Person,
    doc_type: str,
    number: str,
    issuing_country: str = "",
    allow_duplicate: bool = False,
    duplicate_reason: str = "",
) -> IdentityDocument:
    """Add an identity document to a person.

    Raises ``ValidationFailed`` (field ``number``), ``Conflict`` ``document_exists`` when the
    person already has it, ``identity_exists`` when someone else holds it (unless
    ``allow_duplicate`` with a reason, which opens a duplicate review). The first document of a
    person becomes the primary one. Audited with the raw input encrypted.
    """
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    reason = _text(duplicate_reason, field="duplicate_reason", max_length=MAX_REASON, errors=errors)
    valid = _validate_documents(
        [DocumentInput(doc_type=doc_type, number=number, issuing_country=issuing_country)],
        sex=person.sex,
        birth_date=person.birth_date,
        errors=errors,
        prefix="documents",
    )
    if errors:
        for error in errors:
            if error["field"] == "documents[0].number":
                error["field"] = "number"
        raise ValidationFailed(_("The document cannot be added."), errors=errors)
    document = valid[0]
    _lock_indexes([document.index])
    if IdentityDocument.objects.filter(
        person=person, doc_type=document.doc_type, number_index=document.index
    ).exists():
        raise Conflict(_("This person already has this document."), code="document_exists")
    holders = _existing_holders([document.index], exclude=person)
    _refuse_or_allow(
        holders, valid, allow_duplicate=allow_duplicate, reason=reason, field_prefix="documents"
    )
    has_any = IdentityDocument.objects.filter(person=person).exists()
    _store_documents(person, valid, primary=not has_any)
    stored = IdentityDocument.objects.filter(person=person).order_by("-id").first()
    assert stored is not None
    opened = []
    for holder in {doc.person_id: doc.person for doc in holders}.values():
        candidate = _open_candidate(
            actor=actor, a=holder, b=person, reason=DuplicateReason.SAME_ID, note=reason
        )
        if candidate:
            opened.append(str(candidate.code))
    new_flags = sorted(set(person.flags or []) | set(document.warnings))
    if new_flags != sorted(person.flags or []):
        Person.objects.filter(pk=person.pk).update(flags=new_flags, version=F("version") + 1)
        person.refresh_from_db(fields=["flags", "version"])
    audit_record(
        actor=actor,
        action="document_add",
        object_type="person",
        object_id=person.code,
        fields=["documents"],
        reason=reason,
        extra={"documents": _audit_documents(valid), "duplicates": opened},
    )
    return stored


@transaction.atomic
def person_need_set(*, actor: AnyActor, person: Person, kind: str, note: str = "") -> PersonNeed:
    """Record (or update the note of) a special need of ``person``; audited."""
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    if kind not in SpecialNeed.values:
        errors.append(field_error("kind", "invalid_choice", _("Unknown special need.")))
    note = _text(note, field="note", max_length=255, errors=errors)
    if errors:
        raise ValidationFailed(_("The need cannot be saved."), errors=errors)
    need, created = PersonNeed.objects.get_or_create(
        person=person, kind=kind, defaults={"note": note}
    )
    if not created and need.note != note:
        PersonNeed.objects.filter(pk=need.pk).update(note=note)
        need.note = note
    audit_record(
        actor=actor,
        action="person_need_set",
        object_type="person",
        object_id=person.code,
        fields=["needs"],
        extra={"kind": kind, "created": created},
    )
    return need


@transaction.atomic
def person_need_unset(*, actor: AnyActor, person: Person, kind: str) -> bool:
    """Remove a special need; returns ``False`` (and writes nothing) if it was not recorded."""
    require_person_role(actor, write=True)
    if kind not in SpecialNeed.values:
        raise ValidationFailed(
            _("Unknown special need."),
            errors=[field_error("kind", "invalid_choice", _("Unknown special need."))],
        )
    deleted, _rows = PersonNeed.objects.filter(person=person, kind=kind).delete()
    if not deleted:
        return False
    audit_record(
        actor=actor,
        action="person_need_unset",
        object_type="person",
        object_id=person.code,
        fields=["needs"],
        extra={"kind": kind},
    )
    return True


# --------------------------------------------------------------------------- households


def _address_values(address: str, errors: list[dict[str, Any]]) -> dict[str, str]:
    text = _text(address, field="address", max_length=255, errors=errors, required=True)
    parts = parse_address(text)
    return {
        "address": text,
        "building": parts.building[:20],
        "unit": parts.unit[:20],
        "room": parts.room[:20],
        "address_key": parts.key[:255],
    }


@transaction.atomic
def household_create(*, actor: AnyActor, region: Region, address: str) -> Household:
    """Register a household at ``region`` (in scope); building, unit, room and the address
    key are parsed from the address. Audited."""
    require_person_role(actor, write=True)
    _require_in_scope(actor, region)
    errors: list[dict[str, Any]] = []
    values = _address_values(address, errors)
    if errors:
        raise ValidationFailed(_("The household cannot be registered."), errors=errors)
    household = Household.objects.create(region=region, **values)
    audit_record(
        actor=actor,
        action="household_create",
        object_type="household",
        object_id=household.code,
        fields=["region", *values],
    )
    return household


@transaction.atomic
def household_update(
    *,
    actor: AnyActor,
    household: Household,
    version: int,
    address: str | None = None,
    region: Region | None = None,
) -> Household:
    """Change a household's address or node if ``version`` is current (else ``Conflict``
    ``stale_version``). Moving it moves its members to the new node in one UPDATE."""
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    changes: dict[str, Any] = {}
    if address is not None:
        values = _address_values(address, errors)
        changes.update(
            {key: value for key, value in values.items() if getattr(household, key) != value}
        )
    if region is not None and region.pk != household.region_id:
        _require_in_scope(actor, region)
        changes["region"] = region
    if errors:
        raise ValidationFailed(_("The household cannot be saved."), errors=errors)
    if not changes:
        if version != household.version:
            update_versioned(household, expected_version=version, changes={})
        return household
    update_versioned(household, expected_version=version, changes=changes)
    moved = 0
    if "region" in changes:
        moved = Person.objects.filter(household=household).update(
            region=changes["region"], version=F("version") + 1, updated_at=timezone.now()
        )
    audit_record(
        actor=actor,
        action="household_update",
        object_type="household",
        object_id=household.code,
        fields=list(changes),
        extra={"members_moved": moved, "version": household.version},
    )
    return household


# --------------------------------------------------------------------------- duplicates

REVIEW_OUTCOMES = (DuplicateStatus.NOT_DUPLICATE, DuplicateStatus.DUPLICATE)


@transaction.atomic
def duplicate_review(
    *, actor: AnyActor, candidate: DuplicateCandidate, status: str, note: str
) -> DuplicateCandidate:
    """Decide an open duplicate pair: ``not_duplicate`` or ``duplicate``, with a note.

    Nothing is merged: a confirmed duplicate is a finding for a person to act on. Raises
    ``ValidationFailed`` (bad status, missing note) or ``Conflict``
    ``duplicate_already_reviewed`` when someone decided it first. Audited.
    """
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    if status not in REVIEW_OUTCOMES:
        errors.append(
            field_error("status", "invalid_choice", _("Choose duplicate or not a duplicate."))
        )
    note = _text(note, field="note", max_length=MAX_REASON, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("The review cannot be saved."), errors=errors)
    now = timezone.now()
    updated = DuplicateCandidate.objects.filter(
        pk=candidate.pk, status=DuplicateStatus.OPEN
    ).update(
        status=status,
        review_note=note,
        reviewed_by=actor.username,
        reviewed_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    if updated != 1:
        raise Conflict(_("This pair was already reviewed."), code="duplicate_already_reviewed")
    candidate.refresh_from_db()
    audit_record(
        actor=actor,
        action="duplicate_review",
        object_type="duplicate_candidate",
        object_id=candidate.code,
        fields=["status", "review_note", "reviewed_by", "reviewed_at"],
        extra={"status": status},
    )
    return candidate

"""Writes to persons, their identity documents and special needs (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.concurrency import update_versioned
from fangkong.core.crypto import decrypt, encrypt
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.core.idcard import WARN_BIRTH_MISMATCH, WARN_SEX_MISMATCH
from fangkong.core.names import name_clean, name_key, name_pinyin, name_warnings
from fangkong.core.phones import normalise_phone
from fangkong.people.access import require_person_role
from fangkong.people.choices import DuplicateReason, Sex, SpecialNeed
from fangkong.people.documents import (
    ID_PURPOSE,
    RESIDENT_FAMILY,
    DocumentInput,
    ValidDocument,
    audit_documents,
    existing_holders,
    lock_indexes,
    refuse_or_allow,
    validate_documents,
)
from fangkong.people.models import (
    DuplicateCandidate,
    Household,
    IdentityDocument,
    Person,
    PersonNeed,
)
from fangkong.people.services.duplicates import duplicate_open
from fangkong.people.validation import (
    MAX_NOTE,
    MAX_REASON,
    check_birth_date,
    collect,
    require_in_scope,
    text_field,
)
from fangkong.regions.models import Region

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


@dataclass(frozen=True)
class PersonCreated:
    """The new person and the duplicate pairs opened for review."""

    person: Person
    duplicates: list[DuplicateCandidate] = field(default_factory=list)


def _store_documents(person: Person, documents: Sequence[ValidDocument], *, primary: bool) -> None:
    """Store validated documents encrypted, with blind index and mask."""
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
       code in ``detail``) unless ``allow_duplicate`` with ``duplicate_reason``; a holder
       outside the actor's jurisdiction → ``IdentityExistsElsewhere`` (409, no code, no
       region; the caller records the claim with :func:`identity_claims_record` once the
       refused transaction has rolled back).
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
        require_in_scope(actor, region)
    clean_name = collect(errors, name_clean, name) or ""
    if sex not in Sex.values:
        errors.append(field_error("sex", "invalid_choice", _("Unknown sex.")))
        sex = Sex.UNKNOWN
    check_birth_date(birth_date, errors)
    phone_number = ""
    if phone and phone.strip():
        parsed_phone = collect(errors, normalise_phone, phone)
        phone_number = parsed_phone.number if parsed_phone else ""
    occupation = text_field(occupation, field="occupation", max_length=60, errors=errors)
    note = text_field(note, field="note", max_length=MAX_NOTE, errors=errors)
    reason = text_field(
        duplicate_reason, field="duplicate_reason", max_length=MAX_REASON, errors=errors
    )
    for position, kind in enumerate(needs):
        if kind not in SpecialNeed.values:
            errors.append(
                field_error(f"needs[{position}]", "invalid_choice", _("Unknown special need."))
            )
    valid = validate_documents(documents, sex=sex, birth_date=birth_date, errors=errors)
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
    lock_indexes(indexes)
    holders = existing_holders(indexes)
    refuse_or_allow(
        holders,
        valid,
        actor=actor,
        region=region,
        allow_duplicate=allow_duplicate,
        reason=reason,
        field_prefix="documents",
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
        candidate = duplicate_open(
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
            candidate = duplicate_open(
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
            "documents": audit_documents(valid),
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
        cleaned = collect(errors, name_clean, changes["name"])
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
        check_birth_date(changes["birth_date"], errors)
        values["birth_date"] = changes["birth_date"]
    if "phone" in changes:
        raw_phone = changes["phone"] or ""
        if raw_phone.strip():
            parsed = collect(errors, normalise_phone, raw_phone)
            if parsed is not None:
                values["phone"] = parsed.number
        else:
            values["phone"] = ""
    if "occupation" in changes:
        values["occupation"] = text_field(
            changes["occupation"], field="occupation", max_length=60, errors=errors
        )
    if "note" in changes:
        values["note"] = text_field(
            changes["note"], field="note", max_length=MAX_NOTE, errors=errors
        )
    if "household" in changes:
        household: Household | None = changes["household"]
        values["household"] = household
        if household is not None:
            require_in_scope(actor, household.region)
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
    person already has it, ``identity_exists`` when someone in the actor's jurisdiction holds
    it (unless ``allow_duplicate`` with a reason, which opens a duplicate review),
    ``IdentityExistsElsewhere`` when someone outside it does (see :func:`person_create`). The
    first document of a person becomes the primary one. Audited with the raw input encrypted.
    """
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    reason = text_field(
        duplicate_reason, field="duplicate_reason", max_length=MAX_REASON, errors=errors
    )
    valid = validate_documents(
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
    lock_indexes([document.index])
    if IdentityDocument.objects.filter(
        person=person, doc_type=document.doc_type, number_index=document.index
    ).exists():
        raise Conflict(_("This person already has this document."), code="document_exists")
    holders = existing_holders([document.index], exclude=person)
    refuse_or_allow(
        holders,
        valid,
        actor=actor,
        region=person.region,
        allow_duplicate=allow_duplicate,
        reason=reason,
        field_prefix="documents",
    )
    has_any = IdentityDocument.objects.filter(person=person).exists()
    _store_documents(person, valid, primary=not has_any)
    stored = IdentityDocument.objects.filter(person=person).order_by("-id").first()
    assert stored is not None
    opened = []
    for holder in {doc.person_id: doc.person for doc in holders}.values():
        candidate = duplicate_open(
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
        extra={"documents": audit_documents(valid), "duplicates": opened},
    )
    return stored


@transaction.atomic
def person_need_set(*, actor: AnyActor, person: Person, kind: str, note: str = "") -> PersonNeed:
    """Record (or update the note of) a special need of ``person``; audited."""
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    if kind not in SpecialNeed.values:
        errors.append(field_error("kind", "invalid_choice", _("Unknown special need.")))
    note = text_field(note, field="note", max_length=255, errors=errors)
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

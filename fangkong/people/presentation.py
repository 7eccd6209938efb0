"""What an actor is shown of a person: the one place that decides masking.

The API and the pages both build their output here, so the rule is written once:

* identity numbers are decrypted and shown in full only to ``IDENTITY_ROLES`` (epidemiologist,
  sampling-site operator, clinician) and the system; everyone else sees the stored mask
  ``1101**********002X``;
* phones are shown in full to ``IDENTITY_ROLES``, grid workers and isolation-site managers
  (they call residents); everyone else sees ``138****8000``.

Callers must already have checked that the actor may see the person at all (selectors and
``access_person`` do that) and logged the read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.crypto import decrypt
from fangkong.core.phones import mask_phone
from fangkong.core.roles import IDENTITY_ROLES, PERSON_ROLES, Role
from fangkong.people.choices import DocumentType, Sex, SpecialNeed
from fangkong.people.models import DuplicateCandidate, Household, IdentityDocument, Person
from fangkong.regions.subtree import region_in_scope

ID_PURPOSE = "id-number"

#: Roles that call residents and so see phone numbers in full.
PHONE_ROLES = frozenset(IDENTITY_ROLES | {Role.GRID_WORKER, Role.ISOLATION_MANAGER})


def shows_persons(actor: AnyActor) -> bool:
    """True if the actor sees persons at all (names, person codes, outcomes): ``PERSON_ROLES``
    and the system. Every read path of personal data — people, tube members, re-test tasks —
    asks this one question."""
    return isinstance(actor, SystemActor) or actor.role in PERSON_ROLES


def shows_identity(actor: AnyActor) -> bool:
    """True if the actor sees identity numbers unmasked."""
    return isinstance(actor, SystemActor) or actor.role in IDENTITY_ROLES


def shows_phone(actor: AnyActor) -> bool:
    """True if the actor sees phone numbers unmasked."""
    return isinstance(actor, SystemActor) or actor.role in PHONE_ROLES


def document_number_for(actor: AnyActor, document: IdentityDocument) -> str:
    """The number as this actor may see it: clear for identity roles, masked otherwise."""
    if shows_identity(actor):
        return decrypt(document.number_encrypted, purpose=ID_PURPOSE)
    return document.masked


def phone_for(actor: AnyActor, phone: str) -> str:
    """The phone as this actor may see it (empty stays empty)."""
    if not phone or shows_phone(actor):
        return phone
    return mask_phone(phone)


@dataclass(frozen=True)
class DocumentCard:
    """One identity document as shown to the actor."""

    doc_type: str
    doc_type_label: str
    number: str
    masked: bool
    issuing_country: str
    is_primary: bool
    legacy_number: str


@dataclass(frozen=True)
class NeedCard:
    kind: str
    label: str
    note: str


@dataclass(frozen=True)
class PersonCard:
    """A person as shown to the actor (detail page and the API's person object)."""

    code: UUID
    name: str
    sex: str
    sex_label: str
    birth_date: date | None
    phone: str
    region_code: str
    region_name: str
    household_code: UUID | None
    household_address: str
    occupation: str
    note: str
    flags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    documents: list[DocumentCard] = field(default_factory=list)
    needs: list[NeedCard] = field(default_factory=list)

    @property
    def primary_document(self) -> DocumentCard | None:
        return self.documents[0] if self.documents else None


@dataclass(frozen=True)
class PersonRow:
    """A person in a list or search result (no free text)."""

    code: UUID
    name: str
    sex: str
    sex_label: str
    birth_date: date | None
    id_number: str
    id_type: str
    phone: str
    region_code: str
    region_name: str
    household_code: UUID | None
    household_address: str
    needs: list[str]
    need_labels: list[str]


def document_card(actor: AnyActor, document: IdentityDocument) -> DocumentCard:
    clear = shows_identity(actor)
    legacy = ""
    if clear and document.legacy_number_encrypted:
        legacy = decrypt(document.legacy_number_encrypted, purpose=ID_PURPOSE)
    return DocumentCard(
        doc_type=document.doc_type,
        doc_type_label=str(DocumentType(document.doc_type).label),
        number=document_number_for(actor, document),
        masked=not clear,
        issuing_country=document.issuing_country,
        is_primary=document.is_primary,
        legacy_number=legacy,
    )


def _documents(person: Person) -> list[IdentityDocument]:
    docs = list(person.documents.all())  # prefetched by the selector or access function
    return sorted(docs, key=lambda d: (not d.is_primary, d.pk))


def person_card(actor: AnyActor, person: Person) -> PersonCard:
    """The detail view of ``person`` for ``actor`` (documents and needs must be prefetched)."""
    household = person.household
    return PersonCard(
        code=person.code,
        name=person.name,
        sex=person.sex,
        sex_label=str(Sex(person.sex).label),
        birth_date=person.birth_date,
        phone=phone_for(actor, person.phone),
        region_code=person.region.code,
        region_name=person.region.name,
        household_code=household.code if household else None,
        household_address=household.address if household else "",
        occupation=person.occupation,
        note=person.note,
        flags=list(person.flags or []),
        version=person.version,
        created_at=person.created_at,
        updated_at=person.updated_at,
        documents=[document_card(actor, doc) for doc in _documents(person)],
        needs=[
            NeedCard(kind=need.kind, label=str(SpecialNeed(need.kind).label), note=need.note)
            for need in sorted(person.needs.all(), key=lambda n: n.kind)
        ],
    )


def person_row(actor: AnyActor, person: Person, *, export: bool = False) -> PersonRow:
    """One line of a list: name, sex, birth date, the primary document and phone as the actor
    may see them, where the person lives, and their special needs.

    ``export`` is for files that leave the system (the not-yet-tested CSV): the identity
    number is then masked whatever the role (domain reference R39, docs/privacy.md) — a file
    is copied and forwarded where no access row follows it; an epidemiologist who needs a
    full number opens the person, and that read is logged. Phones keep the role's rule: the
    follow-up the file is for is done by telephone.
    """
    documents = _documents(person)
    primary = documents[0] if documents else None
    if export and primary is not None:
        id_number = primary.masked
    else:
        id_number = document_number_for(actor, primary) if primary else ""
    household: Household | None = person.household
    return PersonRow(
        code=person.code,
        name=person.name,
        sex=person.sex,
        sex_label=str(Sex(person.sex).label),
        birth_date=person.birth_date,
        id_number=id_number,
        id_type=primary.doc_type if primary else "",
        phone=phone_for(actor, person.phone),
        region_code=person.region.code,
        region_name=person.region.name,
        household_code=household.code if household else None,
        household_address=household.address if household else "",
        needs=sorted(need.kind for need in person.needs.all()),
        need_labels=[
            str(SpecialNeed(kind).label)
            for kind in sorted(need.kind for need in person.needs.all())
        ],
    )


@dataclass(frozen=True)
class DuplicateSide:
    """One side of a duplicate pair: details only when the actor may see that person.

    A hidden side says nothing at all — no code, no name, no birth date, no region — so a pair
    does not tell one jurisdiction where another's resident lives. The side of a claim (a
    registration refused elsewhere, no second person) is ``claim`` with the node where it was
    refused: the holder's own jurisdiction reviews it and may know where their resident
    turned up.
    """

    visible: bool
    code: UUID | None
    name: str
    birth_date: date | None
    region_name: str
    claim: bool = False


@dataclass(frozen=True)
class DuplicateCard:
    code: UUID
    reason: str
    status: str
    note: str
    review_note: str
    reviewed_by: str
    created_at: datetime
    person_a: DuplicateSide
    person_b: DuplicateSide


_HIDDEN = DuplicateSide(visible=False, code=None, name="", birth_date=None, region_name="")


def _side(actor: AnyActor, person: Person) -> DuplicateSide:
    visible = region_in_scope(actor, person.region)
    if not visible:
        return _HIDDEN  # another jurisdiction's person: neither who nor where
    return DuplicateSide(
        visible=True,
        code=person.code,
        name=person.name,
        birth_date=person.birth_date,
        region_name=person.region.name,
    )


def _claim_side(candidate: DuplicateCandidate) -> DuplicateSide:
    region = candidate.claimed_region
    return DuplicateSide(
        visible=False,
        code=None,
        name="",
        birth_date=None,
        region_name=region.name if region is not None else "",
        claim=True,
    )


def duplicate_card(actor: AnyActor, candidate: DuplicateCandidate) -> DuplicateCard:
    """A duplicate pair (or a claim) for review; a side outside the actor's subtree is shown
    as hidden, without its region."""
    return DuplicateCard(
        code=candidate.code,
        reason=candidate.reason,
        status=candidate.status,
        note=candidate.note,
        review_note=candidate.review_note,
        reviewed_by=candidate.reviewed_by,
        created_at=candidate.created_at,
        person_a=_side(actor, candidate.person_a),
        person_b=(
            _side(actor, candidate.person_b)
            if candidate.person_b is not None
            else _claim_side(candidate)
        ),
    )

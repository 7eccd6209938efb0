"""Person and duplicate-review endpoints (mounted at ``/api/v1/people``; households:
``households``).

One endpoint per operation. Reads go through ``selectors`` and ``access``; writes through
``services``; what the caller sees of identity numbers and phones is decided by
``presentation`` (masked unless the role needs them). Creates accept an ``Idempotency-Key``
header; updates take the ``version`` read and answer 409 ``stale_version`` when it is old.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.crypto import blind_index
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey, PageOut, page_fields
from fangkong.people import services
from fangkong.people.access import (
    access_duplicate,
    access_household,
    access_person,
    purpose_or_default,
    require_person_role,
)
from fangkong.people.choices import DocumentType, DuplicateStatus, Sex, SpecialNeed
from fangkong.people.presentation import (
    DuplicateCard,
    PersonCard,
    PersonRow,
    duplicate_card,
    person_card,
    person_row,
)
from fangkong.people.selectors import (
    PersonFilters,
    duplicate_candidate_list,
    person_search,
)
from fangkong.regions.access import access_region

router = Router(tags=["people"])

REGION_CODE = r"^[0-9]*$"  # jurisdiction codes are digits (GB/T 2260 and their extensions)


# --------------------------------------------------------------------------- schemas


class DocumentIn(Schema):
    doc_type: DocumentType
    number: str = Field(min_length=1, max_length=64)
    issuing_country: str = Field("", max_length=3)


class PersonIn(Schema):
    name: str = Field(max_length=200)
    region_code: str = Field(
        "", max_length=15, pattern=REGION_CODE, description="Node of the person (or household)"
    )
    household_code: str = Field("", max_length=45)
    sex: Sex = Sex.UNKNOWN
    birth_date: date | None = None
    phone: str = Field("", max_length=40)
    occupation: str = Field("", max_length=60)
    note: str = Field("", max_length=5000)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=5)
    needs: list[SpecialNeed] = Field(default_factory=list, max_length=5)
    allow_duplicate: bool = False
    duplicate_reason: str = Field("", max_length=1000)


class PersonUpdateIn(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    name: str | None = Field(None, max_length=200)
    sex: Sex | None = None
    birth_date: date | None = None
    phone: str | None = Field(None, max_length=40)
    occupation: str | None = Field(None, max_length=60)
    note: str | None = Field(None, max_length=5000)
    household_code: str | None = Field(
        None, max_length=45, description="A household code, or empty to leave the household"
    )


class DocumentAddIn(DocumentIn):
    allow_duplicate: bool = False
    duplicate_reason: str = Field("", max_length=1000)


class NeedIn(Schema):
    kind: SpecialNeed
    present: bool = True
    note: str = Field("", max_length=255)


class DocumentOut(Schema):
    doc_type: str
    doc_type_label: str
    number: str
    masked: bool
    issuing_country: str
    is_primary: bool
    legacy_number: str


class NeedOut(Schema):
    kind: str
    label: str
    note: str


class PersonOut(Schema):
    code: uuid.UUID
    name: str
    sex: str
    birth_date: date | None
    phone: str
    region_code: str
    region_name: str
    household_code: uuid.UUID | None
    household_address: str
    occupation: str
    note: str
    flags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    documents: list[DocumentOut]
    needs: list[NeedOut]


class PersonCreatedOut(PersonOut):
    duplicates: list[str]


class PersonRowOut(Schema):
    code: uuid.UUID
    name: str
    sex: str
    birth_date: date | None
    id_number: str
    id_type: str
    phone: str
    region_code: str
    region_name: str
    household_code: uuid.UUID | None
    household_address: str
    needs: list[str]


class PersonPageOut(PageOut):
    items: list[PersonRowOut]
    kind: str
    problem: str


class PersonQuery(Schema):
    region: str = Field("", max_length=15, pattern=REGION_CODE)
    household: str = Field("", max_length=45)
    need: SpecialNeed | None = None
    has_duplicates: bool = False
    purpose: AccessPurpose | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class PersonSearchIn(Schema):
    q: str = Field("", max_length=100, description="Identity number, phone or name")
    region: str = Field("", max_length=15, pattern=REGION_CODE)
    household: str = Field("", max_length=45)
    need: SpecialNeed | None = None
    has_duplicates: bool = False
    purpose: AccessPurpose | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class DuplicateSideOut(Schema):
    visible: bool = Field(description="False for a person outside your jurisdiction: no detail")
    code: uuid.UUID | None
    name: str
    birth_date: date | None
    region_name: str = Field(
        description="Empty for a hidden person; for a claim, the node where it was refused"
    )
    claim: bool = Field(
        False, description="A registration of this number refused elsewhere (no second person)"
    )


class DuplicateOut(Schema):
    code: uuid.UUID
    reason: str
    status: str
    note: str
    review_note: str
    reviewed_by: str
    created_at: datetime
    person_a: DuplicateSideOut
    person_b: DuplicateSideOut


class DuplicatePageOut(PageOut):
    items: list[DuplicateOut]


class DuplicateQuery(Schema):
    status: DuplicateStatus | None = DuplicateStatus.OPEN
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class ReviewIn(Schema):
    status: DuplicateStatus
    note: str = Field(min_length=1, max_length=1000)


# --------------------------------------------------------------------------- helpers


def _fingerprint(payload: Schema) -> dict[str, Any]:
    """The request as the idempotency ledger hashes it: identity numbers replaced by a keyed
    digest, so the stored hash cannot be brute-forced back to a number."""
    data = payload.model_dump(mode="json")
    for document in data.get("documents", []):
        document["number"] = blind_index(document["number"], purpose="idempotency")
    return data


def _person_out(request: HttpRequest, code: object) -> PersonCard:
    actor = actor_of(request)
    return person_card(actor, access_person(actor, code))


# --------------------------------------------------------------------------- persons


@router.post(
    "",
    response={201: PersonCreatedOut, **WRITE_ERRORS},
    summary="Register a person",
    description=(
        "Names and phones are normalised, documents validated by type. A resident ID already "
        "registered in your jurisdiction answers 409 `identity_exists` with the holder's code "
        "in `detail`, unless `allow_duplicate` is true with a `duplicate_reason`: then the "
        "person is created and a duplicate review opened. One registered outside your "
        "jurisdiction answers 409 `identity_exists_elsewhere` naming only the field (no code, "
        "no region) and asks that jurisdiction to review the claim."
    ),
)
def people_create(
    request: HttpRequest, payload: PersonIn, idempotency_key: IdempotencyKey = None
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    require_person_role(actor, write=True)
    if not payload.region_code and not payload.household_code:
        message = _("Give the jurisdiction code or the household of the person.")
        raise ValidationFailed(message, errors=[field_error("region_code", "required", message)])

    def write() -> tuple[int, dict[str, Any]]:
        household = (
            access_household(actor, payload.household_code, write=True)
            if payload.household_code
            else None
        )
        region = (
            access_region(actor, payload.region_code)
            if payload.region_code and household is None
            else None
        )
        created = services.person_create(
            actor=actor,
            name=payload.name,
            region=region,
            household=household,
            sex=payload.sex,
            birth_date=payload.birth_date,
            phone=payload.phone,
            occupation=payload.occupation,
            note=payload.note,
            documents=[
                services.DocumentInput(
                    doc_type=doc.doc_type, number=doc.number, issuing_country=doc.issuing_country
                )
                for doc in payload.documents
            ],
            needs=list(payload.needs),
            allow_duplicate=payload.allow_duplicate,
            duplicate_reason=payload.duplicate_reason,
        )
        return 201, {
            "code": str(created.person.code),
            "duplicates": [str(c.code) for c in created.duplicates],
        }

    with services.identity_claims_kept(actor):
        status, body = run_idempotent(
            actor=actor,
            key=idempotency_key,
            operation="person_create",
            payload=_fingerprint(payload),
            write=write,
        )
    card = _person_out(request, body["code"])
    return Status(status, {**asdict(card), "duplicates": body.get("duplicates", [])})


def _person_page(
    request: HttpRequest, query: PersonQuery | PersonSearchIn, q: str
) -> PersonPageOut:
    actor = actor_of(request)
    require_person_role(actor)
    result = person_search(
        actor=actor,
        q=q,
        filters=PersonFilters(
            region=query.region,
            household=query.household,
            need=query.need or "",
            has_duplicates=query.has_duplicates,
        ),
        page=query.page,
        page_size=query.page_size,
        purpose=purpose_or_default(actor, query.purpose),
    )
    rows: list[PersonRow] = [person_row(actor, person) for person in result.page.items]
    return PersonPageOut(
        items=[PersonRowOut.model_validate(row, from_attributes=True) for row in rows],
        **page_fields(result.page),
        kind=result.kind,
        problem=result.problem,
    )


@router.get(
    "",
    response={200: PersonPageOut, **ERRORS},
    summary="List persons",
    description=(
        "Persons in scope by filters only. Searching by identity number, phone or name is "
        "`POST /api/v1/people/search`: identifiers never travel in a URL, so a `q` here "
        "answers 422 `search_by_post`."
    ),
)
def people_list(request: HttpRequest, filters: Query[PersonQuery]) -> PersonPageOut:
    if "q" in request.GET:
        message = _("Search by identity number, phone or name with POST /api/v1/people/search.")
        raise ValidationFailed(
            message, errors=[field_error("q", "search_by_post", message)], code="search_by_post"
        )
    return _person_page(request, filters, "")


@router.post(
    "/search",
    response={200: PersonPageOut, **WRITE_ERRORS},
    summary="Search persons",
    description=(
        "`q` may be an identity number of any document type (15-digit legacy numbers too), a "
        "phone, or a name in Simplified or Traditional characters or pinyin. A POST so that "
        "the identifier stays out of URLs and server logs; it changes nothing."
    ),
)
def people_search(request: HttpRequest, payload: PersonSearchIn) -> PersonPageOut:
    return _person_page(request, payload, payload.q)


@router.get(
    "/duplicates", response={200: DuplicatePageOut, **ERRORS}, summary="Duplicate candidates"
)
def duplicates_list(request: HttpRequest, filters: Query[DuplicateQuery]) -> DuplicatePageOut:
    actor = actor_of(request)
    require_person_role(actor)
    page = duplicate_candidate_list(
        actor=actor,
        status=filters.status or "",
        page=filters.page,
        page_size=filters.page_size,
        purpose=AccessPurpose.DUPLICATE_REVIEW,
    )
    cards: list[DuplicateCard] = [duplicate_card(actor, item) for item in page.items]
    return DuplicatePageOut(
        items=[DuplicateOut.model_validate(card, from_attributes=True) for card in cards],
        **page_fields(page),
    )


@router.post(
    "/duplicates/{code}/review",
    response={200: DuplicateOut, **WRITE_ERRORS},
    summary="Review a duplicate candidate",
)
def duplicates_review(request: HttpRequest, code: str, payload: ReviewIn) -> DuplicateCard:
    actor = actor_of(request)
    candidate = access_duplicate(actor, code, write=True)
    candidate = services.duplicate_review(
        actor=actor, candidate=candidate, status=payload.status, note=payload.note
    )
    return duplicate_card(actor, candidate)


@router.get("/{code}", response={200: PersonOut, **ERRORS}, summary="Get a person")
def people_get(request: HttpRequest, code: str, purpose: AccessPurpose | None = None) -> PersonCard:
    actor = actor_of(request)
    return person_card(actor, access_person(actor, code, purpose=purpose))


@router.post("/{code}/update", response={200: PersonOut, **WRITE_ERRORS}, summary="Edit a person")
def people_update(request: HttpRequest, code: str, payload: PersonUpdateIn) -> PersonCard:
    """Send only the fields to change, with the ``version`` read; 409 ``stale_version`` if
    someone saved in between."""
    actor = actor_of(request)
    person = access_person(actor, code, write=True)
    changes: dict[str, Any] = {}
    for name in ("name", "sex", "phone", "occupation", "note"):
        value = getattr(payload, name)
        if name in payload.model_fields_set and value is not None:
            changes[name] = value
    if "birth_date" in payload.model_fields_set:
        changes["birth_date"] = payload.birth_date
    if "household_code" in payload.model_fields_set:
        changes["household"] = (
            access_household(actor, payload.household_code, write=True)
            if payload.household_code
            else None
        )
    services.person_update(actor=actor, person=person, version=payload.version, changes=changes)
    return _person_out(request, person.code)


@router.post(
    "/{code}/documents",
    response={201: PersonOut, **WRITE_ERRORS},
    summary="Add an identity document",
)
def people_document_add(
    request: HttpRequest, code: str, payload: DocumentAddIn
) -> Status[PersonCard]:
    actor = actor_of(request)
    person = access_person(actor, code, write=True)
    with services.identity_claims_kept(actor):
        services.document_add(
            actor=actor,
            person=person,
            doc_type=payload.doc_type,
            number=payload.number,
            issuing_country=payload.issuing_country,
            allow_duplicate=payload.allow_duplicate,
            duplicate_reason=payload.duplicate_reason,
        )
    return Status(201, _person_out(request, person.code))


@router.post(
    "/{code}/needs", response={200: PersonOut, **WRITE_ERRORS}, summary="Set or clear a need"
)
def people_need(request: HttpRequest, code: str, payload: NeedIn) -> PersonCard:
    actor = actor_of(request)
    person = access_person(actor, code, write=True)
    if payload.present:
        services.person_need_set(actor=actor, person=person, kind=payload.kind, note=payload.note)
    else:
        services.person_need_unset(actor=actor, person=person, kind=payload.kind)
    return _person_out(request, person.code)

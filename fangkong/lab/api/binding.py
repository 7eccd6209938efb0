"""The sampling-point write path: a whole tube per request, and personal sampling codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from fangkong.api import actor_of
from fangkong.core.crypto import blind_index
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey
from fangkong.lab.access import access_point, access_round, access_tube
from fangkong.lab.choices import EntryMethod, MemberOutcome, TubeKind
from fangkong.lab.codes import public_key_b64, sampling_code_issue, sampling_code_verify
from fangkong.lab.roles import SAMPLING_ROLES
from fangkong.lab.services.binding import MemberInput, TubeBound, TubeInput, tube_bind
from fangkong.people.access import access_person
from fangkong.people.choices import DocumentType
from fangkong.policy.choices import SwabSite, TurnaroundCategory

router = Router()


class MemberIn(Schema):
    sampling_code: str = Field("", max_length=600)
    doc_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str = Field("", max_length=64)
    method: EntryMethod | None = None
    scanned_at: datetime | None = None


class TubeIn(Schema):
    round: str = Field(max_length=45, description="Round code")
    point: str = Field(max_length=45, description="Sampling point code")
    barcode: str = Field(min_length=1, max_length=64)
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    group: str = Field("", max_length=40, description="Population group with its own ratio")
    ratio: int | None = Field(None, ge=1, le=1000)
    kind: TubeKind = TubeKind.SCREENING
    category: TurnaroundCategory = TurnaroundCategory.POOLED_SCREENING
    swab_site: SwabSite = SwabSite.OROPHARYNGEAL
    sampled_at: datetime | None = None


class MemberOut(Schema):
    position: int
    person: str
    name: str
    outcome: str


class TubeOut(Schema):
    barcode: str
    round: str
    point: str
    kind: str
    zone: str
    ratio: int
    per_household: bool
    status: str
    result: str
    member_count: int
    sampled_at: datetime
    due_at: datetime
    package: str | None
    lab: str | None
    rule_set: str
    created: bool
    members: list[MemberOut]


class CodeOut(Schema):
    code: str


class CodeCheckIn(Schema):
    code: str = Field(max_length=600)


class CodeCheckOut(Schema):
    person: str
    name: str
    masked_id: str
    issued_at: int


class PublicKeyOut(Schema):
    algorithm: str
    public_key: str


def tube_out(request: HttpRequest, barcode: str, *, created: bool) -> TubeOut:
    actor = actor_of(request)
    tube = access_tube(actor, barcode)
    bindings = tube.bindings.select_related("person").order_by("position")
    return TubeOut(
        barcode=tube.barcode,
        round=str(tube.round.code),
        point=str(tube.point.code),
        kind=tube.kind,
        zone=tube.zone,
        ratio=tube.ratio,
        per_household=tube.per_household,
        status=tube.status,
        result=tube.result,
        member_count=tube.member_count,
        sampled_at=tube.sampled_at,
        due_at=tube.due_at,
        package=tube.package.code if tube.package else None,
        lab=str(tube.lab.code) if tube.lab else None,
        rule_set=tube.rule_set,
        created=created,
        members=[
            MemberOut(
                position=b.position,
                person=str(b.person.code),
                name=b.person.name,
                outcome=b.outcome,
            )
            for b in bindings
        ],
    )


def _bound_out(bound: TubeBound) -> TubeOut:
    """The answer for a tube this request has just stored, from the objects in hand: the
    service already checked the actor against the round and the point, so no second read."""
    tube = bound.tube
    return TubeOut(
        barcode=tube.barcode,
        round=str(tube.round.code),
        point=str(tube.point.code),
        kind=tube.kind,
        zone=tube.zone,
        ratio=tube.ratio,
        per_household=tube.per_household,
        status=tube.status,
        result=tube.result,
        member_count=tube.member_count,
        sampled_at=tube.sampled_at,
        due_at=tube.due_at,
        package=None,
        lab=None,
        rule_set=tube.rule_set,
        created=True,
        members=[
            MemberOut(
                position=position,
                person=str(person.code),
                name=person.name,
                outcome=MemberOutcome.PENDING,
            )
            for position, person in enumerate(bound.persons)
        ],
    )


def _fingerprint(payload: TubeIn) -> dict[str, Any]:
    data = payload.model_dump(mode="json")
    for member in data["members"]:
        if member["id_number"]:
            member["id_number"] = blind_index(member["id_number"], purpose="idempotency")
    return data


@router.post(
    "/tubes",
    response={201: TubeOut, 200: TubeOut, **WRITE_ERRORS},
    summary="Bind a whole tube",
    description=(
        "One closed tube with its members, as the sampler scanned them (personal sampling codes, "
        "ID cards or typed numbers). Send an `Idempotency-Key`; the same tube sent again "
        "(same barcode and people) answers 200 with the stored tube. Errors: `tube_full`, "
        "`ratio_above_max`, `ratio_above_rule`, `person_unknown`, `id_*` validation codes, "
        "`person_already_bound` (409), `tube_exists` (409), `household_mixed`, `round_closed`."
    ),
)
def tubes_bind(
    request: HttpRequest, payload: TubeIn, idempotency_key: IdempotencyKey = None
) -> Status[TubeOut]:
    actor = actor_of(request)
    stored: list[TubeBound] = []

    def write() -> tuple[int, dict[str, Any]]:
        screening_round = access_round(actor, payload.round, roles=SAMPLING_ROLES)
        point = access_point(actor, payload.point, roles=SAMPLING_ROLES)
        bound = tube_bind(
            actor=actor,
            screening_round=screening_round,
            point=point,
            data=TubeInput(
                barcode=payload.barcode,
                members=[
                    MemberInput(
                        sampling_code=m.sampling_code,
                        doc_type=m.doc_type,
                        id_number=m.id_number,
                        method=m.method or "",
                        scanned_at=m.scanned_at,
                    )
                    for m in payload.members
                ],
                group=payload.group,
                ratio=payload.ratio,
                kind=payload.kind,
                category=payload.category,
                swab_site=payload.swab_site,
                sampled_at=payload.sampled_at,
            ),
        )
        if bound.created:
            stored.append(bound)
        return (201 if bound.created else 200), {"barcode": bound.tube.barcode}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="tube_bind",
        payload=_fingerprint(payload),
        write=write,
    )
    if stored:
        return Status(status, _bound_out(stored[0]))
    return Status(status, tube_out(request, body["barcode"], created=status == 201))


@router.get("/tubes/{barcode}", response={200: TubeOut, **ERRORS}, summary="One tube")
def tubes_get(request: HttpRequest, barcode: str) -> TubeOut:
    return tube_out(request, barcode, created=False)


@router.post(
    "/people/{code}/sampling-code",
    response={200: CodeOut, **ERRORS},
    summary="Issue a person's signed sampling code",
)
def sampling_code_create(request: HttpRequest, code: str) -> CodeOut:
    """The code is signed (Ed25519) and checked without a database round trip."""
    actor = actor_of(request)
    person = access_person(actor, code, purpose="screening")
    masked = next((document.masked for document in person.documents.all()), "")
    return CodeOut(
        code=sampling_code_issue(person_code=person.code, name=person.name, masked_id=masked)
    )


@router.post(
    "/sampling-codes/verify",
    response={200: CodeCheckOut, **ERRORS},
    summary="Check a sampling code (no database access)",
)
def sampling_code_check(request: HttpRequest, payload: CodeCheckIn) -> CodeCheckOut:
    checked = sampling_code_verify(payload.code, field="code")
    return CodeCheckOut(
        person=str(checked.person_code),
        name=checked.name,
        masked_id=checked.masked_id,
        issued_at=checked.issued_at,
    )


@router.get(
    "/sampling-codes/public-key",
    response={200: PublicKeyOut, **ERRORS},
    summary="The key sampling pages check codes with",
)
def sampling_code_key(request: HttpRequest) -> PublicKeyOut:
    return PublicKeyOut(algorithm="Ed25519", public_key=public_key_b64())

"""The sampling-point write path: a whole tube per request, and personal sampling codes."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, Field

from fangkong.core.combine import Combiner
from fangkong.core.crypto import blind_index
from fangkong.core.errors import FangkongError
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import Answer as IdempotentAnswer
from fangkong.core.idempotency import IdempotentCall, run_idempotent, run_idempotent_many
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey, ObservedAt
from fangkong.lab.access import access_tube, require_role
from fangkong.lab.choices import EntryMethod, MemberOutcome, TubeKind
from fangkong.lab.presentation import sampling_code_card, tube_members
from fangkong.lab.roles import SAMPLING_ROLES
from fangkong.lab.sampling.codes import public_key_b64, sampling_code_issue, sampling_code_verify
from fangkong.lab.sampling.services import (
    BindRequest,
    MemberInput,
    TubeBound,
    TubeInput,
    tube_bind_request,
)
from fangkong.lab.sampling.services import (
    tubes_bind as tubes_store,
)
from fangkong.people.access import access_person
from fangkong.people.choices import DocumentType
from fangkong.policy.choices import SwabSite, TurnaroundCategory

router = Router()
logger = logging.getLogger(__name__)


# Input bodies are plain pydantic models: ninja's ``Schema`` wraps every nested object in a
# getter for ORM attributes, which costs more than the rest of parsing on a 20-person tube.
class MemberIn(BaseModel):
    sampling_code: str = Field("", max_length=600)
    doc_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str = Field("", max_length=64)
    method: EntryMethod | None = None
    scanned_at: ObservedAt | None = None


class TubeIn(BaseModel):
    round: str = Field(max_length=45, description="Round code")
    point: str = Field(max_length=45, description="Sampling point code")
    barcode: str = Field(min_length=1, max_length=64)
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    group: str = Field("", max_length=40, description="Population group with its own ratio")
    ratio: int | None = Field(None, ge=1, le=1000)
    kind: TubeKind = TubeKind.SCREENING
    category: TurnaroundCategory = TurnaroundCategory.POOLED_SCREENING
    swab_site: SwabSite = SwabSite.OROPHARYNGEAL
    sampled_at: ObservedAt | None = None


# The answer too: a plain model, built from the objects in hand, validated once.
class MemberOut(BaseModel):
    position: int
    person: str
    name: str
    outcome: str


class TubeOut(BaseModel):
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
        members=[MemberOut(**asdict(card)) for card in tube_members(actor, tube)],
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


@dataclass(frozen=True)
class _Post:
    """One ``POST /tubes`` on its way through the batcher."""

    bind: BindRequest
    call: IdempotentCall


#: A post's answer: status, stored body and the tube if this batch stored it; or its refusal
#: (a ``FangkongError``), or the unforeseen failure of this post alone (raised to its caller).
_Answer = tuple[int, dict[str, Any], TubeBound | None] | Exception


#: PostgreSQL's "try again" failures: a deadlock (two batches each waiting for a row the other
#: inserted, e.g. the same tube sent to two server processes at once) and a serialization
#: failure. The transaction was rolled back whole; the tubes are taken again one at a time.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def _bind_batch(posts: list[_Post]) -> list[_Answer]:
    """The tubes of concurrent requests in one transaction (R37); if a concurrent writer in
    another process took one of their barcodes, people or keys first (or the database broke a
    deadlock between two batches), one at a time.

    A bad item never fails its neighbours: each request's input is checked before it joins a
    batch (the schema's bounded types) and every refusal is the item's own answer; should a
    batch still fail in a way no check foresaw, its tubes are taken again one at a time, so
    the failure stays with the request that caused it.
    """
    try:
        with transaction.atomic():
            return _bind_together(posts)
    except IntegrityError:
        return [_bind_alone(post) for post in posts]
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) not in RETRYABLE_SQLSTATES:
            raise  # the database itself failed (connection lost): no tube is to blame
        return [_bind_alone(post) for post in posts]
    except Exception:
        if len(posts) == 1:
            raise
        logger.exception("A batch of %d tubes failed; taking them one at a time", len(posts))
        return [_bind_alone(post) for post in posts]


def _bind_together(posts: list[_Post]) -> list[_Answer]:
    stored: dict[int, TubeBound] = {}

    def write_many(positions: list[int]) -> list[IdempotentAnswer]:
        answers: list[IdempotentAnswer] = []
        bound = tubes_store([posts[position].bind for position in positions])
        for position, answer in zip(positions, bound, strict=True):
            if isinstance(answer, FangkongError):
                answers.append(answer)
            else:
                stored[position] = answer
                answers.append((201 if answer.created else 200, {"barcode": answer.tube.barcode}))
        return answers

    return [
        answer if isinstance(answer, FangkongError) else (*answer, stored.get(position))
        for position, answer in enumerate(
            run_idempotent_many([post.call for post in posts], write_many)
        )
    ]


def _bind_alone(post: _Post) -> _Answer:
    stored: list[TubeBound] = []

    def write() -> tuple[int, dict[str, Any]]:
        bound = tube_bind_request(post.bind)
        stored.append(bound)
        return (201 if bound.created else 200), {"barcode": bound.tube.barcode}

    try:
        status, body = run_idempotent(
            actor=post.call.actor,
            key=post.call.key,
            operation=post.call.operation,
            payload=post.call.payload,
            write=write,
        )
    except Exception as exc:  # a refusal, or a failure: this request's alone
        return exc
    return status, body, stored[0] if stored else None


#: SQLite has one writer: a second batch would only wait for the first one's lock.
_BINDING: Combiner[_Post, _Answer] = Combiner(
    _bind_batch,
    max_batch=64,
    leaders=settings.BINDING_BATCHES if connection.vendor == "postgresql" else 1,
)


@router.post(
    "/tubes",
    operation_id="fangkong_lab_api_binding_tubes_bind",
    response={201: TubeOut, 200: TubeOut, **WRITE_ERRORS},
    summary="Bind a whole tube",
    description=(
        "One closed tube with its members, as the sampler scanned them (personal sampling codes, "
        "ID cards or typed numbers). Send an `Idempotency-Key`; the same tube sent again "
        "(same barcode and people) answers 200 with the stored tube. Errors: `tube_full`, "
        "`ratio_above_max`, `ratio_above_rule`, `person_unknown`, `id_*` validation codes, "
        "`person_already_bound` (409), `tube_exists` (409), `household_mixed`, `round_closed`. "
        "Concurrent requests to one server process are stored together in one transaction "
        "(group commit); each is answered after its tube is committed."
    ),
)
def tubes_bind(
    request: HttpRequest, payload: TubeIn, idempotency_key: IdempotencyKey = None
) -> Status[TubeOut]:
    actor = actor_of(request)
    data = TubeInput(
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
    )
    answer = _BINDING.submit(
        _Post(
            bind=BindRequest(
                actor=actor, data=data, screening_round=payload.round, point=payload.point
            ),
            call=IdempotentCall(
                actor=actor,
                key=idempotency_key,
                operation="tube_bind",
                payload=_fingerprint(payload),
            ),
        )
    )
    if isinstance(answer, Exception):
        raise answer
    status, body, bound = answer
    if bound is not None and bound.created:
        return Status(status, _bound_out(bound))
    return Status(status, tube_out(request, body["barcode"], created=status == 201))


@router.get(
    "/tubes/{barcode}",
    operation_id="fangkong_lab_api_binding_tubes_get",
    response={200: TubeOut, **ERRORS},
    summary="One tube",
)
def tubes_get(request: HttpRequest, barcode: str) -> TubeOut:
    return tube_out(request, barcode, created=False)


@router.post(
    "/people/{code}/sampling-code",
    operation_id="fangkong_lab_api_binding_sampling_code_create",
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
    operation_id="fangkong_lab_api_binding_sampling_code_check",
    response={200: CodeCheckOut, **ERRORS},
    summary="Check a sampling code (sampling-site operators; the read-out is logged)",
)
def sampling_code_check(request: HttpRequest, payload: CodeCheckIn) -> CodeCheckOut:
    """For sampling-site operators only; each read-out is logged (``lab.presentation``)."""
    actor = actor_of(request)
    require_role(actor, SAMPLING_ROLES)
    checked = sampling_code_verify(payload.code, field="code")
    return CodeCheckOut(**asdict(sampling_code_card(actor, checked)))


@router.get(
    "/sampling-codes/public-key",
    operation_id="fangkong_lab_api_binding_sampling_code_key",
    response={200: PublicKeyOut, **ERRORS},
    summary="The key sampling pages check codes with",
)
def sampling_code_key(request: HttpRequest) -> PublicKeyOut:
    return PublicKeyOut(algorithm="Ed25519", public_key=public_key_b64())

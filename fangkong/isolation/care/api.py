"""Care-request endpoints under ``/api/v1/isolation/care``: file on a person's behalf, list
(overdue flagged), take, decide (an appeal by someone other than the order's issuer).
Requests are shown through ``presentation`` (logged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.isolation.care.access import access_care_request
from fangkong.isolation.care.presentation import CareRow, care_rows
from fangkong.isolation.care.roles import CARE_ROLES
from fangkong.isolation.care.selectors import care_list
from fangkong.isolation.care.services import (
    care_request_decide,
    care_request_file,
    care_request_take,
)
from fangkong.isolation.checks import require_role
from fangkong.isolation.orders.access import access_order

router = Router(tags=["care"])
CODE = r"^[0-9a-fA-F-]{32,36}$"
CategoryIn = Literal["medicine", "special_diet", "carer", "complaint", "appeal"]


class CareFilters(PageParams):
    status: Literal["", "open", "decided"] = ""
    category: Literal["", "medicine", "special_diet", "carer", "complaint", "appeal"] = ""
    overdue: bool = False


class CareFileIn(Schema):
    order: str = Field(pattern=CODE)
    category: CategoryIn
    text: str = Field(max_length=1000)


class DecideIn(Schema):
    outcome: Literal["granted", "refused", "resolved", "upheld"]
    note: str = Field(max_length=1000)


class CareOut(Schema):
    code: UUID
    order_code: UUID
    person_code: UUID
    person_name: str
    category: str
    filed_by_kind: str
    filed_by: str
    filed_at: datetime
    text: str
    deadline: datetime
    overdue: bool
    owner: str
    status: str
    outcome: str
    outcome_note: str
    decided_by: str
    decided_at: datetime | None
    rule_set: str


class CarePageOut(PageOut):
    items: list[CareOut]


def _out(row: CareRow) -> CareOut:
    return CareOut(**{name: getattr(row, name) for name in CareOut.model_fields})


def _one(request: HttpRequest, code: object) -> CareOut:
    actor = actor_of(request)
    return _out(care_rows(actor, [access_care_request(actor, code)])[0])


@router.get("/requests", response={200: CarePageOut, **ERRORS}, summary="Care requests")
def care_requests_list(request: HttpRequest, filters: Query[CareFilters]) -> CarePageOut:
    """Care requests in scope, soonest deadline first, each flagged when overdue; each person
    shown is logged."""
    actor = actor_of(request)
    require_role(actor, CARE_ROLES)
    page = paginate(
        care_list(
            actor=actor,
            now=timezone.now(),
            status=filters.status,
            category=filters.category,
            overdue=filters.overdue,
        ),
        page=filters.page,
        page_size=filters.page_size,
    )
    return CarePageOut(
        items=[_out(row) for row in care_rows(actor, page.items)], **page_fields(page)
    )


@router.post(
    "/requests",
    response={201: CareOut, **WRITE_ERRORS},
    summary="File a care request on behalf of a person under an order (idempotent with a key)",
    description="The deadline is the rule set's hours for the category (`care.deadlines`).",
)
def care_requests_file(
    request: HttpRequest, payload: CareFileIn, idempotency_key: IdempotencyKey = None
) -> Status[CareOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        order = access_order(actor, payload.order, roles=CARE_ROLES)
        filed = care_request_file(
            actor=actor, order=order, category=payload.category, text=payload.text
        )
        return 201, {"code": str(filed.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="care_request_file",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _one(request, body["code"]))


@router.get("/requests/{code}", response={200: CareOut, **ERRORS}, summary="One care request")
def care_requests_get(request: HttpRequest, code: str) -> CareOut:
    return _one(request, code)


@router.post(
    "/requests/{code}/take",
    response={200: CareOut, **WRITE_ERRORS},
    summary="Become the owner of a care request",
)
def care_requests_take(request: HttpRequest, code: str) -> CareOut:
    actor = actor_of(request)
    care_request_take(actor=actor, request=access_care_request(actor, code))
    return _one(request, code)


@router.post(
    "/requests/{code}/decide",
    response={200: CareOut, **WRITE_ERRORS},
    summary="Decide a care request (an appeal: never by the order's issuer)",
    description=(
        "An appeal is upheld or granted by an epidemiologist or commander other than who "
        "issued the order (`appeal_decided_by_issuer`, 403); other requests are granted, "
        "refused or resolved. The note is the reason."
    ),
)
def care_requests_decide(request: HttpRequest, code: str, payload: DecideIn) -> CareOut:
    actor = actor_of(request)
    care_request_decide(
        actor=actor,
        request=access_care_request(actor, code),
        outcome=payload.outcome,
        note=payload.note,
    )
    return _one(request, code)

"""Request endpoints under ``/api/v1/community``: file (grid worker, hotline), the queue
(an emergency first), one request, its transitions and medical exit, the resident's link."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.community.access import access_community_household, access_member
from fangkong.community.checks import require_role
from fangkong.community.models import ResidentRequest
from fangkong.community.presentation import request_rows
from fangkong.community.requests.access import access_request
from fangkong.community.requests.selectors import request_queue
from fangkong.community.requests.services import (
    exit_approve,
    exit_return,
    exit_vehicle,
    request_file,
    request_transition,
    resident_link_issue,
)
from fangkong.community.roles import (
    EXIT_APPROVE_ROLES,
    READ_ROLES,
    REQUEST_ROLES,
    VEHICLE_ROLES,
)
from fangkong.community.schemas import CODE, RequestOut, RequestPageOut, row_dict
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey, PageParams, page_fields
from fangkong.people.access import parse_code

router = Router(tags=["community"])
Category = Literal[
    "food",
    "medicine",
    "nappies",
    "gas",
    "repairs",
    "dialysis",
    "chemotherapy",
    "childbirth",
    "emergency",
]


class RequestIn(Schema):
    household_code: str = Field(pattern=CODE)
    category: Category
    channel: Literal["grid_worker", "hotline"]
    description: str = Field("", max_length=500)
    person_code: str | None = Field(None, pattern=CODE)


class QueueFilters(PageParams):
    overdue: bool = False
    open: bool = True


class TransitionIn(Schema):
    to: Literal["accepted", "done", "confirmed", "refused"]
    reason: str = Field("", max_length=255)


class ExitApproveIn(Schema):
    reason: str = Field(max_length=255)
    #: The hospital the closed-loop transfer takes the patient to.
    destination: str = Field(max_length=255)


class ExitVehicleIn(Schema):
    plate: str = Field(max_length=20)
    driver: str = Field(max_length=60)
    return_by: datetime
    transfer_task: str | None = Field(None, pattern=CODE)


class LinkOut(Schema):
    url: str


def request_out(request: HttpRequest, found: ResidentRequest) -> RequestOut:
    """One request as the API shows it (through the presentation, which logs the read)."""
    [row] = request_rows(actor_of(request), [found], now=timezone.now())
    return RequestOut(**row_dict(row))


@router.post(
    "/requests",
    response={201: RequestOut, **WRITE_ERRORS},
    summary="File a request for a household (deadline from the rule set)",
)
def requests_file(
    request: HttpRequest, payload: RequestIn, idempotency_key: IdempotencyKey = None
) -> Status[RequestOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, REQUEST_ROLES)
        household = access_community_household(actor, payload.household_code)
        filed = request_file(
            actor=actor,
            household=household,
            category=payload.category,
            description=payload.description,
            person=access_member(household, payload.person_code),
            channel=payload.channel,
        )
        return 201, {"code": str(filed.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="request_file",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, request_out(request, access_request(actor, body["code"])))


@router.get(
    "/requests",
    response={200: RequestPageOut, **ERRORS},
    summary="The queue: an emergency first, then planned medical care, then daily needs",
)
def requests_queue(request: HttpRequest, filters: Query[QueueFilters]) -> RequestPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    now = timezone.now()
    page = paginate(
        request_queue(
            actor=actor, open_only=filters.open, overdue_at=now if filters.overdue else None
        ),
        page=filters.page,
        page_size=filters.page_size,
    )
    rows = request_rows(actor, page.items, now=now)
    return RequestPageOut(items=[RequestOut(**row_dict(row)) for row in rows], **page_fields(page))


@router.get("/requests/{code}", response={200: RequestOut, **ERRORS}, summary="One request")
def requests_get(request: HttpRequest, code: str) -> RequestOut:
    return request_out(request, access_request(actor_of(request), code))


@router.post(
    "/requests/{code}/transition",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Accept, mark done, confirm or refuse (with a reason) a request",
)
def requests_transition(request: HttpRequest, code: str, payload: TransitionIn) -> RequestOut:
    actor = actor_of(request)
    found = access_request(actor, code, roles=REQUEST_ROLES)
    moved = request_transition(actor=actor, request=found, to=payload.to, reason=payload.reason)
    return request_out(request, moved)


@router.post(
    "/requests/{code}/exit/approve",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Approve a medical exit (its closed-loop transfer task to the hospital)",
)
def requests_exit_approve(request: HttpRequest, code: str, payload: ExitApproveIn) -> RequestOut:
    actor = actor_of(request)
    found = access_request(actor, code, roles=EXIT_APPROVE_ROLES)
    exit_approve(actor=actor, request=found, reason=payload.reason, destination=payload.destination)
    found.refresh_from_db()
    return request_out(request, found)


@router.post(
    "/requests/{code}/exit/vehicle",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Assign the dedicated vehicle and the return time of an approved exit",
)
def requests_exit_vehicle(request: HttpRequest, code: str, payload: ExitVehicleIn) -> RequestOut:
    actor = actor_of(request)
    found = access_request(actor, code, roles=VEHICLE_ROLES)
    exit_vehicle(
        actor=actor,
        request=found,
        plate=payload.plate,
        driver=payload.driver,
        return_by=payload.return_by,
        transfer_task=parse_code(payload.transfer_task) if payload.transfer_task else None,
    )
    found.refresh_from_db()
    return request_out(request, found)


@router.post(
    "/requests/{code}/exit/return",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Record the patient's return home",
)
def requests_exit_return(request: HttpRequest, code: str) -> RequestOut:
    actor = actor_of(request)
    found = access_request(actor, code, roles=VEHICLE_ROLES)
    exit_return(actor=actor, request=found)
    found.refresh_from_db()
    return request_out(request, found)


@router.post(
    "/households/{code}/resident-link",
    response={201: LinkOut, **WRITE_ERRORS},
    summary="Issue the household's personal link to its request page (earlier links revoked)",
)
def households_resident_link(request: HttpRequest, code: str) -> Status[LinkOut]:
    actor = actor_of(request)
    require_role(actor, REQUEST_ROLES)
    household = access_community_household(actor, code)
    token = resident_link_issue(actor=actor, household=household)
    return Status(201, LinkOut(url=reverse("community:resident", args=[token])))

"""Lead lists under ``/api/v1/tracing``: push a case's contacts to their districts; the
receiving district's inbox, the persons of a list (logged), their checks, and the "not
checked" counts per district."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.cases.access import access_case, require_role
from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields
from fangkong.tracing.leads import presentation, selectors, services
from fangkong.tracing.leads.access import access_lead_item, access_lead_list
from fangkong.tracing.leads.roles import LEAD_CHECK_ROLES, LEAD_PUSH_ROLES, LEAD_WATCH_ROLES

router = Router(tags=["lead lists"])


class PushedOut(Schema):
    code: str
    district: str
    persons: int
    deadline: datetime


class PushOut(Schema):
    lists: list[PushedOut]


class InboxRowOut(Schema):
    code: str
    to_region: str
    from_region: str
    pushed_at: datetime
    deadline: datetime
    persons: int
    pending: int
    overdue: bool


class InboxPage(PageOut):
    items: list[InboxRowOut]


class LeadOut(Schema):
    code: str
    person: str = Field(description="Person code")
    name: str
    id_masked: str
    phone: str
    address: str
    kind: str
    confirmed: bool
    deadline: datetime
    outcome: str
    checked_by: str
    reason: str


class LeadPage(PageOut):
    deadline: datetime
    items: list[LeadOut]


class CheckIn(Schema):
    outcome: Literal["located", "duplicate", "not_in_area", "incomplete"]
    reason: str = Field(max_length=255)


class CheckOut(Schema):
    code: str
    outcome: str
    checked_at: datetime | None


class NotCheckedOut(Schema):
    region_code: str
    region_name: str
    not_checked: int
    pending: int


class NotCheckedList(Schema):
    districts: list[NotCheckedOut]


@router.post(
    "/cases/{code}/leads/push",
    response={200: PushOut, **WRITE_ERRORS},
    summary="Push a case's contacts to the districts they live in",
)
def leads_push(request: HttpRequest, code: str) -> dict[str, Any]:
    """One lead list per district where the case's candidates, companions and confirmed
    contacts live (other than the case's), due by the rule set's deadline. Counts only."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=LEAD_PUSH_ROLES)
    pushed = services.lead_lists_push(actor=actor, case=case)
    return {"lists": [row.__dict__ for row in pushed]}


@router.get("/leads", response={200: InboxPage, **ERRORS}, summary="Lead lists pushed to you")
def leads_inbox(request: HttpRequest, query: Query[PageParams]) -> dict[str, Any]:
    """Lists pushed to your district, newest first: counts and deadlines, no persons."""
    actor = actor_of(request)
    require_role(actor, LEAD_CHECK_ROLES)
    page = selectors.lead_inbox(actor=actor, page=query.page, page_size=query.page_size)
    return {**page_fields(page), "items": [row.__dict__ for row in page.items]}


@router.get(
    "/leads/not-checked",
    response={200: NotCheckedList, **ERRORS},
    summary="Persons not checked by the deadline, per district",
)
def leads_not_checked(request: HttpRequest) -> dict[str, Any]:
    """Per receiving district of your subtree: pending persons, and those past the deadline."""
    actor = actor_of(request)
    require_role(actor, LEAD_WATCH_ROLES)
    return {"districts": [row.__dict__ for row in selectors.leads_not_checked(actor=actor)]}


@router.get(
    "/leads/{code}/items",
    response={200: LeadPage, **ERRORS},
    summary="The persons of a lead list",
)
def leads_items(request: HttpRequest, code: str, query: Query[PageParams]) -> dict[str, Any]:
    """What the receiving district needs to locate each person (the read is logged)."""
    actor = actor_of(request)
    lead_list = access_lead_list(actor, code)
    page = paginate(selectors.lead_items(lead_list), page=query.page, page_size=query.page_size)
    rows = presentation.lead_rows(actor, lead_list, list(page.items))
    return {
        **page_fields(page),
        "deadline": lead_list.deadline,
        "items": [
            {
                "code": str(row.code),
                "person": str(row.person_code),
                "name": row.name,
                "id_masked": row.id_masked,
                "phone": row.phone,
                "address": row.address,
                "kind": row.kind,
                "confirmed": row.confirmed,
                "deadline": row.deadline,
                "outcome": row.outcome,
                "checked_by": row.checked_by,
                "reason": row.reason,
            }
            for row in rows
        ],
    }


@router.post(
    "/leads/items/{code}/check",
    response={200: CheckOut, **WRITE_ERRORS},
    summary="Record how a pushed person's check ended",
)
def leads_check(request: HttpRequest, code: str, payload: CheckIn) -> CheckOut:
    """Located, duplicate, not in the area or incomplete, with a reason."""
    actor = actor_of(request)
    item = access_lead_item(actor, code)
    done = services.lead_item_check(
        actor=actor, item=item, outcome=payload.outcome, reason=payload.reason
    )
    return CheckOut(code=str(done.code), outcome=done.outcome, checked_at=done.checked_at)

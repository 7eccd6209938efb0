"""Contact candidates of a case under ``/api/v1/tracing/cases/{code}/contacts``: list (paged,
logged), derive, and confirm or dismiss candidates in bulk."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields
from fangkong.tracing.contacts import presentation, selectors, services
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES, CONTACT_READ_ROLES

router = Router(tags=["contacts"])


class ContactQuery(PageParams):
    status: Literal["", "candidate", "confirmed", "dismissed"] = ""


class ContactOut(Schema):
    code: str
    person: str = Field(description="Person code")
    name: str
    phone: str
    region: str
    kind: str
    setting: str
    venue: str
    via: str
    exposure_start: datetime | None
    exposure_end: datetime | None
    overlap_minutes: int
    status: str
    determined_by: str
    rule_set: str
    decided_by: str
    decision_reason: str
    decided_rule_set: str


class ContactPage(PageOut):
    counts: dict[str, int]
    items: list[ContactOut]


class DerivationOut(Schema):
    window_start: date | None = Field(description="First day of the close-contact window")
    rule_set: str
    created: dict[str, int] = Field(description="New candidates by setting")
    already_linked: int
    secondary_enabled: bool


class DecisionIn(Schema):
    contacts: list[str] = Field(min_length=1, max_length=services.MAX_DECIDE)
    reason: str = Field(max_length=500)


class DecisionOut(Schema):
    changed: int


def _out(row: presentation.ContactRow) -> dict[str, Any]:
    return {
        "code": str(row.code),
        "person": str(row.person_code),
        "name": row.person_name,
        "phone": row.phone,
        "region": row.region_name,
        "kind": row.kind,
        "setting": row.setting,
        "venue": row.venue_name,
        "via": row.via_name,
        "exposure_start": row.exposure_start,
        "exposure_end": row.exposure_end,
        "overlap_minutes": row.overlap_minutes,
        "status": row.status,
        "determined_by": row.determined_by,
        "rule_set": row.rule_set,
        "decided_by": row.decided_by,
        "decision_reason": row.decision_reason,
        "decided_rule_set": row.decided_rule_set,
    }


@router.get(
    "/cases/{code}/contacts",
    response={200: ContactPage, **ERRORS},
    summary="A case's contacts and candidates",
)
def contacts_list(request: HttpRequest, code: str, query: Query[ContactQuery]) -> dict[str, Any]:
    """The contact links of a case of your subtree, candidates first (the read is logged)."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_READ_ROLES)
    page = paginate(
        selectors.contact_list(actor=actor, case=case, status=query.status),
        page=query.page,
        page_size=query.page_size,
    )
    rows = presentation.contact_rows(actor, case, list(page.items))
    return {
        **page_fields(page),
        "counts": selectors.contact_counts(actor=actor, case=case),
        "items": [_out(row) for row in rows],
    }


@router.post(
    "/cases/{code}/contacts/derive",
    response={200: DerivationOut, **WRITE_ERRORS},
    summary="Derive a case's contact candidates",
)
def contacts_derive(request: HttpRequest, code: str) -> dict[str, Any]:
    """Propose candidates: venue co-presence inside the rule set's window, household members,
    secondary contacts where the rules have them. Counts only come back."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_DECIDE_ROLES)
    found = services.contacts_derive(actor=actor, case=case)
    return {
        "window_start": found.window_start,
        "rule_set": found.rule_set,
        "created": found.created,
        "already_linked": found.already_linked,
        "secondary_enabled": found.secondary_enabled,
    }


def _decide(request: HttpRequest, code: str, payload: DecisionIn, decision: str) -> DecisionOut:
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_DECIDE_ROLES)
    changed = services.contacts_decide(
        actor=actor, case=case, codes=payload.contacts, decision=decision, reason=payload.reason
    )
    return DecisionOut(changed=changed)


@router.post(
    "/cases/{code}/contacts/confirm",
    response={200: DecisionOut, **WRITE_ERRORS},
    summary="Confirm contact candidates",
)
def contacts_confirm(request: HttpRequest, code: str, payload: DecisionIn) -> DecisionOut:
    """Make the listed candidates close (or secondary) contacts, with one reason."""
    return _decide(request, code, payload, "confirm")


@router.post(
    "/cases/{code}/contacts/dismiss",
    response={200: DecisionOut, **WRITE_ERRORS},
    summary="Dismiss contact candidates",
)
def contacts_dismiss(request: HttpRequest, code: str, payload: DecisionIn) -> DecisionOut:
    """Dismiss the listed candidates, with one reason."""
    return _decide(request, code, payload, "dismiss")

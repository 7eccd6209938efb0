"""Intake endpoints under ``/api/v1/isolation``: orders for a case's confirmed contacts.

The answers carry order codes and counts, no person: the orders themselves are read through
``GET /isolation/orders/{code}``, which shows the person through the presentation (logged).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.schemas import ERRORS, WRITE_ERRORS
from fangkong.isolation.checks import require_role
from fangkong.isolation.intake.selectors import contacts_without_order
from fangkong.isolation.intake.services import contact_orders_issue
from fangkong.isolation.roles import INTAKE_ROLES

router = Router(tags=["isolation"])


class ContactOrdersIn(Schema):
    reason: str = Field(max_length=255)


class ContactOrdersOut(Schema):
    created: list[str]
    existing: list[str]
    skipped: dict[str, int]
    waiting: int


class WaitingOut(Schema):
    waiting: int


@router.get(
    "/cases/{code}/contact-orders",
    response={200: WaitingOut, **ERRORS},
    summary="How many confirmed contacts of a case have no order yet",
)
def contact_orders_waiting(request: HttpRequest, code: str) -> WaitingOut:
    actor = actor_of(request)
    require_role(actor, INTAKE_ROLES)
    case = access_case(actor, code, roles=INTAKE_ROLES)
    return WaitingOut(waiting=contacts_without_order(actor=actor, case=case).count())


@router.post(
    "/cases/{code}/contact-orders",
    response={200: ContactOrdersOut, **WRITE_ERRORS},
    summary="Issue orders to a case's confirmed contacts without one (idempotent)",
    description=(
        "Each confirmed close or secondary contact without an order gets one: the group "
        "follows the contact's kind, day 0 is the last exposure, the plan comes from the "
        "rules in force at the person's node. A retried request creates nothing new; "
        "`waiting` counts what is still left (persons of other districts, old exposures)."
    ),
)
def contact_orders_issue_api(
    request: HttpRequest, code: str, payload: ContactOrdersIn
) -> ContactOrdersOut:
    actor = actor_of(request)
    require_role(actor, INTAKE_ROLES)
    case = access_case(actor, code, roles=INTAKE_ROLES)
    report = contact_orders_issue(actor=actor, case=case, reason=payload.reason)
    return ContactOrdersOut(
        created=[str(o.code) for o in report.created],
        existing=[str(o.code) for o in report.existing],
        skipped=report.skipped,
        waiting=contacts_without_order(actor=actor, case=case).count(),
    )

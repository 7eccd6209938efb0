"""Intake endpoints under ``/api/v1/isolation``: orders for a case's confirmed contacts, for
registered arrivals (``lab``'s arrival list) and for a positive case allowed home isolation.

The answers carry order codes and counts, no person: the orders themselves are read through
``GET /isolation/orders/{code}``, which shows the person through the presentation (logged).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, EpidemicDate
from fangkong.isolation.checks import each_by_code, require_role
from fangkong.isolation.intake.arrivals import arrival_orders_issue, arrival_scope
from fangkong.isolation.intake.home_isolation import home_isolation_order_issue
from fangkong.isolation.intake.selectors import contacts_without_order
from fangkong.isolation.intake.services import contact_orders_issue
from fangkong.isolation.roles import HOME_ISOLATION_ROLES, INTAKE_ROLES

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


class ArrivalOrdersIn(Schema):
    #: Arrival codes from ``GET /api/v1/lab/arrivals`` (never identity numbers).
    arrivals: list[str] = Field(min_length=1, max_length=10_000)
    group: Literal[
        "inbound", "high_risk_area_arrival", "medium_risk_area_arrival", "low_risk_area_arrival"
    ]
    reason: str = Field(max_length=255)


class ArrivalOrdersOut(Schema):
    created: list[str]
    existing: list[str]
    skipped: dict[str, int]


@router.post(
    "/arrival-orders",
    response={200: ArrivalOrdersOut, **WRITE_ERRORS},
    summary="Issue orders to registered arrivals (idempotent)",
    description=(
        "Each arrival gets the plan of the rule set's `quarantine.<group>` in force at the "
        "person's node, day 0 the day of arrival (422 naming `group` where the edition has "
        "none). An arrival ordered before is answered in `existing`; unknown or "
        "out-of-district arrival codes are 404 naming each row."
    ),
)
def arrival_orders_issue_api(request: HttpRequest, payload: ArrivalOrdersIn) -> ArrivalOrdersOut:
    actor = actor_of(request)
    require_role(actor, INTAKE_ROLES)
    arrivals = each_by_code(
        arrival_scope(actor),
        payload.arrivals,
        field="arrivals",
        error="arrival_not_found",
        message=_("No such arrival."),
    )
    report = arrival_orders_issue(
        actor=actor,
        arrivals=arrivals,
        group=payload.group,
        reason=payload.reason,
    )
    return ArrivalOrdersOut(
        created=[str(o.code) for o in report.created],
        existing=[str(o.code) for o in report.existing],
        skipped=report.skipped,
    )


class HomeIsolationIn(Schema):
    reason: str = Field(max_length=255)
    #: Isolation day 0 (today when left out).
    isolated_since: EpidemicDate | None = None


class HomeIsolationOut(Schema):
    order: str
    release_on: date
    rule_set: str


@router.post(
    "/cases/{code}/home-isolation",
    response={200: HomeIsolationOut, **WRITE_ERRORS},
    summary="Allow a positive case to isolate at home (an order of kind home isolation)",
    description=(
        "Released under the rule set's `positives` (day count, consecutive release tests "
        "with Ct at or above the thresholds); 422 `positives_not_isolated` where the rules "
        "isolate no positive. Allowing a case again answers its order."
    ),
)
def home_isolation_issue_api(
    request: HttpRequest, code: str, payload: HomeIsolationIn
) -> HomeIsolationOut:
    actor = actor_of(request)
    require_role(actor, HOME_ISOLATION_ROLES)
    case = access_case(actor, code, roles=HOME_ISOLATION_ROLES)
    order = home_isolation_order_issue(
        actor=actor, case=case, reason=payload.reason, isolated_since=payload.isolated_since
    )
    return HomeIsolationOut(
        order=str(order.code), release_on=order.release_on, rule_set=order.rule_set
    )

"""Order endpoints under ``/api/v1/isolation``: issue in bulk, list, read, replan, allocate
rooms, record a plan test, release. Orders name their person (code and name): every answer that
shows one goes through ``presentation``, which logs the read.

The operation ids keep the names they had when these lived in ``isolation/api.py``
(``fangkong_isolation_api_<function>``): generated clients depend on them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    ObservedAt,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.checks import each_by_code, require_role
from fangkong.isolation.models import IsolationOrder
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.positives import positive_test_record
from fangkong.isolation.orders.release import order_release, order_test_record
from fangkong.isolation.orders.selectors import order_list, order_tests
from fangkong.isolation.orders.services import order_replan, orders_issue
from fangkong.isolation.presentation import OrderRow, order_card, order_rows
from fangkong.isolation.roles import (
    ALLOCATE_ROLES,
    HOME_ISOLATION_ROLES,
    ORDER_ISSUE_ROLES,
    ORDER_READ_ROLES,
    RELEASE_ROLES,
)
from fangkong.people.selectors import person_scope

router = Router()
OrderStatusIn = Literal["", "open", "released", "lifted"]
OrderKindIn = Literal[
    "", "central_quarantine", "home_quarantine", "health_monitoring", "home_isolation"
]


class OrderFilters(PageParams):
    status: OrderStatusIn = ""
    kind: OrderKindIn = ""


class OrdersIssueIn(Schema):
    #: Person codes (never identity numbers); at most 10,000 at once.
    persons: list[str] = Field(min_length=1, max_length=10_000)
    group: str = Field(min_length=1, max_length=30)
    day0: date
    reason: str = Field(max_length=255)


class IsolationReasonIn(Schema):
    reason: str = Field(max_length=255)


class TestResultIn(Schema):
    phase: str = Field(min_length=1, max_length=30)
    day: int = Field(ge=1, le=60)
    result: Literal["negative", "positive"]


class AllocateIn(Schema):
    orders: list[str] = Field(min_length=1, max_length=10_000)
    #: Declared groups sharing a room (a carer and dependants, a minor and guardian).
    together: list[list[str]] = Field(default_factory=list, max_length=2_500)


class OrderOut(Schema):
    code: str
    person_code: str
    person_name: str
    region_name: str
    kind: str
    group: str
    status: str
    day0: date
    central_until: date | None
    release_on: date
    rule_set: str
    issued_by: str
    issued_at: datetime
    reason: str
    facility_name: str
    room_number: str


class TestOut(Schema):
    phase: str
    day: int
    on: date
    double_sampling: bool
    swab_site: str
    status: str
    rule_set: str
    place: str
    lab_state: str
    tube: str
    resulted_at: datetime | None
    result_source: str


class OrderDetailOut(OrderOut):
    tests: list[TestOut]


class OrderPageOut(PageOut):
    items: list[OrderOut]


class IssueOut(Schema):
    created: list[OrderOut]
    existing: list[OrderOut]


class UnplacedOut(Schema):
    order: str
    why: str


class AllocateOut(Schema):
    placed: list[OrderOut]
    unplaced: list[UnplacedOut]


def _order_out(row: OrderRow) -> OrderOut:
    data = {name: getattr(row, name) for name in OrderOut.model_fields}
    data["code"], data["person_code"] = str(row.code), str(row.person_code)
    return OrderOut(**data)


def _orders_by_code(actor: Any, codes: list[str], field: str) -> list[IsolationOrder]:
    # a code that is no UUID ("true") is a missing order, not a server error
    return each_by_code(
        order_list(actor=actor),
        codes,
        field=field,
        error="order_not_found",
        message=_("No such order."),
    )


@router.get(
    "/orders",
    operation_id="fangkong_isolation_api_orders_list",
    response={200: OrderPageOut, **ERRORS},
    summary="Orders",
)
def orders_list(request: HttpRequest, filters: Query[OrderFilters]) -> OrderPageOut:
    """Orders in scope, newest first; each person shown is logged."""
    actor = actor_of(request)
    require_role(actor, ORDER_READ_ROLES)
    page = paginate(
        order_list(actor=actor, status=filters.status, kind=filters.kind),
        page=filters.page,
        page_size=filters.page_size,
    )
    rows = order_rows(actor, page.items)
    return OrderPageOut(items=[_order_out(r) for r in rows], **page_fields(page))


@router.post(
    "/orders",
    operation_id="fangkong_isolation_api_orders_issue_api",
    response={200: IssueOut, **WRITE_ERRORS},
    summary="Issue orders to one or many persons (idempotent)",
    description=(
        "The plan comes from the rules in force at each person's node. A person with an open "
        "order of that kind keeps it (`existing`); a retried request creates nothing new."
    ),
)
def orders_issue_api(request: HttpRequest, payload: OrdersIssueIn) -> IssueOut:
    actor = actor_of(request)
    require_role(actor, ORDER_ISSUE_ROLES)
    persons = each_by_code(
        person_scope(actor).select_related("region"),
        payload.persons,
        field="persons",
        error="person_not_found",
        message=_("No such person."),
    )
    report = orders_issue(
        actor=actor,
        persons=persons,
        group=payload.group,
        day0=payload.day0,
        reason=payload.reason,
    )
    created = order_rows(
        actor, list(order_list(actor=actor).filter(pk__in=[o.pk for o in report.created]))
    )
    existing = order_rows(
        actor, list(order_list(actor=actor).filter(pk__in=[o.pk for o in report.existing]))
    )
    return IssueOut(
        created=[_order_out(r) for r in created], existing=[_order_out(r) for r in existing]
    )


@router.get(
    "/orders/{code}",
    operation_id="fangkong_isolation_api_orders_get",
    response={200: OrderDetailOut, **ERRORS},
    summary="One order",
)
def orders_get(request: HttpRequest, code: str) -> OrderDetailOut:
    """The order with its plan's test tasks; the person shown is logged."""
    actor = actor_of(request)
    order = access_order(actor, code)
    card = order_card(actor, order, list(order_tests(order)))
    return OrderDetailOut(
        **_order_out(card.order).model_dump(),
        tests=[
            TestOut(**{name: getattr(t, name) for name in TestOut.model_fields}) for t in card.tests
        ],
    )


@router.post(
    "/orders/{code}/replan",
    operation_id="fangkong_isolation_api_orders_replan",
    response={200: OrderDetailOut, **WRITE_ERRORS},
    summary="Apply the rules in force to an open order (explicit, with a reason)",
)
def orders_replan(request: HttpRequest, code: str, payload: IsolationReasonIn) -> OrderDetailOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=ORDER_ISSUE_ROLES)
    order_replan(actor=actor, order=order, reason=payload.reason)
    return orders_get(request, code)


@router.post(
    "/allocations",
    operation_id="fangkong_isolation_api_orders_allocate",
    response={200: AllocateOut, **WRITE_ERRORS},
    summary="Allocate rooms to open central-quarantine orders",
)
def orders_allocate(request: HttpRequest, payload: AllocateIn) -> AllocateOut:
    actor = actor_of(request)
    require_role(actor, ALLOCATE_ROLES)
    orders = _orders_by_code(actor, payload.orders, "orders")
    report = rooms_allocate(actor=actor, orders=orders, together=payload.together)
    placed = order_rows(
        actor, list(order_list(actor=actor).filter(pk__in=[o.pk for o, _room in report.placed]))
    )
    return AllocateOut(
        placed=[_order_out(r) for r in placed],
        unplaced=[UnplacedOut(order=str(o.code), why=why) for o, why in report.unplaced],
    )


@router.post(
    "/orders/{code}/tests",
    operation_id="fangkong_isolation_api_orders_test_record",
    response={200: OrderDetailOut, **WRITE_ERRORS},
    summary="Record the result of one of the plan's tests",
)
def orders_test_record(request: HttpRequest, code: str, payload: TestResultIn) -> OrderDetailOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=RELEASE_ROLES)
    order_test_record(
        actor=actor, order=order, phase=payload.phase, day=payload.day, result=payload.result
    )
    return orders_get(request, code)


@router.post(
    "/orders/{code}/release",
    operation_id="fangkong_isolation_api_orders_release",
    response={200: OrderDetailOut, **WRITE_ERRORS},
    summary="Release an order",
    description=(
        "Refused with `release_conditions_unmet` (422) naming the release day if not reached "
        "and each test pending or positive; frees the room."
    ),
)
def orders_release(request: HttpRequest, code: str, payload: IsolationReasonIn) -> OrderDetailOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=RELEASE_ROLES)
    order_release(actor=actor, order=order, reason=payload.reason)
    return orders_get(request, code)


class PositiveTestIn(Schema):
    sampled_at: ObservedAt
    result: Literal["negative", "positive"]
    ct_n: float | None = Field(None, gt=0, le=45)
    ct_orf1ab: float | None = Field(None, gt=0, le=45)


@router.post(
    "/orders/{code}/positive-tests",
    response={200: OrderDetailOut, **WRITE_ERRORS},
    summary="Record a release test of a positive isolated at home (with Ct values)",
)
def orders_positive_test(
    request: HttpRequest, code: str, payload: PositiveTestIn
) -> OrderDetailOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=HOME_ISOLATION_ROLES)
    positive_test_record(
        actor=actor,
        order=order,
        sampled_at=payload.sampled_at,
        result=payload.result,
        ct_n=payload.ct_n,
        ct_orf1ab=payload.ct_orf1ab,
    )
    return orders_get(request, code)

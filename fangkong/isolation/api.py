"""Isolation endpoints under ``/api/v1/isolation``: one operation per workflow step.

Facilities and rooms hold places and counts, no person. Orders name their person (code and
name): every answer that shows one goes through ``presentation``, which logs the read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.errors import NotFound, field_error
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
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.care.api import router as care_router
from fangkong.isolation.checks import require_role
from fangkong.isolation.facilities.access import access_facility
from fangkong.isolation.facilities.selectors import (
    activation_progress,
    facility_list,
    reserve_report,
    room_list,
)
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
    rooms_ready,
)
from fangkong.isolation.intake.api import router as intake_router
from fangkong.isolation.models import Facility, IsolationOrder, Room
from fangkong.isolation.monitoring.api import router as monitoring_router
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.release import order_release, order_test_record
from fangkong.isolation.orders.selectors import order_list, order_tests
from fangkong.isolation.orders.services import order_replan, orders_issue
from fangkong.isolation.presentation import OrderRow, order_card, order_rows
from fangkong.isolation.roles import (
    ALLOCATE_ROLES,
    FACILITY_READ_ROLES,
    FACILITY_STATUS_ROLES,
    FACILITY_WRITE_ROLES,
    ORDER_ISSUE_ROLES,
    ORDER_READ_ROLES,
    RELEASE_ROLES,
)
from fangkong.isolation.transfers.api import router as transfers_router
from fangkong.isolation.treatment.api import router as treatment_router
from fangkong.people.access import parse_code
from fangkong.people.selectors import person_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.access import access_region

router = Router(tags=["isolation"])
router.add_router("", transfers_router)  # issue 20 §4
router.add_router("", monitoring_router)  # issue 20 §5
router.add_router("", intake_router)
router.add_router("/treatment", treatment_router)
router.add_router("/care", care_router)
REGION_CODE = r"^[0-9]{1,15}$"
CODE = r"^[0-9a-fA-F-]{32,36}$"
KindIn = Literal["central_site", "health_station", "designated_hospital", "fangcang"]
StatusIn = Literal["", "reserve", "activating", "active", "standing_down"]
TransitionIn = Literal["reserve", "activating", "active", "standing_down"]
OrderStatusIn = Literal["", "open", "released"]
OrderKindIn = Literal["", "central_quarantine", "home_quarantine", "health_monitoring"]


# ----------------------------------------------------------------------------- facilities


class FacilityFilters(PageParams):
    status: StatusIn = ""
    kind: Literal["", "central_site", "health_station", "designated_hospital", "fangcang"] = ""


class FacilityIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=120)
    kind: KindIn
    address: str = Field(min_length=1, max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class TransitionBody(Schema):
    to: TransitionIn
    reason: str = Field(max_length=255)


class RoomsImportIn(Schema):
    #: CSV with the header ``number,floor,beds,own_bathroom,accessible``.
    content: str = Field(min_length=1, max_length=1_000_000)


class RoomsReadyIn(Schema):
    numbers: list[str] = Field(min_length=1, max_length=10_000)


class StageOut(Schema):
    hours: int
    percent: int
    rooms: int
    due: bool
    met: bool


class ActivationOut(Schema):
    rule_set: str
    ready: int
    total: int
    hours_elapsed: float | None
    behind: bool
    stages: list[StageOut]


class FacilityOut(Schema):
    code: str
    name: str
    kind: str
    region_code: str
    region_name: str
    address: str
    latitude: float | None
    longitude: float | None
    status: str
    activation_started_at: datetime | None
    rooms_total: int
    rooms_ready: int
    rooms_free: int
    rooms_occupied: int


class FacilityDetailOut(FacilityOut):
    activation: ActivationOut


class FacilityPageOut(PageOut):
    items: list[FacilityOut]


class RoomOut(Schema):
    number: str
    floor: int
    beds: int
    own_bathroom: bool
    accessible: bool
    status: str
    ready: bool


class RoomPageOut(PageOut):
    items: list[RoomOut]


class CountOut(Schema):
    count: int


class ReserveOut(Schema):
    region_code: str
    rule_set: str
    residents: int
    rooms: int
    per_10k: float
    target_per_10k: int | None
    target_rooms: int | None
    short_by: int


def _facility_out(facility: Facility) -> FacilityOut:
    return FacilityOut(
        code=str(facility.code),
        name=facility.name,
        kind=facility.kind,
        region_code=facility.region.code,
        region_name=facility.region.name,
        address=facility.address,
        latitude=facility.latitude,
        longitude=facility.longitude,
        status=facility.status,
        activation_started_at=facility.activation_started_at,
        rooms_total=getattr(facility, "rooms_total", 0),
        rooms_ready=getattr(facility, "rooms_ready", 0),
        rooms_free=getattr(facility, "rooms_free", 0),
        rooms_occupied=getattr(facility, "rooms_occupied", 0),
    )


def _facility_detail(request: HttpRequest, code: str) -> FacilityDetailOut:
    actor = actor_of(request)
    facility = access_facility(actor, code)
    counted = facility_list(actor=actor).get(pk=facility.pk)
    rules = rules_for(facility.region, timezone.localdate())
    progress = activation_progress(facility, rules=rules, now=timezone.now())
    return FacilityDetailOut(
        **_facility_out(counted).model_dump(),
        activation=ActivationOut(
            rule_set=rules.label,
            ready=progress.ready,
            total=progress.total,
            hours_elapsed=progress.hours_elapsed,
            behind=progress.behind,
            stages=[StageOut(**stage.__dict__) for stage in progress.stages],
        ),
    )


@router.get("/facilities", response={200: FacilityPageOut, **ERRORS}, summary="Facilities")
def facilities_list(request: HttpRequest, filters: Query[FacilityFilters]) -> FacilityPageOut:
    """Facilities in scope with their room counts, by name."""
    actor = actor_of(request)
    require_role(actor, FACILITY_READ_ROLES)
    page = paginate(
        facility_list(actor=actor, status=filters.status, kind=filters.kind),
        page=filters.page,
        page_size=filters.page_size,
    )
    return FacilityPageOut(items=[_facility_out(f) for f in page.items], **page_fields(page))


@router.post(
    "/facilities",
    response={201: FacilityDetailOut, **WRITE_ERRORS},
    summary="Register a facility (in reserve)",
)
def facilities_create(
    request: HttpRequest, payload: FacilityIn, idempotency_key: IdempotencyKey = None
) -> Status[FacilityDetailOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, FACILITY_WRITE_ROLES)
        data = payload.model_dump()
        region = access_region(actor, data.pop("region_code"))
        facility = facility_create(actor=actor, region=region, data=FacilityInput(**data))
        return 201, {"code": str(facility.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="facility_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _facility_detail(request, body["code"]))


@router.get(
    "/facilities/{code}",
    response={200: FacilityDetailOut, **ERRORS},
    summary="One facility, with its activation against the rule set's targets",
)
def facilities_get(request: HttpRequest, code: str) -> FacilityDetailOut:
    return _facility_detail(request, code)


@router.post(
    "/facilities/{code}/transition",
    response={200: FacilityDetailOut, **WRITE_ERRORS},
    summary="Move a facility to another status",
    description=(
        "reserve → activating → active → standing down (→ reserve or activating); a reason "
        "is required (422 naming `reason`); other moves name `to`."
    ),
)
def facilities_transition(
    request: HttpRequest, code: str, payload: TransitionBody
) -> FacilityDetailOut:
    actor = actor_of(request)
    facility = access_facility(actor, code, roles=FACILITY_STATUS_ROLES)
    facility_transition(actor=actor, facility=facility, to=payload.to, reason=payload.reason)
    return _facility_detail(request, code)


@router.post(
    "/facilities/{code}/rooms/import",
    response={200: CountOut, **WRITE_ERRORS},
    summary="Import rooms from CSV (all or none; every bad row named)",
)
def facilities_rooms_import(request: HttpRequest, code: str, payload: RoomsImportIn) -> CountOut:
    actor = actor_of(request)
    facility = access_facility(actor, code, roles=FACILITY_WRITE_ROLES)
    return CountOut(count=rooms_import(actor=actor, facility=facility, content=payload.content))


@router.post(
    "/facilities/{code}/rooms/ready",
    response={200: CountOut, **WRITE_ERRORS},
    summary="Mark rooms ready (activation counts them)",
)
def facilities_rooms_ready(request: HttpRequest, code: str, payload: RoomsReadyIn) -> CountOut:
    actor = actor_of(request)
    facility = access_facility(actor, code, roles=FACILITY_WRITE_ROLES)
    return CountOut(count=rooms_ready(actor=actor, facility=facility, numbers=payload.numbers))


@router.get(
    "/facilities/{code}/rooms", response={200: RoomPageOut, **ERRORS}, summary="A facility's rooms"
)
def facilities_rooms(request: HttpRequest, code: str, paging: Query[PageParams]) -> RoomPageOut:
    facility = access_facility(actor_of(request), code)
    page = paginate(room_list(facility=facility), page=paging.page, page_size=paging.page_size)
    return RoomPageOut(items=[_room_out(r) for r in page.items], **page_fields(page))


def _room_out(room: Room) -> RoomOut:
    return RoomOut(
        number=room.number,
        floor=room.floor,
        beds=room.beds,
        own_bathroom=room.own_bathroom,
        accessible=room.accessible,
        status=room.status,
        ready=room.ready_at is not None,
    )


@router.get(
    "/reserve/{region_code}",
    response={200: ReserveOut, **ERRORS},
    summary="Isolation rooms per 10,000 residents against the rule set's reserve",
)
def reserve_get(request: HttpRequest, region_code: str) -> ReserveOut:
    actor = actor_of(request)
    require_role(actor, FACILITY_READ_ROLES)
    region = access_region(actor, region_code)
    rules = rules_for(region, timezone.localdate())
    report = reserve_report(actor=actor, region=region, rules=rules)
    return ReserveOut(
        region_code=report.region_code,
        rule_set=rules.label,
        residents=report.residents,
        rooms=report.rooms,
        per_10k=report.per_10k,
        target_per_10k=report.target_per_10k,
        target_rooms=report.target_rooms,
        short_by=report.short_by,
    )


# ----------------------------------------------------------------------------- orders


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
    parsed = [parse_code(code) for code in codes]
    found = {
        order.code: order
        for order in order_list(actor=actor).filter(code__in=[p for p in parsed if p])
    }
    missing = [row for row, code in enumerate(parsed, start=1) if code not in found]
    if missing:
        raise NotFound(
            _("No such order."),
            code="order_not_found",
            detail={
                "errors": [
                    field_error(field, "order_not_found", _("No such order."), row=row)
                    for row in missing
                ]
            },
        )
    return [found[code] for code in parsed if code is not None]


@router.get("/orders", response={200: OrderPageOut, **ERRORS}, summary="Orders")
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
    parsed = [parse_code(code) for code in payload.persons]
    persons = {
        p.code: p
        for p in person_scope(actor)
        .select_related("region")
        .filter(code__in=[code for code in parsed if code])
    }
    missing = [row for row, code in enumerate(parsed, start=1) if code not in persons]
    if missing:
        raise NotFound(
            _("No such person."),
            code="person_not_found",
            detail={
                "errors": [
                    field_error("persons", "person_not_found", _("No such person."), row=row)
                    for row in missing
                ]
            },
        )
    report = orders_issue(
        actor=actor,
        persons=[persons[code] for code in parsed if code is not None],
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


@router.get("/orders/{code}", response={200: OrderDetailOut, **ERRORS}, summary="One order")
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

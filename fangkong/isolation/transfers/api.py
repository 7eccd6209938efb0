"""Transfer endpoints under ``/api/v1/isolation``: vehicles, crews, transfer tasks (one
operation per step of the closed loop) and late alerts. Tasks name their person and
addresses: every answer that shows them goes through ``transfers.presentation``."""

from __future__ import annotations

from datetime import datetime
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
    PlannedAt,
    page_fields,
)
from fangkong.isolation.checks import require_role
from fangkong.isolation.facilities.access import access_facility
from fangkong.isolation.models import TransferAlert, TransferCrew, Vehicle
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.selectors import order_list
from fangkong.isolation.roles import (
    ALLOCATE_ROLES,
    TRANSFER_READ_ROLES,
    TRANSFER_REQUEST_ROLES,
    TRANSFER_WRITE_ROLES,
)
from fangkong.isolation.transfers.access import (
    access_crew,
    access_transfer,
    access_transfer_alert,
    access_vehicle,
)
from fangkong.isolation.transfers.alerts import transfer_alert_handle
from fangkong.isolation.transfers.presentation import TransferRow, transfer_rows
from fangkong.isolation.transfers.requesting import transfer_request, transfers_create_for_orders
from fangkong.isolation.transfers.selectors import (
    crew_list,
    crew_member_candidates,
    transfer_alert_list,
    transfer_list,
    vehicle_list,
)
from fangkong.isolation.transfers.services import (
    crew_create,
    transfer_assign,
    transfer_cancel,
    transfer_deliver,
    transfer_pickup,
    vehicle_create,
    vehicle_state_set,
)
from fangkong.people.access import parse_code
from fangkong.regions.access import access_region

router = Router(tags=["isolation transfers"])
REGION_CODE = r"^[0-9]{1,15}$"
CODE = r"^[0-9a-fA-F-]{32,36}$"
VehicleKindIn = Literal["negative_pressure", "ambulance", "bus", "car"]
TransferStatusIn = Literal["", "requested", "assigned", "picked_up", "delivered", "cancelled"]
TransferKindIn = Literal[
    "", "to_site", "home", "to_hospital", "between_care", "medical_exit", "medical_return"
]


class VehicleIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    plate: str = Field(min_length=1, max_length=16)
    kind: VehicleKindIn
    capacity: int = Field(ge=1, le=60)


class VehicleStateIn(Schema):
    to: Literal["available", "disinfecting", "out_of_service"]
    reason: str = Field(max_length=255)


class VehicleOut(Schema):
    code: str
    plate: str
    kind: str
    capacity: int
    seats_taken: int
    state: str
    region_code: str


class VehiclePageOut(PageOut):
    items: list[VehicleOut]


class TransferCrewIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=80)
    #: Usernames of transfer dispatchers in scope (never a personal identifier).
    members: list[str] = Field(min_length=1, max_length=20)


class TransferCrewOut(Schema):
    code: str
    name: str
    member_count: int


class TransferCrewPageOut(PageOut):
    items: list[TransferCrewOut]


class TransferFilters(PageParams):
    status: TransferStatusIn = ""
    kind: TransferKindIn = ""


class TransferOut(Schema):
    code: str
    #: ``None`` for a medical exit of a closed compound (no isolation order).
    order_code: str | None
    person_code: str
    person_name: str
    kind: str
    status: str
    pickup_address: str
    destination: str
    window_start: datetime
    window_end: datetime
    vehicle_plate: str
    crew_name: str
    reason: str
    rule_set: str
    cancelled_reason: str
    late: bool


class TransferPageOut(PageOut):
    items: list[TransferOut]


class TransferBatchIn(Schema):
    #: Order codes with a room (after allocation); at most 5,000.
    orders: list[str] = Field(min_length=1, max_length=5_000)


class TransferBatchOut(Schema):
    created: list[str]
    existing: list[str]


class TransferRequestIn(Schema):
    kind: Literal["to_site", "home", "to_hospital", "between_care"]
    pickup_address: str = Field(min_length=1, max_length=255)
    destination: str = Field(min_length=1, max_length=255)
    window_start: PlannedAt
    window_end: PlannedAt
    reason: str = Field(max_length=255)


class TransferAssignIn(Schema):
    vehicle: str = Field(pattern=CODE)
    crew: str = Field(pattern=CODE)
    #: The hospital, when the task has no destination facility yet.
    destination_facility: str | None = Field(None, pattern=CODE)


class TransferReasonIn(Schema):
    reason: str = Field(max_length=255)


class TransferAlertHandleIn(Schema):
    to: Literal["acknowledged", "closed"]
    note: str = Field("", max_length=255)


class TransferAlertOut(Schema):
    code: str
    task_code: str
    late_in: str
    owner: str
    owner_role: str
    state: str
    raised_at: datetime
    handled_by: str
    note: str


class TransferAlertPageOut(PageOut):
    items: list[TransferAlertOut]


class TransferAlertFilters(PageParams):
    state: Literal["", "open", "acknowledged", "closed"] = ""


def _vehicle_out(vehicle: Vehicle) -> VehicleOut:
    return VehicleOut(
        code=str(vehicle.code),
        plate=vehicle.plate,
        kind=vehicle.kind,
        capacity=vehicle.capacity,
        seats_taken=getattr(vehicle, "seats_taken", 0),
        state=vehicle.state,
        region_code=vehicle.region.code,
    )


def _crew_out(crew: TransferCrew) -> TransferCrewOut:
    return TransferCrewOut(
        code=str(crew.code), name=crew.name, member_count=getattr(crew, "member_count", 0)
    )


def _transfer_out(row: TransferRow) -> TransferOut:
    data = {name: getattr(row, name) for name in TransferOut.model_fields}
    for name in ("code", "order_code", "person_code"):
        data[name] = str(data[name]) if data[name] is not None else None
    return TransferOut(**data)


def _alert_out(alert: TransferAlert) -> TransferAlertOut:
    return TransferAlertOut(
        code=str(alert.code),
        task_code=str(alert.task.code),
        late_in=alert.late_in,
        owner=alert.owner.username if alert.owner is not None else "",
        owner_role=alert.owner_role,
        state=alert.state,
        raised_at=alert.raised_at,
        handled_by=alert.handled_by,
        note=alert.note,
    )


@router.get("/vehicles", response={200: VehiclePageOut, **ERRORS}, summary="Vehicles")
def vehicles_list(request: HttpRequest, paging: Query[PageParams]) -> VehiclePageOut:
    """The actor's vehicles with the seats taken by tasks assigned or picked up."""
    actor = actor_of(request)
    require_role(actor, TRANSFER_READ_ROLES)
    page = paginate(vehicle_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return VehiclePageOut(items=[_vehicle_out(v) for v in page.items], **page_fields(page))


@router.post("/vehicles", response={201: VehicleOut, **WRITE_ERRORS}, summary="Register a vehicle")
def vehicles_create(
    request: HttpRequest, payload: VehicleIn, idempotency_key: IdempotencyKey = None
) -> Status[VehicleOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, TRANSFER_WRITE_ROLES)
        region = access_region(actor, payload.region_code)
        vehicle = vehicle_create(
            actor=actor,
            region=region,
            plate=payload.plate,
            kind=payload.kind,
            capacity=payload.capacity,
        )
        return 201, {"code": str(vehicle.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="vehicle_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    vehicle = vehicle_list(actor=actor).get(code=body["code"])
    return Status(status, _vehicle_out(vehicle))


@router.post(
    "/vehicles/{code}/state",
    response={200: VehicleOut, **WRITE_ERRORS},
    summary="Set a vehicle available, disinfecting or out of service (with a reason)",
)
def vehicles_state(request: HttpRequest, code: str, payload: VehicleStateIn) -> VehicleOut:
    actor = actor_of(request)
    vehicle = access_vehicle(actor, code, roles=TRANSFER_WRITE_ROLES)
    vehicle_state_set(actor=actor, vehicle=vehicle, to=payload.to, reason=payload.reason)
    return _vehicle_out(vehicle_list(actor=actor).get(pk=vehicle.pk))


@router.get("/crews", response={200: TransferCrewPageOut, **ERRORS}, summary="Transfer crews")
def crews_list(request: HttpRequest, paging: Query[PageParams]) -> TransferCrewPageOut:
    actor = actor_of(request)
    require_role(actor, TRANSFER_READ_ROLES)
    page = paginate(crew_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return TransferCrewPageOut(
        items=[
            TransferCrewOut(
                code=str(c.code), name=c.name, member_count=getattr(c, "member_count", 0)
            )
            for c in page.items
        ],
        **page_fields(page),
    )


@router.post(
    "/crews", response={201: TransferCrewOut, **WRITE_ERRORS}, summary="Form a transfer crew"
)
def crews_create(
    request: HttpRequest, payload: TransferCrewIn, idempotency_key: IdempotencyKey = None
) -> Status[TransferCrewOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, TRANSFER_WRITE_ROLES)
        region = access_region(actor, payload.region_code)
        found = crew_member_candidates(actor=actor, usernames=payload.members)
        missing = [row for row, name in enumerate(payload.members, 1) if name not in found]
        if missing:
            raise NotFound(
                _("No such transfer staff."),
                code="member_not_found",
                detail={
                    "errors": [
                        field_error("members", "member_not_found", _("No such staff."), row=row)
                        for row in missing
                    ]
                },
            )
        crew = crew_create(
            actor=actor,
            region=region,
            name=payload.name,
            members=[found[name] for name in payload.members],
        )
        return 201, {"code": str(crew.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="crew_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    crew = crew_list(actor=actor).get(code=body["code"])
    return Status(
        status,
        TransferCrewOut(
            code=str(crew.code), name=crew.name, member_count=getattr(crew, "member_count", 0)
        ),
    )


@router.get("/transfers", response={200: TransferPageOut, **ERRORS}, summary="Transfer tasks")
def transfers_list(request: HttpRequest, filters: Query[TransferFilters]) -> TransferPageOut:
    """Tasks the actor sees (a crew member: their crews'), by window; persons logged."""
    actor = actor_of(request)
    require_role(actor, TRANSFER_READ_ROLES)
    page = paginate(
        transfer_list(actor=actor, status=filters.status, kind=filters.kind),
        page=filters.page,
        page_size=filters.page_size,
    )
    rows = transfer_rows(actor, list(page.items), now=timezone.now())
    return TransferPageOut(items=[_transfer_out(r) for r in rows], **page_fields(page))


@router.get("/transfers/{code}", response={200: TransferOut, **ERRORS}, summary="One task")
def transfers_get(request: HttpRequest, code: str) -> TransferOut:
    actor = actor_of(request)
    task = access_transfer(actor, code)
    (row,) = transfer_rows(actor, [task], now=timezone.now())
    return _transfer_out(row)


@router.post(
    "/transfer-batches",
    response={200: TransferBatchOut, **WRITE_ERRORS},
    summary="Transfer tasks to the site for allocated orders (idempotent)",
    description="An order with a to-site task under way keeps it (`existing`).",
)
def transfers_for_orders(request: HttpRequest, payload: TransferBatchIn) -> TransferBatchOut:
    actor = actor_of(request)
    require_role(actor, TRANSFER_REQUEST_ROLES | ALLOCATE_ROLES)
    codes = payload.orders
    found = {
        str(o.code): o
        for o in order_list(actor=actor).filter(
            code__in=[parsed for parsed in map(parse_code, codes) if parsed is not None]
        )
    }
    missing = [row for row, code in enumerate(codes, start=1) if code not in found]
    if missing:
        raise NotFound(
            _("No such order."),
            code="order_not_found",
            detail={
                "errors": [
                    field_error("orders", "order_not_found", _("No such order."), row=row)
                    for row in missing
                ]
            },
        )
    report = transfers_create_for_orders(orders=[found[c] for c in codes], actor=actor)
    return TransferBatchOut(
        created=[str(t.code) for t in report.created],
        existing=[str(t.code) for t in report.existing],
    )


@router.post(
    "/orders/{code}/transfers",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="Request one transfer for an order (e.g. between levels of care; idempotent)",
    description="A task of that kind under way for the order is answered instead.",
)
def transfers_request(request: HttpRequest, code: str, payload: TransferRequestIn) -> TransferOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=TRANSFER_REQUEST_ROLES)
    task = transfer_request(actor=actor, order=order, **payload.model_dump())
    return transfers_get(request, str(task.code))


@router.post(
    "/transfers/{code}/assign",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="Assign a task to a vehicle and crew (never over the vehicle's capacity)",
)
def transfers_assign(request: HttpRequest, code: str, payload: TransferAssignIn) -> TransferOut:
    actor = actor_of(request)
    task = access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES)
    vehicle = access_vehicle(actor, payload.vehicle, roles=TRANSFER_WRITE_ROLES)
    crew = access_crew(actor, payload.crew, roles=TRANSFER_WRITE_ROLES)
    hospital = (
        access_facility(actor, payload.destination_facility)
        if payload.destination_facility
        else None
    )
    transfer_assign(
        actor=actor, task=task, vehicle=vehicle, crew=crew, destination_facility=hospital
    )
    return transfers_get(request, code)


@router.post(
    "/transfers/{code}/pickup",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="The crew picked the person up",
)
def transfers_pickup(request: HttpRequest, code: str) -> TransferOut:
    actor = actor_of(request)
    transfer_pickup(actor=actor, task=access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES))
    return transfers_get(request, code)


@router.post(
    "/transfers/{code}/deliver",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="The person arrived (the loop is closed)",
)
def transfers_deliver(request: HttpRequest, code: str) -> TransferOut:
    actor = actor_of(request)
    transfer_deliver(actor=actor, task=access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES))
    return transfers_get(request, code)


@router.post(
    "/transfers/{code}/cancel",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="Cancel a task not picked up yet (with a reason)",
)
def transfers_cancel(request: HttpRequest, code: str, payload: TransferReasonIn) -> TransferOut:
    actor = actor_of(request)
    task = access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES)
    transfer_cancel(actor=actor, task=task, reason=payload.reason)
    return transfers_get(request, code)


@router.get(
    "/transfer-alerts", response={200: TransferAlertPageOut, **ERRORS}, summary="Late transfers"
)
def transfer_alerts_list(
    request: HttpRequest, filters: Query[TransferAlertFilters]
) -> TransferAlertPageOut:
    actor = actor_of(request)
    require_role(actor, TRANSFER_READ_ROLES)
    page = paginate(
        transfer_alert_list(actor=actor, state=filters.state),
        page=filters.page,
        page_size=filters.page_size,
    )
    return TransferAlertPageOut(items=[_alert_out(a) for a in page.items], **page_fields(page))


@router.post(
    "/transfer-alerts/{code}/handle",
    response={200: TransferAlertOut, **WRITE_ERRORS},
    summary="Acknowledge or close a late-transfer alert",
)
def transfer_alerts_handle(
    request: HttpRequest, code: str, payload: TransferAlertHandleIn
) -> TransferAlertOut:
    actor = actor_of(request)
    alert = access_transfer_alert(actor, code, roles=TRANSFER_WRITE_ROLES)
    return _alert_out(
        transfer_alert_handle(actor=actor, alert=alert, to=payload.to, note=payload.note)
    )

"""Facility endpoints under ``/api/v1/isolation``: sites, their rooms, activation against the
rule set's staged targets and the reserve per 10,000 residents. Places and counts, no person.

The operation ids keep the names they had when these lived in ``isolation/api.py``
(``fangkong_isolation_api_<function>``): generated clients depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.actor import AnyActor
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
from fangkong.isolation.models import Facility, Room
from fangkong.isolation.roles import (
    FACILITY_READ_ROLES,
    FACILITY_STATUS_ROLES,
    FACILITY_WRITE_ROLES,
)
from fangkong.policy.selectors import rules_for
from fangkong.regions.access import access_region

router = Router()
REGION_CODE = r"^[0-9]{1,15}$"
KindIn = Literal["central_site", "health_station", "designated_hospital", "fangcang"]
StatusIn = Literal["", "reserve", "activating", "active", "standing_down"]
TransitionIn = Literal["reserve", "activating", "active", "standing_down"]


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


@router.get(
    "/facilities",
    operation_id="fangkong_isolation_api_facilities_list",
    response={200: FacilityPageOut, **ERRORS},
    summary="Facilities",
)
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
    operation_id="fangkong_isolation_api_facilities_create",
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
    operation_id="fangkong_isolation_api_facilities_get",
    response={200: FacilityDetailOut, **ERRORS},
    summary="One facility, with its activation against the rule set's targets",
)
def facilities_get(request: HttpRequest, code: str) -> FacilityDetailOut:
    return _facility_detail(request, code)


@router.post(
    "/facilities/{code}/transition",
    operation_id="fangkong_isolation_api_facilities_transition",
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
    operation_id="fangkong_isolation_api_facilities_rooms_import",
    response={200: CountOut, **WRITE_ERRORS},
    summary="Import rooms from CSV (all or none; every bad row named)",
)
def facilities_rooms_import(request: HttpRequest, code: str, payload: RoomsImportIn) -> CountOut:
    return _rooms_write(
        request,
        code,
        lambda actor, facility: rooms_import(
            actor=actor, facility=facility, content=payload.content
        ),
    )


@router.post(
    "/facilities/{code}/rooms/ready",
    operation_id="fangkong_isolation_api_facilities_rooms_ready",
    response={200: CountOut, **WRITE_ERRORS},
    summary="Mark rooms ready (activation counts them)",
)
def facilities_rooms_ready(request: HttpRequest, code: str, payload: RoomsReadyIn) -> CountOut:
    return _rooms_write(
        request,
        code,
        lambda actor, facility: rooms_ready(
            actor=actor, facility=facility, numbers=payload.numbers
        ),
    )


def _rooms_write(
    request: HttpRequest, code: str, write: Callable[[AnyActor, Facility], int]
) -> CountOut:
    """What the room writes share: the facility in scope for a writing role (the same 404
    for missing and not yours, 403 for a role that may not write), then the count ``write``
    answers."""
    actor = actor_of(request)
    facility = access_facility(actor, code, roles=FACILITY_WRITE_ROLES)
    return CountOut(count=write(actor, facility))


@router.get(
    "/facilities/{code}/rooms",
    operation_id="fangkong_isolation_api_facilities_rooms",
    response={200: RoomPageOut, **ERRORS},
    summary="A facility's rooms",
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
    operation_id="fangkong_isolation_api_reserve_get",
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

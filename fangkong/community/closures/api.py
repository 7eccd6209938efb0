"""Restriction endpoints under ``/api/v1/community``: restrict a risk area's place or a place
by local decision, list and read restrictions with their households, lift, the gate log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.community.access import access_community_household
from fangkong.community.checks import require_role
from fangkong.community.closures.access import access_restriction
from fangkong.community.closures.selectors import restriction_households, restriction_list
from fangkong.community.closures.services import (
    Place,
    gate_record,
    restriction_from_area,
    restriction_impose,
    restriction_lift,
)
from fangkong.community.models import Restriction
from fangkong.community.presentation import household_rows
from fangkong.community.roles import GATE_ROLES, READ_ROLES, RESTRICT_ROLES
from fangkong.community.schemas import (
    CODE,
    REGION_CODE,
    CommunityReasonIn,
    CoveredHouseholdOut,
    CoveredHouseholdPageOut,
    row_dict,
)
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    EpidemicDate,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.regions.access import access_region
from fangkong.risk_areas.access import access_risk_area

router = Router(tags=["community"])


class FromAreaIn(Schema):
    area_code: str = Field(pattern=CODE)
    reason: str = Field(max_length=255)


class ImposeIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    place: Literal["compound", "building", "unit"] = "compound"
    building: str = Field("", max_length=20)
    unit: str = Field("", max_length=20)
    level: str = Field(max_length=40)
    until: EpidemicDate
    reason: str = Field(max_length=255)


class RestrictionOut(Schema):
    code: str
    region_code: str
    region_name: str
    place: str
    building: str
    unit: str
    kind: str
    status: str
    level: str
    stay_home: bool
    gate_log: bool
    reason: str
    rule_set: str
    imposed_at: datetime
    until: date | None
    lifted_at: datetime | None
    risk_area_code: str | None


class RestrictionPageOut(PageOut):
    items: list[RestrictionOut]


class RestrictionFilters(PageParams):
    status: Literal["", "active", "lifted"] = ""


class GateIn(Schema):
    direction: Literal["in", "out"]
    purpose: str = Field(max_length=120)
    household_code: str | None = Field(None, pattern=CODE)


class GateOut(Schema):
    direction: str
    purpose: str
    at: datetime


def restriction_out(restriction: Restriction) -> RestrictionOut:
    """The API's view of a restriction (no person in it)."""
    return RestrictionOut(
        code=str(restriction.code),
        region_code=restriction.region.code,
        region_name=restriction.region.name,
        place=restriction.place,
        building=restriction.building,
        unit=restriction.unit,
        kind=restriction.kind,
        status=restriction.status,
        level=restriction.level,
        stay_home=restriction.stay_home,
        gate_log=restriction.gate_log,
        reason=restriction.reason,
        rule_set=restriction.rule_set,
        imposed_at=restriction.imposed_at,
        until=restriction.until,
        lifted_at=restriction.lifted_at,
        risk_area_code=str(restriction.risk_area.code) if restriction.risk_area else None,
    )


def _created(
    request: HttpRequest, key: str | None, operation: str, payload: Schema, make: Any
) -> Status[RestrictionOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, RESTRICT_ROLES)
        return 201, {"code": str(make(actor).code)}

    status, body = run_idempotent(
        actor=actor,
        key=key,
        operation=operation,
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, restriction_out(access_restriction(actor, body["code"])))


@router.post(
    "/restrictions/from-area",
    response={201: RestrictionOut, **WRITE_ERRORS},
    summary="Restrict a risk area's compound, building or stairwell with its level's measures",
)
def restrictions_from_area(
    request: HttpRequest, payload: FromAreaIn, idempotency_key: IdempotencyKey = None
) -> Status[RestrictionOut]:
    def make(actor: Any) -> Restriction:
        area = access_risk_area(actor, payload.area_code)
        return restriction_from_area(actor=actor, area=area, reason=payload.reason)

    return _created(request, idempotency_key, "restriction_from_area", payload, make)


@router.post(
    "/restrictions",
    response={201: RestrictionOut, **WRITE_ERRORS},
    summary="Restrict a place by local decision (the measures of a level, until a day)",
)
def restrictions_impose(
    request: HttpRequest, payload: ImposeIn, idempotency_key: IdempotencyKey = None
) -> Status[RestrictionOut]:
    def make(actor: Any) -> Restriction:
        region = access_region(actor, payload.region_code)
        return restriction_impose(
            actor=actor,
            where=Place(region, payload.place, payload.building, payload.unit),
            level=payload.level,
            until=payload.until,
            reason=payload.reason,
        )

    return _created(request, idempotency_key, "restriction_impose", payload, make)


@router.get("/restrictions", response={200: RestrictionPageOut, **ERRORS}, summary="Restrictions")
def restrictions_list(
    request: HttpRequest, filters: Query[RestrictionFilters]
) -> RestrictionPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(
        restriction_list(actor=actor, status=filters.status),
        page=filters.page,
        page_size=filters.page_size,
    )
    return RestrictionPageOut(items=[restriction_out(r) for r in page.items], **page_fields(page))


@router.get(
    "/restrictions/{code}", response={200: RestrictionOut, **ERRORS}, summary="One restriction"
)
def restrictions_get(request: HttpRequest, code: str) -> RestrictionOut:
    return restriction_out(access_restriction(actor_of(request), code))


@router.get(
    "/restrictions/{code}/households",
    response={200: CoveredHouseholdPageOut, **ERRORS},
    summary="The households inside a restriction",
)
def restrictions_households(
    request: HttpRequest, code: str, paging: Query[PageParams]
) -> CoveredHouseholdPageOut:
    actor = actor_of(request)
    restriction = access_restriction(actor, code)
    page = paginate(
        restriction_households(actor=actor, restriction=restriction),
        page=paging.page,
        page_size=paging.page_size,
    )
    return CoveredHouseholdPageOut(
        items=[CoveredHouseholdOut(**row_dict(row)) for row in household_rows(actor, page.items)],
        **page_fields(page),
    )


@router.post(
    "/restrictions/{code}/lift",
    response={200: RestrictionOut, **WRITE_ERRORS},
    summary="Lift a restriction (one that follows a risk area lifts with it)",
)
def restrictions_lift(
    request: HttpRequest, code: str, payload: CommunityReasonIn
) -> RestrictionOut:
    actor = actor_of(request)
    restriction = access_restriction(actor, code, roles=RESTRICT_ROLES)
    return restriction_out(
        restriction_lift(actor=actor, restriction=restriction, reason=payload.reason)
    )


@router.post(
    "/restrictions/{code}/gate",
    response={201: GateOut, **WRITE_ERRORS},
    summary="Log a passage through the gate (where the measures ask for it)",
)
def restrictions_gate(request: HttpRequest, code: str, payload: GateIn) -> Status[GateOut]:
    actor = actor_of(request)
    restriction = access_restriction(actor, code, roles=GATE_ROLES)
    household = (
        access_community_household(actor, payload.household_code)
        if payload.household_code
        else None
    )
    entry = gate_record(
        actor=actor,
        restriction=restriction,
        direction=payload.direction,
        purpose=payload.purpose,
        household=household,
    )
    return Status(201, GateOut(direction=entry.direction, purpose=entry.purpose, at=entry.at))

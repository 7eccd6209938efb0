"""Household endpoints (mounted at ``/api/v1/households``): register, list, get with the
members the caller may see (masked by role, the read logged), edit with the version read."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey, PageOut, page_fields
from fangkong.people import services
from fangkong.people.access import (
    access_household,
    purpose_or_default,
    require_person_role,
)
from fangkong.people.api.persons import REGION_CODE, PersonRowOut
from fangkong.people.models import Household
from fangkong.people.presentation import (
    person_row,
)
from fangkong.people.selectors import (
    household_list,
    household_members,
)
from fangkong.regions.access import access_region

households_router = Router(tags=["households"])


class HouseholdIn(Schema):
    region_code: str = Field(min_length=1, max_length=15, pattern=REGION_CODE)
    address: str = Field(min_length=1, max_length=255)


class HouseholdUpdateIn(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    address: str | None = Field(None, max_length=255)
    region_code: str | None = Field(None, max_length=15, pattern=REGION_CODE)


class HouseholdOut(Schema):
    code: uuid.UUID
    address: str
    building: str
    unit: str
    room: str
    address_key: str
    region_code: str
    region_name: str
    version: int
    member_count: int | None = None


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonRowOut]


class HouseholdPageOut(PageOut):
    items: list[HouseholdOut]


class HouseholdQuery(Schema):
    q: str = Field("", max_length=100)
    region: str = Field("", max_length=15, pattern=REGION_CODE)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


def _household_out(household: Household, member_count: int | None = None) -> HouseholdOut:
    return HouseholdOut(
        code=household.code,
        address=household.address,
        building=household.building,
        unit=household.unit,
        room=household.room,
        address_key=household.address_key,
        region_code=household.region.code,
        region_name=household.region.name,
        version=household.version,
        member_count=member_count,
    )


@households_router.post(
    "", response={201: HouseholdOut, **WRITE_ERRORS}, summary="Register a household"
)
def households_create(
    request: HttpRequest, payload: HouseholdIn, idempotency_key: IdempotencyKey = None
) -> Status[HouseholdOut]:
    actor = actor_of(request)
    require_person_role(actor, write=True)

    def write() -> tuple[int, dict[str, Any]]:
        household = services.household_create(
            actor=actor,
            region=access_region(actor, payload.region_code),
            address=payload.address,
        )
        return 201, {"code": str(household.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="household_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _household_out(access_household(actor, body["code"])))


@households_router.get("", response={200: HouseholdPageOut, **ERRORS}, summary="List households")
def households_list(request: HttpRequest, filters: Query[HouseholdQuery]) -> HouseholdPageOut:
    actor = actor_of(request)
    require_person_role(actor)
    page = household_list(
        actor=actor,
        q=filters.q,
        region=filters.region,
        page=filters.page,
        page_size=filters.page_size,
        purpose=purpose_or_default(actor, None),
    )
    return HouseholdPageOut(
        items=[_household_out(h, getattr(h, "member_count", None)) for h in page.items],
        **page_fields(page),
    )


@households_router.get(
    "/{code}", response={200: HouseholdDetailOut, **ERRORS}, summary="Get a household"
)
def households_get(request: HttpRequest, code: str) -> HouseholdDetailOut:
    actor = actor_of(request)
    household = access_household(actor, code)
    members = household_members(
        actor=actor, household=household, purpose=purpose_or_default(actor, None)
    )
    base = _household_out(household, len(members))
    return HouseholdDetailOut(
        **base.model_dump(),
        members=[
            PersonRowOut.model_validate(person_row(actor, m), from_attributes=True) for m in members
        ],
    )


@households_router.post(
    "/{code}/update", response={200: HouseholdOut, **WRITE_ERRORS}, summary="Edit a household"
)
def households_update(request: HttpRequest, code: str, payload: HouseholdUpdateIn) -> HouseholdOut:
    actor = actor_of(request)
    household = access_household(actor, code, write=True)
    region = access_region(actor, payload.region_code) if payload.region_code else None
    services.household_update(
        actor=actor,
        household=household,
        version=payload.version,
        address=payload.address,
        region=region,
    )
    return _household_out(access_household(actor, household.code))

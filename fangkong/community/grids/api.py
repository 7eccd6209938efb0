"""Grid endpoints under ``/api/v1/community``: responsible persons, assignment, going off
duty, who covers which household, special-needs residents and their care plans."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.community.checks import require_role
from fangkong.community.grids.access import access_responsible
from fangkong.community.grids.selectors import (
    care_plans_of,
    coverage_list,
    special_needs_list,
    workload_list,
)
from fangkong.community.grids.services import (
    care_plan_set,
    households_assign,
    responsible_add,
    responsible_off_duty,
    responsible_on_duty,
)
from fangkong.community.presentation import coverage_rows, need_rows
from fangkong.community.roles import CARE_PLAN_ROLES, GRID_MANAGE_ROLES, READ_ROLES
from fangkong.community.schemas import (
    CODE,
    REGION_CODE,
    CommunityCountOut,
    CommunityReasonIn,
    CoveredHouseholdOut,
    CoveredHouseholdPageOut,
    row_dict,
)
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate, paginate_list
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.people.access import access_household, access_person
from fangkong.regions.access import access_region

router = Router(tags=["community"])


class ResponsibleIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    kind: Literal["grid_worker", "building_head", "volunteer"]
    name: str = Field("", max_length=100)
    username: str = Field("", max_length=150)


class ResponsibleOut(Schema):
    code: str
    region_code: str
    kind: str
    name: str
    on_duty: bool
    households: int
    minimum: int
    maximum: int


class CoverageAssignIn(Schema):
    households: list[str] = Field(min_length=1, max_length=1000)
    reason: str = Field(max_length=255)


class OffDutyIn(Schema):
    to: str = Field(pattern=CODE)
    reason: str = Field(max_length=255)


class SpecialNeedOut(Schema):
    person_code: str
    name: str
    address: str
    needs: list[str]
    care_plan: str


class CarePlanIn(Schema):
    person_code: str = Field(pattern=CODE)
    plan: str = Field(max_length=2000)


def _responsible_out(request: HttpRequest, code: str) -> ResponsibleOut:
    actor = actor_of(request)
    responsible = access_responsible(actor, code)
    [load] = [
        w
        for w in workload_list(actor=actor, region=responsible.region)
        if w.responsible.pk == responsible.pk
    ]
    return ResponsibleOut(
        code=str(responsible.code),
        region_code=responsible.region.code,
        kind=responsible.kind,
        name=responsible.name,
        on_duty=responsible.on_duty,
        households=load.households,
        minimum=load.minimum,
        maximum=load.maximum,
    )


@router.post(
    "/responsibles",
    response={201: ResponsibleOut, **WRITE_ERRORS},
    summary="Add a grid worker, building head or volunteer at a grid",
)
def responsibles_add(
    request: HttpRequest, payload: ResponsibleIn, idempotency_key: IdempotencyKey = None
) -> Status[ResponsibleOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, GRID_MANAGE_ROLES)
        region = access_region(actor, payload.region_code)
        added = responsible_add(
            actor=actor,
            region=region,
            kind=payload.kind,
            name=payload.name,
            username=payload.username,
        )
        return 201, {"code": str(added.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="responsible_add",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _responsible_out(request, body["code"]))


class ResponsiblePageOut(PageOut):
    items: list[ResponsibleOut]


class SpecialNeedPageOut(PageOut):
    items: list[SpecialNeedOut]


@router.get(
    "/responsibles/{region_code}",
    response={200: ResponsiblePageOut, **ERRORS},
    summary="Responsible persons under a node with their workload against the rule set",
)
def responsibles_list(
    request: HttpRequest, region_code: str, paging: Query[PageParams]
) -> ResponsiblePageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    region = access_region(actor, region_code)
    page = paginate_list(
        workload_list(actor=actor, region=region), page=paging.page, page_size=paging.page_size
    )
    return ResponsiblePageOut(
        items=[
            ResponsibleOut(
                code=str(w.responsible.code),
                region_code=w.responsible.region.code,
                kind=w.responsible.kind,
                name=w.responsible.name,
                on_duty=w.responsible.on_duty,
                households=w.households,
                minimum=w.minimum,
                maximum=w.maximum,
            )
            for w in page.items
        ],
        **page_fields(page),
    )


@router.post(
    "/responsibles/{code}/assign",
    response={200: CommunityCountOut, **WRITE_ERRORS},
    summary="Make this person answer for households (moved from whoever had them)",
)
def responsibles_assign(
    request: HttpRequest, code: str, payload: CoverageAssignIn
) -> CommunityCountOut:
    actor = actor_of(request)
    responsible = access_responsible(actor, code, roles=GRID_MANAGE_ROLES)
    households = [
        access_household(actor, household, purpose="care") for household in payload.households
    ]
    moved = households_assign(
        actor=actor, responsible=responsible, households=households, reason=payload.reason
    )
    return CommunityCountOut(count=moved)


@router.post(
    "/responsibles/{code}/off-duty",
    response={200: CommunityCountOut, **WRITE_ERRORS},
    summary="Off duty: every household and open request passes to another person at once",
)
def responsibles_off_duty(request: HttpRequest, code: str, payload: OffDutyIn) -> CommunityCountOut:
    actor = actor_of(request)
    leaving = access_responsible(actor, code, roles=GRID_MANAGE_ROLES)
    taking = access_responsible(actor, payload.to, roles=GRID_MANAGE_ROLES)
    handed = responsible_off_duty(
        actor=actor, responsible=leaving, to=taking, reason=payload.reason
    )
    return CommunityCountOut(count=handed)


@router.post(
    "/responsibles/{code}/on-duty",
    response={200: ResponsibleOut, **WRITE_ERRORS},
    summary="Back on duty",
)
def responsibles_on_duty(
    request: HttpRequest, code: str, payload: CommunityReasonIn
) -> ResponsibleOut:
    actor = actor_of(request)
    responsible = access_responsible(actor, code, roles=GRID_MANAGE_ROLES)
    responsible_on_duty(actor=actor, responsible=responsible, reason=payload.reason)
    return _responsible_out(request, code)


@router.get(
    "/coverage",
    response={200: CoveredHouseholdPageOut, **ERRORS},
    summary="Households with the person answering for each (a grid worker: their own)",
)
def coverage(request: HttpRequest, paging: Query[PageParams]) -> CoveredHouseholdPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(coverage_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return CoveredHouseholdPageOut(
        items=[CoveredHouseholdOut(**row_dict(row)) for row in coverage_rows(actor, page.items)],
        **page_fields(page),
    )


@router.get(
    "/special-needs/{region_code}",
    response={200: SpecialNeedPageOut, **ERRORS},
    summary="Special-needs residents under a node with their care plans",
)
def special_needs(
    request: HttpRequest, region_code: str, paging: Query[PageParams]
) -> SpecialNeedPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    region = access_region(actor, region_code)
    page = paginate(
        special_needs_list(actor=actor, region=region),
        page=paging.page,
        page_size=paging.page_size,
    )
    persons = list(page.items)
    rows = need_rows(actor, persons, care_plans_of(persons))
    return SpecialNeedPageOut(
        items=[SpecialNeedOut(**row_dict(row)) for row in rows], **page_fields(page)
    )


@router.post(
    "/care-plans",
    response={200: SpecialNeedOut, **WRITE_ERRORS},
    summary="Write the care plan of a special-needs resident",
)
def care_plans_set(request: HttpRequest, payload: CarePlanIn) -> SpecialNeedOut:
    actor = actor_of(request)
    require_role(actor, CARE_PLAN_ROLES)
    person = access_person(actor, payload.person_code, purpose="care")
    care_plan_set(actor=actor, person=person, plan=payload.plan)
    persons = list(special_needs_list(actor=actor, region=person.region).filter(pk=person.pk))
    [row] = need_rows(actor, persons, care_plans_of(persons))
    return SpecialNeedOut(**row_dict(row))

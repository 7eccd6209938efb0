"""Essential services: priority users, shortage plans (who keeps power) and incidents at
priority sites (alerts with an owner and a deadline)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields
from fangkong.regions.access import access_region
from fangkong.supplies.checks import require_role
from fangkong.supplies.models import PriorityUser, ServiceIncident, ShortagePlan
from fangkong.supplies.power.access import access_incident, access_plan, access_priority_user
from fangkong.supplies.power.selectors import incident_list, plan_lines, priority_user_list
from fangkong.supplies.power.services import (
    incident_report,
    incident_resolve,
    priority_user_register,
    shortage_plan_make,
)
from fangkong.supplies.roles import INCIDENT_ROLES, SERVICES_READ_ROLES, SERVICES_WRITE_ROLES

router = Router()
REGION_CODE = r"^[0-9]{1,15}$"
TierIn = Literal[
    "hospital", "isolation_site", "lab", "utility", "closed_compound", "agriculture", "industry"
]


class PriorityUserIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=120)
    tier: TierIn
    demand_kw: int = Field(ge=1, le=100_000_000)
    address: str = Field(min_length=1, max_length=255)


class PriorityUserOut(Schema):
    code: str
    name: str
    region_code: str
    region_name: str
    tier: str
    demand_kw: int
    address: str
    open_incidents: int


class PriorityUserPageOut(PageOut):
    items: list[PriorityUserOut]


class PriorityUserFilters(PageParams):
    tier: Literal[
        "",
        "hospital",
        "isolation_site",
        "lab",
        "utility",
        "closed_compound",
        "agriculture",
        "industry",
    ] = ""


class PlanIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    deficit_kw: int = Field(ge=1, le=100_000_000)
    reason: str = Field(min_length=1, max_length=255)


class PlanLineOut(Schema):
    user_code: str
    name: str
    tier: str
    demand_kw: int
    cut_kw: int
    keeps: Literal["whole", "partly", "off"]


class PlanOut(Schema):
    code: str
    region_code: str
    deficit_kw: int
    uncovered_kw: int
    rule_set: str
    made_at: datetime
    lines: list[PlanLineOut]


class SupplyIncidentIn(Schema):
    user: str = Field(max_length=36)
    kind: Literal["power", "water", "heat", "gas"]
    note: str = Field(min_length=1, max_length=255)
    owner: str = Field("", max_length=150)


class SupplyIncidentOut(Schema):
    code: str
    user_code: str
    user_name: str
    tier: str
    kind: str
    status: str
    critical: bool
    owner: str
    reported_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    rule_set: str


class SupplyIncidentPageOut(PageOut):
    items: list[SupplyIncidentOut]


class IncidentFilters(PageParams):
    status: Literal["", "open", "resolved"] = "open"


class IncidentReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


def _user_out(user: PriorityUser) -> PriorityUserOut:
    return PriorityUserOut(
        code=str(user.code),
        name=user.name,
        region_code=user.region.code,
        region_name=user.region.name,
        tier=user.tier,
        demand_kw=user.demand_kw,
        address=user.address,
        open_incidents=getattr(user, "open_incidents", 0),
    )


def _keeps(cut: int, demand: int) -> Literal["whole", "partly", "off"]:
    return "whole" if cut == 0 else "off" if cut >= demand else "partly"


def _plan_out(plan: ShortagePlan) -> PlanOut:
    return PlanOut(
        code=str(plan.code),
        region_code=plan.region.code,
        deficit_kw=plan.deficit_kw,
        uncovered_kw=plan.uncovered_kw,
        rule_set=plan.rule_set,
        made_at=plan.made_at,
        lines=[
            PlanLineOut(
                user_code=str(line.user.code),
                name=line.user.name,
                tier=line.tier,
                demand_kw=line.demand_kw,
                cut_kw=line.cut_kw,
                keeps=_keeps(line.cut_kw, line.demand_kw),
            )
            for line in plan_lines(plan=plan)
        ],
    )


def _incident_out(incident: ServiceIncident) -> SupplyIncidentOut:
    return SupplyIncidentOut(
        code=str(incident.code),
        user_code=str(incident.user.code),
        user_name=incident.user.name,
        tier=incident.user.tier,
        kind=incident.kind,
        status=incident.status,
        critical=incident.critical,
        owner=incident.owner,
        reported_at=incident.reported_at,
        due_at=incident.due_at,
        resolved_at=incident.resolved_at,
        rule_set=incident.rule_set,
    )


@router.get(
    "/priority-users", response={200: PriorityUserPageOut, **ERRORS}, summary="Priority users"
)
def users_list(request: HttpRequest, filters: Query[PriorityUserFilters]) -> PriorityUserPageOut:
    actor = actor_of(request)
    require_role(actor, SERVICES_READ_ROLES)
    page = paginate(
        priority_user_list(actor=actor, tier=filters.tier),
        page=filters.page,
        page_size=filters.page_size,
    )
    return PriorityUserPageOut(items=[_user_out(u) for u in page.items], **page_fields(page))


@router.post(
    "/priority-users",
    response={201: PriorityUserOut, **WRITE_ERRORS},
    summary="Register a priority user",
)
def users_register(request: HttpRequest, payload: PriorityUserIn) -> Status[PriorityUserOut]:
    actor = actor_of(request)
    require_role(actor, SERVICES_WRITE_ROLES)
    region = access_region(actor, payload.region_code)
    user = priority_user_register(
        actor=actor,
        region=region,
        name=payload.name,
        tier=payload.tier,
        demand_kw=payload.demand_kw,
        address=payload.address,
    )
    return Status(201, _user_out(access_priority_user(actor, user.code)))


@router.post(
    "/shortage-plans",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="A curtailment plan for a district's power deficit (lowest tier first)",
)
def plans_make(request: HttpRequest, payload: PlanIn) -> Status[PlanOut]:
    actor = actor_of(request)
    require_role(actor, SERVICES_WRITE_ROLES)
    district = access_region(actor, payload.region_code)
    plan = shortage_plan_make(
        actor=actor, district=district, deficit_kw=payload.deficit_kw, reason=payload.reason
    )
    return Status(201, _plan_out(access_plan(actor, plan.code)))


@router.get(
    "/shortage-plans/{code}", response={200: PlanOut, **ERRORS}, summary="One shortage plan"
)
def plans_get(request: HttpRequest, code: str) -> PlanOut:
    return _plan_out(access_plan(actor_of(request), code))


@router.get(
    "/incidents",
    response={200: SupplyIncidentPageOut, **ERRORS},
    summary="Incidents at priority sites, most urgent first",
)
def incidents_list(request: HttpRequest, filters: Query[IncidentFilters]) -> SupplyIncidentPageOut:
    actor = actor_of(request)
    require_role(actor, SERVICES_READ_ROLES)
    page = paginate(
        incident_list(actor=actor, status=filters.status),
        page=filters.page,
        page_size=filters.page_size,
    )
    return SupplyIncidentPageOut(items=[_incident_out(i) for i in page.items], **page_fields(page))


@router.post(
    "/incidents",
    response={201: SupplyIncidentOut, **WRITE_ERRORS},
    summary="Report an outage or supply incident at a priority site",
)
def incidents_report(request: HttpRequest, payload: SupplyIncidentIn) -> Status[SupplyIncidentOut]:
    actor = actor_of(request)
    user = access_priority_user(actor, payload.user, roles=INCIDENT_ROLES)
    incident = incident_report(
        actor=actor, user=user, kind=payload.kind, note=payload.note, owner=payload.owner
    )
    return Status(201, _incident_out(incident))


@router.post(
    "/incidents/{code}/resolve",
    response={200: SupplyIncidentOut, **WRITE_ERRORS},
    summary="Close an incident with what was done",
)
def incidents_resolve(
    request: HttpRequest, code: str, payload: IncidentReasonIn
) -> SupplyIncidentOut:
    actor = actor_of(request)
    incident = access_incident(actor, code, roles=INCIDENT_ROLES)
    return _incident_out(incident_resolve(actor=actor, incident=incident, reason=payload.reason))

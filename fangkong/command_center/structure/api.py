"""Command bodies, working groups and incidents under ``/api/v1/command``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.models import CommandBody, Incident
from fangkong.command_center.structure.access import access_body, access_group, access_incident
from fangkong.command_center.structure.selectors import (
    body_list,
    group_list,
    incident_history,
    incident_list,
)
from fangkong.command_center.structure.services import (
    command_body_create,
    group_member_add,
    incident_escalate,
    incident_open,
    working_group_create,
)
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
from fangkong.regions.access import access_region

router = Router(tags=["command centre: structure"])
REGION_CODE = r"^[0-9]{1,15}$"
GroupKind = Literal[
    "testing",
    "tracing",
    "isolation_transfer",
    "community",
    "supplies",
    "medical",
    "publicity",
    "traffic",
]


class BodyIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(max_length=200)


class WorkingGroupIn(Schema):
    kind: GroupKind
    name: str = Field("", max_length=200)


class GroupMemberIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    leader: bool = False
    duty: str = Field("", max_length=200)


class GroupMemberOut(Schema):
    username: str
    leader: bool
    duty: str


class WorkingGroupOut(Schema):
    kind: str
    name: str
    members: list[GroupMemberOut]


class BodyOut(Schema):
    code: str
    region_code: str
    region_name: str
    name: str
    groups: list[WorkingGroupOut]


class IncidentIn(Schema):
    name: str = Field(max_length=200)
    region_code: str = Field(pattern=REGION_CODE)


class EscalationReasonIn(Schema):
    reason: str = Field(max_length=255)


class StepOut(Schema):
    from_body: str
    to_body: str
    at: datetime
    actor: str
    reason: str


class IncidentOut(Schema):
    code: str
    name: str
    region_code: str
    body: str
    body_region_code: str
    opened_at: datetime
    history: list[StepOut]


def _body_out(body: CommandBody) -> BodyOut:
    return BodyOut(
        code=str(body.code),
        region_code=body.region.code,
        region_name=body.region.name,
        name=body.name,
        groups=[
            WorkingGroupOut(
                kind=g.kind,
                name=g.name,
                members=[
                    GroupMemberOut(username=m.user.username, leader=m.leader, duty=m.duty)
                    for m in g.members.all()
                ],
            )
            for g in group_list(body=body)
        ],
    )


def _incident_out(incident: Incident) -> IncidentOut:
    return IncidentOut(
        code=str(incident.code),
        name=incident.name,
        region_code=incident.region.code,
        body=incident.body.name,
        body_region_code=incident.body.region.code,
        opened_at=incident.opened_at,
        history=[
            StepOut(
                from_body=step.from_body.name if step.from_body else "",
                to_body=step.to_body.name,
                at=step.at,
                actor=step.actor,
                reason=step.reason,
            )
            for step in incident_history(incident=incident)
        ],
    )


class BodyPageOut(PageOut):
    items: list[BodyOut]


class IncidentPageOut(PageOut):
    items: list[IncidentOut]


@router.get("/bodies", response={200: BodyPageOut, **ERRORS}, summary="Command bodies")
def bodies_list(request: HttpRequest, paging: Query[PageParams]) -> BodyPageOut:
    """Command bodies of the caller's subtree with their working groups and members."""
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(body_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return BodyPageOut(items=[_body_out(b) for b in page.items], **page_fields(page))


@router.post(
    "/bodies",
    response={201: BodyOut, **WRITE_ERRORS},
    summary="Set up the command body of a node (idempotent with a key)",
)
def bodies_create(
    request: HttpRequest, payload: BodyIn, idempotency_key: IdempotencyKey = None
) -> Status[BodyOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, COMMAND_ROLES)
        region = access_region(actor, payload.region_code)
        body = command_body_create(actor=actor, region=region, name=payload.name)
        return 201, {"code": str(body.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="command_body_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _body_out(access_body(actor, body["code"])))


@router.post(
    "/bodies/{code}/groups",
    response={200: BodyOut, **WRITE_ERRORS},
    summary="Add a working group (专班)",
)
def bodies_group(request: HttpRequest, code: str, payload: WorkingGroupIn) -> BodyOut:
    actor = actor_of(request)
    body = access_body(actor, code, roles=COMMAND_ROLES)
    working_group_create(actor=actor, body=body, kind=payload.kind, name=payload.name)
    return _body_out(body)


@router.post(
    "/bodies/{code}/groups/{kind}/members",
    response={200: BodyOut, **WRITE_ERRORS},
    summary="Add a member (or leader) to a working group",
)
def bodies_member(request: HttpRequest, code: str, kind: str, payload: GroupMemberIn) -> BodyOut:
    actor = actor_of(request)
    body = access_body(actor, code, roles=COMMAND_ROLES)
    group_member_add(actor=actor, group=access_group(body, kind), **payload.model_dump())
    return _body_out(body)


@router.get("/incidents", response={200: IncidentPageOut, **ERRORS}, summary="Incidents")
def incidents_list(request: HttpRequest, paging: Query[PageParams]) -> IncidentPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(incident_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return IncidentPageOut(items=[_incident_out(i) for i in page.items], **page_fields(page))


@router.post("/incidents", response={201: IncidentOut, **WRITE_ERRORS}, summary="Open an incident")
def incidents_open(request: HttpRequest, payload: IncidentIn) -> Status[IncidentOut]:
    actor = actor_of(request)
    require_role(actor, COMMAND_ROLES)
    region = access_region(actor, payload.region_code)
    incident = incident_open(actor=actor, name=payload.name, region=region)
    return Status(201, _incident_out(access_incident(actor, incident.code)))


@router.get("/incidents/{code}", response={200: IncidentOut, **ERRORS}, summary="One incident")
def incidents_get(request: HttpRequest, code: str) -> IncidentOut:
    return _incident_out(access_incident(actor_of(request), code))


@router.post(
    "/incidents/{code}/escalate",
    response={200: IncidentOut, **WRITE_ERRORS},
    summary="Take the command of an incident up to the caller's level (提级指挥)",
)
def incidents_escalate(request: HttpRequest, code: str, payload: EscalationReasonIn) -> IncidentOut:
    actor = actor_of(request)
    incident = access_incident(actor, code, roles=COMMAND_ROLES)
    incident_escalate(actor=actor, incident=incident, reason=payload.reason)
    return _incident_out(access_incident(actor, code))

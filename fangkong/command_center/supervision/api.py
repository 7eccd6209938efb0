"""Inspections and findings under ``/api/v1/command/inspections``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import INSPECT_ROLES, READ_ROLES
from fangkong.command_center.models import Finding, Inspection
from fangkong.command_center.supervision.access import access_finding, access_inspection
from fangkong.command_center.supervision.selectors import finding_list, inspection_list
from fangkong.command_center.supervision.services import (
    InspectionInput,
    finding_record,
    finding_transition,
    inspection_record,
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

router = Router(tags=["command centre: supervision"])


class ChecklistItem(Schema):
    item: str = Field(min_length=1, max_length=200)
    passed: bool
    note: str = Field("", max_length=500)


class InspectionIn(Schema):
    team: str = Field(max_length=200)
    theme: str = Field(max_length=200)
    place: str = Field(max_length=200)
    method: Literal["announced", "unannounced"]
    on: EpidemicDate
    checklist: list[ChecklistItem] = Field(default_factory=list, max_length=200)


class FindingIn(Schema):
    unit: str = Field(pattern=r"^[0-9]{1,15}$")
    severity: Literal["general", "serious", "major"]
    description: str = Field(max_length=2000)
    deadline: datetime


class StepIn(Schema):
    to: Literal["rectifying", "submitted", "verified", "closed"]
    note: str = Field("", max_length=2000)


class FindingOut(Schema):
    code: str
    region_code: str
    region_name: str
    severity: str
    description: str
    deadline: datetime
    status: str
    rectification: str
    closed_at: datetime | None
    escalated_at: datetime | None
    escalated_to: str


class InspectionOut(Schema):
    code: str
    region_code: str
    team: str
    theme: str
    place: str
    method: str
    on: date
    checklist: list[dict[str, Any]]
    findings_total: int
    findings_closed: int


class InspectionDetailOut(InspectionOut):
    findings: list[FindingOut]


class InspectionPageOut(PageOut):
    items: list[InspectionOut]


def _out(inspection: Inspection) -> InspectionOut:
    return InspectionOut(
        code=str(inspection.code),
        region_code=inspection.region.code,
        team=inspection.team,
        theme=inspection.theme,
        place=inspection.place,
        method=inspection.method,
        on=inspection.on,
        checklist=list(inspection.checklist),
        findings_total=getattr(inspection, "findings_total", 0),
        findings_closed=getattr(inspection, "findings_closed", 0),
    )


def _finding_out(f: Finding) -> FindingOut:
    return FindingOut(
        code=str(f.code),
        region_code=f.region.code,
        region_name=f.region.name,
        severity=f.severity,
        description=f.description,
        deadline=f.deadline,
        status=f.status,
        rectification=f.rectification,
        closed_at=f.closed_at,
        escalated_at=f.escalated_at,
        escalated_to=f.escalated_to.code if f.escalated_to else "",
    )


def _detail(request: HttpRequest, code: str) -> InspectionDetailOut:
    actor = actor_of(request)
    inspection = access_inspection(actor, code)
    counted = inspection_list(actor=actor).get(pk=inspection.pk)
    findings = finding_list(actor=actor, inspection=inspection)
    return InspectionDetailOut(
        **_out(counted).model_dump(), findings=[_finding_out(f) for f in findings]
    )


@router.get("/inspections", response={200: InspectionPageOut, **ERRORS}, summary="Inspections")
def inspections_list(request: HttpRequest, paging: Query[PageParams]) -> InspectionPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(inspection_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return InspectionPageOut(items=[_out(i) for i in page.items], **page_fields(page))


@router.post(
    "/inspections",
    response={201: InspectionDetailOut, **WRITE_ERRORS},
    summary="Record an inspection with its checklist (idempotent with a key)",
)
def inspections_record(
    request: HttpRequest, payload: InspectionIn, idempotency_key: IdempotencyKey = None
) -> Status[InspectionDetailOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        data = payload.model_dump()
        inspection = inspection_record(actor=actor, data=InspectionInput(**data))
        return 201, {"code": str(inspection.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="inspection_record",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _detail(request, body["code"]))


@router.get(
    "/inspections/{code}", response={200: InspectionDetailOut, **ERRORS}, summary="One inspection"
)
def inspections_get(request: HttpRequest, code: str) -> InspectionDetailOut:
    return _detail(request, code)


@router.post(
    "/inspections/{code}/findings",
    response={200: InspectionDetailOut, **WRITE_ERRORS},
    summary="Record a finding with its responsible unit and deadline",
)
def inspections_finding(request: HttpRequest, code: str, payload: FindingIn) -> InspectionDetailOut:
    actor = actor_of(request)
    inspection = access_inspection(actor, code, roles=INSPECT_ROLES)
    finding_record(
        actor=actor,
        inspection=inspection,
        unit=access_region(actor, payload.unit),
        severity=payload.severity,
        description=payload.description,
        deadline=payload.deadline,
    )
    return _detail(request, code)


@router.post(
    "/inspections/{code}/findings/{finding}/transition",
    response={200: InspectionDetailOut, **WRITE_ERRORS},
    summary="Move a finding on: rectifying, submitted, verified, closed (销号)",
)
def inspections_finding_transition(
    request: HttpRequest, code: str, finding: str, payload: StepIn
) -> InspectionDetailOut:
    actor = actor_of(request)
    inspection = access_inspection(actor, code)
    row = access_finding(actor, inspection, finding)
    finding_transition(actor=actor, finding=row, to=payload.to, note=payload.note)
    return _detail(request, code)

"""Directives under ``/api/v1/command/directives``: one operation per workflow step."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.command_center.directives.access import access_assignment, access_directive
from fangkong.command_center.directives.selectors import assignment_list, directive_list
from fangkong.command_center.directives.services import (
    DirectiveInput,
    directive_acknowledge,
    directive_complete,
    directive_issue,
    directive_progress,
)
from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.models import Directive, DirectiveAssignment
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

router = Router(tags=["command centre: directives"])
REGION_CODE = r"^[0-9]{1,15}$"


class DirectiveFilters(PageParams):
    status: Literal["", "sent", "acknowledged", "in_progress", "completed"] = ""


class DirectiveIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=5000)
    deadline: datetime
    #: Codes of the receiving nodes, each below the caller's node.
    units: list[str] = Field(min_length=1, max_length=500)


class DirectiveNoteIn(Schema):
    note: str = Field(max_length=2000)


class EvidenceIn(Schema):
    evidence: str = Field(max_length=5000)


class UnitOut(Schema):
    region_code: str
    region_name: str
    status: str
    acknowledged_at: datetime | None
    completed_at: datetime | None
    progress_note: str
    evidence: str
    has_evidence_file: bool
    overdue: bool
    escalated_at: datetime | None
    escalated_to: str


class DirectiveOut(Schema):
    code: str
    title: str
    body: str
    region_code: str
    region_name: str
    deadline: datetime
    created_at: datetime
    units: int
    units_done: int
    units_escalated: int


class DirectiveDetailOut(DirectiveOut):
    unit_rows: list[UnitOut]


class DirectivePageOut(PageOut):
    items: list[DirectiveOut]


def _out(directive: Directive) -> DirectiveOut:
    return DirectiveOut(
        code=str(directive.code),
        title=directive.title,
        body=directive.body,
        region_code=directive.region.code,
        region_name=directive.region.name,
        deadline=directive.deadline,
        created_at=directive.created_at,
        units=getattr(directive, "units", 0),
        units_done=getattr(directive, "units_done", 0),
        units_escalated=getattr(directive, "units_escalated", 0),
    )


def _unit_out(row: DirectiveAssignment, now: datetime) -> UnitOut:
    return UnitOut(
        region_code=row.region.code,
        region_name=row.region.name,
        status=row.status,
        acknowledged_at=row.acknowledged_at,
        completed_at=row.completed_at,
        progress_note=row.progress_note,
        evidence=row.evidence_text,
        has_evidence_file=bool(row.evidence_file),
        overdue=row.completed_at is None and row.directive.deadline < now,
        escalated_at=row.escalated_at,
        escalated_to=row.escalated_to.code if row.escalated_to else "",
    )


def _detail(request: HttpRequest, code: str) -> DirectiveDetailOut:
    actor = actor_of(request)
    directive = access_directive(actor, code)
    counted = directive_list(actor=actor).get(pk=directive.pk)
    now = timezone.now()
    rows = assignment_list(actor=actor, directive=directive).select_related("directive")
    return DirectiveDetailOut(
        **_out(counted).model_dump(), unit_rows=[_unit_out(r, now) for r in rows]
    )


@router.get("/directives", response={200: DirectivePageOut, **ERRORS}, summary="Directives")
def directives_list(request: HttpRequest, filters: Query[DirectiveFilters]) -> DirectivePageOut:
    """Directives issued in the caller's subtree or sent to a unit in it, newest first."""
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(
        directive_list(actor=actor, status=filters.status),
        page=filters.page,
        page_size=filters.page_size,
    )
    return DirectivePageOut(items=[_out(d) for d in page.items], **page_fields(page))


@router.post(
    "/directives",
    response={201: DirectiveDetailOut, **WRITE_ERRORS},
    summary="Send a directive to units below (idempotent with a key)",
)
def directives_issue(
    request: HttpRequest, payload: DirectiveIn, idempotency_key: IdempotencyKey = None
) -> Status[DirectiveDetailOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, COMMAND_ROLES)
        units = [access_region(actor, code) for code in payload.units]
        directive = directive_issue(
            actor=actor,
            data=DirectiveInput(title=payload.title, body=payload.body, deadline=payload.deadline),
            units=units,
        )
        return 201, {"code": str(directive.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="directive_issue",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _detail(request, body["code"]))


@router.get(
    "/directives/{code}", response={200: DirectiveDetailOut, **ERRORS}, summary="One directive"
)
def directives_get(request: HttpRequest, code: str) -> DirectiveDetailOut:
    return _detail(request, code)


@router.post(
    "/directives/{code}/units/{region_code}/acknowledge",
    response={200: DirectiveDetailOut, **WRITE_ERRORS},
    summary="The receiving unit acknowledges",
)
def directives_acknowledge(request: HttpRequest, code: str, region_code: str) -> DirectiveDetailOut:
    actor = actor_of(request)
    row = access_assignment(actor, access_directive(actor, code), region_code)
    directive_acknowledge(actor=actor, assignment=row)
    return _detail(request, code)


@router.post(
    "/directives/{code}/units/{region_code}/progress",
    response={200: DirectiveDetailOut, **WRITE_ERRORS},
    summary="The receiving unit reports progress",
)
def directives_progress(
    request: HttpRequest, code: str, region_code: str, payload: DirectiveNoteIn
) -> DirectiveDetailOut:
    actor = actor_of(request)
    row = access_assignment(actor, access_directive(actor, code), region_code)
    directive_progress(actor=actor, assignment=row, note=payload.note)
    return _detail(request, code)


@router.post(
    "/directives/{code}/units/{region_code}/complete",
    response={200: DirectiveDetailOut, **WRITE_ERRORS},
    summary="The receiving unit completes, with evidence",
)
def directives_complete(
    request: HttpRequest, code: str, region_code: str, payload: EvidenceIn
) -> DirectiveDetailOut:
    actor = actor_of(request)
    row = access_assignment(actor, access_directive(actor, code), region_code)
    directive_complete(actor=actor, assignment=row, evidence=payload.evidence)
    return _detail(request, code)

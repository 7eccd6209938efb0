"""Sweep endpoints under ``/api/v1/community``: open a sweep, its progress by grid, the
households not yet visited, record a visit (with the registry reconciled), close it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.community.checks import require_role
from fangkong.community.models import Sweep
from fangkong.community.presentation import finding_rows, visit_rows
from fangkong.community.roles import READ_ROLES, SWEEP_OPEN_ROLES, SWEEP_VISIT_ROLES
from fangkong.community.schemas import CODE, REGION_CODE, CommunityReasonIn, row_dict
from fangkong.community.sweeps.access import access_sweep, access_visit
from fangkong.community.sweeps.selectors import (
    sweep_findings,
    sweep_list,
    sweep_progress,
    visits_pending,
)
from fangkong.community.sweeps.services import NewResident, sweep_close, sweep_open, visit_record
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

router = Router(tags=["community"])


class SweepIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(max_length=120)
    reason: str = Field(max_length=255)


class GridOut(Schema):
    region_name: str
    total: int
    visited: int
    counts: dict[str, int]


class SweepOut(Schema):
    code: str
    name: str
    region_code: str
    status: str
    opened_at: datetime
    deadline: datetime
    rule_set: str
    households: int
    visited: int
    grids: list[GridOut]
    totals: dict[str, int]


class SweepPageOut(PageOut):
    items: list[SweepOut]


class SweepVisitOut(Schema):
    household_code: str
    address: str
    grid: str
    state: str
    residents_counted: int | None
    visited_at: datetime | None


class SweepVisitPageOut(PageOut):
    items: list[SweepVisitOut]


class NewResidentIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    sex: Literal["M", "F", "U"] = "U"
    birth_date: date | None = None


class SweepVisitIn(Schema):
    household_code: str = Field(pattern=CODE)
    state: Literal["present", "away", "refused", "empty"]
    residents_counted: int | None = Field(None, ge=0, le=100)
    present: list[UUID] = Field(default_factory=list, max_length=100)
    new_residents: list[NewResidentIn] = Field(default_factory=list, max_length=50)


class SweepFindingOut(Schema):
    person_code: str
    name: str
    address: str
    kind: str


class SweepVisitResultOut(Schema):
    visit: SweepVisitOut
    findings: list[SweepFindingOut]


def _sweep_out(request: HttpRequest, sweep: Sweep) -> SweepOut:
    actor = actor_of(request)
    grids = sweep_progress(actor=actor, sweep=sweep)
    return SweepOut(
        code=str(sweep.code),
        name=sweep.name,
        region_code=sweep.region.code,
        status=sweep.status,
        opened_at=sweep.opened_at,
        deadline=sweep.deadline,
        rule_set=sweep.rule_set,
        households=sum(g.total for g in grids),
        visited=sum(g.visited for g in grids),
        grids=[
            GridOut(region_name=g.region_name, total=g.total, visited=g.visited, counts=g.counts)
            for g in grids
        ],
        totals=sweep.totals,
    )


@router.post(
    "/sweeps", response={201: SweepOut, **WRITE_ERRORS}, summary="Open a sweep over an area"
)
def sweeps_open(
    request: HttpRequest, payload: SweepIn, idempotency_key: IdempotencyKey = None
) -> Status[SweepOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, SWEEP_OPEN_ROLES)
        region = access_region(actor, payload.region_code)
        sweep = sweep_open(actor=actor, region=region, name=payload.name, reason=payload.reason)
        return 201, {"code": str(sweep.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="sweep_open",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _sweep_out(request, access_sweep(actor, body["code"])))


@router.get("/sweeps", response={200: SweepPageOut, **ERRORS}, summary="Sweeps, newest first")
def sweeps_list(request: HttpRequest, paging: Query[PageParams]) -> SweepPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(sweep_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return SweepPageOut(items=[_sweep_out(request, s) for s in page.items], **page_fields(page))


@router.get(
    "/sweeps/{code}", response={200: SweepOut, **ERRORS}, summary="A sweep's progress by grid"
)
def sweeps_get(request: HttpRequest, code: str) -> SweepOut:
    return _sweep_out(request, access_sweep(actor_of(request), code))


@router.get(
    "/sweeps/{code}/pending",
    response={200: SweepVisitPageOut, **ERRORS},
    summary="The households not yet visited",
)
def sweeps_pending(request: HttpRequest, code: str, paging: Query[PageParams]) -> SweepVisitPageOut:
    actor = actor_of(request)
    sweep = access_sweep(actor, code)
    page = paginate(
        visits_pending(actor=actor, sweep=sweep), page=paging.page, page_size=paging.page_size
    )
    return SweepVisitPageOut(
        items=[SweepVisitOut(**row_dict(row)) for row in visit_rows(actor, page.items)],
        **page_fields(page),
    )


@router.post(
    "/sweeps/{code}/visits",
    response={200: SweepVisitResultOut, **WRITE_ERRORS},
    summary="Record a household's visit, reconciling the people found with the registry",
)
def sweeps_visit(request: HttpRequest, code: str, payload: SweepVisitIn) -> SweepVisitResultOut:
    actor = actor_of(request)
    visit = access_visit(actor, code, payload.household_code, roles=SWEEP_VISIT_ROLES)
    visit_record(
        actor=actor,
        visit=visit,
        state=payload.state,
        residents_counted=payload.residents_counted,
        present=payload.present,
        new_residents=[
            NewResident(name=r.name, sex=r.sex, birth_date=r.birth_date)
            for r in payload.new_residents
        ],
    )
    visit = access_visit(actor, code, payload.household_code, roles=SWEEP_VISIT_ROLES)
    findings = sweep_findings(actor=actor, sweep=visit.sweep).filter(visit=visit)
    [row] = visit_rows(actor, [visit])
    return SweepVisitResultOut(
        visit=SweepVisitOut(**row_dict(row)),
        findings=[SweepFindingOut(**row_dict(f)) for f in finding_rows(actor, list(findings))],
    )


@router.post(
    "/sweeps/{code}/close",
    response={200: SweepOut, **WRITE_ERRORS},
    summary="Close a sweep; its counts per state are frozen",
)
def sweeps_close(request: HttpRequest, code: str, payload: CommunityReasonIn) -> SweepOut:
    actor = actor_of(request)
    sweep = access_sweep(actor, code, roles=SWEEP_OPEN_ROLES)
    return _sweep_out(request, sweep_close(actor=actor, sweep=sweep, reason=payload.reason))

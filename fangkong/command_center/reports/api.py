"""Daily reports under ``/api/v1/command/reports``: the roll-up of a node's day, filing, and
corrections."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES, UNIT_ROLES
from fangkong.command_center.reports.access import access_report
from fangkong.command_center.reports.selectors import Rollup, UnitReport, report_rollup
from fangkong.command_center.reports.services import report_correct, report_file
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, EpidemicDate, IdempotencyKey
from fangkong.regions.access import access_region

router = Router(tags=["command centre: daily reports"])


class RollupQuery(Schema):
    #: The node; the caller's own when empty.
    region_code: str = Field("", max_length=15)
    #: The day; yesterday (local) when empty.
    day: EpidemicDate | None = None


class ReportIn(Schema):
    day: EpidemicDate
    zero: bool = False
    notes: str = Field("", max_length=5000)


class CorrectionIn(Schema):
    figure: str = Field(max_length=40)
    corrected: int = Field(ge=0, le=100_000_000)
    note: str = Field(max_length=255)


class UnitReportOut(Schema):
    region_code: str
    region_name: str
    code: str | None
    kind: str | None
    submitted_at: datetime | None
    late: bool
    missing: bool
    flagged: bool
    figures: dict[str, int]
    filled: dict[str, int]
    notes: str


class RollupOut(Schema):
    region_code: str
    day: date
    deadline: datetime
    rule_set: str
    own: UnitReportOut
    children: list[UnitReportOut]
    totals: dict[str, int]


def _unit_out(unit: UnitReport) -> UnitReportOut:
    report = unit.report
    return UnitReportOut(
        region_code=unit.region.code,
        region_name=unit.region.name,
        code=str(report.code) if report else None,
        kind=report.kind if report else None,
        submitted_at=report.submitted_at if report else None,
        late=bool(report and report.late),
        missing=unit.missing,
        flagged=unit.flagged,
        figures=unit.figures,
        filled=dict(report.figures) if report else {},
        notes=report.notes if report else "",
    )


def _rollup_out(rollup: Rollup) -> RollupOut:
    return RollupOut(
        region_code=rollup.region.code,
        day=rollup.day,
        deadline=rollup.deadline,
        rule_set=rollup.rule_set,
        own=_unit_out(rollup.own),
        children=[_unit_out(u) for u in rollup.children],
        totals=rollup.totals,
    )


def _rollup(request: HttpRequest, region_code: str, day: date) -> RollupOut:
    actor = actor_of(request)
    region = access_region(actor, region_code or actor.region_code)
    return _rollup_out(report_rollup(actor=actor, region=region, day=day))


@router.get(
    "/reports",
    response={200: RollupOut, **ERRORS},
    summary="A node's daily report with its units' reports rolled up",
)
def reports_rollup(request: HttpRequest, query: Query[RollupQuery]) -> RollupOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    day = query.day or timezone.localdate() - timedelta(days=1)
    return _rollup(request, query.region_code, day)


@router.post(
    "/reports",
    response={201: RollupOut, **WRITE_ERRORS},
    summary="File the caller's unit's daily or zero report (figures filled from the data)",
)
def reports_file(
    request: HttpRequest, payload: ReportIn, idempotency_key: IdempotencyKey = None
) -> Status[RollupOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, UNIT_ROLES)
        region = access_region(actor, actor.region_code)
        report = report_file(
            actor=actor, region=region, day=payload.day, zero=payload.zero, notes=payload.notes
        )
        return 201, {"code": str(report.code)}

    status, _body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="report_file",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _rollup(request, actor.region_code, payload.day))


@router.post(
    "/reports/{code}/corrections",
    response={200: RollupOut, **WRITE_ERRORS},
    summary="Correct one figure of the unit's report (the filled value stays visible)",
)
def reports_correct(request: HttpRequest, code: str, payload: CorrectionIn) -> RollupOut:
    actor = actor_of(request)
    report = access_report(actor, code)
    report_correct(actor=actor, report=report, **payload.model_dump())
    return _rollup(request, report.region.code, report.day)

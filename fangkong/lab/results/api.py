"""Results endpoints: results for a few tubes, a lab's result file (CSV or XLSX), the re-test
tasks in scope, and lab alerts (list, assign, close)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, UploadedFile
from pydantic import Field

from fangkong.accounts.access import access_user
from fangkong.core.errors import FangkongError
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    IdempotencyKey,
    ObservedAt,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.lab.access import (
    access_lab,
    access_round,
    require_role,
)
from fangkong.lab.choices import (
    AlertKind,
    AlertStatus,
    RetestStatus,
    TubeResult,
)
from fangkong.lab.models import LabAlert
from fangkong.lab.presentation import retest_cards
from fangkong.lab.results import alerts as alert_services
from fangkong.lab.results.access import access_alert
from fangkong.lab.results.result_file import MAX_UPLOAD_BYTES
from fangkong.lab.results.retests import retest_task_page
from fangkong.lab.results.selectors import alert_list
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.results.uploads import UploadReport, results_upload
from fangkong.lab.roles import (
    ALERT_WRITE_ROLES,
    LAB_ROLES,
    ROUND_ROLES,
)

router = Router()


class ResultReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


class RepeatOut(Schema):
    filename: str
    uploaded_at: datetime
    uploaded_by: str


class UploadOut(Schema):
    """``rows_total == rows_applied + rows_unchanged + rows_rejected`` (``rows_rejected`` is
    0 here: a file with a bad row answers 422 and writes nothing)."""

    filename: str
    file_format: str
    encoding: str
    bytes_sha256: str
    rows_sha256: str
    rows_total: int
    rows_applied: int
    rows_unchanged: int
    rows_rejected: int
    duplicate_rows: int
    retest_tasks: int
    notifications: int
    held: int
    positives: int
    repeat: bool
    same_bytes: bool
    repeat_of: RepeatOut | None


def upload_out(report: UploadReport) -> UploadOut:
    earlier = report.repeat_of
    return UploadOut(
        filename=report.filename,
        file_format=report.file_format,
        encoding=report.encoding,
        bytes_sha256=report.bytes_sha256,
        rows_sha256=report.rows_sha256,
        rows_total=report.rows_total,
        rows_applied=report.rows_applied,
        rows_unchanged=report.rows_unchanged,
        rows_rejected=report.rows_rejected,
        duplicate_rows=report.duplicate_rows,
        retest_tasks=report.retest_tasks,
        notifications=report.notifications,
        held=report.held,
        positives=report.positives,
        repeat=report.is_repeat,
        same_bytes=report.same_bytes,
        repeat_of=RepeatOut(
            filename=earlier.filename,
            uploaded_at=earlier.uploaded_at,
            uploaded_by=earlier.uploaded_by,
        )
        if earlier is not None
        else None,
    )


@router.post(
    "/labs/{code}/uploads",
    operation_id="fangkong_lab_api_uploads_labs_upload",
    response={200: UploadOut, 413: ErrorOut, **WRITE_ERRORS},
    summary="Upload a result file (CSV or XLSX)",
    description=(
        "Multipart `file`: a header row (barcode/管码, result/结果, optional Ct ORF1ab, Ct N, "
        "tested_at/检测时间), then one tube per row. All rows or none: any bad row answers 422 "
        "with every rejected row (`row` is the 1-based line, the header being 1; `field` the "
        "column as written). The same content again (renamed, re-saved, reordered) changes "
        "nothing and is reported as a repeat."
    ),
)
def labs_upload(request: HttpRequest, code: str, file: File[UploadedFile]) -> UploadOut:
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=LAB_ROLES)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    data = file.read(MAX_UPLOAD_BYTES + 1)
    return upload_out(
        results_upload(actor=actor, lab=lab, filename=str(file.name or ""), data=data)
    )


class ResultIn(Schema):
    barcode: str = Field(min_length=1, max_length=64)
    result: TubeResult
    ct_orf1ab: float | None = None
    ct_n: float | None = None
    tested_at: ObservedAt | None = None


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=5000)


class ResultsOut(Schema):
    applied: int
    unchanged: int
    retest_tasks: int
    notifications: int
    held: int
    positives: int


class RetestOut(Schema):
    code: str
    person: str
    region_code: str
    reason: str
    status: str
    source_tube: str | None
    outcome: str
    created_at: datetime


@router.post(
    "/labs/{code}/results",
    operation_id="fangkong_lab_api_labwork_labs_results",
    response={200: ResultsOut, **WRITE_ERRORS},
    summary="Report tube results",
    description=(
        "All rows or none: any bad row answers 422 listing every rejected row. The same result "
        "again changes nothing. A pooled positive holds every member in place, opens one "
        "single-tube re-test task per member and notifies the working group, the emergency "
        "sampling squad and each member's community."
    ),
)
def labs_results(
    request: HttpRequest, code: str, payload: ResultsIn, idempotency_key: IdempotencyKey = None
) -> ResultsOut:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        lab = access_lab(actor, code, roles=LAB_ROLES)
        report = results_apply(
            actor=actor,
            lab=lab,
            rows=[
                ResultInput(
                    barcode=r.barcode,
                    result=r.result,
                    ct_orf1ab=r.ct_orf1ab,
                    ct_n=r.ct_n,
                    tested_at=r.tested_at,
                )
                for r in payload.results
            ],
        )
        return 200, {
            "applied": len(report.applied),
            "unchanged": len(report.unchanged),
            "retest_tasks": report.retest_tasks,
            "notifications": report.notifications,
            "held": report.held,
            "positives": report.positives,
        }

    _status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="results_report",
        payload={"lab": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return ResultsOut(**body)


class RetestPageOut(PageOut):
    items: list[RetestOut]


class RetestFilter(PageParams):
    status: RetestStatus | None = None
    round: str | None = Field(None, max_length=45)


@router.get(
    "/retests",
    operation_id="fangkong_lab_api_labwork_retests_list",
    response={200: RetestPageOut, **ERRORS},
    summary="Re-test tasks in scope",
)
def retests_list(request: HttpRequest, filters: Query[RetestFilter]) -> RetestPageOut:
    """Newest first; ``round`` (a round's code) keeps to the tasks its tubes opened. Person
    codes and outcomes as the role may see them (an inspector: neither); the read is logged."""
    actor = actor_of(request)
    require_role(actor, ROUND_ROLES)
    screening_round = access_round(actor, filters.round) if filters.round else None
    page = retest_task_page(
        actor,
        status=filters.status,
        screening_round=screening_round,
        page=filters.page,
        page_size=filters.page_size,
    )
    cards = retest_cards(actor, page.items)
    return RetestPageOut(items=[RetestOut(**asdict(card)) for card in cards], **page_fields(page))


class AlertOut(Schema):
    kind: str
    tube: str
    round: str
    region_code: str
    raised_at: datetime
    due_at: datetime
    category: str
    status: str
    owner: str
    closed_at: datetime | None
    closing_reason: str


class AlertFilter(PageParams):
    status: AlertStatus | None = None
    kind: AlertKind | None = None


class AlertListOut(PageOut):
    items: list[AlertOut]


class AssignIn(Schema):
    username: str = Field(min_length=1, max_length=150)


def alert_out(alert: LabAlert) -> AlertOut:
    return AlertOut(
        kind=alert.kind,
        tube=alert.tube.barcode,
        round=str(alert.round.code),
        region_code=alert.region.code,
        raised_at=alert.raised_at,
        due_at=alert.tube.due_at,
        category=alert.tube.category,
        status=alert.status,
        owner=alert.owner,
        closed_at=alert.closed_at,
        closing_reason=alert.closing_reason,
    )


@router.get(
    "/alerts",
    operation_id="fangkong_lab_api_people_alerts_list",
    response={200: AlertListOut, **ERRORS},
    summary="Lab alerts in scope",
)
def alerts_list(request: HttpRequest, filters: Query[AlertFilter]) -> AlertListOut:
    page = alert_list(
        actor=actor_of(request),
        status=filters.status or "",
        kind=filters.kind or "",
        page=filters.page,
        page_size=filters.page_size,
    )
    return AlertListOut(items=[alert_out(a) for a in page.items], **page_fields(page))


@router.post(
    "/alerts/{kind}/{barcode}/assign",
    operation_id="fangkong_lab_api_people_alerts_assign",
    response={200: AlertOut, **WRITE_ERRORS},
    summary="Give an alert an owner",
)
def alerts_assign(request: HttpRequest, kind: str, barcode: str, payload: AssignIn) -> AlertOut:
    actor = actor_of(request)
    alert = access_alert(actor, kind, barcode, roles=ALERT_WRITE_ROLES)
    owner = access_user(actor, payload.username)
    return alert_out(alert_services.alert_assign(actor=actor, alert=alert, owner=owner))


@router.post(
    "/alerts/{kind}/{barcode}/close",
    operation_id="fangkong_lab_api_people_alerts_close",
    response={200: AlertOut, **WRITE_ERRORS},
    summary="Close an alert with a reason",
)
def alerts_close(
    request: HttpRequest, kind: str, barcode: str, payload: ResultReasonIn
) -> AlertOut:
    actor = actor_of(request)
    alert = access_alert(actor, kind, barcode, roles=ALERT_WRITE_ROLES)
    return alert_out(alert_services.alert_close(actor=actor, alert=alert, reason=payload.reason))

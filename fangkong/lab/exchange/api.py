"""The batches of results sent to the health-code service and the provincial platform (R17)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, page_fields
from fangkong.lab.choices import ExportStatus, ExportTarget
from fangkong.lab.exchange.access import access_result_export
from fangkong.lab.exchange.selectors import result_export_list
from fangkong.lab.exchange.services import result_export_retry
from fangkong.lab.models import ResultExport

router = Router()


class ExportOut(Schema):
    code: str
    target: str
    status: str
    tubes: int
    records: int
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    payload_sha256: str


class ExportListOut(PageOut):
    items: list[ExportOut]


class ExportFilter(Schema):
    target: ExportTarget | None = None
    status: ExportStatus | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class RetryIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


def export_out(export: ResultExport) -> ExportOut:
    return ExportOut(
        code=str(export.code),
        target=export.target,
        status=export.status,
        tubes=export.tubes,
        records=export.records,
        attempts=export.attempts,
        last_error=export.last_error,
        created_at=export.created_at,
        next_attempt_at=export.next_attempt_at,
        sent_at=export.sent_at,
        payload_sha256=export.payload_sha256,
    )


@router.get(
    "/result-exports",
    operation_id="fangkong_lab_api_exports_result_exports_list",
    response={200: ExportListOut, **ERRORS},
    summary="Result batches sent to the health-code service and the provincial platform",
)
def result_exports_list(request: HttpRequest, filters: Query[ExportFilter]) -> ExportListOut:
    page = result_export_list(
        actor=actor_of(request),
        target=filters.target or "",
        status=filters.status or "",
        page=filters.page,
        page_size=filters.page_size,
    )
    return ExportListOut(items=[export_out(e) for e in page.items], **page_fields(page))


@router.post(
    "/result-exports/{code}/retry",
    operation_id="fangkong_lab_api_exports_result_exports_retry",
    response={200: ExportOut, **WRITE_ERRORS},
    summary="Send a failed batch at the next run",
)
def result_exports_retry(request: HttpRequest, code: str, payload: RetryIn) -> ExportOut:
    actor = actor_of(request)
    export = access_result_export(actor, code)
    return export_out(result_export_retry(actor=actor, export=export, reason=payload.reason))

"""Screening endpoints: a lab's result file (CSV or XLSX)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, UploadedFile

from fangkong.core.errors import FangkongError
from fangkong.core.guards import actor_of
from fangkong.core.schemas import WRITE_ERRORS, ErrorOut
from fangkong.lab.access import access_lab
from fangkong.lab.results.uploads import MAX_UPLOAD_BYTES, UploadReport, results_upload
from fangkong.lab.roles import LAB_ROLES

router = Router()


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

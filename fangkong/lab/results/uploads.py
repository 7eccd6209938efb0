"""A lab's result file applied all or nothing through ``results.results_apply``, reconciled, and
recognised when the same content comes again.

The file is read by ``results.result_file`` (formats, limits, the workbook checks) and its
records turned into ``ResultInput`` rows by ``results.result_rows``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.tabular import file_error
from fangkong.lab.access import require_role
from fangkong.lab.models import Lab, ResultUpload
from fangkong.lab.results.result_file import read_sheet, safe_filename
from fangkong.lab.results.result_rows import header_positions, record_inputs, to_columns
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.roles import LAB_ROLES
from fangkong.lab.sampling.codes import barcode_normalise


@dataclass
class UploadReport:
    """The reconciliation of one accepted file: ``rows_total == rows_applied +
    rows_unchanged`` (``rows_rejected`` is 0, or the file would have been refused).
    ``duplicate_rows`` (identical repeats inside the file) are counted as unchanged.
    ``repeat_of`` is the earlier upload with the same rows, if any (``same_bytes`` tells
    whether it was also the very same file)."""

    filename: str
    file_format: str
    encoding: str
    bytes_sha256: str
    rows_sha256: str
    rows_total: int
    rows_applied: int
    rows_unchanged: int
    rows_rejected: int = 0
    duplicate_rows: int = 0
    retest_tasks: int = 0
    notifications: int = 0
    held: int = 0
    positives: int = 0
    upload_id: int | None = None
    repeat_of: ResultUpload | None = None
    same_bytes: bool = False
    applied: list[str] = field(default_factory=list)

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of is not None


def _rows_hash(inputs: Sequence[ResultInput]) -> str:
    """The content of the file, whatever its bytes, format or row order."""
    normal = sorted(
        (
            row.barcode,
            row.result,
            "" if row.ct_orf1ab is None else repr(row.ct_orf1ab),
            "" if row.ct_n is None else repr(row.ct_n),
            "" if row.tested_at is None else row.tested_at.astimezone(UTC).isoformat(),
        )
        for row in inputs
    )
    return hashlib.sha256(json.dumps(normal, ensure_ascii=False).encode()).hexdigest()


class _Rollback(Exception):
    """Undo a trial run of ``results_apply`` whose file has cell errors of its own."""


def results_upload(*, actor: AnyActor, lab: Lab, filename: str, data: bytes) -> UploadReport:
    """Apply a lab's result file, all rows or none, and reconcile it.

    1. The actor must be a lab technician (``role_not_allowed``) on the lab's staff
       (``not_lab_staff``, 403); files over 20 MB are refused (``file_too_large``, 413).
    2. Read the file (``results.result_file``): any file-level problem — ``file_empty``,
       ``file_extension``, ``file_macros``, ``file_wrong_type``, ``file_binary``,
       ``file_encoding``, ``file_zip_bomb``, ``file_damaged``, ``file_too_many_rows``,
       ``file_too_many_columns``, ``cell_too_long``, ``csv_malformed``, ``header_invalid``,
       ``file_no_rows`` — raises ``ValidationFailed`` at once.
    3. Turn each record into a ``ResultInput`` (cell errors: ``column_count``,
       ``ct_not_a_number``, ``date_invalid``, ``datetime_too_early``,
       ``datetime_too_late``) and let ``results_apply`` check and apply them; its row
       errors and the cell errors are reported together
       (``upload_rejected``, 422, fields named by the file's headers, with the counts):
       nothing is written.
    4. Otherwise record a ``ResultUpload`` (bytes hash, rows hash, counts) and one audit
       row. Content already uploaded to this lab (same rows hash: the same file, renamed,
       re-saved, reordered) changes nothing and is reported as a repeat; no second
       ``ResultUpload`` row is kept unless the repeat applied something.
    """
    require_role(actor, LAB_ROLES)
    if not isinstance(actor, SystemActor) and not lab.staff.filter(id=actor.user_id).exists():
        raise FangkongError(
            _("You are not on the staff of this laboratory."), code="not_lab_staff", status=403
        )
    name = safe_filename(filename)
    sheet = read_sheet(name, data)
    positions = header_positions(sheet.header)
    if not sheet.records:
        raise file_error(_("The file has a header but no rows."), "file_no_rows")
    zone = ZoneInfo(lab.region.time_zone or "Asia/Shanghai")
    inputs, errors = record_inputs(sheet, positions, zone)
    bytes_sha256 = hashlib.sha256(data).hexdigest()
    rows_sha256 = _rows_hash(inputs)
    total = len(sheet.records)
    with transaction.atomic():
        outcome = None
        try:
            with transaction.atomic():
                outcome = results_apply(actor=actor, lab=lab, rows=inputs, source="upload")
                if errors:
                    raise _Rollback
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        except _Rollback:
            pass
        if errors or outcome is None:
            _refuse(errors, positions, total)
        assert outcome is not None
        unchanged = total - len(outcome.applied)
        report = UploadReport(
            filename=name,
            file_format=sheet.file_format,
            encoding=sheet.encoding,
            bytes_sha256=bytes_sha256,
            rows_sha256=rows_sha256,
            rows_total=total,
            rows_applied=len(outcome.applied),
            rows_unchanged=unchanged,
            duplicate_rows=len(inputs)
            - len({(barcode_normalise(i.barcode), i.result, i.ct_orf1ab, i.ct_n) for i in inputs}),
            retest_tasks=outcome.retest_tasks,
            notifications=outcome.notifications,
            held=outcome.held,
            positives=outcome.positives,
            applied=outcome.applied,
        )
        earlier = ResultUpload.objects.filter(lab=lab, rows_sha256=rows_sha256).first()
        if earlier is not None:
            report.repeat_of = earlier
            report.same_bytes = earlier.bytes_sha256 == bytes_sha256
        if earlier is None or report.rows_applied:
            report.upload_id = ResultUpload.objects.create(
                lab=lab,
                filename=name,
                bytes_sha256=bytes_sha256,
                rows_sha256=rows_sha256,
                rows_total=report.rows_total,
                rows_applied=report.rows_applied,
                rows_unchanged=report.rows_unchanged,
                uploaded_by=actor.username,
                uploaded_at=timezone.now(),
            ).pk
        audit_record(
            actor=actor,
            action="results_upload",
            object_type="lab",
            object_id=lab.code,
            fields=["result", "ct_orf1ab", "ct_n"],
            reason="lab result file",
            extra={
                "filename": name,
                "format": sheet.file_format,
                "bytes_sha256": bytes_sha256,
                "rows_sha256": rows_sha256,
                "rows_total": report.rows_total,
                "rows_applied": report.rows_applied,
                "rows_unchanged": report.rows_unchanged,
                "repeat_of": earlier.pk if earlier else None,
            },
        )
    return report


def _refuse(
    errors: list[dict[str, Any]], positions: dict[str, tuple[int, str]], total: int
) -> None:
    named = to_columns(errors, positions)
    rows_with_errors = len({error.get("row") for error in named})
    failure = ValidationFailed(
        _(
            "%(rows)s of %(total)s rows have errors; nothing was recorded. Fix them and upload "
            "the file again."
        )
        % {"rows": rows_with_errors, "total": total},
        errors=named,
        code="upload_rejected",
    )
    failure.detail.update(
        rows_total=total,
        rows_applied=0,
        rows_unchanged=0,
        rows_rejected=total,
        rows_with_errors=rows_with_errors,
    )
    raise failure

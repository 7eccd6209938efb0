"""``POST /api/v1/cases/imports``: the cases reported before Fangkong was in use (补录)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from fangkong.cases.access import require_role
from fangkong.cases.imports.reading import MAX_IMPORT_BYTES
from fangkong.cases.imports.services import case_import_csv
from fangkong.cases.roles import CASE_IMPORT_ROLES
from fangkong.core.errors import FangkongError
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import WRITE_ERRORS, ErrorOut, IdempotencyKey

router = Router(tags=["cases"])


class CaseImportOut(Schema):
    rows_read: int
    new: int
    created: int
    unchanged: int
    dry_run: bool
    sha256: str
    encoding: str


@router.post(
    "",
    response={200: CaseImportOut, 413: ErrorOut, **WRITE_ERRORS},
    summary="Import cases reported before Fangkong (CSV)",
    description=(
        "Multipart `file`: an export of the direct reporting system, header first "
        "(id_number/证件号码, classification/病例分类, reported_at/报告时间, onset_date/发病日期, "
        "optional report_card/报告卡编号; other columns ignored), UTF-8 or GB18030; form field "
        "`dry_run` checks without writing. All rows or none: any bad row answers 422 "
        "`import_rejected` with every rejected row (`row` 1-based, the header being 1) and "
        "field; a person outside your jurisdiction is `person_not_found` like a missing one. "
        "Persons with an open case (or a case with the same report card) are `unchanged`, so "
        "the same file again opens nothing. With an `Idempotency-Key` a retry answers the "
        "first answer."
    ),
)
def cases_import(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    idempotency_key: IdempotencyKey = None,
) -> CaseImportOut:
    actor = actor_of(request)
    require_role(actor, CASE_IMPORT_ROLES)
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.")
            % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    data = file.read(MAX_IMPORT_BYTES + 1)

    def write() -> tuple[int, dict[str, Any]]:
        report = case_import_csv(
            actor=actor, file=data, dry_run=dry_run, filename=str(file.name or "")[:200]
        )
        return 200, CaseImportOut(**asdict(report)).model_dump(mode="json")

    _status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="case_import_csv",
        payload={"sha256": hashlib.sha256(data).hexdigest(), "dry_run": dry_run},
        write=write,
    )
    return CaseImportOut(**body)

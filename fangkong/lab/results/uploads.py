"""A lab's result file (CSV or XLSX): read safely, normalised, applied all or nothing through
``results.results_apply``, reconciled, and recognised when the same content comes again.

Reading (``core.tabular``): size first, then shape limits, then decoding (UTF-8 with or
without BOM, UTF-16 with BOM, GB18030) or the workbook checks (zip bomb, macros, external
links, XML declarations) before openpyxl sees the bytes. The header names the columns in
Chinese or English; cells are turned into ``ResultInput`` rows here (result words, Ct
numbers, test times in the lab's time zone) and every other check is ``results_apply``'s.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import FangkongError, ValidationFailed, field_error
from fangkong.core.tabular import (
    check_record,
    csv_records,
    decode,
    file_error,
    refuse_disguised,
    zip_checked,
)
from fangkong.core.times import EARLIEST_OBSERVATION, TimeOutOfBounds, observed_at_bounds
from fangkong.lab.access import require_role
from fangkong.lab.choices import TubeResult
from fangkong.lab.models import Lab, ResultUpload
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.roles import LAB_ROLES
from fangkong.lab.sampling.codes import barcode_normalise

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_ROWS = 100_000
MAX_COLUMNS = 20
MAX_CELL = 256
#: What a workbook may unpack to, in all its parts.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
#: Test times before this are typing or conversion mistakes, not results (core.times).
EARLIEST_TEST = EARLIEST_OBSERVATION

CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam", ".xlsb")

#: Column → accepted header names, compared lower-case without spaces, ``_`` or ``-``.
COLUMNS: dict[str, frozenset[str]] = {
    "barcode": frozenset({"barcode", "tube", "tubebarcode", "管码", "条码", "试管码", "采样管码"}),
    "result": frozenset({"result", "结果", "检测结果"}),
    "ct_orf1ab": frozenset({"ctorf1ab", "orf1ab", "orf1abct", "ct值orf1ab", "orf1ab基因ct值"}),
    "ct_n": frozenset({"ctn", "n", "nct", "ct值n", "n基因ct值"}),
    "tested_at": frozenset({"testedat", "testtime", "检测时间", "检测日期"}),
}
REQUIRED = ("barcode", "result")

#: Result words of lab systems → result values (unknown words go on to ``results_apply``,
#: which names them ``invalid_choice``).
RESULT_WORDS: dict[str, str] = {
    "阴性": TubeResult.NEGATIVE,
    "neg": TubeResult.NEGATIVE,
    "混管可疑阳性": TubeResult.POOLED_POSITIVE,
    "混管阳性": TubeResult.POOLED_POSITIVE,
    "混阳": TubeResult.POOLED_POSITIVE,
    "pooledpositive": TubeResult.POOLED_POSITIVE,
    "阳性": TubeResult.POSITIVE,
    "单管阳性": TubeResult.POSITIVE,
    "pos": TubeResult.POSITIVE,
    "无效": TubeResult.INVALID,
    "复检": TubeResult.INVALID,
    "待出": TubeResult.PENDING,
    "报告未出": TubeResult.PENDING,
    "待检": TubeResult.PENDING,
}
#: Ct cells that mean "no amplification": no value.
NO_CT = frozenset({"", "-", "—", "/", "n/a", "na", "none", "noct", "undetermined", "未检出"})

_SLASHED = re.compile(
    r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$"
)
_CHINESE = re.compile(
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:：时](\d{1,2})分?(?:[:：](\d{1,2})秒?)?)?$"
)


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


@dataclass(frozen=True)
class _Sheet:
    """The file as header cells and data records, whatever its format."""

    file_format: str
    encoding: str
    header: list[Any]
    records: list[tuple[int, list[Any]]]


def _safe_filename(filename: str) -> str:
    name = os.path.basename(str(filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable())
    return name.strip()[:255] or "upload"


def _xlsx_sheet(data: bytes) -> _Sheet:
    from openpyxl import load_workbook  # imported here: only workbook uploads need it

    zip_checked(data, max_uncompressed=MAX_XLSX_UNCOMPRESSED).close()
    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False, keep_vba=False
        )
    except Exception:  # openpyxl raises many kinds for damaged workbooks
        raise file_error(_("The workbook cannot be read."), "file_wrong_type") from None
    try:
        sheet = workbook.worksheets[0]
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > MAX_UPLOAD_ROWS + 1:
            check_record(
                declared_rows,
                [],
                data_rows=MAX_UPLOAD_ROWS,
                max_rows=MAX_UPLOAD_ROWS,
                max_columns=MAX_COLUMNS,
            )
        records: list[tuple[int, list[Any]]] = []
        data_rows = -1
        for number, values in enumerate(
            sheet.iter_rows(values_only=True, max_col=max(declared_columns, MAX_COLUMNS + 1)),
            start=1,
        ):
            cells = list(values)
            while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
                cells.pop()
            if not cells:
                continue
            check_record(
                number,
                cells,
                data_rows=data_rows,
                max_rows=MAX_UPLOAD_ROWS,
                max_columns=MAX_COLUMNS,
            )
            if any(isinstance(cell, str) and len(cell) > MAX_CELL for cell in cells):
                raise file_error(
                    _("A cell on row %(row)s is longer than %(max)s characters.")
                    % {"row": number, "max": MAX_CELL},
                    "cell_too_long",
                    row=number,
                )
            data_rows += 1
            records.append((number, cells))
    except ValidationFailed:
        raise
    except Exception:  # read lazily: damaged XML inside a sound ZIP shows only now
        raise file_error(_("The workbook cannot be read."), "file_wrong_type") from None
    finally:
        workbook.close()
    if not records:
        raise file_error(_("The file is empty."), "file_empty")
    return _Sheet("xlsx", "", records[0][1], records[1:])


def _csv_sheet(data: bytes) -> _Sheet:
    refuse_disguised(data)
    text, encoding = decode(data)
    records: list[tuple[int, list[Any]]] = list(
        csv_records(text, max_rows=MAX_UPLOAD_ROWS, max_columns=MAX_COLUMNS, max_cell=MAX_CELL)
    )
    if not records:
        raise file_error(_("The file is empty."), "file_empty")
    return _Sheet("csv", encoding, records[0][1], records[1:])


def _read_sheet(filename: str, data: bytes) -> _Sheet:
    if len(data) > MAX_UPLOAD_BYTES:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    if not data:
        raise file_error(_("The file is empty."), "file_empty")
    extension = os.path.splitext(filename.lower())[1]
    if extension in MACRO_EXTENSIONS:
        raise file_error(_("Workbooks with macros are refused; save as .xlsx."), "file_macros")
    if extension in XLSX_EXTENSIONS:
        return _xlsx_sheet(data)
    if extension in CSV_EXTENSIONS:
        return _csv_sheet(data)
    raise file_error(
        _("Upload a .csv or .xlsx file (this one is %(extension)s).")
        % {"extension": extension or _("without an extension")},
        "file_extension",
    )


def _header_key(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().lstrip("\ufeff").lower()
    return re.sub(r"[\s_\-()（）:：]", "", text)


def _header(cells: Sequence[Any]) -> dict[str, tuple[int, str]]:
    """Column → (position, header as written). Every header problem at once."""
    positions: dict[str, tuple[int, str]] = {}
    errors = []
    for index, raw in enumerate(cells):
        written = str(raw if raw is not None else "").strip().lstrip("\ufeff")
        key = _header_key(raw)
        column = next((name for name, names in COLUMNS.items() if key in names), None)
        if column is None:
            if not key:
                message = _("Column %(position)s has no name.") % {"position": index + 1}
            else:
                message = _(
                    "Unknown column %(name)s; use barcode, result, ct_orf1ab, ct_n, tested_at "
                    "(or 管码, 结果, Ct ORF1ab, Ct N, 检测时间)."
                ) % {"name": repr(written[:40])}
            errors.append(
                field_error(
                    written[:40] or f"column {index + 1}", "header_unknown_column", message, row=1
                )
            )
        elif column in positions:
            errors.append(
                field_error(
                    written[:40],
                    "header_duplicate_column",
                    _("Column %(name)s is given twice.") % {"name": column},
                    row=1,
                )
            )
        else:
            positions[column] = (index, written[:40])
    for column in REQUIRED:
        if column not in positions:
            errors.append(
                field_error(
                    column,
                    "header_missing_column",
                    _("Column %(column)s is missing.") % {"column": column},
                    row=1,
                )
            )
    if errors:
        raise ValidationFailed(
            _(
                "The first row must be the header with the columns barcode and result "
                "(optional: ct_orf1ab, ct_n, tested_at)."
            ),
            errors=errors,
            code="header_invalid",
        )
    return positions


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _result(value: object) -> str:
    text = _text(value)
    key = re.sub(r"[\s_\-]", "", text.lower())
    return RESULT_WORDS.get(key, RESULT_WORDS.get(text, text.lower().replace(" ", "_")))


class _CellError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _ct(value: object) -> float | None:
    if isinstance(value, bool):
        raise _CellError("ct_not_a_number", _("A Ct value is a number."))
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    if text.lower() in NO_CT:
        return None
    try:
        number = float(text)
    except ValueError:
        raise _CellError("ct_not_a_number", _("A Ct value is a number.")) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _CellError("ct_not_a_number", _("A Ct value is a number."))
    return number


def _bad_date() -> _CellError:
    return _CellError(
        "date_invalid",
        _(
            "Not a date and time; write e.g. 2022-07-15 09:30, 2022/7/15 9:30 or "
            "2022年7月15日 9:30."
        ),
    )


def _tested_at(value: object, zone: tzinfo, *, serials: bool) -> datetime | None:
    """A test time: naive values are in the lab's time zone (a spreadsheet cell has no
    offset); ``Z`` and offsets are kept; workbook cells may be Excel serial numbers (not CSV
    text, where a number is ambiguous). The same bounds as the API's ``ObservedAt``:
    ``datetime_too_early`` before 2019-12-01, ``datetime_too_late`` after now + one day."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not serials or value < 1:
            raise _bad_date()
        from openpyxl.utils.datetime import from_excel

        try:
            converted = from_excel(value)
        except (ValueError, OverflowError):
            raise _bad_date() from None
        if not isinstance(converted, datetime):
            raise _bad_date()
        moment = converted
    else:
        moment = _parse_text_time(_text(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    # The API's bounds (core.times): from 2019-12-01 to now + one day.
    try:
        return observed_at_bounds(moment)
    except TimeOutOfBounds as exc:
        raise _CellError(exc.code, exc.message) from None


def _parse_text_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)  # the common case first
    except ValueError:
        pass
    for pattern in (_SLASHED, _CHINESE):
        match = pattern.match(text)
        if match:
            year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
            try:
                return datetime(year, month, day, hour, minute, second)
            except ValueError:
                raise _bad_date() from None
    raise _bad_date()


def _rows(
    sheet: _Sheet, positions: dict[str, tuple[int, str]], zone: tzinfo
) -> tuple[list[ResultInput], list[dict[str, Any]]]:
    """``ResultInput`` per data record, and the cell errors of the records that have some."""
    inputs: list[ResultInput] = []
    errors: list[dict[str, Any]] = []
    width = len(sheet.header)
    for number, cells in sheet.records:
        if len(cells) > width:
            errors.append(
                field_error(
                    "row",
                    "column_count",
                    _("This row has %(count)s cells; the header has %(width)s.")
                    % {"count": len(cells), "width": width},
                    row=number,
                )
            )
            continue

        def cell(column: str) -> object:
            spot = positions.get(column)
            return cells[spot[0]] if spot is not None and spot[0] < len(cells) else None  # noqa: B023

        values: dict[str, Any] = {}
        bad = False
        for column, convert in (
            ("ct_orf1ab", _ct),
            ("ct_n", _ct),
            ("tested_at", lambda v: _tested_at(v, zone, serials=sheet.file_format == "xlsx")),
        ):
            try:
                values[column] = convert(cell(column))
            except _CellError as problem:
                errors.append(
                    field_error(positions[column][1], problem.code, problem.message, row=number)
                )
                bad = True
        if bad:
            continue
        inputs.append(
            ResultInput(
                barcode=barcode_normalise(_text(cell("barcode"))),
                result=_result(cell("result")),
                row=number,
                **values,
            )
        )
    return inputs, errors


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


def _to_columns(
    errors: list[dict[str, Any]], positions: dict[str, tuple[int, str]]
) -> list[dict[str, Any]]:
    """``results_apply`` names fields by their column key; the file's reader sees headers
    (``field``: the header as the file wrote it; ``column``: the column's key, which pages
    label)."""
    named = []
    for error in errors:
        key = error.get("field", "")
        spot = positions.get(key)
        named.append({**error, "field": spot[1], "column": key} if spot else error)
    return sorted(named, key=lambda error: (error.get("row") or 0, error["field"]))


class _Rollback(Exception):
    """Undo a trial run of ``results_apply`` whose file has cell errors of its own."""


def results_upload(*, actor: AnyActor, lab: Lab, filename: str, data: bytes) -> UploadReport:
    """Apply a lab's result file, all rows or none, and reconcile it.

    1. The actor must be a lab technician (``role_not_allowed``) on the lab's staff
       (``not_lab_staff``, 403); files over 20 MB are refused (``file_too_large``, 413).
    2. Read the file (see the module docstring): any file-level problem — ``file_empty``,
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
    name = _safe_filename(filename)
    sheet = _read_sheet(name, data)
    positions = _header(sheet.header)
    if not sheet.records:
        raise file_error(_("The file has a header but no rows."), "file_no_rows")
    zone = ZoneInfo(lab.region.time_zone or "Asia/Shanghai")
    inputs, errors = _rows(sheet, positions, zone)
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
    named = _to_columns(errors, positions)
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

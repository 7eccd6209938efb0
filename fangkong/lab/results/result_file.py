"""A lab's result file as bytes → a header and data records, whatever its format (CSV or XLSX).

Reading (``core.tabular``): size first, then shape limits, then decoding (UTF-8 with or
without BOM, UTF-16 with BOM, GB18030) or the workbook checks (zip bomb, macros, external
links, XML declarations) before openpyxl sees the bytes. What the cells mean is
``results.result_rows``'s; applying them is ``results.uploads``'s.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.tabular import (
    check_record,
    csv_records,
    decode,
    file_error,
    refuse_disguised,
    zip_checked,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_ROWS = 100_000
MAX_COLUMNS = 20
MAX_CELL = 256
#: What a workbook may unpack to, in all its parts.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024

CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam", ".xlsb")


@dataclass(frozen=True)
class Sheet:
    """The file as header cells and data records, whatever its format."""

    file_format: str
    encoding: str
    header: list[Any]
    records: list[tuple[int, list[Any]]]


def safe_filename(filename: str) -> str:
    name = os.path.basename(str(filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable())
    return name.strip()[:255] or "upload"


def _xlsx_sheet(data: bytes) -> Sheet:
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
    return Sheet("xlsx", "", records[0][1], records[1:])


def _csv_sheet(data: bytes) -> Sheet:
    refuse_disguised(data)
    text, encoding = decode(data)
    records: list[tuple[int, list[Any]]] = list(
        csv_records(text, max_rows=MAX_UPLOAD_ROWS, max_columns=MAX_COLUMNS, max_cell=MAX_CELL)
    )
    if not records:
        raise file_error(_("The file is empty."), "file_empty")
    return Sheet("csv", encoding, records[0][1], records[1:])


def read_sheet(filename: str, data: bytes) -> Sheet:
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

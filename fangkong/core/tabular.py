"""Reading tabular files people upload (CSV text, XLSX workbooks) safely, before any domain
check: size and shape limits first, then decoding, then parsing.

Used by the division-table import (``regions.importer``), the lab result upload
(``lab.results.result_file``) and the uploads read whole into a frame (``csv_frame``: tracing
files, groups of people). Every refusal is a ``ValidationFailed`` whose single error names
``file`` (and the row where one is known), so an interface can show it like a row error.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error

#: Magic numbers of files that are not text and not an OOXML workbook.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def file_error(message: str, code: str, *, row: int | None = None) -> ValidationFailed:
    """A file-level refusal: one error on the field ``file``."""
    return ValidationFailed(
        message, errors=[field_error("file", code, message, row=row)], code=code
    )


def header_column_twice(column: str) -> dict[str, Any]:
    """The header's error for a column given twice (row 1)."""
    return field_error(column, "header_duplicate_column", _("Column given twice."), row=1)


def header_columns_missing(found: Collection[str], required: Iterable[str]) -> list[dict[str, Any]]:
    """The header's errors for each ``required`` column not among ``found`` (row 1)."""
    return [
        field_error(
            column,
            "header_missing_column",
            _("Column %(column)s is missing.") % {"column": column},
            row=1,
        )
        for column in required
        if column not in found
    ]


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``. Refuses empty files, binary content (NUL bytes) and bytes that
    are neither UTF-8 (with or without BOM), UTF-16 (with BOM) nor GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        body, encoding = data, "utf-16"
    else:
        body, encoding = data, ""
    if not body.strip():
        raise file_error(_("The file is empty."), "file_empty")
    if encoding == "utf-16":
        try:
            text = body.decode("utf-16")
        except UnicodeDecodeError:
            raise file_error(_("The file is not valid UTF-16."), "file_encoding") from None
    else:
        if b"\x00" in body:
            raise file_error(_("This is not a text file (it contains NUL bytes)."), "file_binary")
        try:
            text, encoding = body.decode("utf-8"), encoding or "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = body.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                raise file_error(
                    _("The file is neither UTF-8 nor GB18030 text."), "file_encoding"
                ) from None
    if "\x00" in text:
        raise file_error(_("This is not a text file (it contains NUL characters)."), "file_binary")
    if not text.strip():
        raise file_error(_("The file is empty."), "file_empty")
    return text, encoding


def refuse_disguised(data: bytes) -> None:
    """Refuse a workbook or other binary container sent as a text file (wrong extension)."""
    if data.startswith(_ZIP_MAGIC):
        raise file_error(
            _("This is a ZIP or Excel workbook, not a CSV file; name it .xlsx or export CSV."),
            "file_wrong_type",
        )
    if data.startswith(_OLE2_MAGIC):
        raise file_error(
            _("This is an old Excel (.xls) file; save it as .xlsx or CSV."), "file_wrong_type"
        )


def csv_frame(data: bytes) -> pl.DataFrame:
    """The rows of a CSV file with a header as a frame, every cell text and every column
    named by its header trimmed and in lower case. Refuses (field ``file``) a workbook or
    binary sent as CSV, text that is not UTF-8/UTF-16/GB18030, an empty file, and rows whose
    columns do not line up (``file_damaged``). Limits on size and rows are the caller's."""
    refuse_disguised(data)
    text, _encoding = decode(data)
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError:
        raise file_error(
            _("The CSV file cannot be read (columns do not line up)."), "file_damaged"
        ) from None
    return frame.rename({name: name.strip().lower() for name in frame.columns})


def csv_records(
    text: str, *, max_rows: int, max_columns: int, max_cell: int
) -> Iterator[tuple[int, list[str]]]:
    """``(record number, cells)`` for each record of CSV ``text``, the header being record 1;
    fully empty records are skipped (their number still counts).

    Limits are checked before the parser runs where the text allows it (line count; the
    parser itself stops at 128 KiB per cell), and again per record: more than
    ``max_rows`` data records (``file_too_many_rows``), more than ``max_columns`` cells
    (``file_too_many_columns``), a cell over ``max_cell`` characters (``cell_too_long``);
    a malformed record, such as an unterminated quote, is ``csv_malformed``.
    """
    # Before parsing: a file with far more non-empty lines than rows allowed is refused
    # without running the parser (records may span lines, hence the margin).
    if text.count("\n") > 2 * (max_rows + 1):
        non_empty = sum(1 for line in text.splitlines() if line.strip())
        if non_empty > 2 * (max_rows + 1):
            raise _too_many_rows(max_rows, None)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    data_rows = -1  # the first non-empty record is the header
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            check_record(
                number, cells, data_rows=data_rows, max_rows=max_rows, max_columns=max_columns
            )
            if any(len(cell) > max_cell for cell in cells):
                raise _cell_too_long(max_cell, number)
            data_rows += 1
            yield number, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _cell_too_long(max_cell, number + 1) from None
        raise file_error(
            _("The CSV is malformed near row %(row)s: %(problem)s")
            % {"row": number + 1, "problem": exc},
            "csv_malformed",
            row=number + 1,
        ) from None


def check_record(
    number: int, cells: list[Any], *, data_rows: int, max_rows: int, max_columns: int
) -> None:
    """Shape limits of one record (see :func:`csv_records`); shared by the XLSX reader.
    ``data_rows`` is the number of data records before this one, -1 for the header."""
    if len(cells) > max_columns:
        raise file_error(
            _("Row %(row)s has %(count)s columns; at most %(max)s are read.")
            % {"row": number, "count": len(cells), "max": max_columns},
            "file_too_many_columns",
            row=number,
        )
    if data_rows >= max_rows:
        raise _too_many_rows(max_rows, number)


def _too_many_rows(max_rows: int, row: int | None) -> ValidationFailed:
    return file_error(
        _("The file has more than %(rows)s rows; split it.") % {"rows": f"{max_rows:,}"},
        "file_too_many_rows",
        row=row,
    )


def _cell_too_long(max_cell: int, row: int) -> ValidationFailed:
    return file_error(
        _("A cell on row %(row)s is longer than %(max)s characters.")
        % {"row": row, "max": max_cell},
        "cell_too_long",
        row=row,
    )


def zip_checked(
    data: bytes, *, max_uncompressed: int, max_entries: int = 2_000, max_ratio: int = 200
) -> zipfile.ZipFile:
    """Open an OOXML package after checking it is no zip bomb and carries no macros,
    external links or XML document type declarations.

    Refusals: ``file_wrong_type`` (not a ZIP / not a workbook), ``file_zip_bomb`` (total
    uncompressed size, entry count or a compression ratio over the limits — read from the
    central directory before anything is inflated), ``file_macros`` (a VBA project),
    ``file_external_links``, ``file_xml_dtd`` (DOCTYPE/ENTITY in any part: no entity
    expansion reaches the XML parser), ``file_damaged`` (a member fails its CRC, is shorter
    or longer than the directory says, or cannot be inflated: every member is read through
    once, within the sizes already checked).
    """
    if not data.startswith(_ZIP_MAGIC):
        raise file_error(_("This is not an .xlsx workbook."), "file_wrong_type")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise file_error(
            _("The workbook is damaged (not a valid ZIP)."), "file_wrong_type"
        ) from None
    bomb = _("The workbook unpacks to far more than its size; it is refused.")
    if len(entries) > max_entries:
        raise file_error(bomb, "file_zip_bomb")
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > max_uncompressed:
            raise file_error(bomb, "file_zip_bomb")
        if entry.file_size > 1_000_000 and entry.file_size > max_ratio * max(
            entry.compress_size, 1
        ):
            raise file_error(bomb, "file_zip_bomb")
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise file_error(_("This is not an .xlsx workbook."), "file_wrong_type")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise file_error(_("Workbooks with macros are refused."), "file_macros")
    if any(name.startswith("xl/externalLinks/") for name in names):
        raise file_error(_("Workbooks with external links are refused."), "file_external_links")
    for entry in entries:
        content = _entry_read(archive, entry)
        if not entry.filename.endswith((".xml", ".rels")):
            continue
        if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
            raise file_error(
                _("The workbook contains XML document type declarations."), "file_xml_dtd"
            )
        if b"macroEnabled" in content and entry.filename == "[Content_Types].xml":
            raise file_error(_("Workbooks with macros are refused."), "file_macros")
    return archive


#: What reading a damaged ZIP member raises: a bad CRC or a size the directory lies about
#: (``BadZipFile``), truncated or corrupt deflate data (``zlib.error``, ``EOFError``), an
#: unknown compression method (``NotImplementedError``), an encrypted member
#: (``RuntimeError``), a local header that contradicts the directory (``ValueError``).
DAMAGED_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def _entry_read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """Every byte of one member, its CRC checked (``zipfile`` checks it at the end of the
    member, and stops at the size the directory declares): a damaged member is
    ``file_damaged`` here, before any XML parser sees the workbook. Only XML parts are kept;
    other members are read through and dropped."""
    keep = entry.filename.endswith((".xml", ".rels"))
    chunks: list[bytes] = []
    read = 0
    try:
        with archive.open(entry) as part:
            while chunk := part.read(1 << 20):
                read += len(chunk)
                if keep:
                    chunks.append(chunk)
    except DAMAGED_ZIP_ERRORS:
        raise _damaged() from None
    if read != entry.file_size:
        raise _damaged()
    return b"".join(chunks)


def _damaged() -> ValidationFailed:
    return file_error(
        _("The workbook is damaged (a part fails its checksum or size); save it again."),
        "file_damaged",
    )

"""Reading a bulk file of scans or dwell intervals (CSV or Parquet), safely and whole.

Size first, then the kind of file by its first bytes (Parquet's ``PAR1`` magic; a workbook or
other binary sent as CSV is refused by ``core.tabular``), then the frame: CSV with a header,
every cell read as text (the checks parse it, naming rows), or Parquet as typed. Nothing is
truncated: a file over the row limit is refused whole. A file's batch key is the SHA-256 of
its bytes, so the same file loaded twice is the same batch.
"""

from __future__ import annotations

import hashlib
import io

import polars as pl
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed
from fangkong.core.tabular import csv_frame, file_error

#: Uploads through the page; the command reads larger files (``tracing_load --max-bytes``).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: Rows in one file (one batch); larger feeds split by day or hour.
MAX_FILE_ROWS = 20_000_000
PARQUET_MAGIC = b"PAR1"


def file_key(data: bytes) -> str:
    """The batch key of a file: the SHA-256 of its bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_frame(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[pl.DataFrame, int]:
    """The rows of a CSV or Parquet file as a frame (CSV: every column text), and the number
    of its first data row as the sender sees it (2 for CSV, whose header is row 1; 1 for
    Parquet).

    Raises ``ValidationFailed`` (field ``file``) for a file too large, empty, not text and not
    Parquet, unreadable, or with more than :data:`MAX_FILE_ROWS` rows."""
    if len(data) > max_bytes:
        raise file_error(
            _("The file is larger than %(mib)s MiB.") % {"mib": max_bytes // (1024 * 1024)},
            "file_too_large",
        )
    first_row = 1
    if data.startswith(PARQUET_MAGIC):
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except Exception:
            raise file_error(_("The Parquet file cannot be read."), "file_damaged") from None
    else:
        frame = csv_frame(data)
        first_row = 2
    if frame.height > MAX_FILE_ROWS:
        raise file_error(
            _("The file has more than %(rows)s rows; split it.") % {"rows": f"{MAX_FILE_ROWS:,}"},
            "file_too_many_rows",
        )
    if frame.height == 0:
        raise file_error(_("The file has no rows."), "file_empty")
    return frame, first_row


def refusal_lines(error: ValidationFailed) -> list[str]:
    """A refusal as lines for a terminal: the message, then ``row N, field: message``."""
    lines = [error.message]
    for entry in error.errors:
        where = f"row {entry['row']}, " if "row" in entry else ""
        lines.append(f"{where}{entry['field']}: {entry['message']} ({entry['code']})")
    return lines

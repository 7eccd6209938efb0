"""Reading the arrivals CSV of the arrivals page: a header with a ``person`` column and one
person code a row. Shape, size and encoding limits are ``core.tabular``'s."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.tabular import csv_records, decode, file_error, refuse_disguised
from fangkong.isolation.orders.services import BULK_MAX

#: The largest file read (a person code and its separator are under 40 bytes a row).
MAX_BYTES = 1_000_000


def arrival_rows_read(data: bytes) -> list[tuple[int, str]]:
    """``(row, person code)`` for each data row of the CSV ``data`` (the header is row 1).

    Refuses (field ``file``) a file over ``MAX_BYTES``, a binary or workbook, text in no known
    encoding, more than ``BULK_MAX`` rows, and a header without ``person``
    (``header_missing_column``) and a file without rows. A row's empty ``person`` cell is
    returned empty: the lookup (``intake.selectors.arrivals_of_persons``) refuses it with the
    other bad rows.
    """
    if len(data) > MAX_BYTES:
        raise file_error(
            _("The file is larger than %(size)s bytes; split it.") % {"size": f"{MAX_BYTES:,}"},
            "file_too_large",
        )
    refuse_disguised(data)
    text, _encoding = decode(data)
    records = csv_records(text, max_rows=BULK_MAX, max_columns=20, max_cell=200)
    header = next(records, None)
    names = [cell.strip().lower() for cell in header[1]] if header else []
    if "person" not in names:
        raise file_error(_("The header has no “person” column."), "header_missing_column", row=1)
    column = names.index("person")
    rows = [
        (number, cells[column].strip() if column < len(cells) else "") for number, cells in records
    ]
    if not rows:
        raise file_error(_("The file has no rows."), "file_empty")
    return rows

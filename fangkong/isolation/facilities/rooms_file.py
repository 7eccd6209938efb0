"""Reading a facility's room file (CSV): every bad row and field named, nothing kept from a
file with an error. Pure: no database."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from fangkong.core.errors import field_error
from fangkong.isolation.checks import Errors, raise_if, text
from fangkong.isolation.models import Room

#: Columns of a room file, in this order (a header row names them).
ROOM_COLUMNS = ("number", "floor", "beds", "own_bathroom", "accessible")
#: At most this many rooms per file (a large site has 6,000).
ROOM_IMPORT_MAX = 10_000
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否"}


def _flag(value: str, *, field: str, row: int, errors: Errors) -> bool:
    cleaned = value.strip().lower()
    if cleaned in _TRUE:
        return True
    if cleaned not in _FALSE:
        errors.append(field_error(field, "invalid_flag", _("Write yes or no (1 or 0)."), row=row))
    return False


def _number(value: str, *, field: str, row: int, errors: Errors, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        errors.append(field_error(field, "not_a_number", _("Not a whole number."), row=row))
        return low
    if not low <= number <= high:
        errors.append(
            field_error(
                field,
                "out_of_range",
                _("Between %(low)d and %(high)d.") % {"low": low, "high": high},
                row=row,
            )
        )
    return number


def rooms_parse(content: str) -> list[tuple[int, Room]]:
    """The rooms of a CSV file (header ``number,floor,beds,own_bathroom,accessible``), each
    with its file row, not saved. Raises ``ValidationFailed`` listing every bad row (1-based,
    the header being row 1) and field: a missing or repeated number, a floor or bed count out
    of range, a flag that is not yes/no, a missing column, too many rooms."""
    errors: Errors = []
    reader = csv.reader(io.StringIO(content))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if tuple(header) != ROOM_COLUMNS:
        raise_if(
            [
                field_error(
                    "file",
                    "bad_header",
                    _("The first row must be: %(columns)s") % {"columns": ",".join(ROOM_COLUMNS)},
                    row=1,
                )
            ],
            _("The room file was not imported."),
        )
    rooms: list[tuple[int, Room]] = []
    seen: dict[str, int] = {}
    for row, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rooms) >= ROOM_IMPORT_MAX:
            errors.append(
                field_error(
                    "file",
                    "too_many_rows",
                    _("At most %(count)d rooms per file.") % {"count": ROOM_IMPORT_MAX},
                    row=row,
                )
            )
            break
        if len(cells) != len(ROOM_COLUMNS):
            errors.append(
                field_error(
                    "file",
                    "wrong_column_count",
                    _("Expected %(count)d columns.") % {"count": len(ROOM_COLUMNS)},
                    row=row,
                )
            )
            continue
        values = dict(zip(ROOM_COLUMNS, cells, strict=True))
        number = text(
            values["number"], field="number", max_length=20, errors=errors, required=True, row=row
        )
        if number and number in seen:
            errors.append(
                field_error(
                    "number",
                    "duplicate_in_file",
                    _("Room %(number)s is also on row %(row)d.")
                    % {"number": number, "row": seen[number]},
                    row=row,
                )
            )
        seen.setdefault(number, row)
        rooms.append(
            (
                row,
                Room(
                    number=number,
                    floor=_number(
                        values["floor"], field="floor", row=row, errors=errors, low=-5, high=200
                    ),
                    beds=_number(
                        values["beds"], field="beds", row=row, errors=errors, low=1, high=20
                    ),
                    own_bathroom=_flag(
                        values["own_bathroom"], field="own_bathroom", row=row, errors=errors
                    ),
                    accessible=_flag(
                        values["accessible"], field="accessible", row=row, errors=errors
                    ),
                ),
            )
        )
    if not rooms and not errors:
        errors.append(field_error("file", "empty", _("The file lists no rooms.")))
    raise_if(errors, _("The room file was not imported."))
    return rooms

"""The rows of a lab's result file: the header names the columns in Chinese or English, and
each record becomes a ``ResultInput`` (result words, Ct numbers, test times in the lab's time
zone); every other check is ``results_apply``'s. The file itself is read by
``results.result_file``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.tabular import header_columns_missing
from fangkong.core.times import EARLIEST_OBSERVATION, TimeOutOfBounds, observed_at_bounds
from fangkong.lab.choices import TubeResult
from fangkong.lab.results.result_file import Sheet
from fangkong.lab.results.services import ResultInput
from fangkong.lab.sampling.codes import barcode_normalise

#: Test times before this are typing or conversion mistakes, not results (core.times).
EARLIEST_TEST = EARLIEST_OBSERVATION

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


def _header_key(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().lstrip("\ufeff").lower()
    return re.sub(r"[\s_\-()（）:：]", "", text)


def header_positions(cells: Sequence[Any]) -> dict[str, tuple[int, str]]:
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
    errors.extend(header_columns_missing(positions, REQUIRED))
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


def record_inputs(
    sheet: Sheet, positions: dict[str, tuple[int, str]], zone: tzinfo
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


def to_columns(
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

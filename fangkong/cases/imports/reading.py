"""Reading and checking an export of the direct reporting system (补录) before anything is
written: the bytes decoded (UTF-8 with or without BOM, UTF-16 with BOM, GB18030, by
``core.tabular``), the header matched, every row checked, and each identity number resolved
to a person of the register in the actor's subtree.

Columns (header names case-insensitive, English or as the export writes them in Chinese;
other columns of the export are ignored):

========================  ======================================  ==========
column                    also                                     required
========================  ======================================  ==========
``id_number``             证件号码, 身份证号, 有效证件号             yes
``classification``        病例分类 (确诊病例, 无症状感染者, 疑似病例)  yes
``reported_at``           报告时间                                 yes
``onset_date``            发病日期                                 confirmed, suspected
``report_card``           报告卡编号, 卡片编号                      no
========================  ======================================  ==========

A time without an offset is local time (``TIME_ZONE``). On the report card an asymptomatic
infection's "onset date" is the day it tested positive: it is kept as the case's first
positive day, never as an onset. :func:`import_plan` returns the rows and every problem, each
naming its row (the header is row 1) and field; ``services.case_import_csv`` writes them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.checks import CLOCK_SKEW
from fangkong.cases.choices import CaseClassification
from fangkong.core.actor import AnyActor
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.tabular import (
    csv_records,
    decode,
    file_error,
    header_column_twice,
    header_columns_missing,
    refuse_disguised,
)
from fangkong.people.documents import search_indexes
from fangkong.people.models import IdentityDocument
from fangkong.people.selectors import person_scope

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
#: An export carries many more columns than the import reads.
MAX_COLUMNS = 200
MAX_CELL = 256
MAX_REPORT_CARD = 40
#: How far back a report may lie: an outbreak's cases, not the archive (about 13 months).
MAX_REPORT_AGE = timedelta(days=400)
LOOKUP_BATCH = 2_000

C = CaseClassification

#: Accepted header names (trimmed, lower case) for each column.
COLUMNS: dict[str, frozenset[str]] = {
    "id_number": frozenset({"id_number", "证件号码", "身份证号", "身份证号码", "有效证件号"}),
    "classification": frozenset({"classification", "病例分类"}),
    "reported_at": frozenset({"reported_at", "报告时间"}),
    "onset_date": frozenset({"onset_date", "发病日期"}),
    "report_card": frozenset({"report_card", "报告卡编号", "卡片编号"}),
}
REQUIRED = ("id_number", "classification", "reported_at")

#: Classifications as written in a file (lower case): the values and the export's words.
CLASSIFICATIONS: dict[str, str] = {
    C.CONFIRMED: C.CONFIRMED,
    "确诊病例": C.CONFIRMED,
    "确诊": C.CONFIRMED,
    C.ASYMPTOMATIC: C.ASYMPTOMATIC,
    "无症状感染者": C.ASYMPTOMATIC,
    "无症状": C.ASYMPTOMATIC,
    C.SUSPECTED: C.SUSPECTED,
    "疑似病例": C.SUSPECTED,
    "疑似": C.SUSPECTED,
}


@dataclass(frozen=True)
class ImportRow:
    """One good row: its number in the file, the person it names, and the report."""

    row: int
    person_id: int
    classification: str
    reported_at: datetime
    onset_date: date | None
    positive_on: date | None
    report_card: str


@dataclass
class ImportPlan:
    """The rows of a file and every problem found (nothing is written on any problem)."""

    sha256: str
    encoding: str
    rows_read: int
    rows: list[ImportRow]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({error["row"] for error in self.errors if "row" in error})


def _header(cells: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    errors = []
    for index, raw in enumerate(cells):
        name = raw.strip().lstrip("\ufeff").lower()
        column = next((key for key, names in COLUMNS.items() if name in names), None)
        if column is None:
            continue  # the export's other columns
        if column in positions:
            errors.append(header_column_twice(column))
        else:
            positions[column] = index
    errors.extend(header_columns_missing(positions, REQUIRED))
    if errors:
        raise ValidationFailed(
            _(
                "The first row must be the header, with at least id_number, classification "
                "and reported_at."
            ),
            errors=errors,
            code="header_invalid",
        )
    return positions


#: A day as exports write it: 2026-05-01, 2026/5/1, 2026.05.01, 20260501.
_DAY = re.compile(r"(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})")
#: A report time: a day, then hours and minutes (seconds optional), an offset optional.
_MOMENT = re.compile(
    _DAY.pattern + r"[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)


def _moment(text: str) -> datetime | None:
    """A report time (see :data:`_MOMENT`); local time when it has no offset. ``None`` when
    it is not one (a day alone is not a time)."""
    match = _MOMENT.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        if offset:
            zone = datetime.fromisoformat(f"2000-01-01T00:00{offset.replace('Z', '+00:00')}")
            return value.replace(tzinfo=zone.tzinfo)
    except ValueError:
        return None
    return timezone.make_aware(value)


def _day(text: str) -> date | None:
    """A day (see :data:`_DAY`), or the day of a time (spreadsheets write 00:00:00 after
    a day)."""
    match = _DAY.fullmatch(text.strip())
    if match is None:
        moment = _moment(text)
        return None if moment is None else timezone.localdate(moment)
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


@dataclass
class _Cells:
    """One row's cells by column, and its problems."""

    number: int
    values: dict[str, str]
    errors: list[dict[str, Any]]

    def refuse(self, column: str, code: str, message: str) -> None:
        self.errors.append(field_error(column, code, message, row=self.number))


def _reported(cells: _Cells, now: datetime) -> datetime | None:
    text = cells.values["reported_at"]
    if not text:
        cells.refuse("reported_at", "required", _("This field is required."))
        return None
    value = _moment(text)
    if value is None:
        cells.refuse(
            "reported_at",
            "datetime_invalid",
            _("Write the report time as 2026-05-01 14:30 (local time) or with its offset."),
        )
    elif value > now + CLOCK_SKEW:
        cells.refuse("reported_at", "in_the_future", _("This time is in the future."))
    elif value < now - MAX_REPORT_AGE:
        cells.refuse(
            "reported_at",
            "too_old",
            _("Reports more than %(days)s days old are not imported.")
            % {"days": MAX_REPORT_AGE.days},
        )
    else:
        return value
    return None


def _onset(cells: _Cells, classification: str, reported: datetime | None) -> date | None:
    text = cells.values["onset_date"]
    if not text:
        if classification in (C.CONFIRMED, C.SUSPECTED):
            cells.refuse(
                "onset_date",
                "required",
                _("A confirmed or suspected case has an onset date."),
            )
        return None
    value = _day(text)
    if value is None:
        cells.refuse("onset_date", "date_invalid", _("Write the day as 2026-05-01."))
        return None
    if reported is not None and value > timezone.localdate(reported):
        cells.refuse(
            "onset_date", "onset_after_report", _("The onset is after the day it was reported.")
        )
        return None
    if reported is not None and value < timezone.localdate(reported) - MAX_REPORT_AGE:
        cells.refuse(
            "onset_date",
            "too_old",
            _("The onset is more than %(days)s days before the report.")
            % {"days": MAX_REPORT_AGE.days},
        )
        return None
    return value


def _row_checked(
    cells: _Cells, now: datetime
) -> tuple[str, datetime | None, date | None, str, list[str]]:
    """Classification, report time, onset (or positive day), report card and the identity
    number's blind indexes of one row; problems go to ``cells.errors``."""
    values = cells.values
    number = values["id_number"]
    indexes: list[str] = []
    if not number:
        cells.refuse("id_number", "required", _("This field is required."))
    else:
        indexes = search_indexes(number).indexes
        if not indexes:
            cells.refuse(
                "id_number", "id_number_invalid", _("Not a valid identity document number.")
            )
    written = values["classification"]
    classification = CLASSIFICATIONS.get(written.lower(), "")
    if not written:
        cells.refuse("classification", "required", _("This field is required."))
    elif not classification:
        cells.refuse(
            "classification",
            "invalid_choice",
            _("Write confirmed, asymptomatic or suspected (确诊病例, 无症状感染者, 疑似病例)."),
        )
    reported = _reported(cells, now)
    day = _onset(cells, classification, reported) if classification else None
    card = values["report_card"]
    if len(card) > MAX_REPORT_CARD:
        cells.refuse(
            "report_card",
            "text_too_long",
            _("At most %(count)d characters.") % {"count": MAX_REPORT_CARD},
        )
    return classification, reported, day, card, indexes


def _persons(actor: AnyActor, indexes: set[str]) -> dict[str, set[int]]:
    """``{blind index: person ids}`` of the documents with those indexes held by persons in
    the actor's subtree (a person outside it is simply not found)."""
    found: dict[str, set[int]] = {}
    wanted = sorted(indexes)
    scope = person_scope(actor)
    for start in range(0, len(wanted), LOOKUP_BATCH):
        chunk = wanted[start : start + LOOKUP_BATCH]
        for index, person_id in IdentityDocument.objects.filter(
            number_index__in=chunk, person__in=scope
        ).values_list("number_index", "person_id"):
            found.setdefault(index, set()).add(person_id)
    return found


def _records(data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    refuse_disguised(data)
    text, encoding = decode(data)
    records = list(
        csv_records(text, max_rows=MAX_IMPORT_ROWS, max_columns=MAX_COLUMNS, max_cell=MAX_CELL)
    )
    if not records:
        raise file_error(_("The file is empty."), "file_empty")
    return encoding, records


def import_plan(data: bytes, *, actor: AnyActor) -> ImportPlan:
    """The rows of an export and every problem in it.

    1. Decode and parse (``core.tabular``: encodings, size of rows and cells); the header
       must name the required columns (``header_invalid``, raised).
    2. Check every row's cells (:func:`_row_checked`).
    3. Resolve the identity numbers, in batches, to persons in the actor's subtree: a number
       no one in the subtree holds is ``person_not_found`` with the wording of a missing
       person, whoever holds it elsewhere; two persons holding it is ``person_ambiguous``.
    4. A person or a report card number given on two rows is refused on the later one.
    """
    encoding, records = _records(data)
    positions = _header(records[0][1])
    now = timezone.now()
    errors: list[dict[str, Any]] = []
    checked = []
    for number, raw in records[1:]:
        values = {
            column: raw[positions[column]].strip()
            if column in positions and positions[column] < len(raw)
            else ""
            for column in COLUMNS
        }
        cells = _Cells(number, values, errors)
        checked.append((number, *_row_checked(cells, now)))
    persons = _persons(actor, {index for *_rest, indexes in checked for index in indexes})
    rows: list[ImportRow] = []
    seen_persons: dict[int, int] = {}
    seen_cards: dict[str, int] = {}
    for number, classification, reported, day, card, indexes in checked:
        holders = set().union(*(persons.get(index, set()) for index in indexes))
        cells = _Cells(number, {}, errors)
        if indexes and not holders:
            cells.refuse("id_number", "person_not_found", _("No such person."))
        elif len(holders) > 1:
            cells.refuse(
                "id_number",
                "person_ambiguous",
                _("Several persons of the register hold this number; merge them first."),
            )
        elif holders:
            person_id = next(iter(holders))
            if person_id in seen_persons:
                cells.refuse(
                    "id_number",
                    "duplicate_person",
                    _("This person is already on row %(row)s.") % {"row": seen_persons[person_id]},
                )
            seen_persons.setdefault(person_id, number)
            if card and card in seen_cards:
                cells.refuse(
                    "report_card",
                    "duplicate_report_card",
                    _("This report card is already on row %(row)s.") % {"row": seen_cards[card]},
                )
            if card:
                seen_cards.setdefault(card, number)
            if classification and reported is not None:
                asymptomatic = classification == C.ASYMPTOMATIC
                rows.append(
                    ImportRow(
                        row=number,
                        person_id=person_id,
                        classification=classification,
                        reported_at=reported,
                        onset_date=None if asymptomatic else day,
                        positive_on=day if asymptomatic else None,
                        report_card=card,
                    )
                )
    bad = {error["row"] for error in errors}
    rows = [row for row in rows if row.row not in bad]
    errors.sort(key=lambda error: (error.get("row", 0), error["field"]))
    return ImportPlan(
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        rows_read=len(records) - 1,
        rows=rows,
        errors=errors,
    )

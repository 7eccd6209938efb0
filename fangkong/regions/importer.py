"""Reading and checking a division-table CSV before anything is written.

``import_plan`` decodes the bytes (UTF-8 with or without BOM, UTF-16 with BOM, or GB18030),
checks the header, checks every row, resolves parents against the file and the database
(existing codes are loaded in one query per batch), and returns the rows to create in
parent-before-child order together with every problem found. ``services.region_import_csv``
writes the plan, all or nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.tabular import decode, header_column_twice, header_columns_missing
from fangkong.core.tabular import file_error as _file_error
from fangkong.regions.choices import RegionLevel
from fangkong.regions.codes import (
    CODE_MESSAGES,
    NAME_MESSAGES,
    code_format_ok,
    code_problem,
    name_problem,
    time_zone_ok,
)
from fangkong.regions.models import Region
from fangkong.regions.subtree import path_in_subtree

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
LOOKUP_BATCH = 2_000
DEFAULT_TIME_ZONE = "Asia/Shanghai"

#: Accepted header names (case-insensitive) for each column.
COLUMNS = {
    "code": {"code", "代码", "区划代码"},
    "name": {"name", "名称"},
    "parent_code": {"parent_code", "parent", "上级代码"},
    "time_zone": {"time_zone", "timezone", "时区"},
}
REQUIRED = ("code", "name", "parent_code")


@dataclass(slots=True)
class Row:
    """One data row: its 1-based record number in the file (the header is row 1)."""

    number: int
    code: str
    name: str
    parent_code: str
    time_zone: str
    #: Set when the row has a different number of cells than the header.
    wrong_cell_count: int | None = None


@dataclass(slots=True)
class Existing:
    pk: int
    name: str
    path: str
    level: int
    time_zone: str

    @property
    def parent_code(self) -> str:
        parts = self.path.split(".")
        return parts[-2] if len(parts) > 1 else ""


@dataclass(slots=True)
class NewNode:
    """A row that will become a node: its level, path and parent (by code)."""

    row: Row
    level: int
    path: str
    time_zone: str


@dataclass
class ImportPlan:
    sha256: str
    encoding: str
    rows_read: int
    unchanged: int
    new: list[NewNode]
    existing_parents: dict[str, int]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({error["row"] for error in self.errors})


def _header(cells: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    errors = []
    for index, raw in enumerate(cells):
        name = raw.strip().lstrip("\ufeff").lower()
        column = next((key for key, names in COLUMNS.items() if name in names), None)
        if column is None:
            errors.append(
                field_error(
                    f"column {index + 1}",
                    "header_unknown_column",
                    _("Unknown column %(name)r; use code, name, parent_code[, time_zone].")
                    % {"name": raw[:40]},
                    row=1,
                )
            )
        elif column in positions:
            errors.append(header_column_twice(column))
        else:
            positions[column] = index
    errors.extend(header_columns_missing(positions, REQUIRED))
    if errors:
        raise ValidationFailed(
            _("The first row must be the header: code,name,parent_code[,time_zone]."),
            errors=errors,
            code="header_invalid",
        )
    return positions


def read_rows(text: str, *, max_rows: int) -> list[Row]:
    """Parse the CSV text: header first, then data rows (fully empty lines are skipped).

    Raises ``ValidationFailed`` for a missing or wrong header, a malformed record or more than
    ``max_rows`` data rows; bad cells are left for :func:`import_plan` to report per row.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    number = 0
    positions: dict[str, int] | None = None
    try:
        for cells in reader:
            number += 1
            if positions is None:
                positions = _header(cells)
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise _file_error(
                    _("The file has more than %(rows)s rows; split it (for example by province).")
                    % {"rows": f"{max_rows:,}"},
                    "file_too_many_rows",
                    row=number,
                )
            if len(cells) != len(positions):
                rows.append(Row(number, "", "", "", "", wrong_cell_count=len(cells)))
                continue

            values = {
                column: cells[index].strip() if index is not None else ""
                for column, index in (
                    (name, positions.get(name))
                    for name in ("code", "name", "parent_code", "time_zone")
                )
            }
            rows.append(
                Row(
                    number,
                    values["code"],
                    values["name"],
                    values["parent_code"],
                    values["time_zone"],
                )
            )
    except csv.Error as exc:
        raise _file_error(
            _("The CSV is malformed near row %(row)s: %(problem)s")
            % {"row": number + 1, "problem": exc},
            "csv_malformed",
            row=number + 1,
        ) from None
    if positions is None:
        raise _file_error(_("The file is empty."), "file_empty")
    return rows


def _existing(codes: set[str]) -> dict[str, Existing]:
    found: dict[str, Existing] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start : start + LOOKUP_BATCH]
        for pk, code, name, path, level, time_zone in Region.objects.filter(
            code__in=batch
        ).values_list("pk", "code", "name", "path", "level", "time_zone"):
            found[code] = Existing(pk, name, path, level, time_zone)
    return found


def import_plan(data: bytes, *, actor: AnyActor, max_rows: int = MAX_IMPORT_ROWS) -> ImportPlan:
    """Everything :func:`services.region_import_csv` needs, and every problem, without
    writing.

    1. Decode and parse (file-level problems raise at once: nothing to report per row).
    2. Check each row's cells: code format, name, time zone, column count, duplicates.
    3. Load the codes and parent codes that already exist, one query per batch.
    4. Resolve each new row's parent (in the database, or earlier in the plan from the file),
       depth first, and check the code structure and that the parent is in the actor's subtree.
    """
    text, encoding = decode(data)
    rows = read_rows(text, max_rows=max_rows)
    plan = ImportPlan(
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        rows_read=len(rows),
        unchanged=0,
        new=[],
        existing_parents={},
    )

    def reject(row: Row, column: str, code: str, message: str | Promise) -> None:
        plan.errors.append(field_error(column, code, str(message), row=row.number))

    by_code: dict[str, Row] = {}
    candidates: list[Row] = []
    for row in rows:
        if row.wrong_cell_count is not None:
            reject(
                row,
                "row",
                "column_count",
                _("This row has %(count)s cells; the header has a different number.")
                % {"count": row.wrong_cell_count},
            )
            continue
        ok = True
        if not code_format_ok(row.code):
            reject(row, "code", "code_format", CODE_MESSAGES["code_format"])
            ok = False
        problem = name_problem(row.name)
        if problem:
            reject(row, "name", problem, NAME_MESSAGES[problem])
            ok = False
        if row.parent_code and not code_format_ok(row.parent_code):
            reject(row, "parent_code", "code_format", CODE_MESSAGES["code_format"])
            ok = False
        if row.time_zone and not time_zone_ok(row.time_zone):
            reject(row, "time_zone", "time_zone_unknown", _("Unknown time zone."))
            ok = False
        if ok and row.code in by_code:
            first = by_code[row.code].number
            reject(
                row,
                "code",
                "duplicate_code",
                _("The code is already on row %(row)s.") % {"row": first},
            )
            ok = False
        if ok:
            by_code[row.code] = row
            candidates.append(row)
        elif code_format_ok(row.code) and row.code not in by_code:
            by_code[row.code] = row  # children of a rejected row are reported as such
    rejected_codes = set(by_code) - {row.code for row in candidates}
    existing = _existing(
        {row.code for row in candidates}
        | {row.parent_code for row in candidates if row.parent_code}
    )
    resolved: dict[str, NewNode | Existing | None] = {}
    scope = actor.region_path

    def resolve(row: Row, trail: frozenset[str]) -> NewNode | Existing | None:
        if row.code in resolved:
            return resolved[row.code]
        resolved[row.code] = None  # provisional: guards against cycles
        result = _resolve_row(row, trail | {row.code})
        resolved[row.code] = result
        return result

    def _resolve_row(row: Row, trail: frozenset[str]) -> NewNode | Existing | None:
        current = existing.get(row.code)
        if current is not None:
            if current.name != row.name:
                reject(
                    row,
                    "name",
                    "code_exists_different_name",
                    _("The code exists with the name %(name)s.") % {"name": current.name},
                )
                return None
            if current.parent_code != row.parent_code:
                reject(
                    row,
                    "parent_code",
                    "code_exists_different_parent",
                    _("The code exists under %(parent)s.") % {"parent": current.parent_code or "—"},
                )
                return None
            if row.time_zone and row.time_zone != current.time_zone:
                reject(
                    row,
                    "time_zone",
                    "code_exists_different_time_zone",
                    _("The code exists with the time zone %(zone)s.") % {"zone": current.time_zone},
                )
                return None
            plan.unchanged += 1
            return current
        if not row.parent_code:
            if scope:
                reject(
                    row,
                    "parent_code",
                    "parent_out_of_scope",
                    _("Only a system import creates top-level nodes."),
                )
                return None
            parent_level, parent_path, parent_zone = None, "", DEFAULT_TIME_ZONE
        else:
            parent: NewNode | Existing | None
            if row.parent_code in existing:
                parent = existing[row.parent_code]
                if not path_in_subtree(parent.path, scope):
                    reject(
                        row,
                        "parent_code",
                        "parent_out_of_scope",
                        _("The parent is outside your jurisdiction."),
                    )
                    return None
            elif row.parent_code in trail:
                reject(row, "parent_code", "parent_cycle", _("The parent chain loops."))
                return None
            elif len(trail) > len(RegionLevel):
                reject(row, "code", "level_too_deep", CODE_MESSAGES["level_too_deep"])
                return None
            elif row.parent_code in rejected_codes:
                reject(row, "parent_code", "parent_rejected", _("The parent row is rejected."))
                return None
            elif row.parent_code in by_code:
                parent = resolve(by_code[row.parent_code], trail)
                if parent is None:
                    reject(row, "parent_code", "parent_rejected", _("The parent row is rejected."))
                    return None
            else:
                reject(
                    row,
                    "parent_code",
                    "unknown_parent",
                    _("No such parent, in the file or in the system."),
                )
                return None
            parent_level, parent_path, parent_zone = parent.level, parent.path, parent.time_zone
            if isinstance(parent, Existing):
                plan.existing_parents[row.parent_code] = parent.pk
        problem = code_problem(row.code, row.parent_code or None, parent_level)
        if problem:
            reject(row, "code", problem, CODE_MESSAGES[problem])
            return None
        node = NewNode(
            row=row,
            level=(parent_level or 0) + 1,
            path=f"{parent_path}.{row.code}" if parent_path else row.code,
            time_zone=row.time_zone or parent_zone,
        )
        plan.new.append(node)
        return node

    for row in candidates:
        resolve(row, frozenset())
    plan.errors.sort(key=lambda error: (error["row"], error["field"]))
    plan.new.sort(key=lambda node: (node.level, node.path))
    return plan

"""Spatiotemporal companions (时空伴随者, R20): who shared a grid cell with a case.

Input: dwell intervals (person, cell, start, end) — a phone's stay in an 800 m × 800 m cell,
times in integer seconds, half-open ``[start, end)`` — and the persons who are cases.

Definition used here (domain-reference §2.3, R20), within the window ``[window_start,
window_end)`` (the rule set's 14 days; dwells are clipped to it):

- the overlap of a person P and a case C in a cell is the sum, over every pair of P's and C's
  dwells in that cell, of the seconds both intervals share (touching intervals share none);
  a person's own dwells do not overlap each other, so nothing is counted twice;
- P is C's companion through a cell when that overlap is **more than** ``min_overlap``
  seconds (10 minutes by default) and, if ``min_cumulative_stay`` is given (the optional
  Chengdu filter, 30 h), P's or C's own total stay in that cell within the window is at least
  that long;
- the answer is one row per (companion, case) with the overlap summed over the cells through
  which they are companions. A case is never its own companion; one case may be another's.

Method: only dwells in cells some case visited can matter, so those are kept (a lookup table
over the cell numbers), indexed by (cell, start) with :func:`fangkong.engine.copresence.
stays_index`, and every case dwell is a "visit" for :func:`~fangkong.engine.copresence.
overlaps_find`; the sums per (companion, case, cell) and then per (companion, case) are sorts
of packed integers (:func:`_summed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.engine.copresence import overlaps_find, stays_index
from fangkong.engine.inputs import (
    InputError,
    Int64,
    as_int64,
    require,
    require_positive,
    same_length,
)

#: Case dwells looked up per batch (see step 4 of :func:`companions_find`).
CASE_DWELLS_AT_ONCE = 128


@dataclass(frozen=True)
class Companions:
    """(companion, case, overlap seconds) rows, sorted by case then companion."""

    companion: Int64
    case: Int64
    overlap: Int64

    def __len__(self) -> int:
        return int(self.companion.shape[0])


def companions_find(
    *,
    person: npt.ArrayLike,
    cell: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    cases: npt.ArrayLike,
    window_start: int,
    window_end: int,
    min_overlap: int = 600,
    min_cumulative_stay: int | None = None,
) -> Companions:
    """Every person with more than ``min_overlap`` seconds in one cell with a case (see the
    module docstring for the exact definition).

    Steps:

    1. check the arrays (equal lengths, cell ≥ 0, end ≥ start) and the parameters;
    2. clip the dwells to the window and drop the empty ones;
    3. keep the dwells in cells some case visited; index them by (cell, start);
    4. find every overlap of a case dwell with another person's dwell in its cell;
    5. sum the overlaps per (companion, case, cell), keep those > ``min_overlap`` (and, with
       ``min_cumulative_stay``, those where either person stayed that long in the cell);
    6. sum per (companion, case).

    Raises :class:`~fangkong.engine.inputs.InputError` naming the field and first bad row.
    """
    d_person = as_int64("person", person)
    d_cell = as_int64("cell", cell)
    d_start = as_int64("start", start)
    d_end = as_int64("end", end)
    case_ids = np.unique(as_int64("cases", cases))
    same_length(person=d_person, cell=d_cell, start=d_start, end=d_end)
    require("cell", d_cell >= 0, "must not be negative")
    require("end", d_end >= d_start, "is before the start")
    require_positive("min_overlap", min_overlap, allow_zero=True)
    if min_cumulative_stay is not None:
        require_positive("min_cumulative_stay", min_cumulative_stay, allow_zero=True)
    if window_end <= window_start:
        raise InputError("window_end", "must be after window_start")
    if window_start < 0:
        raise InputError("window_start", "must not be negative")

    # 2. the window
    d_start = np.maximum(d_start, window_start)
    d_end = np.minimum(d_end, window_end)
    inside = d_end > d_start
    # 3. cells some case visited
    is_case = np.isin(d_person, case_ids) & inside
    case_cells = np.unique(d_cell[is_case])
    if case_cells.size == 0:
        return _empty()
    wanted = np.zeros(int(case_cells[-1]) + 1, dtype=bool)
    wanted[case_cells] = True
    keep = inside & (d_cell <= case_cells[-1])
    keep[keep] = wanted[d_cell[keep]]
    k_person, k_cell, k_start, k_end = d_person[keep], d_cell[keep], d_start[keep], d_end[keep]
    k_case = is_case[keep]
    index = stays_index(
        person=k_person, venue=k_cell, check_in=k_start, check_out=k_end, stay_limit=1
    )
    # 4.–5. overlaps with the case dwells, summed per (companion, case, cell); each case
    # dwell is one (case, cell), numbered densely. The case dwells go in batches of
    # CASE_DWELLS_AT_ONCE (a group's together, as they are sorted by group), each batch's
    # overlaps summed before the next, so memory follows a batch's overlaps, not all of them
    c_person, c_cell = k_person[k_case], k_cell[k_case]
    c_start, c_end = k_start[k_case], k_end[k_case]
    group, case_of, cell_of = _numbered_pairs(c_person, c_cell)
    by_group = np.argsort(group, kind="stable")
    partial: list[tuple[Int64, Int64, Int64]] = []
    for at in range(0, by_group.shape[0], CASE_DWELLS_AT_ONCE):
        rows = by_group[at : at + CASE_DWELLS_AT_ONCE]
        found = overlaps_find(
            index,
            venue=c_cell[rows],
            start=c_start[rows],
            end=c_end[rows],
            exclude_person=c_person[rows],
        )
        partial.append(_summed(group[rows][found.visit], found.person, found.overlap))
    companion, per_group, overlap = (np.concatenate([p[k] for p in partial]) for k in range(3))
    if len(partial) > 1:  # a group split between batches is summed once more
        companion, per_group, overlap = _summed(per_group, companion, overlap)
    over = overlap > min_overlap
    companion, per_group, overlap = companion[over], per_group[over], overlap[over]
    if min_cumulative_stay is not None:
        long = _long_stayers(
            companion,
            case_of[per_group],
            cell_of[per_group],
            (k_person, k_cell, k_end - k_start),
            min_cumulative_stay,
        )
        companion, per_group, overlap = companion[long], per_group[long], overlap[long]
    # 6. per (companion, case): cases numbered densely in ascending id, so the result comes
    # out sorted by case then companion
    case_ids_used, case_rank = np.unique(case_of[per_group], return_inverse=True)
    companion, rank, overlap = _summed(case_rank.astype(np.int64), companion, overlap)
    return Companions(companion=companion, case=case_ids_used[rank], overlap=overlap)


def _numbered_pairs(person: Int64, cell: Int64) -> tuple[Int64, Int64, Int64]:
    """Each (person, cell) row's dense number in (person, cell) order, and per number its
    person and cell."""
    if person.size == 0:
        return person, person, cell
    pairs, number = np.unique(np.column_stack([person, cell]), axis=0, return_inverse=True)
    return number.reshape(-1).astype(np.int64), pairs[:, 0], pairs[:, 1]


def _summed(group: Int64, member: Int64, value: Int64) -> tuple[Int64, Int64, Int64]:
    """Sum ``value`` per (group, member): (member, group, sum), sorted by group then member.

    When group, member (offset to its minimum) and the total fit 63 bits together — the usual
    case — all three are packed into one int64 and sorted by value (NumPy's vectorised sort);
    otherwise Polars groups them. Either way several times faster than ``np.lexsort``."""
    if group.size == 0:
        return member, group, value
    low = int(member.min())
    member_bits = max(int(member.max()) - low, 1).bit_length()
    group_bits = max(int(group.max()), 1).bit_length()
    value_bits = max(int(value.sum()), 1).bit_length()  # room for any partial sum
    if member_bits + group_bits + value_bits > 63:
        frame = (
            pl.DataFrame({"group": group, "member": member, "value": value})
            .group_by("group", "member")
            .agg(pl.col("value").sum())
            .sort("group", "member")
        )
        return (
            frame["member"].to_numpy().astype(np.int64),
            frame["group"].to_numpy().astype(np.int64),
            frame["value"].to_numpy().astype(np.int64),
        )
    key_shift = value_bits
    packed = np.sort((group << (member_bits + value_bits)) | ((member - low) << value_bits) | value)
    key = packed >> key_shift
    head = np.ones(packed.shape[0], dtype=bool)
    head[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(head)
    total = np.add.reduceat(packed & ((1 << value_bits) - 1), starts)
    first = key[starts]
    return (
        (first & ((1 << member_bits) - 1)) + low,
        first >> member_bits,
        total.astype(np.int64),
    )


def _long_stayers(
    companion: Int64,
    case: Int64,
    cell: Int64,
    dwells: tuple[Int64, Int64, Int64],
    minimum: int,
) -> npt.NDArray[np.bool_]:
    """Which (companion, case, cell) rows have the companion or the case staying at least
    ``minimum`` seconds in the cell over the window (their dwells there summed); ``dwells``
    is (person, cell, seconds) of the dwells in the window."""
    person, d_cell, seconds = dwells
    involved = np.unique(np.concatenate([companion, case]))
    mine = np.isin(person, involved)
    stays = (
        pl.DataFrame({"person": person[mine], "cell": d_cell[mine], "stay": seconds[mine]})
        .group_by("person", "cell")
        .agg(pl.col("stay").sum())
        .filter(pl.col("stay") >= minimum)
        .select("person", "cell", pl.lit(True).alias("long"))
    )
    rows = pl.DataFrame({"companion": companion, "case": case, "cell": cell})
    marked = (
        rows.join(stays, left_on=["companion", "cell"], right_on=["person", "cell"], how="left")
        .rename({"long": "companion_long"})
        .join(stays, left_on=["case", "cell"], right_on=["person", "cell"], how="left")
        .select(pl.col("companion_long").fill_null(False) | pl.col("long").fill_null(False))
    )
    return marked.to_series().to_numpy().astype(bool)


def _empty() -> Companions:
    nothing = np.zeros(0, dtype=np.int64)
    return Companions(nothing, nothing.copy(), nothing.copy())


__all__ = ["Companions", "InputError", "companions_find"]

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

Method (linear in the dwells of the cases' cells per case there; no pair of dwells is
expanded, nothing sorted but a radix sort of small bucket numbers):

1. only dwells in cells some case visited can matter: those are kept (a lookup table over
   the cell numbers) and bucketed per cell — its dwells longer than a day first, then the
   others by day of start;
2. in a cell, a case's presence is a piecewise-linear function F(t), the seconds it spent
   there before t (each own dwell counted once); a dwell ``[s, e)`` shares ``F(e) − F(s)``
   seconds with the case — exactly the sum of its pairwise overlaps with the case's dwells.
   F at every dwell's ends is one ``np.interp``, restricted to the long dwells and the
   buckets of the days the case was there; the sums per person one ``np.bincount`` over a
   per-cell person number (a scratch array over the person ids, no sort);
3. the sums > ``min_overlap`` per (companion, case, cell) are summed per (companion, case).

All arithmetic is on integers held exactly in float64 (integer slopes, totals below 2⁵³).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import (
    InputError,
    Int64,
    as_int64,
    as_integers,
    require,
    require_positive,
    same_length,
)

#: Overlaps are summed in float64 (``np.interp``, ``np.bincount``): exact below 2⁵³.
_EXACT = 1 << 53

#: Dwells up to this long (seconds) are searched by start (see :func:`_cell_companions`).
SHORT_DWELL = 86_400


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
    2. the cells where a case stayed within the window;
    3. the dwells in the window in those cells, clipped to it, bucketed per cell (long
       dwells, then by day of start) and numbered per person within their cell;
    4. per cell and case there, every person's shared seconds with it (``F(e) − F(s)``, see
       the module docstring) summed per person;
    5. kept when > ``min_overlap`` (and, with ``min_cumulative_stay``, when either person
       stayed that long in the cell);
    6. summed per (companion, case).

    Raises :class:`~fangkong.engine.inputs.InputError` naming the field and first bad row.
    """
    d_person = as_integers("person", person)
    d_cell = as_integers("cell", cell)
    d_start = as_int64("start", start)
    d_end = as_int64("end", end)
    case_ids = np.unique(as_int64("cases", cases))
    same_length(person=d_person, cell=d_cell, start=d_start, end=d_end)
    if not np.issubdtype(d_cell.dtype, np.unsignedinteger):
        require("cell", d_cell >= 0, "must not be negative")
    require("end", d_end >= d_start, "is before the start")
    require_positive("min_overlap", min_overlap, allow_zero=True)
    if min_cumulative_stay is not None:
        require_positive("min_cumulative_stay", min_cumulative_stay, allow_zero=True)
    if window_end <= window_start:
        raise InputError("window_end", "must be after window_start")
    if window_start < 0:
        raise InputError("window_start", "must not be negative")

    # 2.–3. the cases' dwells in the window and their cells; every dwell in the window in
    # those cells (its times from the window's start, clipped to it), the cell's dense number
    is_case = np.isin(d_person, case_ids)
    own = np.flatnonzero(is_case)
    own = own[np.minimum(d_end[own], window_end) > np.maximum(d_start[own], window_start)]
    case_cells = np.unique(d_cell[own]).astype(np.int64)
    if case_cells.size == 0:
        return _empty()
    keep = d_end > window_start
    keep &= d_start < window_end
    keep &= d_end > d_start
    rank = _ranks(d_cell, case_cells)
    keep &= rank >= 0
    rows = np.flatnonzero(keep)
    del keep
    k_person, k_case = d_person[rows].astype(np.int64), is_case[rows]
    k_start = np.maximum(d_start[rows], window_start) - window_start
    k_end = np.minimum(d_end[rows], window_end) - window_start
    k_rank = rank[rows].astype(np.int64)
    del rows, is_case, rank
    if int((k_end - k_start).sum()) >= _EXACT:
        raise InputError("end", "the dwells in the window add up to more than 2⁵³ seconds")
    # bucketed per cell: the dwells longer than SHORT_DWELL first, then the others by day of
    # start (one radix sort of the bucket numbers)
    days = (window_end - window_start - 1) // SHORT_DWELL + 1
    per_cell = days + 1
    bucket = k_rank * per_cell
    short = k_end - k_start <= SHORT_DWELL
    bucket[short] += 1 + k_start[short] // SHORT_DWELL
    buckets = case_cells.shape[0] * per_cell
    narrow = bucket.astype(np.uint16) if buckets <= 1 << 16 else bucket
    order = np.argsort(narrow, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(bucket, minlength=buckets))])
    del bucket, narrow, short, k_rank
    # a person's dwells in a cell share one number, dense in the cell: the position of one of
    # them there, found through a scratch array over the persons' numbers (their ids less the
    # least, or their ranks when the ids spread too widely), counted among those positions
    low, high = int(k_person.min()), int(k_person.max())
    if high - low < max(4 * k_person.shape[0], 1 << 24):
        number = k_person - low
    else:
        number = np.unique(k_person, return_inverse=True)[1].reshape(-1)
    scratch = np.empty(int(number.max()) + 1, dtype=np.int64)
    # 4.–5. per cell, per case in it: overlap of every dwell there with the case's presence,
    # summed per person, kept when > min_overlap (and long enough a stay)
    found: dict[int, list[tuple[Int64, Int64]]] = {}
    for c in range(case_cells.shape[0]):
        first, last = int(offsets[c * per_cell]), int(offsets[(c + 1) * per_cell])
        rows = order[first:last]
        mine = number[rows]
        scratch[mine] = np.arange(rows.shape[0])
        held = scratch[mine]
        head = np.zeros(rows.shape[0], dtype=bool)
        head[held] = True
        slot = (np.cumsum(head) - 1)[held]
        person_c = k_person[rows]
        for case, persons, overlap in _cell_companions(
            Dwells(person_c, k_start[rows], k_end[rows], k_case[rows], slot, person_c[head]),
            offsets[c * per_cell : (c + 1) * per_cell + 1] - first,
            min_overlap,
            min_cumulative_stay,
        ):
            found.setdefault(case, []).append((persons, overlap))
    # 6. per (companion, case), cases ascending and each case's companions ascending
    companion, case_col, overlap_col = [], [], []
    for case in sorted(found):
        persons, overlap = _per_person(found[case])
        companion.append(persons)
        case_col.append(np.full(persons.shape[0], case, dtype=np.int64))
        overlap_col.append(overlap)
    if not companion:
        return _empty()
    return Companions(
        companion=np.concatenate(companion),
        case=np.concatenate(case_col),
        overlap=np.concatenate(overlap_col),
    )


@dataclass(frozen=True)
class Dwells:
    """One cell's dwells in bucket order: times from the window's start, ``slot`` the dwell's
    person's number in the cell, ``slot_person`` the person of each number."""

    person: Int64
    start: Int64
    end: Int64
    is_case: npt.NDArray[np.bool_]
    slot: Int64
    slot_person: Int64


def _cell_companions(
    dwells: Dwells,
    bounds: Int64,
    min_overlap: int,
    min_cumulative_stay: int | None,
) -> list[tuple[int, Int64, Int64]]:
    """One cell's dwells: per case among them, the persons with more than ``min_overlap``
    seconds there together with it and that sum. ``bounds[b]:bounds[b + 1]`` are bucket
    ``b``'s dwells: bucket 0 those longer than :data:`SHORT_DWELL`, bucket 1 + d the others
    starting on day d of the window.

    Each case's presence in the cell is a piecewise-linear function F (seconds present
    before t, counted once per own dwell); a dwell [s, e) shares F(e) − F(s) seconds with the
    case — the sum over the case's dwells of the pairwise overlaps. F at the dwells' ends is
    ``np.interp``, the sums per person ``np.bincount``: no pair of dwells is expanded and
    nothing sorted. A case present in [first, last) can share time only with the long dwells
    and the short ones starting in (first − SHORT_DWELL, last), so only those buckets are read.
    """
    slot, size = dwells.slot, dwells.slot_person.shape[0]
    began, ended = dwells.start.astype(np.float64), dwells.end.astype(np.float64)
    long: npt.NDArray[np.bool_] | None = None
    if min_cumulative_stay is not None:
        stay = np.bincount(slot, weights=ended - began, minlength=size)
        long = stay >= min_cumulative_stay
    c_rows = np.flatnonzero(dwells.is_case)
    c_rows = c_rows[np.argsort(dwells.person[c_rows], kind="stable")]
    c_person = dwells.person[c_rows]
    cuts = np.flatnonzero(np.diff(c_person)) + 1
    result = []
    for a, b in itertools.pairwise([0, *cuts.tolist(), c_rows.shape[0]]):
        own = c_rows[a:b]
        c_start, c_end = dwells.start[own], dwells.end[own]
        knots, present = _presence(c_start, c_end)
        day_first = max((int(c_start.min()) - SHORT_DWELL) // SHORT_DWELL, 0)
        day_last = min((int(c_end.max()) - 1) // SHORT_DWELL, bounds.shape[0] - 3)
        summed = np.zeros(size, dtype=np.float64)
        for lo, hi in ((0, bounds[1]), (bounds[1 + day_first], bounds[2 + day_last])):
            if hi > lo:
                shared = np.interp(ended[lo:hi], knots, present)
                shared -= np.interp(began[lo:hi], knots, present)
                summed += np.bincount(slot[lo:hi], weights=shared, minlength=size)
        case_slot = int(slot[own[0]])
        summed[case_slot] = 0  # a case is not its own companion
        kept = summed > min_overlap
        if long is not None:
            kept &= long | bool(long[case_slot])
        hit = np.flatnonzero(kept)
        result.append((int(c_person[a]), dwells.slot_person[hit], summed[hit].astype(np.int64)))
    return result


def _ranks(values: npt.NDArray[np.integer[Any]], wanted: Int64) -> npt.NDArray[np.int32]:
    """Each of ``values`` (non-negative) as its position in ``wanted`` (sorted, taken from
    them), −1 when not there: a lookup table when they are small numbers, as grid cells
    are, else binary searches."""
    top = int(wanted[-1])
    if top >= 1 << 26:
        at = np.minimum(np.searchsorted(wanted, values), wanted.shape[0] - 1)
        return np.where(wanted[at] == values, at, -1).astype(np.int32)
    narrow = values.dtype.itemsize <= 2 and np.issubdtype(values.dtype, np.unsignedinteger)
    size = 1 << (8 * values.dtype.itemsize) if narrow else top + 2
    table = np.full(size, -1, dtype=np.int32)
    table[wanted] = np.arange(wanted.shape[0], dtype=np.int32)
    ranks: npt.NDArray[np.int32] = table[values] if narrow else table[np.minimum(values, top + 1)]
    return ranks


def _presence(start: Int64, end: Int64) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The knots and values of F(t) = Σᵢ |[startᵢ, endᵢ) ∩ (−∞, t)|: F rises by the number of
    intervals open at t; exact in float64 (integer slopes, values below 2⁵³)."""
    knots = np.unique(np.concatenate([start, end]))
    opened = np.searchsorted(np.sort(start), knots, side="right")
    closed = np.searchsorted(np.sort(end), knots, side="right")
    rise = (opened - closed)[:-1] * np.diff(knots)
    present = np.concatenate([[0], np.cumsum(rise)])
    return knots.astype(np.float64), present.astype(np.float64)


def _per_person(parts: list[tuple[Int64, Int64]]) -> tuple[Int64, Int64]:
    """One case's (persons, overlap) from its cells summed per person, persons ascending."""
    if len(parts) == 1:
        persons, overlap = parts[0]
        order = np.argsort(persons)
        return persons[order], overlap[order]
    persons = np.concatenate([p for p, _ in parts])
    overlap = np.concatenate([o for _, o in parts])
    unique, slot = np.unique(persons, return_inverse=True)
    total = np.bincount(slot.reshape(-1), weights=overlap.astype(np.float64))
    return unique, total.astype(np.int64)


def _empty() -> Companions:
    nothing = np.zeros(0, dtype=np.int64)
    return Companions(nothing, nothing.copy(), nothing.copy())


__all__ = ["Companions", "InputError", "companions_find"]

"""Close-contact candidates: who stayed at a case's venue while the case was there.

Stays are venue-code scans: (person, venue, check-in, check-out), times in integer seconds
(epoch seconds in practice). A check-out of :data:`OPEN` is an open check-in; it is closed at
check-in + ``stay_limit`` (the rule set's cap on an unclosed stay). A case's trajectory visits
are (venue, start, end).

The predicate (analytics-reference §5.1), intervals half-open ``[in, out)``::

    same venue  AND  stay.in < visit.end  AND  stay.out > visit.start
    AND  overlap = min(stay.out, visit.end) − max(stay.in, visit.start) ≥ min_overlap

Touching intervals (a stay that ends the second a visit starts, or starts the second it
ends) share no time and are **not** candidates; with ``min_overlap`` 0 any positive overlap
counts. A stay across midnight is one interval like any other: nothing here is cut by day.
The answer is distinct (visit, person) pairs; when a person has several stays overlapping one
visit, the pair's overlap is the longest of them.

The method is the sorted index measured fastest for per-case queries (analytics-reference
§5.3): the stays sorted once by (venue, check-in) — the preparation, :func:`stays_index` —
then each visit is two binary searches, ``[visit.start − longest stay, visit.end)`` on
check-in within its venue, and a vectorised filter of the stays in that range. The longest
stay bounds the scan; it is why open check-ins must be capped. One refinement: the stays are
split into classes by length (up to 1 h, 2 h, 4 h, …) each sorted on its own, and a visit
searches each class back by that class's longest stay only — the scan stays within about
twice the stays that really overlap however long the longest stay (a stay left open for
days). :func:`contacts_find` answers one case's few visits or
a batch of many the same way, in chunks of bounded memory.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import (
    InputError,
    Int64,
    as_int64,
    require,
    require_positive,
    same_length,
)

#: The check-out of a stay still open (no check-out scanned).
OPEN: Final = -1

_TIME_BITS: Final = 32
_TIME_SPAN: Final = 1 << _TIME_BITS
_TIME_MASK: Final = _TIME_SPAN - 1
_VENUE_LIMIT: Final = 1 << 31

#: At most this many candidate stays are expanded at once (about 16 bytes each).
CHUNK_CANDIDATES: Final = 8_000_000


#: Stays are kept in classes by length: class c holds lengths in (2^(c−1), 2^c] × this (class 0
#: everything up to it), so that a query reaches back by its class's longest stay, not the
#: longest of all — a few 14-day stays do not make every query scan 14 days.
CLASS_UNIT: Final = 3600
_CLASS_BOUNDS: Final = CLASS_UNIT * (1 << np.arange(0, 32, dtype=np.int64))


@dataclass(frozen=True)
class StayIndex:
    """Stays sorted by (length class, venue, check-in), ready for :func:`contacts_find`.

    ``key`` is ``venue · 2³² + (check-in − origin)``, ascending within each class; ``end`` the
    check-out (open ones capped) − origin; ``person`` the person of each stay, in the same
    order. Class ``c`` occupies ``bounds[c]:bounds[c + 1]``; ``longest[c]`` is its longest stay
    in seconds (classes without stays are left out).
    """

    key: Int64
    end: npt.NDArray[np.uint32]
    person: Int64
    origin: int
    bounds: Int64
    longest: Int64

    @property
    def size(self) -> int:
        return int(self.key.shape[0])


@dataclass(frozen=True)
class Contacts:
    """(visit, person, overlap) rows: ``visit`` is the position of the visit in the query,
    ``overlap`` the seconds shared. From :func:`contacts_find` distinct pairs sorted by visit
    then person (the longest stay's overlap); from :func:`overlaps_find` one row per stay."""

    visit: Int64
    person: Int64
    overlap: Int64

    def __len__(self) -> int:
        return int(self.visit.shape[0])


def stays_index(
    *,
    person: npt.ArrayLike,
    venue: npt.ArrayLike,
    check_in: npt.ArrayLike,
    check_out: npt.ArrayLike,
    stay_limit: int,
) -> StayIndex:
    """Build the (venue, check-in) index over the stays (the day's preparation).

    Steps:

    1. check the arrays: equal lengths, venue in ``[0, 2³¹)``, check-in ≥ 0, check-out
       :data:`OPEN` or ≥ check-in, all times within 2³² seconds of the earliest check-in;
    2. close open check-ins at check-in + ``stay_limit``;
    3. give each stay its length class (:data:`CLASS_UNIT`), pack (venue, check-in − origin)
       into one int64 key and sort the stays by class (a one-byte radix sort), then by key
       within each class; note each class's bounds and longest stay.

    Raises :class:`~fangkong.engine.inputs.InputError` naming the field and first bad row.
    """
    person_a = as_int64("person", person)
    venue_a = as_int64("venue", venue)
    start = as_int64("check_in", check_in)
    end = as_int64("check_out", check_out)
    same_length(person=person_a, venue=venue_a, check_in=start, check_out=end)
    require_positive("stay_limit", stay_limit)
    require("venue", (venue_a >= 0) & (venue_a < _VENUE_LIMIT), "venue out of range")
    require("check_in", start >= 0, "must not be negative")
    is_open = end == OPEN
    require("check_out", is_open | (end >= start), "is before the check-in")
    end = np.where(is_open, start + stay_limit, end)
    if start.size == 0:
        nothing = np.zeros(0, np.int64)
        return StayIndex(
            nothing, np.zeros(0, np.uint32), nothing, 0, np.zeros(1, np.int64), nothing
        )
    origin = int(start.min())
    require("check_out", end - origin < _TIME_SPAN, "more than 2³² seconds after the first")
    length = end - start
    # class = bit length of ⌈length / unit⌉ − 1 (0 up to one unit), from the float exponent
    klass = np.frexp(np.maximum(length - 1, 0) // CLASS_UNIT)[1].astype(np.int8)
    key = (venue_a << _TIME_BITS) | (start - origin)
    # by class (a radix sort of one byte), then by key within each class
    by_class = np.argsort(klass, kind="stable")
    counts = np.bincount(klass, minlength=_CLASS_BOUNDS.shape[0])
    present = np.flatnonzero(counts)
    bounds = np.concatenate([[0], np.cumsum(counts[present])]).astype(np.int64)
    order = np.empty_like(by_class)
    longest = np.zeros(present.shape[0], dtype=np.int64)
    venue_bits = max(int(venue_a.max()), 1).bit_length()
    time_bits = max(int(start.max()) - origin, 1).bit_length()
    for k in range(present.shape[0]):
        rows = by_class[bounds[k] : bounds[k + 1]]
        order[bounds[k] : bounds[k + 1]] = rows[_key_order(key[rows], venue_bits, time_bits)]
        longest[k] = int(length[rows].max())
    return StayIndex(
        key=key[order],
        end=(end[order] - origin).astype(np.uint32),
        person=person_a[order],
        origin=origin,
        bounds=bounds,
        longest=longest,
    )


def _key_order(key: Int64, venue_bits: int, time_bits: int) -> Int64:
    """The permutation that sorts ``key`` (venue · 2³² + time; ties in any order).

    When (venue, time, row number) fit 63 bits — most cities' fortnights — they are packed
    into one int64 and sorted by value, NumPy's vectorised sort, several times faster than
    an argsort; the row numbers come back from the low bits. Otherwise an argsort.
    """
    rows = key.shape[0]
    row_bits = max(rows - 1, 1).bit_length()
    if venue_bits + time_bits + row_bits > 63:
        return np.argsort(key)
    compact = (key >> _TIME_BITS) << time_bits | (key & _TIME_MASK)
    packed = np.sort((compact << row_bits) | np.arange(rows, dtype=np.int64))
    return np.asarray(packed & ((1 << row_bits) - 1), dtype=np.int64)


def contacts_find(
    index: StayIndex,
    *,
    venue: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    min_overlap: int = 0,
    exclude_person: npt.ArrayLike | None = None,
) -> Contacts:
    """Every distinct (visit, person) whose stay overlaps visit ``i`` = (``venue[i]``,
    ``start[i]``, ``end[i]``) by more than 0 and at least ``min_overlap`` seconds.

    ``exclude_person`` (one per visit, optional) drops the case's own stays. One case's visits
    or a batch of thousands: the work grows with the stays scanned, about (visits × stays per
    venue and ``longest``), not with the index.

    Steps:

    1. every overlapping stay, by :func:`overlaps_find`;
    2. reduced to distinct (visit, person), keeping the longest overlap.

    Raises :class:`~fangkong.engine.inputs.InputError` naming the field and first bad row.
    """
    found = overlaps_find(
        index,
        venue=venue,
        start=start,
        end=end,
        min_overlap=min_overlap,
        exclude_person=exclude_person,
    )
    return _distinct(found.visit, found.person, found.overlap)


def overlaps_find(
    index: StayIndex,
    *,
    venue: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    min_overlap: int = 0,
    exclude_person: npt.ArrayLike | None = None,
) -> Contacts:
    """Every (visit, stay) overlap as :func:`contacts_find` defines it, one row per stay (a
    person with two stays overlapping a visit has two rows), in no particular order.

    Steps:

    1. check the visits (equal lengths, end ≥ start, venue in range);
    2. per visit and length class, two binary searches on the packed key give the stays of
       that class at its venue with check-in in ``[start − class's longest, end)`` — every
       stay that can overlap it;
    3. expand those ranges in chunks of at most :data:`CHUNK_CANDIDATES`, compute the
       overlaps and keep the positive ones ≥ ``min_overlap`` (and not the excluded person).

    Raises :class:`~fangkong.engine.inputs.InputError` naming the field and first bad row.
    """
    v_venue = as_int64("venue", venue)
    v_start = as_int64("start", start)
    v_end = as_int64("end", end)
    same_length(venue=v_venue, start=v_start, end=v_end)
    require_positive("min_overlap", min_overlap, allow_zero=True)
    require("venue", (v_venue >= 0) & (v_venue < _VENUE_LIMIT), "venue out of range")
    require("end", v_end >= v_start, "is before the start")
    excluded = None
    if exclude_person is not None:
        excluded = as_int64("exclude_person", exclude_person)
        same_length(venue=v_venue, exclude_person=excluded)
    if v_venue.size == 0 or index.size == 0:
        return _empty()

    # 2. per class and visit, the range of stays that can overlap: flat = class · visits + visit
    base = v_venue << _TIME_BITS
    high = base + np.clip(v_end - index.origin, 0, _TIME_SPAN)
    firsts, counts_ = [], []
    for c, longest in enumerate(index.longest.tolist()):
        lo, hi = int(index.bounds[c]), int(index.bounds[c + 1])
        keys = index.key[lo:hi]
        low = base + np.clip(v_start - index.origin - longest, 0, _TIME_SPAN)
        first_c = np.searchsorted(keys, low, side="left")
        firsts.append(first_c + lo)
        counts_.append(np.searchsorted(keys, high, side="left") - first_c)
    first = np.concatenate(firsts).astype(np.int64)
    counts = np.concatenate(counts_).astype(np.int64)

    parts: list[tuple[Int64, Int64, Int64]] = []
    for chunk in _chunks(counts):
        parts.append(_overlaps(index, chunk, first, counts, v_start, v_end, min_overlap, excluded))
    visit = np.concatenate([p[0] for p in parts])
    person = np.concatenate([p[1] for p in parts])
    overlap = np.concatenate([p[2] for p in parts])
    return Contacts(visit, person, overlap)


def _chunks(counts: Int64) -> list[Int64]:
    """(class, visit) positions split so that each part expands to ≤ CHUNK_CANDIDATES stays
    (one with more than that is a part of its own)."""
    total = np.cumsum(counts)
    if total.size == 0 or total[-1] <= CHUNK_CANDIDATES:
        return [np.arange(counts.shape[0], dtype=np.int64)]
    cuts = np.searchsorted(total, np.arange(CHUNK_CANDIDATES, total[-1], CHUNK_CANDIDATES))
    bounds = np.unique(np.concatenate([[0], cuts, [counts.shape[0]]]))
    return [np.arange(a, b, dtype=np.int64) for a, b in itertools.pairwise(bounds)]


def _overlaps(
    index: StayIndex,
    flat: Int64,
    first: Int64,
    counts: Int64,
    v_start: Int64,
    v_end: Int64,
    min_overlap: int,
    excluded: Int64 | None,
) -> tuple[Int64, Int64, Int64]:
    """Candidates of ``flat`` (class · visits + visit) expanded and filtered: (visit, person,
    overlap)."""
    n = counts[flat]
    total = int(n.sum())
    visit = np.repeat(flat % v_start.shape[0], n)
    offsets = np.cumsum(n) - n
    position = np.arange(total, dtype=np.int64) - np.repeat(offsets - first[flat], n)
    # times relative to the index's origin, in place: this runs over every candidate
    began = index.key[position]
    began &= _TIME_MASK
    np.maximum(began, v_start[visit] - index.origin, out=began)
    overlap = index.end[position].astype(np.int64)
    np.minimum(overlap, v_end[visit] - index.origin, out=overlap)
    overlap -= began
    keep = overlap >= max(min_overlap, 1)  # more than 0 and at least the minimum
    person = index.person[position]
    if excluded is not None:
        keep &= person != excluded[visit]
    return visit[keep], person[keep], overlap[keep]


def _distinct(visit: Int64, person: Int64, overlap: Int64) -> Contacts:
    """Distinct (visit, person), sorted, with the longest overlap of each.

    When (visit, person rank, overlap) fit 63 bits together — the usual case — they are
    packed into one int64 and sorted by value (NumPy's vectorised sort, several times faster
    than an argsort); the last of each (visit, person) run holds the longest overlap.
    Otherwise (visit, person) is packed and argsorted. Both beat ``np.lexsort`` and a Polars
    group-by several times over here."""
    if visit.size == 0:
        return _empty()
    low, high = int(person.min()), int(person.max())
    person_bits = max(high - low, 1).bit_length()
    visit_bits = max(int(visit.max()), 1).bit_length()
    overlap_bits = max(int(overlap.max()), 1).bit_length()
    if person_bits + visit_bits + overlap_bits <= 63:
        shift = overlap_bits + person_bits
        packed = np.sort((visit << shift) | ((person - low) << overlap_bits) | overlap)
        pair = packed >> overlap_bits
        last = np.ones(packed.shape[0], dtype=bool)
        last[:-1] = pair[1:] != pair[:-1]
        kept = packed[last]
        return Contacts(
            kept >> shift,
            ((kept >> overlap_bits) & ((1 << person_bits) - 1)) + low,
            kept & ((1 << overlap_bits) - 1),
        )
    _, rank = np.unique(person, return_inverse=True)
    keyed = (visit << _TIME_BITS) | rank.astype(np.int64)
    order = np.argsort(keyed, kind="stable")
    keyed = keyed[order]
    head = np.ones(keyed.shape[0], dtype=bool)
    head[1:] = keyed[1:] != keyed[:-1]
    starts = np.flatnonzero(head)
    longest = np.maximum.reduceat(overlap[order], starts)
    rows = order[starts]
    return Contacts(visit[rows], person[rows], longest.astype(np.int64))


def _empty() -> Contacts:
    nothing = np.zeros(0, dtype=np.int64)
    return Contacts(nothing, nothing.copy(), nothing.copy())


__all__ = [
    "OPEN",
    "Contacts",
    "InputError",
    "StayIndex",
    "contacts_find",
    "overlaps_find",
    "stays_index",
]

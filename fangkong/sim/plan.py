"""A calendar day's plan (:class:`Plan`: everybody's activities before the daily shift) and the
time units the simulation shares. :mod:`fangkong.sim.day` and :mod:`fangkong.sim.life` both
build on it; it imports neither (the imports go plan → day → life)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

DAY = 86_400
LATEST_ARRIVAL = DAY
BIN = 1800  # venue index: half-hours of arrival
BINS = LATEST_ARRIVAL // BIN

KIND_VISIT, KIND_WORK, KIND_SCHOOL = 0, 1, 2

Int32 = npt.NDArray[np.int32]
Int64 = npt.NDArray[np.int64]


@dataclass
class Plan:
    """One calendar day's activities before the daily shift. Seconds from the day's midnight.

    ``scan_*`` rows are sorted by person, then time; ``dwell_*`` rows (activities outside the
    home cell, merged) likewise. ``active`` persons leave home: ``first_departure`` and
    ``last_return``. ``anchor_*``: persons at work or school, sorted, with start and end.
    The outbreak's indexes are built on demand (or by :meth:`index`).
    """

    weekday: int
    scan_person: Int32
    scan_venue: Int32
    scan_arrival: Int32
    scan_departure: Int32
    scan_kind: npt.NDArray[np.uint8]
    dwell_person: Int32
    dwell_cell: npt.NDArray[np.uint16]
    dwell_start: Int32
    dwell_end: Int32
    active: Int32
    first_departure: Int32
    last_return: Int32
    anchor_person: Int32
    anchor_start: Int32
    anchor_end: Int32
    residents: int = 0
    venues: int = 0
    venue_order: Int64 | None = field(default=None)
    venue_bins: Int64 | None = field(default=None)
    scan_offsets: Int64 | None = field(default=None)
    anchor_row: Int32 | None = field(default=None)

    def index(self) -> None:
        """Build the indexes the outbreak reads (``venue_index``, ``person_rows``,
        ``anchor_rows``) now rather than on first use."""
        self.venue_index()
        self.person_rows()
        self.anchor_rows()

    def person_rows(self) -> Int64:
        """``scan_*`` rows of person ``p``: ``offsets[p]`` to ``offsets[p + 1]``."""
        if self.scan_offsets is None:
            counts = np.bincount(self.scan_person, minlength=self.residents)
            self.scan_offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
        return self.scan_offsets

    def anchor_rows(self) -> Int32:
        """Per person, the row in ``anchor_*`` (−1 when not at work or school that day)."""
        if self.anchor_row is None:
            rows = np.full(self.residents, -1, dtype=np.int32)
            rows[self.anchor_person] = np.arange(self.anchor_person.shape[0], dtype=np.int32)
            self.anchor_row = rows
        return self.anchor_row

    def venue_index(self) -> tuple[Int64, Int64]:
        """Visit rows grouped by venue and half-hour of arrival: ``order`` (row numbers) and
        ``bins`` (offsets into ``order`` of bin ``venue * BINS + arrival // BIN``)."""
        if self.venue_order is None or self.venue_bins is None:
            visits = np.flatnonzero(self.scan_kind == KIND_VISIT)
            key = self.scan_venue[visits].astype(np.int64) * BINS + self.scan_arrival[visits] // BIN
            self.venue_order = visits[np.argsort(key)].astype(np.int64)
            counts = np.bincount(key, minlength=self.venues * BINS)
            self.venue_bins = np.r_[0, np.cumsum(counts)].astype(np.int64)
        return self.venue_order, self.venue_bins

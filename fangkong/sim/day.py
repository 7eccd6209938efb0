"""One day of a city's life as arrays: the venue-code scans and the dwell intervals
(:class:`Day`, made by :meth:`fangkong.sim.life.Life.day`). Times are int32 seconds since the
simulation's start; the frames carry int64 epoch seconds."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim.plan import Plan

Int32 = npt.NDArray[np.int32]
#: A day's scans: person, venue, arrival, departure, kind.
Scans = tuple[Int32, Int32, Int32, Int32, npt.NDArray[np.uint8]]
#: The nights at home that end on a day: person, cell, start, end.
Nights = tuple[Int32, npt.NDArray[np.uint16], Int32, Int32]


class Day:
    """What happened on day ``day`` (0-based), int32 seconds since the simulation's start.

    The scans are materialised at once, in a background thread while the caller goes on with
    ``plan`` and ``offset`` (reading them waits for it); the dwell intervals (the nights at home
    that end this day, then the day's other cells) on first use — the nights carry over from
    day to day, so ``settle`` brings them up to this day first. For the outbreak: ``plan`` and
    ``offset`` (per person, the seconds to add to the plan's times: the day's start plus the
    shift).
    """

    def __init__(
        self,
        *,
        day: int,
        epoch: int,
        plan: Plan,
        offset: Int32,
        home: npt.NDArray[np.bool_] | None,
        work: Future[Scans],
        settle: Callable[[Day], None],
    ) -> None:
        self.day = day
        self.epoch = epoch
        self.plan = plan
        self.offset = offset
        self.home = home
        self._work = work
        self._settle = settle
        self.nights: Nights | None = None  # set by ``settle``

    def materialise(self) -> None:
        """Wait for the day's scans (made in the background by ``Life.day``)."""
        self._work.result()

    @property
    def scan_person(self) -> Int32:
        return self._work.result()[0]

    @property
    def scan_venue(self) -> Int32:
        return self._work.result()[1]

    @property
    def scan_arrival(self) -> Int32:
        return self._work.result()[2]

    @property
    def scan_departure(self) -> Int32:
        return self._work.result()[3]

    @property
    def scan_kind(self) -> npt.NDArray[np.uint8]:
        return self._work.result()[4]

    @functools.cached_property
    def _dwell(self) -> tuple[Int32, npt.NDArray[np.uint16], Int32, Int32]:
        plan = self.plan
        person, cell, start, end = (
            plan.dwell_person,
            plan.dwell_cell,
            plan.dwell_start,
            plan.dwell_end,
        )
        if self.home is not None:
            keep = ~self.home[person]
            person, cell, start, end = person[keep], cell[keep], start[keep], end[keep]
        shift = self.offset[person]
        if self.nights is None:
            self._settle(self)
        nights = self.nights
        assert nights is not None
        return (
            np.concatenate([nights[0], person]),
            np.concatenate([nights[1], cell]),
            np.concatenate([nights[2], start + shift]),
            np.concatenate([nights[3], end + shift]),
        )

    @property
    def dwell_person(self) -> Int32:
        return self._dwell[0]

    @property
    def dwell_cell(self) -> npt.NDArray[np.uint16]:
        return self._dwell[1]

    @property
    def dwell_start(self) -> Int32:
        return self._dwell[2]

    @property
    def dwell_end(self) -> Int32:
        return self._dwell[3]

    def scans(self) -> pl.DataFrame:
        """person, venue, arrival, departure (int64 epoch seconds), kind."""
        return pl.DataFrame(
            {
                "person": self.scan_person,
                "venue": self.scan_venue,
                "arrival": self.scan_arrival.astype(np.int64) + self.epoch,
                "departure": self.scan_departure.astype(np.int64) + self.epoch,
                "kind": self.scan_kind,
            }
        )

    def dwells(self) -> pl.DataFrame:
        """person, cell, start, end (int64 epoch seconds)."""
        return dwell_frame(
            self.dwell_person, self.dwell_cell, self.dwell_start, self.dwell_end, self.epoch
        )


def dwell_frame(
    person: Int32, cell: npt.NDArray[np.uint16], start: Int32, end: Int32, epoch: int
) -> pl.DataFrame:
    """Dwell arrays (seconds since the start) as a frame in epoch seconds."""
    return pl.DataFrame(
        {
            "person": person,
            "cell": cell,
            "start": start.astype(np.int64) + epoch,
            "end": end.astype(np.int64) + epoch,
        }
    )

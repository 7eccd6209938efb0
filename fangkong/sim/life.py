"""Each resident's day: home, work or school, venue visits — as venue-code scans and cell dwells.

Pure NumPy/Polars (no Django). :class:`Life` turns a city and its places into days:

* a **day plan** holds everybody's activities for one calendar day: the anchor (work on work
  days, school on school days) and a few venue visits drawn by :mod:`fangkong.sim.routine`
  (slot, category, venue — 80 % in the home district, Zipf popularity —, arrival, log-normal
  stay); visits before work end before it, visits after start after it, and a visit never
  starts before the previous one ended plus ``TRAVEL`` (later ones are pushed);
* **day d** is plan ``d mod plan_days`` (a routine that repeats every ``plan_days`` days, a
  multiple of seven so weekdays match; ``plan_days=0`` draws a fresh plan every day), with
  every person's whole day shifted by a random ``±shift_minutes`` and the people told to
  stay home (ill, in hospital, isolated) taken out;
* **scans** (person, venue, arrival, departure, kind 0 visit / 1 work / 2 school) and **dwell
  intervals** (person, cell, start, end) on the 800 m cells: consecutive activities in one
  cell merge, a break of more than ``HOME_BREAK`` between activities is spent at home, and the
  night at home runs from the last return of one day to the first departure of the next (so
  the home interval of a person who stays in is emitted once, by :meth:`Life.finish`).

Times in the arrays are int32 seconds since the simulation's start (local midnight of
``start``, China Standard Time, UTC+8); the frames carry int64 epoch seconds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim import routine
from fangkong.sim.day import Day, Scans, dwell_frame
from fangkong.sim.places import Places, SiteKind
from fangkong.sim.plan import (
    DAY,
    KIND_SCHOOL,
    KIND_WORK,
    LATEST_ARRIVAL,
    Int32,
    Plan,
)
from fangkong.sim.routine import AnchorGroup, PersonClass

TRAVEL = 20 * 60
MIN_STAY = 5 * 60
HOME_BREAK = 2 * TRAVEL + 30 * 60
LOCAL_VISIT_SHARE = 0.8
UTC_OFFSET = 8 * 3600
SHIFT_SECTORS = ("hospital", "market", "transit", "care_home", "retail")

GONE = np.iinfo(np.int32).min  # a shift that marks a person kept home (never a real shift)

#: Days' scans are made one after the other in this thread (NumPy lets go of the GIL), while
#: the caller goes on with the day's plan and shifts (the outbreak's transmission).
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fangkong-life")


@dataclass(frozen=True)
class LifeParams:
    """How days repeat: ``plan_days`` (0 = a fresh plan every day, else a multiple of 7) and the
    per-person daily shift of the whole day, ``shift_minutes`` (uniform ±)."""

    plan_days: int = 14
    shift_minutes: int = 30

    def __post_init__(self) -> None:
        if self.plan_days < 0 or self.plan_days % 7:
            raise ValueError("plan_days must be 0 or a multiple of 7")
        if not 0 <= self.shift_minutes <= 120:
            raise ValueError("shift_minutes must be between 0 and 120")


def epoch_of(start: date) -> int:
    """Epoch seconds of local midnight (UTC+8) at the start of ``start``."""
    return (start - date(1970, 1, 1)).days * DAY - UTC_OFFSET


class Life:
    """Days of a city's life, deterministic for ``seed`` (see the module docstring)."""

    def __init__(
        self,
        places: Places,
        *,
        start: date,
        seed: int,
        params: LifeParams | None = None,
    ) -> None:
        self.params = params or LifeParams()
        self.start = start
        self.epoch = epoch_of(start)
        self.seed = seed
        persons = places.persons
        self.n = persons.height
        self.n_districts = len(places.districts)
        age = persons["age"].to_numpy().astype(np.int64)
        site = persons["site"].to_numpy().astype(np.int64)
        self.district = persons["district"].to_numpy().astype(np.int64)
        household = persons["household_key"].to_numpy().astype(np.int64)
        self.home_cell = places.households["cell"].to_numpy()[household]
        sites = places.sites
        site_kind = sites["kind"].to_numpy()
        site_sector = sites["sector"].cast(pl.String).to_numpy()
        has_site = site >= 0
        safe = np.maximum(site, 0)
        at_school = has_site & (site_kind[safe] == SiteKind.SCHOOL)
        school_staff = (
            at_school
            & (age >= 23)
            & (persons["occupation"].cast(pl.String) == "school_staff").to_numpy()
        )
        pupil = at_school & ~school_staff
        self.person_class = np.select(
            [pupil & (age < 18), pupil, has_site, age < 3, age < 6, age < 60],
            [PersonClass.PUPIL, PersonClass.STUDENT, PersonClass.WORKER, PersonClass.TODDLER,
             PersonClass.CHILD, PersonClass.ADULT],
            default=PersonClass.ELDER,
        ).astype(np.int64)  # fmt: skip
        shift_work = has_site & np.isin(site_sector[safe], SHIFT_SECTORS)
        self.anchor_group = np.select(
            [pupil & (age < 18), pupil, shift_work, has_site],
            [AnchorGroup.PUPIL, AnchorGroup.STUDENT, AnchorGroup.SHIFT, AnchorGroup.OFFICE],
            default=-1,
        ).astype(np.int64)
        self.anchor_kind = np.where(at_school, KIND_SCHOOL, KIND_WORK).astype(np.uint8)
        self.anchor_venue = np.where(has_site, sites["venue"].to_numpy().astype(np.int64)[safe], -1)
        venues = places.venues
        self.venue_cell = venues["cell"].to_numpy()
        self._venue_table = routine.venue_tables(venues, places.districts)
        self._subsets, self._subset_count, self._subset_slots = routine.subset_tables()
        self._categories = routine.category_table().astype(np.int64)
        self._arrivals = routine.arrival_table()
        self._stays = routine.stay_table()
        self._anchor_start, self._anchor_length = routine.anchor_tables()
        self._plans: dict[int, Plan] = {}
        self.open_home = np.zeros(self.n, dtype=np.int32)
        self._last_day: Day | None = None
        self._unsettled: list[Day] = []  # days whose nights at home are not made yet

    # plans ---------------------------------------------------------------------------------

    def prepare(self, days: int, *, index: bool = False) -> None:
        """Build now the plans that days ``0 … days − 1`` use (else each is built on first
        use), with the outbreak's indexes when ``index``."""
        if self.params.plan_days:
            for day in range(min(days, self.params.plan_days)):
                plan = self.plan(day)
                if index:
                    plan.index()

    def plan(self, day: int) -> Plan:
        """The plan used on ``day`` (built on first use; cached unless ``plan_days`` is 0)."""
        k = day % self.params.plan_days if self.params.plan_days else day
        cached = self._plans.get(k)
        if cached is not None:
            return cached
        rng = np.random.default_rng([self.seed, 1, k])
        made = self._make_plan((self.start + timedelta(days=k)).weekday(), rng)
        if self.params.plan_days:
            self._plans[k] = made
        return made

    def _make_plan(self, weekday: int, rng: np.random.Generator) -> Plan:
        """Draw one day's activities for everybody (``weekday``: Monday 0 … Sunday 6)."""
        n = self.n
        person_bits = rng.bit_generator.random_raw(n).view(np.int64)
        group = self.anchor_group
        school_day = weekday < 5
        attends = (group >= 0) & np.where(
            group == AnchorGroup.SHIFT,
            ((person_bits >> 32) & 1023) < int(routine.SHIFT_ATTENDANCE * 1024),
            school_day,
        )
        subset = self._subsets[
            (self.person_class * 2 + attends) * (1 << routine.SUBSET_BITS)
            + (person_bits & ((1 << routine.SUBSET_BITS) - 1))
        ]
        count = self._subset_count[subset].astype(np.int64)
        anchor_person = np.flatnonzero(attends).astype(np.int32)
        a_group = group[anchor_person] * 1024
        a_start = self._anchor_start[a_group + ((person_bits[anchor_person] >> 12) & 1023)]
        a_end = a_start + self._anchor_length[a_group + ((person_bits[anchor_person] >> 22) & 1023)]
        start_of = np.full(n, -1, dtype=np.int32)
        end_of = np.full(n, -1, dtype=np.int32)
        start_of[anchor_person] = a_start
        end_of[anchor_person] = a_end

        # visit rows, in slot (time) order inside each person
        person = np.repeat(np.arange(n, dtype=np.int32), count)
        rank = np.arange(person.shape[0]) - np.repeat(np.cumsum(count) - count, count)
        slot = self._subset_slots[subset[person] * routine.SLOTS + rank].astype(np.int64)
        bits = rng.bit_generator.random_raw(person.shape[0]).view(np.int64)
        klass = self.person_class[person]
        category = self._categories[(klass * routine.SLOTS + slot) * 1024 + ((bits >> 26) & 1023)]
        slot_start = np.asarray([low * 3600 for low, _ in routine.SLOT_HOURS], dtype=np.int32)
        arrival = (
            slot_start[slot]
            + self._arrivals[(category * routine.SLOTS + slot) * 1024 + ((bits >> 16) & 1023)]
        )
        stay = self._stays[(category << routine.STAY_BITS) + (bits & 0xFFFF)]
        local = ((bits >> 50) & 1023) < int(LOCAL_VISIT_SHARE * 1024)
        where = np.where(local, self.district[person], self.n_districts)
        venue = self._venue_table[
            ((category * (self.n_districts + 1) + where) << routine.VENUE_BITS)
            + ((bits >> 36) & ((1 << routine.VENUE_BITS) - 1))
        ]
        departure = arrival + stay
        anchored = attends[person]
        before = anchored & (slot == routine.BEFORE_ANCHOR_SLOT)
        after = anchored & ~before
        departure = np.where(before, np.minimum(departure, start_of[person] - TRAVEL), departure)
        arrival = np.where(after, np.maximum(arrival, end_of[person] + TRAVEL), arrival)
        departure = np.where(after, arrival + stay, departure)
        for r in range(1, routine.SLOTS):
            rows = np.flatnonzero(rank == r)
            if rows.size == 0:
                break
            pushed = np.maximum(arrival[rows], departure[rows - 1] + TRAVEL)
            arrival[rows] = pushed
            departure[rows] = pushed + stay[rows]
        keep = ((departure - arrival >= MIN_STAY) | ~before) & (arrival < LATEST_ARRIVAL)
        person, venue, arrival, departure = (
            person[keep],
            venue[keep],
            arrival[keep],
            departure[keep],
        )
        before = before[keep]
        visits = np.bincount(person, minlength=n)

        # scans: visits and anchors merged in time order per person (positions, no sort)
        has_anchor = attends.astype(np.int64)
        total = visits + has_anchor
        offset = np.cumsum(total) - total
        visit_rank = np.arange(person.shape[0]) - np.repeat(np.cumsum(visits) - visits, visits)
        visit_pos = offset[person] + visit_rank + (has_anchor[person] * ~before)
        ahead = np.bincount(person[before], minlength=n)
        anchor_pos = offset[anchor_person] + ahead[anchor_person]
        size = int(total.sum())
        s_person = np.empty(size, dtype=np.int32)
        s_venue = np.empty(size, dtype=np.int32)
        s_arrival = np.empty(size, dtype=np.int32)
        s_departure = np.empty(size, dtype=np.int32)
        s_kind = np.zeros(size, dtype=np.uint8)
        s_person[visit_pos], s_person[anchor_pos] = person, anchor_person
        s_venue[visit_pos], s_venue[anchor_pos] = venue, self.anchor_venue[anchor_person]
        s_arrival[visit_pos], s_arrival[anchor_pos] = arrival, a_start
        s_departure[visit_pos], s_departure[anchor_pos] = departure, a_end
        s_kind[anchor_pos] = self.anchor_kind[anchor_person]
        plan_dwell = self._dwell(s_person, s_venue, s_arrival, s_departure)
        return Plan(
            weekday,
            s_person,
            s_venue,
            s_arrival,
            s_departure,
            s_kind,
            *plan_dwell,
            anchor_person=anchor_person,
            anchor_start=a_start.astype(np.int32),
            anchor_end=a_end.astype(np.int32),
            residents=n,
            venues=int(self.venue_cell.shape[0]),
        )

    def _dwell(
        self, person: Int32, venue: Int32, arrival: Int32, departure: Int32
    ) -> tuple[Int32, npt.NDArray[np.uint16], Int32, Int32, Int32, Int32, Int32]:
        """Cell intervals from time-ordered activities (see the module docstring)."""
        cell = self.venue_cell[venue]
        home = self.home_cell[person]
        same_next = np.r_[person[1:] == person[:-1], False]
        gap = np.r_[arrival[1:] - departure[:-1], 0]
        breaks = same_next & (gap > HOME_BREAK)
        n_rows = person.shape[0]
        position = np.arange(n_rows) + np.cumsum(breaks) - breaks
        size = n_rows + int(breaks.sum())
        d_person = np.empty(size, dtype=np.int32)
        d_cell = np.empty(size, dtype=np.uint16)
        d_start = np.empty(size, dtype=np.int32)
        d_end = np.empty(size, dtype=np.int32)
        d_person[position], d_cell[position] = person, cell
        d_start[position], d_end[position] = arrival, departure
        inserted = position[breaks] + 1
        rows = np.flatnonzero(breaks)
        d_person[inserted], d_cell[inserted] = person[rows], home[rows]
        d_start[inserted] = departure[rows] + TRAVEL
        d_end[inserted] = arrival[rows + 1] - TRAVEL
        # merge consecutive rows of one person in one cell
        if size:
            run_start = np.flatnonzero(
                np.r_[True, (d_person[1:] != d_person[:-1]) | (d_cell[1:] != d_cell[:-1])]
            )
            d_person, d_cell = d_person[run_start], d_cell[run_start]
            d_start = d_start[run_start]
            d_end = np.maximum.reduceat(d_end, run_start) if run_start.size else d_end[:0]
        # the first and last run of a person: at home they belong to the night at home
        first = np.r_[True, d_person[1:] != d_person[:-1]] if size else np.zeros(0, bool)
        last = np.r_[d_person[1:] != d_person[:-1], True] if size else np.zeros(0, bool)
        at_home = d_cell == self.home_cell[d_person]
        only_home = first & last & at_home
        rows = np.flatnonzero(first & ~only_home)
        active = d_person[rows]
        first_departure = np.where(at_home[rows], d_end[rows], d_start[rows] - TRAVEL)
        rows = np.flatnonzero(last & ~only_home)
        last_return = np.where(at_home[rows], d_start[rows], d_end[rows] + TRAVEL)
        keep = ~(at_home & (first | last))
        return (
            d_person[keep],
            d_cell[keep],
            d_start[keep],
            d_end[keep],
            active.astype(np.int32),
            first_departure.astype(np.int32),
            last_return.astype(np.int32),
        )

    # days ----------------------------------------------------------------------------------

    def day(self, day: int, *, home: npt.NDArray[np.bool_] | None = None) -> Day:
        """Materialise ``day``: the plan shifted per person, without the people in ``home``
        (a boolean per person: stays in all day). Call days in order: the night at home of
        each person carries over from one day to the next."""
        plan = self.plan(day)
        base = day * DAY
        rng = np.random.default_rng([self.seed, 2, day])
        limit = self.params.shift_minutes * 60
        if limit:
            shift = rng.integers(-limit, limit + 1, self.n, dtype=np.int32) + np.int32(base)
        else:
            shift = np.full(self.n, base, dtype=np.int32)
        kept_home = home.copy() if home is not None and home.any() else None
        work = _BACKGROUND.submit(self._scans, plan, shift, kept_home)
        made = Day(
            day=day,
            epoch=self.epoch,
            plan=plan,
            offset=shift,
            home=kept_home,
            work=work,
            settle=self._settle,
        )
        self._last_day = made
        # the nights at home carry over from day to day: made when a day's dwell intervals are
        # read (or the waiting days would hold too much memory)
        self._unsettled.append(made)
        if len(self._unsettled) > max(7, (1 << 29) // (5 * max(self.n, 1))):
            self._settle(self._unsettled[0])
        return made

    def _scans(self, plan: Plan, shift: Int32, home: npt.NDArray[np.bool_] | None) -> Scans:
        """The day's scans: the plan's rows shifted, without the people at home."""
        s_person, s_venue, s_arrival, s_departure, s_kind = (
            plan.scan_person,
            plan.scan_venue,
            plan.scan_arrival,
            plan.scan_departure,
            plan.scan_kind,
        )
        if home is None:
            scan_shift = shift[s_person]
            return (s_person, s_venue, s_arrival + scan_shift, s_departure + scan_shift, s_kind)
        # one gather per row gives both the shift and whether the person stays in
        marked = shift.copy()
        marked[home] = GONE
        scan_shift = marked[s_person]
        rows = np.flatnonzero(scan_shift != GONE)
        scan_shift = scan_shift.take(rows)
        return (
            s_person.take(rows),
            s_venue.take(rows),
            s_arrival.take(rows) + scan_shift,
            s_departure.take(rows) + scan_shift,
            s_kind.take(rows),
        )

    def _settle(self, through: Day) -> None:
        """Make the nights at home of the days waiting for them, in order, up to ``through``:
        the nights that end each day; moves ``open_home`` on."""
        while self._unsettled:
            day = self._unsettled.pop(0)
            plan, shift, home = day.plan, day.offset, day.home
            active, first_departure, last_return = (
                plan.active,
                plan.first_departure,
                plan.last_return,
            )
            if home is not None:
                rows = np.flatnonzero(~home[active])
                active = active.take(rows)
                first_departure, last_return = first_departure.take(rows), last_return.take(rows)
            active_shift = shift[active]
            left = first_departure + active_shift
            opened = np.minimum(self.open_home[active], left)
            self.open_home[active] = last_return + active_shift
            day.nights = (active, self.home_cell[active], opened, left)
            if day is through:
                return

    def finish(self, days: int) -> pl.DataFrame:
        """The nights at home still open after ``days`` days, closed at the end of the last
        day or of a later last visit in the home cell (one row per person; call once, after the
        last :meth:`day`)."""
        if self._unsettled:
            self._settle(self._unsettled[-1])
        end = np.full(self.n, days * DAY, dtype=np.int32)
        last = self._last_day
        if last is not None:  # a late visit in the home cell runs past midnight (waits for it)
            np.maximum.at(end, last.scan_person, last.scan_departure)
        person = np.flatnonzero(self.open_home < end).astype(np.int32)
        return dwell_frame(
            person,
            self.home_cell[person],
            self.open_home[person],
            end[person],
            self.epoch,
        )

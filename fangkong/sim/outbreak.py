"""An agent-based outbreak over the synthetic city's households, workplaces, schools and venues.

Pure NumPy/Polars (no Django). :class:`Outbreak` advances one day at a time over
:class:`fangkong.sim.life.Life`; :func:`outbreak_run` runs it for a number of days. Every
day, for each infectious person, the share ``W`` of their total infectiousness that falls in
the day (:func:`fangkong.sim.course.infectiousness`) sets the chance of infecting:

* **household**: each household member, ``1 − exp(−β_h · W · s)`` (``s``: the member's
  susceptibility by age), ``β_h`` solved so that the average over infectious people (their
  Gamma-distributed infectiousness, a third of them asymptomatic) is ``household_sar``;
* **work and school**: each member of the work team or class present that day, and a few
  random people of the same site, with the matching course probabilities;
* **venues**: the people whose stays at the same venue overlap the infectious visit (the scans
  themselves), ``1 − exp(−β_v · W · hours · s)`` with ``β_v`` per venue category. For each
  infectious visit the candidates are the visits at the venue arriving in the half-hours that
  can overlap (a range of the day plan's (venue, half-hour) index); candidates are drawn at the
  largest possible chance and thinned to their own (:func:`fangkong.sim.contacts.pick`), so
  the work grows with infections, not with crowd sizes.

Households, teams and sites are fixed groups, and their hazard is proportional to ``W``, so
their infections are drawn once, when the infector is infected, over the whole course, and
fall due on their day (:mod:`fangkong.sim.groups`): the same law as drawing each day, with
work done per infection rather than per infectious person and day.

A person infected twice in one day keeps the earliest infection. Symptomatic people stay home
from onset to recovery with probability ``stay_home``; severe cases are in hospital (no
contacts) from admission. People in hospital or dead are taken out of daily life like people
staying home (no scans; their cell stays the home cell). The ground truth — who infected
whom, in which layer and place, when — is kept in :class:`OutbreakResult`, apart from anything
observed (:mod:`fangkong.sim.observe`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim import course, routine
from fangkong.sim.contacts import course_beta, expand, group_members, pick
from fangkong.sim.course import NEVER
from fangkong.sim.day import Day
from fangkong.sim.groups import Groups, Members
from fangkong.sim.life import Life, LifeParams
from fangkong.sim.outbreak_params import LAYER_NAMES, Layer, OutbreakParams
from fangkong.sim.places import Category, Places, SiteKind
from fangkong.sim.plan import BIN, BINS, DAY, KIND_VISIT
from fangkong.sim.routine import STAY

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class OutbreakResult:
    """The ground truth of an outbreak (times as int64 epoch seconds; nulls for never).

    * ``infections``: person, infector (null for seeds and imports), layer (Enum of
      ``LAYER_NAMES``), place (household key, site, venue; null for seeds), time.
    * ``courses``: person, infected, infectious_start, infectious_end, onset (null when
      asymptomatic), symptomatic, severity (0 asymptomatic … 4 fatal), hospitalised,
      recovered, died, stays_home.
    * ``daily``: day, infections by layer, infectious people and people kept home.
    """

    residents: int
    days: int
    epoch: int
    infections: pl.DataFrame
    courses: pl.DataFrame
    daily: pl.DataFrame

    @property
    def attack_rate(self) -> float:
        """Share of residents infected (seeds included)."""
        return self.courses.height / self.residents


def _nullable(values: npt.NDArray[Any], valid: npt.NDArray[np.bool_]) -> pl.Series:
    """``values`` as a Series with nulls where not ``valid``."""
    frame = pl.DataFrame({"value": values, "valid": valid})
    return frame.select(pl.when(pl.col("valid")).then(pl.col("value"))).to_series()


class Outbreak:
    """The state of an outbreak and its daily step (see the module docstring)."""

    def __init__(
        self, places: Places, life: Life, *, seed: int, params: OutbreakParams | None = None
    ) -> None:
        self.params = params or OutbreakParams()
        self.life = life
        self.seed = seed
        persons = places.persons
        self.n = persons.height
        self.age = persons["age"].to_numpy().astype(np.int64)
        self.susceptibility = course.by_age(course.SUSCEPTIBILITY, self.age)
        self.max_susceptibility = float(max(course.SUSCEPTIBILITY))
        household = persons["household_key"].to_numpy().astype(np.int64)
        self.household = household
        n_house = places.households.height
        self.house_first = np.searchsorted(household, np.arange(n_house)).astype(np.int64)
        self.house_size = np.bincount(household, minlength=n_house).astype(np.int64)
        self.house_order = np.arange(self.n, dtype=np.int64)  # persons are sorted by household
        self.site = persons["site"].to_numpy()
        team = persons["team"].to_numpy()
        n_sites = places.sites.height
        self.team = team
        self.team_members, self.team_first, self.team_size = group_members(
            team, int(team.max(initial=-1)) + 1
        )
        self.site_members, self.site_first, self.site_size = group_members(self.site, n_sites)
        self.site_school = places.sites["kind"].to_numpy() == SiteKind.SCHOOL
        self.venue_category = places.venues["category"].to_physical().to_numpy().astype(np.int64)
        self.stay_cap = np.asarray(
            [STAY[c][2] * 60 if c in STAY else DAY for c in Category], dtype=np.int64
        )
        self.stay_cap32 = self.stay_cap.astype(np.int32)
        self.stay_mean = routine.stay_table().reshape(len(Category), -1).mean(axis=1)
        self.venue_hazard = np.asarray(self.params.venue_hazard) * self.params.transmissibility
        self.close_contacts = np.asarray(self.params.close_contacts, dtype=np.float64)
        self.shift_limit = life.params.shift_minutes * 60
        p = self.params
        scale = p.transmissibility
        self.beta_household = course_beta(p.household_sar, p.course) * scale
        self.beta_team = course_beta(p.team_probability, p.course) * scale
        self.beta_class = course_beta(p.class_probability, p.course) * scale
        self.beta_site = course_beta(p.site_probability, p.course) * scale
        course.kernel_location(p.course)  # solved once, here
        self.cdf_high = float(course.kernel_cdf(p.course, np.asarray([p.course.after_onset]))[0])
        self.case_of = np.full(self.n, -1, dtype=np.int64)
        self.groups = Groups(
            household=Members(self.house_order, self.house_first, self.house_size, household),
            team=Members(self.team_members, self.team_first, self.team_size, team.astype(np.int64)),
            site=Members(
                self.site_members, self.site_first, self.site_size, self.site.astype(np.int64)
            ),
            site_school=self.site_school,
            susceptibility=self.susceptibility,
            betas=(self.beta_household, self.beta_team, self.beta_class, self.beta_site),
            site_contacts=p.site_contacts,
            params=p.course,
            infected=self.case_of,
        )
        # cases, in order of infection (``case_of``: per person, set above)
        self._store: dict[str, npt.NDArray[Any]] = {}
        self.cases: dict[str, npt.NDArray[Any]] = {}
        self.count = 0
        self.first_live = 0  # cases before this one are no longer infectious
        self.day_index = 0
        self.daily: list[dict[str, int]] = []
        self.home = np.zeros(self.n, dtype=bool)
        self.hospital = np.zeros(self.n, dtype=bool)
        # who is kept home (ill, in hospital, dead) and who is in hospital (or dead) change on
        # days known at infection: (person, +1 enters / −1 leaves) by day, and the first day
        # whose flags are not set yet
        self._flags: dict[int, list[tuple[Int64, npt.NDArray[np.int8], BoolArray]]] = {}
        self._flags_day = 0

    # cases ---------------------------------------------------------------------------------

    def _infect(
        self,
        person: Int64,
        time: Int64,
        infector: Int64,
        layer: Int64,
        place: Int64,
        rng: np.random.Generator,
    ) -> None:
        """Add new cases (people not infected before; the earliest of duplicates)."""
        fresh = self.case_of[person] < 0
        person, time, infector, layer, place = (
            a[fresh] for a in (person, time, infector, layer, place)
        )
        order = np.lexsort((time, person))
        first = np.r_[True, person[order][1:] != person[order][:-1]] if order.size else order
        keep = order[first.astype(bool)] if order.size else order
        person, time, infector, layer, place = (
            a[keep] for a in (person, time, infector, layer, place)
        )
        if person.size == 0:
            return
        drawn = course.courses_draw(self.params.course, time, self.age[person], rng)
        stays_home = drawn.symptomatic & (rng.random(person.size) < self.params.stay_home)
        cdf_low = course.kernel_cdf(self.params.course, drawn.tau_low)
        index = np.arange(self.count, self.count + person.size)
        self.case_of[person] = index
        self.count += int(person.size)
        columns: dict[str, npt.NDArray[Any]] = {
            "person": person,
            "infected": time,
            "infector": infector,
            "layer": layer,
            "place": place,
            "onset": drawn.onset,
            "infectious_start": drawn.infectious_start,
            "infectious_end": drawn.infectious_end,
            "symptomatic": drawn.symptomatic,
            "severity": drawn.severity,
            "hospitalised": drawn.hospitalised,
            "recovered": drawn.recovered,
            "died": drawn.died,
            "stays_home": stays_home,
            "relative": drawn.relative,
            "tau_low": drawn.tau_low,
            "cdf_low": cdf_low,
            # relative infectiousness per unit of the kernel's (truncated) mass
            "per_mass": drawn.relative / np.maximum(self.cdf_high - cdf_low, 1e-12),
        }
        end = self.count
        for name, values in columns.items():
            store = self._store.get(name)
            if store is None or store.shape[0] < end:
                grown = np.empty(
                    max(end, 2 * (0 if store is None else store.shape[0]), 1024), dtype=values.dtype
                )
                if store is not None:
                    grown[: store.shape[0]] = store
                store = self._store[name] = grown
            store[index[0] : end] = values
            self.cases[name] = store[:end]
        self._flag_days(person, drawn, stays_home)
        self.groups.draw(person, drawn, cdf_low, rng)

    def _flag_days(self, person: Int64, drawn: course.Courses, stays_home: BoolArray) -> None:
        """Schedule when new cases ``person`` are kept home and in hospital, judged at noon:
        home from the first noon at or after onset (if they stay home), admission or death,
        until the first noon at or after recovery (never for the dead); in hospital (or dead)
        from admission or death likewise. Days already judged are not changed."""
        never = np.iinfo(np.int64).max // 2

        def noon_day(t: Int64) -> Int64:
            return np.where(t < NEVER, (t - DAY // 2 + DAY - 1) // DAY, never)

        hospital = np.minimum(noon_day(drawn.hospitalised), noon_day(drawn.died))
        ill = np.where(stays_home, noon_day(drawn.onset), never)
        until = np.maximum(noon_day(drawn.recovered), self._flags_day)
        days, who, flag, value = [], [], [], []
        for kind, start in ((0, np.minimum(ill, hospital)), (1, hospital)):
            start = np.maximum(start, self._flags_day)
            span = start < until
            for day, on in ((start, True), (until, False)):
                rows = np.flatnonzero(span & (day < never))
                days.append(day[rows])
                who.append(person[rows])
                flag.append(np.full(rows.size, kind, dtype=np.int8))
                value.append(np.full(rows.size, on))
        day = np.concatenate(days)
        if day.size == 0:
            return
        order = np.argsort(day, kind="stable")
        day, person_, kind_, value_ = (
            day[order],
            np.concatenate(who)[order],
            np.concatenate(flag)[order],
            np.concatenate(value)[order],
        )
        bounds = np.flatnonzero(np.r_[True, day[1:] != day[:-1], True]).tolist()
        for a, b in itertools.pairwise(bounds):
            self._flags.setdefault(int(day[a]), []).append((person_[a:b], kind_[a:b], value_[a:b]))

    def seed_cases(self) -> None:
        """Infect ``params.seeds`` random adults at random times of day 0 (so none of their
        infectiousness falls before the simulated days)."""
        rng = np.random.default_rng([self.seed, 3, 0])
        adults = np.flatnonzero((self.age >= 18) & (self.age < 60))
        pool = adults if adults.size >= self.params.seeds else np.arange(self.n)
        count = min(self.params.seeds, pool.size)
        person = rng.choice(pool, count, replace=False).astype(np.int64)
        time = rng.integers(0, DAY, count).astype(np.int64)
        none = np.full(count, -1, dtype=np.int64)
        self._infect(person, time, none, np.full(count, Layer.SEED), none, rng)

    # the day -------------------------------------------------------------------------------

    def step(self) -> Day:
        """Advance one day: who stays home, the day of life, then transmission in each layer."""
        d = self.day_index
        t0, t1 = d * DAY, (d + 1) * DAY
        rng = np.random.default_rng([self.seed, 4, d])
        c = self.cases
        p = self.params
        if p.imports > 0:
            count = int(rng.poisson(p.imports))
            person = rng.integers(0, self.n, count).astype(np.int64)
            time = t0 + rng.integers(0, DAY, count).astype(np.int64)
            none = np.full(count, -1, dtype=np.int64)
            self._infect(person, time, none, np.full(count, Layer.SEED), none, rng)
            c = self.cases
        # who is kept home (or in hospital) today, judged at noon
        for person, kind, value in self._flags.pop(d, []):
            home = kind == 0
            self.home[person[home]] = value[home]
            self.hospital[person[~home]] = value[~home]
        self._flags_day = d + 1
        day = self.life.day(d, home=self.home)
        # infectious today (not in hospital); those out of home visit venues. Cases are in
        # order of infection: the ones still infectious are among the last
        active = np.zeros(0, dtype=np.int64)
        if c:
            ended = np.flatnonzero(c["infectious_end"][self.first_live :] > t0)
            self.first_live += int(ended[0]) if ended.size else self.count - self.first_live
            lo = self.first_live
            infectious_now = (c["infectious_start"][lo:] < t1) & (c["infectious_end"][lo:] > t0)
            active = lo + np.flatnonzero(infectious_now)
        active = active[~self.hospital[c["person"][active]]] if active.size else active
        infectious = int(active.size)
        found: list[tuple[Int64, ...]] = self._groups_due(day, d, t0, rng)
        if active.size:
            active = active[~self.home[c["person"][active]]]
        if active.size:
            # the share of the kernel's mass in [t0, t1): the distribution function at both ends,
            # clipped to the case's infectious range
            onset = c["onset"][active]
            ends = np.concatenate([t0 - onset, t1 - onset]) / DAY
            cdf = course.kernel_cdf(p.course, ends).reshape(2, -1)
            low = c["cdf_low"][active]
            cdf = np.minimum(np.maximum(cdf, low), self.cdf_high)
            weight = (cdf[1] - cdf[0]) * c["per_mass"][active]
            positive = weight > 0
            active, weight = active[positive], weight[positive]
            if active.size:
                found.append(self._venues(day, active, weight, rng))
        new = 0
        by_layer = dict.fromkeys(LAYER_NAMES, 0)
        if found:
            person, time, infector, layer, place = (
                np.concatenate([f[i] for f in found]) for i in range(5)
            )
            before = self.count
            self._infect(person, time, infector, layer, place, rng)
            new = self.count - before
            if new:
                counts = np.bincount(self.cases["layer"][before:].astype(np.int64), minlength=5)
                by_layer = {name: int(counts[i]) for i, name in enumerate(LAYER_NAMES)}
        self.daily.append(
            {
                "day": d,
                "infections": new,
                **by_layer,
                "infectious": infectious,
                "kept_home": int(self.home.sum()),
            }
        )
        self.day_index += 1
        # the day's scans are made in the background, during the transmission and on into the
        # next day's start; reading them (or the next day) waits for them
        return day

    def _groups_due(
        self, day: Day, d: int, t0: int, rng: np.random.Generator
    ) -> list[tuple[Int64, ...]]:
        """The attempts at home, work and school falling due on day ``d``
        (:class:`fangkong.sim.groups.Groups`) that the day allows: at home, the infector not in
        hospital nor dead; at work or school, both there with overlapping infectious hours,
        the time then drawn in the overlap. The member's susceptibility is checked by
        :meth:`_infect`."""
        due = self.groups.due(d)
        if due is None:
            return []
        c = self.cases
        case = self.case_of[due.infector]
        home = due.layer == Layer.HOUSEHOLD
        at_home = due.take(home & ~self.hospital[due.infector] & (c["died"][case] > t0))
        away = due.take(~home)
        start, end, present = self._anchors(day, away.infector)
        m_start, m_end, m_present = self._anchors(day, away.member)
        case = self.case_of[away.infector]
        low = np.maximum(np.maximum(start, m_start), c["infectious_start"][case])
        high = np.minimum(np.minimum(end, m_end), c["infectious_end"][case])
        ok = present & m_present & (high > low)
        away, low, high = away.take(ok), low[ok], high[ok]
        time = low + (rng.random(low.size) * (high - low)).astype(np.int64)
        return [
            (at_home.member, at_home.time, at_home.infector, at_home.layer, at_home.place),
            (away.member, time, away.infector, away.layer, away.place),
        ]

    def _anchors(self, day: Day, person: Int64) -> tuple[Int64, Int64, npt.NDArray[np.bool_]]:
        """Start and end (seconds since the start) of ``person``'s work or school today."""
        plan = day.plan
        row = plan.anchor_rows()[person]
        present = (row >= 0) & ~self.home[person]
        row = np.maximum(row, 0)
        offset = day.offset[person].astype(np.int64)
        if plan.anchor_start.size == 0:
            return offset, offset, present
        start = plan.anchor_start[row].astype(np.int64) + offset
        end = plan.anchor_end[row].astype(np.int64) + offset
        return start, end, present

    def _venues(
        self, day: Day, active: Int64, weight: Float, rng: np.random.Generator
    ) -> tuple[Int64, ...]:
        """Infections at venues by the infectious people ``active`` (out of home, ``weight``
        their share of infectiousness today): see the module docstring. Times are int32
        seconds (60 days fit many times over)."""
        c = self.cases
        plan = day.plan
        infector = c["person"][active]
        opens = c["infectious_start"][active].astype(np.int32)
        closes = np.minimum(c["infectious_end"][active], NEVER).astype(np.int32)
        offsets = plan.person_rows()
        low = offsets[infector]
        owner, row = expand(low, offsets[infector + 1] - low)
        visit = np.flatnonzero(plan.scan_kind[row] == KIND_VISIT)
        empty = np.zeros(0, dtype=np.int64)
        if visit.size == 0:
            return (empty, empty, empty, empty, empty)
        owner, row = owner[visit], row[visit]
        order, bins = plan.venue_index()
        venue = plan.scan_venue[row]
        arrival_t = plan.scan_arrival[row]
        departure_t = plan.scan_departure[row]
        category = self.venue_category[venue]
        # everyone whose stay can overlap arrived (in plan time, before their own shift of at
        # most ±shift_limit) in these half-hours of the venue's index
        shift_i = day.offset[infector[owner]]
        moved = shift_i - np.int32(day.day * DAY)  # the infector's own shift
        margin = self.shift_limit
        lo_bin = np.maximum(arrival_t + (moved - self.stay_cap32[category] - margin), 0) // BIN
        hi_bin = np.minimum((departure_t + (moved + margin)) // BIN, BINS - 1)
        lo_bin = np.minimum(lo_bin, hi_bin)
        base = venue * BINS
        first = bins[base + lo_bin]
        crowd = bins[base + hi_bin + 1] - first
        # only the infectious part of the infector's visit counts
        arrival = np.maximum(arrival_t + shift_i, opens[owner])
        departure = np.maximum(np.minimum(departure_t + shift_i, closes[owner]), arrival)
        # people present with the visitor: the window's arrivals times the share of the window
        # during which an arrival overlaps (arrivals spread evenly)
        window = (hi_bin + 1 - lo_bin) * BIN
        stay = departure_t - arrival_t
        present = crowd * np.minimum((stay + self.stay_mean[category]) / window, 1.0)
        hazard = self.venue_hazard[category] * np.minimum(
            1.0, self.close_contacts[category] / np.maximum(present, 1.0)
        )
        rate = hazard * weight[owner]
        hours = (departure - arrival) * (1 / 3600)
        draw = pick(first, crowd, rate * hours * self.max_susceptibility, rng)
        other = order[draw.slot]
        person = plan.scan_person[other]
        by = infector[owner[draw.owner]]
        # only the people still susceptible and out can be infected: checked first (cheap)
        open_ = np.flatnonzero((self.case_of[person] < 0) & ~self.home[person] & (person != by))
        draw, other, person, by = draw.take(open_), other[open_], person[open_], by[open_]
        who = draw.owner
        shift_j = day.offset[person]
        start = np.maximum(arrival[who], plan.scan_arrival[other] + shift_j)
        stop = np.minimum(departure[who], plan.scan_departure[other] + shift_j)
        overlap = np.maximum(stop - start, 0)
        own = rate[who] * overlap * (1 / 3600) * self.susceptibility[person]
        ok = draw.accept(own)
        who, person, start, stop, by = who[ok], person[ok], start[ok], stop[ok], by[ok]
        time = start + (rng.random(who.size) * (stop - start)).astype(np.int64)
        return (
            person.astype(np.int64),
            time,
            by,
            np.full(who.size, Layer.VENUE, dtype=np.int64),
            venue[who].astype(np.int64),
        )

    # results -------------------------------------------------------------------------------

    def result(self) -> OutbreakResult:
        """The ground truth so far as frames (epoch seconds)."""
        epoch = self.life.epoch
        c = self.cases
        if not c:
            empty = np.zeros(0, dtype=np.int64)
            names = ("person", "infected", "infector", "layer", "place", "onset",
                     "infectious_start", "infectious_end", "hospitalised", "recovered", "died",
                     "severity", "relative", "tau_low")  # fmt: skip
            c = dict.fromkeys(names, empty)
            c["symptomatic"] = c["stays_home"] = np.zeros(0, dtype=bool)

        def when(values: npt.NDArray[Any], valid: npt.NDArray[np.bool_] | None = None) -> pl.Series:
            times = np.asarray(values, dtype=np.int64)
            return _nullable(times + epoch, times < NEVER if valid is None else valid)

        person = np.asarray(c["person"], dtype=np.int64)
        infector = np.asarray(c["infector"], dtype=np.int64)
        layer = np.asarray(c["layer"], dtype=np.int64)
        place = np.asarray(c["place"], dtype=np.int64)
        infections = pl.DataFrame(
            {
                "person": person.astype(np.int32),
                "infector": _nullable(infector.astype(np.int32), infector >= 0),
                "layer": pl.Series(LAYER_NAMES, dtype=pl.Enum(LAYER_NAMES)).gather(layer),
                "place": _nullable(place.astype(np.int32), place >= 0),
                "time": when(c["infected"], np.ones(person.size, dtype=bool)),
            }
        ).sort("time", "person")
        symptomatic = np.asarray(c["symptomatic"], dtype=bool)
        courses = pl.DataFrame(
            {
                "person": person.astype(np.int32),
                "infected": when(c["infected"], np.ones(person.size, dtype=bool)),
                "infectious_start": when(c["infectious_start"]),
                "infectious_end": when(c["infectious_end"]),
                "onset": when(c["onset"], symptomatic),
                "symptomatic": symptomatic,
                "severity": np.asarray(c["severity"], dtype=np.int8),
                "hospitalised": when(c["hospitalised"]),
                "recovered": when(c["recovered"]),
                "died": when(c["died"]),
                "stays_home": np.asarray(c["stays_home"], dtype=bool),
            }
        ).sort("infected", "person")
        daily = pl.DataFrame(self.daily) if self.daily else pl.DataFrame({"day": []})
        return OutbreakResult(
            residents=self.n,
            days=self.day_index,
            epoch=epoch,
            infections=infections,
            courses=courses,
            daily=daily,
        )


def outbreak_run(
    places: Places,
    *,
    start: date,
    days: int,
    seed: int,
    params: OutbreakParams | None = None,
    life: Life | None = None,
    life_params: LifeParams | None = None,
    on_day: Callable[[Day], None] | None = None,
) -> OutbreakResult:
    """Run an outbreak for ``days`` days from ``start``, deterministically for ``seed``.

    ``life`` may be given already prepared (its plans built); else one is made from
    ``life_params``. ``on_day`` receives every materialised :class:`Day` (to write scans and
    dwell intervals, say); the nights at home still open at the end are in
    ``life.finish(days)``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    life = life or Life(places, start=start, seed=seed, params=life_params)
    outbreak = Outbreak(places, life, seed=seed, params=params)
    outbreak.seed_cases()
    day: Day | None = None
    for _ in range(days):
        day = outbreak.step()
        if on_day is not None:
            on_day(day)
    if day is not None:
        day.materialise()  # every day's scans made
    return outbreak.result()

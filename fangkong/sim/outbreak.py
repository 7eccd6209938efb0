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
  the work grows with infections, not with crowd sizes. Households, teams and classes are
  sampled the same way.

A person infected twice in one day keeps the earliest infection. Symptomatic people stay home
from onset to recovery with probability ``stay_home``; severe cases are in hospital (no
contacts) from admission. People in hospital or dead are taken out of daily life like people
staying home (no scans; their cell stays the home cell). The ground truth — who infected
whom, in which layer and place, when — is kept in :class:`OutbreakResult`, apart from anything
observed (:mod:`fangkong.sim.observe`).
"""

from __future__ import annotations

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
from fangkong.sim.life import BIN, BINS, DAY, KIND_VISIT, Day, Life, LifeParams
from fangkong.sim.outbreak_params import LAYER_NAMES, Layer, OutbreakParams
from fangkong.sim.places import Category, Places, SiteKind
from fangkong.sim.routine import STAY

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]


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
        self.stay_mean = routine.stay_table().reshape(len(Category), -1).mean(axis=1)
        self.shift_limit = life.params.shift_minutes * 60
        p = self.params
        scale = p.transmissibility
        self.beta_household = course_beta(p.household_sar, p.course) * scale
        self.beta_team = course_beta(p.team_probability, p.course) * scale
        self.beta_class = course_beta(p.class_probability, p.course) * scale
        self.beta_site = course_beta(p.site_probability, p.course) * scale
        # cases, in order of infection
        self.case_of = np.full(self.n, -1, dtype=np.int64)
        self._store: dict[str, npt.NDArray[Any]] = {}
        self.cases: dict[str, npt.NDArray[Any]] = {}
        self.count = 0
        self.live = np.zeros(0, dtype=np.int64)  # cases still infectious or ill
        self.day_index = 0
        self.daily: list[dict[str, int]] = []
        self.home = np.zeros(self.n, dtype=bool)
        self.hospital = np.zeros(self.n, dtype=bool)
        self.dead = np.zeros(0, dtype=np.int64)  # people who died, kept out of daily life

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
        self.live = np.concatenate([self.live, index])

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
        live = self.live
        if live.size:
            ends = np.maximum(c["infectious_end"][live], c["recovered"][live])
            gone = c["died"][live] <= t0
            self.dead = np.concatenate([self.dead, c["person"][live[gone]]])
            live = live[(ends > t0) & ~gone]
            self.live = live
        # who is kept home (or in hospital) today, judged at noon
        noon = t0 + DAY // 2
        self.home[:] = False
        self.hospital[:] = False
        self.home[self.dead] = True
        if live.size:
            person = c["person"][live]
            ill = (c["onset"][live] <= noon) & (c["recovered"][live] > noon)
            in_hospital = ((c["hospitalised"][live] <= noon) & (c["recovered"][live] > noon)) | (
                c["died"][live] <= noon
            )
            self.home[person[(ill & c["stays_home"][live]) | in_hospital]] = True
            self.hospital[person[in_hospital]] = True
        day = self.life.day(d, home=self.home)
        # infectious today
        active = live
        if active.size:
            person = c["person"][active]
            active = active[
                (c["infectious_start"][active] < t1)
                & (c["infectious_end"][active] > t0)
                & ~self.hospital[person]
            ]
        weight = np.zeros(0)
        if active.size:
            weight = (
                course.infectiousness(p.course, c["onset"][active], c["tau_low"][active], t0, t1)
                * c["relative"][active]
            )
            positive = weight > 0
            active, weight = active[positive], weight[positive]
        found: list[tuple[Int64, ...]] = []
        if active.size:
            found.append(self._household(active, weight, t0, rng))
            found.extend(self._sites(day, active, weight, rng))
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
                "infectious": int(active.size),
                "kept_home": int(self.home.sum()),
            }
        )
        self.day_index += 1
        day.materialise()  # made in the background during the transmission
        return day

    def _household(
        self, active: Int64, weight: Float, t0: int, rng: np.random.Generator
    ) -> tuple[Int64, ...]:
        """Infections at home: candidates by :func:`fangkong.sim.contacts.pick`, thinned to
        each member's chance; the hits count if not the infector, still susceptible and not in
        hospital."""
        c = self.cases
        infector = c["person"][active]
        house = self.household[infector]
        rate = self.beta_household * weight
        draw = pick(
            self.house_first[house], self.house_size[house], rate * self.max_susceptibility, rng
        )
        hit = draw.accept(rate[draw.owner] * self.susceptibility[draw.slot], rng)
        owner, member = draw.owner[hit], draw.slot[hit]
        ok = (member != infector[owner]) & (self.case_of[member] < 0) & ~self.hospital[member]
        owner, member = owner[ok], member[ok]
        low = np.maximum(t0, c["infectious_start"][active][owner])
        high = np.minimum(t0 + DAY, c["infectious_end"][active][owner])
        time = low + (rng.random(owner.size) * np.maximum(high - low, 1)).astype(np.int64)
        return (
            member,
            time,
            infector[owner],
            np.full(owner.size, Layer.HOUSEHOLD, dtype=np.int64),
            house[owner],
        )

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

    def _sites(
        self, day: Day, active: Int64, weight: Float, rng: np.random.Generator
    ) -> list[tuple[Int64, ...]]:
        """Infections at work and school: the team or class, and a few random people of the
        site. Candidates are drawn first; only the hits are checked for presence that day, an
        overlap of the two days there, and susceptibility (the same law, less work)."""
        c = self.cases
        p = self.params
        infector = c["person"][active]
        start, end, present = self._anchors(day, infector)
        keep = np.flatnonzero(present & (self.team[infector] >= 0))
        if keep.size == 0:
            return []
        infector, weight = infector[keep], weight[keep]
        # only the infectious part of the infector's day there counts
        start = np.maximum(start[keep], c["infectious_start"][active][keep])
        end = np.minimum(end[keep], c["infectious_end"][active][keep])
        site = self.site[infector].astype(np.int64)
        school = self.site_school[site]
        # team or class: candidates at the largest chance (the most susceptible age), thinned
        # to each member's own chance
        team = self.team[infector].astype(np.int64)
        size = self.team_size[team]
        rate = np.where(school, self.beta_class, self.beta_team) * weight
        draw = pick(self.team_first[team], size, rate * self.max_susceptibility, rng)
        member = self.team_members[draw.slot]
        hit = draw.accept(rate[draw.owner] * self.susceptibility[member], rng)
        owner, member = draw.owner[hit], member[hit]
        extra = rng.poisson(p.site_contacts, infector.size)
        extra_owner = np.repeat(np.arange(infector.size), extra)
        chosen = (rng.random(extra_owner.size) * self.site_size[site[extra_owner]]).astype(np.int64)
        extra_member = self.site_members[self.site_first[site[extra_owner]] + chosen]
        rate = self.beta_site * weight
        met = rng.random(extra_owner.size) < -np.expm1(
            -rate[extra_owner] * self.susceptibility[extra_member]
        )
        owner = np.concatenate([owner, extra_owner[met]])
        member = np.concatenate([member, extra_member[met]])
        m_start, m_end, m_present = self._anchors(day, member)
        low = np.maximum(start[owner], m_start)
        high = np.minimum(end[owner], m_end)
        ok = m_present & (high > low) & (member != infector[owner]) & (self.case_of[member] < 0)
        owner, member, low, high = owner[ok], member[ok], low[ok], high[ok]
        time = low + (rng.random(owner.size) * (high - low)).astype(np.int64)
        layer = np.where(school[owner], Layer.SCHOOL, Layer.WORK).astype(np.int64)
        return [(member, time, infector[owner], layer, site[owner])]

    def _venues(
        self, day: Day, active: Int64, weight: Float, rng: np.random.Generator
    ) -> tuple[Int64, ...]:
        c = self.cases
        plan = day.plan
        infector = c["person"][active]
        out = ~self.home[infector]
        infector, weight = infector[out], weight[out]
        opens, closes = c["infectious_start"][active][out], c["infectious_end"][active][out]
        offsets = plan.person_rows()
        low, high = offsets[infector], offsets[infector + 1]
        owner, row = expand(low, high - low)
        visit = plan.scan_kind[row] == KIND_VISIT
        owner, row = owner[visit], row[visit]
        empty = np.zeros(0, dtype=np.int64)
        if row.size == 0:
            return (empty, empty, empty, empty, empty)
        order, bins = plan.venue_index()
        venue = plan.scan_venue[row].astype(np.int64)
        arrival_t = plan.scan_arrival[row].astype(np.int64)
        departure_t = plan.scan_departure[row].astype(np.int64)
        category = self.venue_category[venue]
        # everyone whose stay can overlap arrived (in plan time, before their own shift of at
        # most ±shift_limit) in these half-hours of the venue's index
        shift_i = day.offset[infector[owner]].astype(np.int64)
        moved = shift_i - day.day * DAY  # the infector's own shift
        margin = self.shift_limit
        lo_bin = np.maximum(arrival_t + moved - self.stay_cap[category] - margin, 0) // BIN
        hi_bin = np.clip((departure_t + moved + margin) // BIN, 0, BINS - 1)
        lo_bin = np.minimum(lo_bin, hi_bin)
        first = bins[venue * BINS + lo_bin]
        last = bins[venue * BINS + hi_bin + 1]
        # only the infectious part of the infector's visit counts
        arrival = np.maximum(arrival_t + shift_i, opens[owner])
        departure = np.maximum(np.minimum(departure_t + shift_i, closes[owner]), arrival)
        crowd = last - first
        # people present with the visitor: the window's arrivals times the share of the window
        # during which an arrival overlaps (arrivals spread evenly)
        window = (hi_bin + 1 - lo_bin) * BIN
        stay = departure_t - arrival_t
        present = crowd * np.minimum((stay + self.stay_mean[category]) / window, 1.0)
        close = np.asarray(self.params.close_contacts)[category]
        hazard = (
            np.asarray(self.params.venue_hazard)[category]
            * self.params.transmissibility
            * np.minimum(1.0, close / np.maximum(present, 1.0))
        )
        w = weight[owner]
        hours = (departure - arrival) / 3600
        draw = pick(first, crowd, hazard * w * hours * self.max_susceptibility, rng)
        who, other = draw.owner, order[draw.slot]
        person = plan.scan_person[other].astype(np.int64)
        shift_j = day.offset[person].astype(np.int64)
        start = np.maximum(arrival[who], plan.scan_arrival[other] + shift_j)
        stop = np.minimum(departure[who], plan.scan_departure[other] + shift_j)
        overlap = np.maximum(stop - start, 0)
        own = hazard[who] * w[who] * overlap / 3600 * self.susceptibility[person]
        ok = (
            draw.accept(own, rng)
            & (person != infector[owner][who])
            & (self.case_of[person] < 0)
            & ~self.home[person]
        )
        who, person, start, stop = who[ok], person[ok], start[ok], stop[ok]
        time = start + (rng.random(who.size) * (stop - start)).astype(np.int64)
        return (
            person,
            time,
            infector[owner][who],
            np.full(who.size, Layer.VENUE, dtype=np.int64),
            venue[who],
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
                "layer": pl.Series(np.asarray(LAYER_NAMES)[layer]).cast(pl.Enum(LAYER_NAMES)),
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
    for _ in range(days):
        day = outbreak.step()
        if on_day is not None:
            on_day(day)
    return outbreak.result()

"""Infections in fixed groups — households, work teams and classes, the people of a site —
drawn once, when the infector is infected, over the whole course (pure NumPy), for
:mod:`fangkong.sim.outbreak`.

In these layers the hazard on a member is ``β · W · s`` a day (``W``: the day's share of the
infector's relative infectiousness, ``s``: the member's susceptibility), so the attempts on a
member over the course form a Poisson process with mean ``β · relative · s`` and times
distributed as the infectiousness kernel. :meth:`Groups.draw` draws them at the infection:
the candidates by Poisson thinning (:func:`fangkong.sim.contacts.pick`), each one's time from
the kernel (:func:`fangkong.sim.course.kernel_times`). They fall due on their day
(:meth:`Groups.due`), where :class:`fangkong.sim.outbreak.Outbreak` keeps those the day allows
— the same Poisson process, restricted to the days the infector is at home (not in hospital,
not dead) or at work or school with the member there too — and the member must still be
susceptible. At work and school the time of an infection is then drawn in the hours both
spend there (the day is chosen by the kernel).

Random people of the site: ``site_contacts`` a day, each infected with hazard ``β_s · W · s``
(the chance ``1 − exp(−β_s W s)`` to first order; ``β_s W`` is a few per cent).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fangkong.sim import course
from fangkong.sim.contacts import expand, pick
from fangkong.sim.course import DAY, NEVER, CourseParams, Courses
from fangkong.sim.outbreak_params import Layer

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Members:
    """Groups as (members sorted by group, first position, size) and each person's group
    (−1 for none)."""

    members: Int64
    first: Int64
    size: Int64
    of: Int64


@dataclass(frozen=True)
class Due:
    """Infection attempts due on one day: member, time, infector, layer, place."""

    member: Int64
    time: Int64
    infector: Int64
    layer: Int64
    place: Int64

    def take(self, keep: npt.NDArray[np.bool_] | slice) -> Due:
        return Due(
            self.member[keep],
            self.time[keep],
            self.infector[keep],
            self.layer[keep],
            self.place[keep],
        )


class Groups:
    """Households, teams and sites with their hazards, and the attempts due by day."""

    def __init__(
        self,
        *,
        household: Members,
        team: Members,
        site: Members,
        site_school: npt.NDArray[np.bool_],
        susceptibility: Float,
        betas: tuple[float, float, float, float],
        site_contacts: float,
        params: CourseParams,
        infected: Int64,
    ) -> None:
        self.household, self.team, self.site = household, team, site
        self.site_school = site_school
        self.susceptibility = susceptibility
        self.max_susceptibility = float(susceptibility.max(initial=0.0))
        self.beta_household, self.beta_team, self.beta_class, self.beta_site = betas
        self.site_contacts = site_contacts
        self.params = params
        self.infected = infected  # per person: the case number, −1 if not infected (live view)
        self._due: dict[int, list[Due]] = {}

    def _attempts(
        self,
        person: Int64,
        group: Members,
        rate: Float,
        per_member: Float,
        rng: np.random.Generator,
    ) -> tuple[Int64, Int64]:
        """(owner index into ``person``, member) of the accepted attempts in each person's
        group: ``per_member`` attempts on each member at the most susceptible age (Poisson),
        accepted at ``rate · s / per_member`` (``rate`` per person, at most ``per_member``
        over ``max_susceptibility``)."""
        index = group.of[person]
        has = np.flatnonzero(index >= 0)
        index = index[has]
        draw = pick(group.first[index], group.size[index], per_member[has], rng)
        member = group.members[draw.slot]
        hit = draw.accept(rate[has][draw.owner] * self.susceptibility[member])
        owner, member = has[draw.owner[hit]], member[hit]
        ok = (member != person[owner]) & (self.infected[member] < 0)
        return owner[ok], member[ok]

    def _household(
        self, person: Int64, drawn: Courses, cdf_low: Float, rng: np.random.Generator
    ) -> tuple[Int64, Int64, Int64]:
        """(owner index into ``person``, member, time) of the first attempt on each household
        member that the infector's days allow.

        Only a member's first allowed attempt can infect them (the household does not depend
        on the day), so it is drawn directly: with ``E`` exponential, at the point where the
        hazard on the member, ``β_h · relative · s`` times the share of the kernel's mass
        passed, reaches ``E`` — none if it never does. The days the infector spends in hospital
        (or dead), judged at noon as :meth:`fangkong.sim.outbreak.Outbreak.step` does, from the
        first day with admission before noon to the first with recovery before noon (or on),
        carry no hazard: their mass is stepped over."""
        size = self.household.size[self.household.of[person]]
        owner, member = expand(self.household.first[self.household.of[person]], size)
        other = (member != person[owner]) & (self.infected[member] < 0)  # (not yet) infected
        owner, member = owner[other], member[other]
        hazard = self.beta_household * drawn.relative[owner] * self.susceptibility[member]
        exposure = -np.log1p(-rng.random(owner.size))
        hit = np.flatnonzero(exposure < hazard)  # a member is never reached beyond the mass
        owner, member = owner[hit], member[hit]
        low = cdf_low[owner]
        high = course.kernel_cdf(self.params, np.full(1, self.params.after_onset))[0]
        q = low + exposure[hit] / hazard[hit] * (high - low)
        # the hospital stay, as distribution-function values of the infector's kernel
        onset = drawn.onset[owner]
        half = DAY // 2
        admitted = drawn.hospitalised[owner]
        stay = admitted < NEVER
        first = np.where(stay, (admitted - half + DAY - 1) // DAY * DAY, NEVER)
        until = drawn.died[owner] < NEVER
        back = drawn.recovered[owner]
        last = np.where(stay & ~until & (back < NEVER), (back - half + DAY - 1) // DAY * DAY, NEVER)
        cut = self._cdf(onset, first, low, high)
        q = np.where(q >= cut, q + self._cdf(onset, last, low, high) - cut, q)
        ok = q < high
        owner, member, onset, q = owner[ok], member[ok], onset[ok], q[ok]
        return owner, member, course.kernel_quantile(self.params, onset, q)

    def _cdf(self, onset: Int64, time: Int64, low: Float, high: float) -> Float:
        """The kernel's distribution function at ``time``, within [``low``, ``high``]."""
        tau = (time - onset) / DAY
        return np.minimum(np.maximum(course.kernel_cdf(self.params, tau), low), high)

    def draw(self, person: Int64, drawn: Courses, cdf_low: Float, rng: np.random.Generator) -> None:
        """Draw the attempts of new cases ``person`` (courses ``drawn``, the kernel's
        distribution function at their ``tau_low``: ``cdf_low``) in every group layer."""
        if person.size == 0:
            return
        most = self.max_susceptibility
        relative = drawn.relative
        home = self._household(person, drawn, cdf_low, rng)
        site = self.site.of[person]
        school = self.site_school[np.maximum(site, 0)] & (site >= 0)
        rate = np.where(school, self.beta_class, self.beta_team) * relative
        team = self._attempts(person, self.team, rate, rate * most, rng)
        # random people of the site (people in a team only): site_contacts attempts a day on
        # anyone of the site, so per member site_contacts / size
        size = np.maximum(self.site.size[np.maximum(site, 0)], 1)
        rate = np.where(self.team.of[person] >= 0, self.beta_site * relative, 0.0)
        rate = rate * self.site_contacts / size
        extra = self._attempts(person, self.site, rate, rate * most, rng)
        owner = np.concatenate([team[0], extra[0]])
        time = course.kernel_times(
            self.params, drawn.onset[owner], cdf_low[owner], rng.random(owner.size)
        )
        owner = np.concatenate([home[0], owner])
        member = np.concatenate([home[1], team[1], extra[1]])
        if owner.size == 0:
            return
        time = np.concatenate([home[2], time])
        at_home = np.arange(owner.size) < home[0].size
        time = np.clip(time, drawn.infectious_start[owner], drawn.infectious_end[owner] - 1)
        infector = person[owner]
        at_site = self.site.of[infector]
        layer = np.where(
            at_home,
            Layer.HOUSEHOLD,
            np.where(self.site_school[np.maximum(at_site, 0)], Layer.SCHOOL, Layer.WORK),
        ).astype(np.int64)
        place = np.where(at_home, self.household.of[infector], at_site).astype(np.int64)
        day = time // DAY
        order = np.argsort(day.astype(np.int16), kind="stable")  # days fit, radix sort
        due = Due(member[order], time[order], infector[order], layer[order], place[order])
        day = day[order]
        bounds = np.flatnonzero(np.r_[True, day[1:] != day[:-1], True]).tolist()
        for a, b in itertools.pairwise(bounds):
            self._due.setdefault(int(day[a]), []).append(due.take(slice(a, b)))

    def due(self, d: int) -> Due | None:
        """The attempts falling due on day ``d`` (removed from the schedule)."""
        parts = self._due.pop(d, None)
        if not parts:
            return None
        names = [f.name for f in dataclasses.fields(Due)]
        return Due(*(np.concatenate([getattr(x, name) for x in parts]) for name in names))

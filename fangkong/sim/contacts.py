"""From chances to infections: hazards calibrated to attack rates, and Poisson-thinned sampling
of contacts in groups (pure NumPy), for :mod:`fangkong.sim.outbreak`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fangkong.sim import course
from fangkong.sim.course import CourseParams

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]


def group_members(group: npt.NDArray[np.int32], n_groups: int) -> tuple[Int64, Int64, Int64]:
    """Members of each group: (persons sorted by group, first position, size)."""
    members = np.flatnonzero(group >= 0)
    order = members[np.argsort(group[members], kind="stable")]
    size = np.bincount(group[members], minlength=n_groups).astype(np.int64)
    return order.astype(np.int64), np.cumsum(size) - size, size


def expand(first: Int64, size: Int64) -> tuple[Int64, Int64]:
    """For groups (first, size): the owner index of every member slot, and the slot."""
    owner = np.repeat(np.arange(size.shape[0]), size)
    slot = np.repeat(first - (np.cumsum(size) - size), size) + np.arange(owner.shape[0])
    return owner, slot


@dataclass(frozen=True)
class Draw:
    """Candidates drawn by :func:`pick`: group index, member position, per group the largest
    hazard, and per candidate a uniform for its acceptance."""

    owner: Int64
    slot: Int64
    hazard: Float
    chance: Float

    def accept(self, hazard: Float) -> npt.NDArray[np.bool_]:
        """Which candidates infect, given each candidate's own hazard (at most the group's)."""
        return np.asarray(self.chance * self.hazard[self.owner] < hazard)

    def take(self, rows: Int64) -> Draw:
        """The candidates at ``rows`` only."""
        return Draw(self.owner[rows], self.slot[rows], self.hazard, self.chance[rows])


def pick(
    first: npt.NDArray[np.integer[Any]],
    size: npt.NDArray[np.integer[Any]],
    hazard: Float,
    rng: np.random.Generator,
) -> Draw:
    """Candidates from groups (``first``, ``size``) when each member of group ``g`` is infected
    with chance ``1 − exp(−h)``, ``h`` at most ``hazard[g]``.

    Poisson thinning: the group receives Poisson(n · hazard) attempts, each on a member drawn
    uniformly, so each member receives Poisson(hazard) attempts; accepting an attempt on a
    member with probability ``h / hazard`` (:meth:`Draw.accept`) leaves Poisson(h) accepted
    attempts, hence infection with chance exactly ``1 − exp(−h)``. One uniform per attempt
    gives both the member (its integer part, times n) and the acceptance (its fractional part,
    independent of the integer part). The work grows with the attempts, not with the group
    sizes.
    """
    owner = np.repeat(np.arange(size.shape[0]), rng.poisson(size * hazard))
    scaled = rng.random(owner.size) * size[owner]
    within = scaled.astype(np.int64)
    return Draw(owner, first[owner] + within, hazard, scaled - within)


def course_beta(probability: float, params: CourseParams) -> float:
    """The hazard β for which an average infectious person — infectiousness Gamma(k, 1/k),
    times ``asymptomatic_infectiousness`` for the asymptomatic share — infects a fully
    susceptible contact present throughout the course with ``probability``:
    E[1 − exp(−β a G)] = 1 − E_a[(1 + β a / k) ** −k] (bisection)."""
    if probability <= 0:
        return 0.0
    k = params.dispersion
    symptomatic = float(np.mean(course.SYMPTOMATIC)) * params.symptomatic_scale
    factors = (
        (min(symptomatic, 1.0), 1.0),
        (1 - min(symptomatic, 1.0), params.asymptomatic_infectiousness),
    )

    def average(beta: float) -> float:
        return 1.0 - float(sum(share * (1 + beta * a / k) ** -k for share, a in factors))

    if average(1e6) <= probability:
        raise ValueError("probability is out of reach for this dispersion")
    low, high = 0.0, 1.0
    while average(high) < probability:
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if average(middle) < probability else (low, middle)
    return (low + high) / 2

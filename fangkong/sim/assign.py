"""Filling sites with people (pure NumPy): ranks within groups, fills that keep people near
home, and firm sizes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FIRM_SIZE_EXPONENT = 1.06
FIRM_SIZE_CAP = 5_000


def rank_in_groups(group: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0-based position of each element among elements of its (contiguous) group."""
    n = group.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.r_[True, group[1:] != group[:-1]]
    first = np.flatnonzero(start)
    return np.asarray(np.arange(n) - np.repeat(first, np.diff(np.r_[first, n])))


def ranks_in_groups(
    group: npt.NDArray[np.int64],
    order_by: npt.NDArray[np.float64] | None,
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """1-based rank of each element within its ``group``: by ``order_by`` ascending (ties at
    random), or at random when ``order_by`` is None."""
    n = group.shape[0]
    keys = rng.random((n,))
    order = np.lexsort((keys, group)) if order_by is None else np.lexsort((keys, order_by, group))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = rank_in_groups(group[order]) + 1
    return ranks


def sequential_fill(
    capacity: npt.NDArray[np.int64],
    site_district: npt.NDArray[np.int64],
    home_district: npt.NDArray[np.int64],
    local_share: float,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Assign ``capacity.sum()`` people to sites (sorted by district) mostly near home.

    1. Each person targets the home district with probability ``local_share``, else a district
       in proportion to the capacity there.
    2. People sorted by target district (random order within) fill the sites in order.

    Returns, per person, the site and the 0-based position inside it (a random order).
    """
    n = int(home_district.shape[0])
    districts = int(max(site_district.max(initial=0), home_district.max(initial=0))) + 1
    per_district = np.bincount(site_district, weights=capacity, minlength=districts)
    away = rng.choice(districts, n, p=per_district / per_district.sum())
    local = (rng.random(n) < local_share) & (per_district[home_district] > 0)
    target = np.where(local, home_district, away)
    order = np.lexsort((rng.random(n), target))
    bounds = np.cumsum(capacity)
    site_sorted = np.searchsorted(bounds, np.arange(n), side="right")
    site = np.empty(n, dtype=np.int64)
    site[order] = site_sorted
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n) - (bounds - capacity)[site_sorted]
    return site, position


def firm_sizes(workers: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Zipf firm sizes (P(S ≥ s) = s^-FIRM_SIZE_EXPONENT, capped) adding up to ``workers``."""
    sizes: list[npt.NDArray[np.int64]] = []
    total = 0
    while total < workers:
        draw = np.floor(rng.random(max(1024, workers // 4)) ** (-1.0 / FIRM_SIZE_EXPONENT))
        batch = np.minimum(draw, FIRM_SIZE_CAP).astype(np.int64)
        sizes.append(batch)
        total += int(batch.sum())
    out = np.concatenate(sizes)
    cumulative = np.cumsum(out)
    count = int(np.searchsorted(cumulative, workers)) + 1
    out = out[:count].copy()
    out[-1] -= int(cumulative[count - 1]) - workers
    return out[out > 0]

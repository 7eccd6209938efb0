"""Behaviour tables for daily life: who goes out when, where to, and for how long.

Every figure here is an assumption made to look like a Chinese city's day (markets at dawn,
restaurants at noon and dinner, stations at commuting hours, malls in the afternoon and
evening); none is a published value. The tables are turned once into quantised inverse
distribution functions (lookup tables) so that :mod:`fangkong.sim.life` draws a visit with a
few gathers from one 64-bit random word.

* The waking day is cut into six **slots**; each kind of person uses each slot with its own
  probability, on free days and on days at work or school (then only before and after).
* In a slot, a **category** is chosen in proportion to the person's preference times the
  category's opening activity in the slot's hours; the **arrival** hour follows the
  category's hourly profile inside the slot.
* The **stay** is log-normal (median, σ of the log) with a cap, per category.
* Work and school **anchors** start and last normally distributed times, clipped.
"""

from __future__ import annotations

import functools
from enum import IntEnum
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim.places import Category

SLOT_HOURS: tuple[tuple[int, int], ...] = ((6, 9), (9, 12), (12, 14), (14, 17), (17, 20), (20, 23))
SLOTS = len(SLOT_HOURS)
BEFORE_ANCHOR_SLOT = 0
VISIT_CATEGORIES = tuple(c for c in Category if c not in (Category.OFFICE, Category.SCHOOL))

SUBSET_BITS = 12
CATEGORY_BITS = 10
ARRIVAL_BITS = 10
STAY_BITS = 16
VENUE_BITS = 14
NORMAL_BITS = 10


class PersonClass(IntEnum):
    """Kinds of people with their own daily routine."""

    TODDLER = 0  # 0–2
    CHILD = 1  # 3–5
    PUPIL = 2  # at a school, under 18
    STUDENT = 3  # at a university
    WORKER = 4  # has a workplace
    ADULT = 5  # 18–59 without one
    ELDER = 6  # 60+ without one


#: Probability of going out in each slot: (free day, day at work or school).
SLOT_USE: dict[PersonClass, tuple[tuple[float, ...], tuple[float, ...]]] = {
    PersonClass.TODDLER: ((0.02, 0.15, 0.05, 0.15, 0.10, 0.02), (0, 0, 0, 0, 0, 0)),
    PersonClass.CHILD: ((0.03, 0.20, 0.08, 0.20, 0.15, 0.03), (0, 0, 0, 0, 0, 0)),
    PersonClass.PUPIL: ((0.05, 0.30, 0.25, 0.30, 0.30, 0.10), (0.05, 0, 0, 0, 0.20, 0.05)),
    PersonClass.STUDENT: ((0.05, 0.30, 0.35, 0.30, 0.40, 0.30), (0.10, 0, 0, 0, 0.40, 0.30)),
    PersonClass.WORKER: ((0.15, 0.35, 0.35, 0.30, 0.40, 0.25), (0.30, 0, 0, 0, 0.35, 0.20)),
    PersonClass.ADULT: ((0.20, 0.40, 0.30, 0.30, 0.35, 0.20), (0, 0, 0, 0, 0, 0)),
    PersonClass.ELDER: ((0.45, 0.40, 0.15, 0.35, 0.30, 0.08), (0, 0, 0, 0, 0, 0)),
}

#: Relative preference for each visited category (order of ``VISIT_CATEGORIES``).
PREFERENCE: dict[PersonClass, tuple[float, ...]] = {
    PersonClass.TODDLER: (3.0, 1.0, 2.0, 1.0, 1.0, 0.5, 0.0, 2.0, 0.5, 0.1),
    PersonClass.CHILD: (3.0, 1.0, 2.0, 1.0, 0.6, 0.3, 0.2, 2.0, 1.0, 0.1),
    PersonClass.PUPIL: (2.0, 0.2, 3.0, 2.0, 0.3, 0.3, 0.5, 2.0, 2.0, 0.05),
    PersonClass.STUDENT: (2.0, 0.2, 4.0, 3.0, 0.3, 0.3, 1.0, 2.0, 2.0, 0.05),
    PersonClass.WORKER: (2.5, 0.5, 4.0, 3.0, 0.3, 0.5, 1.0, 1.5, 1.0, 0.1),
    PersonClass.ADULT: (3.0, 1.5, 3.0, 2.0, 0.5, 0.6, 0.8, 1.5, 1.0, 0.2),
    PersonClass.ELDER: (3.0, 3.0, 1.5, 1.5, 1.0, 1.0, 0.3, 0.5, 0.3, 0.3),
}


def _profile(first_hour: int, values: tuple[float, ...]) -> tuple[float, ...]:
    """24 hourly values: ``values`` from ``first_hour`` on, zero (closed) elsewhere."""
    hours = [0.0] * 24
    hours[first_hour : first_hour + len(values)] = values
    return tuple(hours)


#: Arrivals per hour of the day, relative, from the opening hour on (closed elsewhere).
HOURLY: dict[Category, tuple[float, ...]] = {
    Category.SUPERMARKET: _profile(
        7, (0.2, 0.5, 0.8, 1, 0.9, 0.6, 0.5, 0.6, 0.7, 0.8, 1, 1, 0.9, 0.7, 0.4, 0.2)
    ),
    Category.MARKET: _profile(
        6, (1, 1, 0.9, 0.7, 0.5, 0.3, 0.1, 0.1, 0.1, 0.2, 0.4, 0.5, 0.3, 0.1)
    ),
    Category.RESTAURANT: _profile(
        6, (0.2, 0.4, 0.3, 0.1, 0.1, 0.7, 1, 0.5, 0.1, 0.05, 0.1, 0.5, 1, 0.9, 0.5, 0.3, 0.2)
    ),
    Category.TRANSIT: _profile(
        6, (0.4, 1, 1, 0.6, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.5, 0.9, 1, 0.6, 0.4, 0.3, 0.2)
    ),
    Category.HOSPITAL: _profile(
        7, (0.3, 1, 1, 0.9, 0.6, 0.2, 0.4, 0.7, 0.6, 0.4, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05)
    ),
    Category.PHARMACY: _profile(
        8, (0.5, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 1, 1, 0.8, 0.5, 0.2)
    ),
    Category.GYM: _profile(
        6, (0.4, 0.5, 0.2, 0.2, 0.3, 0.2, 0.3, 0.2, 0.2, 0.3, 0.4, 0.6, 0.9, 1, 1, 0.6, 0.2)
    ),
    Category.MALL: _profile(10, (0.4, 0.6, 0.7, 0.8, 0.9, 1, 1, 0.9, 0.9, 1, 0.8, 0.4)),
    Category.ENTERTAINMENT: _profile(12, (0.2, 0.4, 0.5, 0.5, 0.5, 0.5, 0.7, 1, 1, 0.8, 0.4)),
    Category.CARE_HOME: _profile(9, (0.8, 1, 0.6, 0, 0, 0.8, 1, 0.8, 0.3)),
}

#: Stay length: median minutes, σ of the natural log, cap in minutes.
STAY: dict[Category, tuple[float, float, float]] = {
    Category.SUPERMARKET: (25, 0.5, 120),
    Category.MARKET: (30, 0.5, 120),
    Category.RESTAURANT: (50, 0.4, 180),
    Category.TRANSIT: (8, 0.5, 60),
    Category.HOSPITAL: (90, 0.6, 360),
    Category.PHARMACY: (8, 0.5, 60),
    Category.GYM: (75, 0.35, 180),
    Category.MALL: (100, 0.5, 300),
    Category.ENTERTAINMENT: (130, 0.3, 300),
    Category.CARE_HOME: (60, 0.5, 180),
}


class AnchorGroup(IntEnum):
    """Kinds of work or school day: hours and which days of the week."""

    PUPIL = 0
    STUDENT = 1
    OFFICE = 2
    SHIFT = 3  # hospitals, markets, stations, care homes, shops: any day of the week


#: Anchor start and length in hours: (mean, sd, low, high) each.
ANCHOR_TIMES: dict[AnchorGroup, tuple[tuple[float, ...], tuple[float, ...]]] = {
    AnchorGroup.PUPIL: ((7.6, 0.25, 7.0, 8.5), (9.0, 0.5, 7.0, 10.0)),
    AnchorGroup.STUDENT: ((8.5, 1.0, 7.5, 11.0), (7.0, 2.0, 3.0, 11.0)),
    AnchorGroup.OFFICE: ((8.75, 0.5, 7.0, 10.5), (9.5, 1.0, 7.0, 12.0)),
    AnchorGroup.SHIFT: ((9.0, 1.5, 6.0, 14.0), (9.0, 1.5, 6.0, 12.0)),
}
#: Share of days a shift worker works (five days a week on average).
SHIFT_ATTENDANCE = 5 / 7


def _quantiles(bits: int) -> npt.NDArray[np.float64]:
    """Mid-points ``(k + 0.5) / 2**bits`` of a quantised uniform."""
    return np.asarray((np.arange(1 << bits) + 0.5) / (1 << bits), dtype=np.float64)


@functools.cache
def normal_quantiles(bits: int) -> npt.NDArray[np.float64]:
    """Standard normal quantiles at ``_quantiles(bits)`` (a lookup table for normal draws)."""
    inv = NormalDist().inv_cdf
    return np.asarray([inv(float(u)) for u in _quantiles(bits)], dtype=np.float64)


def discrete_table(weights: npt.NDArray[np.float64], bits: int) -> npt.NDArray[np.int32]:
    """Inverse distribution table: entry ``k`` is the outcome at quantile ``(k + 0.5) / 2**bits``
    of the discrete distribution ``weights``; outcomes with weight get at least one entry when
    there is room (largest-remainder allocation)."""
    size = 1 << bits
    total = float(weights.sum())
    if total <= 0:
        return np.zeros(size, dtype=np.int32)
    share = weights / total * size
    count = np.floor(share).astype(np.int64)
    positive = weights > 0
    if int(positive.sum()) <= size:
        count = np.where(positive, np.maximum(count, 1), 0)
    surplus = int(count.sum()) - size
    if surplus > 0:
        order = np.argsort(-(count - share))
        order = order[count[order] > 1]
        count[order[:surplus]] -= 1
    elif surplus < 0:
        order = np.argsort(-(share - count))
        count[order[:-surplus]] += 1
    return np.repeat(np.arange(weights.shape[0], dtype=np.int32), count)


def subset_tables() -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Which slots a person uses: a table per (class, anchored) of ``2**SUBSET_BITS`` subset
    masks, the slot count per mask, and the slots of each mask in time order (−1 padded)."""
    masks = np.arange(1 << SLOTS)
    bits = (masks[:, None] >> np.arange(SLOTS)[None, :]) & 1
    tables = []
    for person_class in PersonClass:
        for anchored in (0, 1):
            use = np.asarray(SLOT_USE[person_class][anchored])
            probability = np.prod(np.where(bits == 1, use, 1 - use), axis=1)
            tables.append(discrete_table(probability, SUBSET_BITS))
    counts = bits.sum(axis=1).astype(np.int8)
    slots = np.full((1 << SLOTS, SLOTS), -1, dtype=np.int8)
    for mask in range(1 << SLOTS):
        chosen = np.flatnonzero(bits[mask])
        slots[mask, : chosen.size] = chosen
    return np.concatenate(tables), counts, slots.ravel()


def _slot_mass(category: Category, slot: int) -> npt.NDArray[np.float64]:
    low, high = SLOT_HOURS[slot]
    return np.asarray(HOURLY[category][low:high], dtype=np.float64)


def category_table() -> npt.NDArray[np.int32]:
    """Per (class, slot): ``2**CATEGORY_BITS`` entries of a visited category (its value)."""
    tables = []
    for person_class in PersonClass:
        preference = np.asarray(PREFERENCE[person_class])
        for slot in range(SLOTS):
            mass = np.asarray([_slot_mass(c, slot).sum() for c in VISIT_CATEGORIES])
            index = discrete_table(preference * mass, CATEGORY_BITS)
            tables.append(np.asarray([int(VISIT_CATEGORIES[i]) for i in index], dtype=np.int32))
    return np.concatenate(tables)


def arrival_table() -> npt.NDArray[np.int32]:
    """Per (category value, slot): ``2**ARRIVAL_BITS`` arrival offsets (seconds) from the slot's
    start, by the inverse of the category's piecewise-constant hourly profile in the slot."""
    u = _quantiles(ARRIVAL_BITS)
    tables = []
    for category in Category:
        for slot in range(SLOTS):
            low, high = SLOT_HOURS[slot]
            mass = _slot_mass(category, slot) if category in HOURLY else np.zeros(high - low)
            if mass.sum() <= 0:
                mass = np.ones(high - low)
            cumulative = np.r_[0.0, np.cumsum(mass / mass.sum())]
            hour = np.minimum(np.searchsorted(cumulative, u, side="right") - 1, high - low - 1)
            within = (u - cumulative[hour]) / np.maximum(
                cumulative[hour + 1] - cumulative[hour], 1e-12
            )
            tables.append(np.floor((hour + np.clip(within, 0, 1)) * 3600).astype(np.int32))
    return np.concatenate(tables)


def stay_table() -> npt.NDArray[np.int32]:
    """Per category value: ``2**STAY_BITS`` capped log-normal stays in seconds (0 for
    categories nobody visits)."""
    z = normal_quantiles(STAY_BITS)
    tables = []
    for category in Category:
        if category not in STAY:
            tables.append(np.zeros(z.shape[0], dtype=np.int32))
            continue
        median, sigma, cap = STAY[category]
        minutes = np.minimum(np.exp(np.log(median) + sigma * z), cap)
        tables.append(np.rint(minutes * 60).astype(np.int32))
    return np.concatenate(tables)


def anchor_tables() -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Per anchor group: ``2**NORMAL_BITS`` start times and lengths, in seconds."""
    z = normal_quantiles(NORMAL_BITS)
    starts, lengths = [], []
    for group in AnchorGroup:
        (m, s, lo, hi), (lm, ls, llo, lhi) = ANCHOR_TIMES[group]
        starts.append(np.rint(np.clip(m + s * z, lo, hi) * 3600).astype(np.int32))
        lengths.append(np.rint(np.clip(lm + ls * z, llo, lhi) * 3600).astype(np.int32))
    return np.concatenate(starts), np.concatenate(lengths)


def venue_tables(venues: pl.DataFrame, districts: tuple[str, ...]) -> npt.NDArray[np.int32]:
    """Per (category, district or the whole city at index ``n_districts``): a lookup table of
    venue ids drawn in proportion to popularity (the city-wide table stands in for a district
    without a venue of the category)."""
    category = venues["category"].to_physical().to_numpy().astype(np.int64)
    district = venues["district"].cast(pl.Enum(districts)).to_physical().to_numpy().astype(np.int64)
    n_districts = len(districts)
    popularity = venues["popularity"].to_numpy().astype(np.float64)
    size = 1 << VENUE_BITS
    tables = np.zeros((len(Category), n_districts + 1, size), dtype=np.int32)
    for c in VISIT_CATEGORIES:
        members = np.flatnonzero(category == c)
        citywide = members[discrete_table(popularity[members], VENUE_BITS)]
        tables[c, n_districts] = citywide
        for d in range(n_districts):
            local = members[district[members] == d]
            tables[c, d] = (
                local[discrete_table(popularity[local], VENUE_BITS)] if local.size else citywide
            )
    return tables.ravel()

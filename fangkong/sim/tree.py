"""The synthetic city's jurisdiction tree and the dwellings in it (pure NumPy/Polars).

One province, one fictional prefecture-level city (南岭市, code 447100 under Guangdong 440000),
districts with GB/T 2260-style six-digit codes, then streets (街道, +3 digits), communities
(社区, +3) and grids (网格, +3). Sizes follow practice: a grid holds roughly 300–1,500
households, a community several grids, a street several communities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim import namedata

PROVINCE_CODE = "440000"
PROVINCE_NAME = "广东省"
CITY_CODE = "447100"
CITY_NAME = "南岭市"
CITY_PREFIX = CITY_CODE[:4]

GRID_HOUSEHOLDS = (300, 1500)  # households per grid, uniform weights between the bounds
GRIDS_PER_COMMUNITY = 4
COMMUNITIES_PER_STREET = 8
STREETS_PER_DISTRICT = 5
MAX_DISTRICTS = len(namedata.DISTRICT_NAMES)
COMPOUND_HOUSEHOLDS = 400  # average households per residential compound (小区)
_CHINESE_DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Tree:
    """The region frame plus, per household, its grid and address parts."""

    regions: pl.DataFrame
    grid_codes: npt.NDArray[np.str_]  # per household
    district_codes: npt.NDArray[np.int64]  # per household, six-digit code as an integer
    compound: npt.NDArray[np.str_]
    building: npt.NDArray[np.int64]
    unit: npt.NDArray[np.int64]
    room: npt.NDArray[np.int64]


@dataclass(frozen=True)
class TreePlan:
    """The tree and the layout of its dwellings, drawn once for the whole city, without any
    per-household array: :meth:`dwellings` places any contiguous range of households, so a
    city generated in parts shares one tree (``fangkong.sim.parts``).

    Households fill grids, and inside a grid its compounds, in household order; the arrays
    are per grid (``grid_*``, ``grid_ends`` = households up to and including each grid) and per
    compound (``compound_*``).
    """

    regions: pl.DataFrame
    households: int
    grid_codes: npt.NDArray[np.str_]
    grid_districts: npt.NDArray[np.int64]
    grid_ends: npt.NDArray[np.int64]
    compound_names: npt.NDArray[np.str_]
    compound_ends: npt.NDArray[np.int64]
    compound_units: npt.NDArray[np.int64]
    compound_floors: npt.NDArray[np.int64]
    compound_doors: npt.NDArray[np.int64]
    compound_vacancy: npt.NDArray[np.float64]

    def dwellings(self, start: int, stop: int) -> Tree:
        """The grid and address parts of households ``start`` … ``stop - 1`` (no random draws:
        the same household gets the same dwelling whatever range it is asked in).

        Raises ``ValueError`` for a range outside ``0 … households``.
        """
        if not 0 <= start <= stop <= self.households:
            raise ValueError("the households lie outside the plan")
        index = np.arange(start, stop, dtype=np.int64)
        grid = np.searchsorted(self.grid_ends, index, side="right")
        of = np.searchsorted(self.compound_ends, index, side="right")
        compound_starts = self.compound_ends - np.diff(self.compound_ends, prepend=0)
        within_compound = index - compound_starts[of]
        slot = np.floor(within_compound * (1.0 + self.compound_vacancy[of])).astype(np.int64)
        per_floor = self.compound_doors[of]
        per_unit = self.compound_floors[of] * per_floor
        per_building = self.compound_units[of] * per_unit
        building = slot // per_building + 1
        within = slot % per_building
        unit = within // per_unit + 1
        within_unit = within % per_unit
        room = np.asarray(
            (within_unit // per_floor + 1) * 100 + within_unit % per_floor + 1, dtype=np.int64
        )
        return Tree(
            regions=self.regions,
            grid_codes=self.grid_codes[grid],
            district_codes=self.grid_districts[grid],
            compound=self.compound_names[of],
            building=building,
            unit=unit,
            room=room,
        )


def split_sizes(total: int, parts: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Split ``total`` into ``parts`` positive integers proportional to ``weights``.

    Largest-remainder rounding keeps the sum exact; every part gets at least one unit when
    ``total >= parts``.
    """
    if parts <= 0:
        return np.zeros(0, dtype=np.int64)
    raw = weights / weights.sum() * total
    sizes = np.floor(raw).astype(np.int64)
    if total >= parts:
        sizes = np.maximum(sizes, 1)
    surplus = int(sizes.sum()) - total
    if surplus > 0:
        order = np.argsort(-(sizes - raw))  # take from the parts rounded up the most
        order = order[sizes[order] > 1]
        sizes[order[:surplus]] -= 1
    elif surplus < 0:
        order = np.argsort(-(raw - sizes))
        sizes[order[:-surplus]] += 1
    return np.asarray(sizes, dtype=np.int64)


def _bounded(sizes: npt.NDArray[np.int64], low: int, high: int) -> npt.NDArray[np.int64]:
    """Move units from parts above ``high`` (or below ``low``) to parts with room, keeping the
    sum; parts stay as they are when the total cannot fit the bounds."""
    sizes = sizes.copy()
    total = int(sizes.sum())
    if not low * sizes.size <= total <= high * sizes.size:
        return sizes
    for _ in range(sizes.size):
        over = np.maximum(sizes - high, 0)
        under = np.maximum(low - sizes, 0)
        if not over.any() and not under.any():
            break
        sizes -= over
        sizes += under
        change = int(over.sum() - under.sum())  # units to place (or take back when negative)
        room = (high - sizes) if change > 0 else (sizes - low)
        order = np.argsort(-room)
        step = np.zeros_like(sizes)
        remaining = abs(change)
        for index in order:
            if remaining == 0:
                break
            take = min(int(room[index]), remaining)
            step[index] = take
            remaining -= take
        sizes += step if change > 0 else -step
    return sizes


def _group_count(children: int, per_parent: int, minimum: int) -> int:
    return max(min(minimum, children), round(children / per_parent), 1)


def _names(stems: tuple[str, ...], count: int, suffix: str, rng: np.random.Generator) -> list[str]:
    """``count`` distinct names from the stems (a number is appended once the stems run out)."""
    order = rng.permutation(len(stems))
    names = []
    for i in range(count):
        stem = stems[order[i % len(stems)]]
        lap = i // len(stems)
        names.append(f"{stem}{lap + 1 if lap else ''}{suffix}")
    return names


def _chinese_number(value: int) -> str:
    if value <= 10:
        return _CHINESE_DIGITS[value]
    tens, ones = divmod(value, 10)
    head = "" if tens == 1 else _CHINESE_DIGITS[tens]
    return f"{head}十{_CHINESE_DIGITS[ones] if ones else ''}"


def tree_build(households: int, rng: np.random.Generator) -> Tree:
    """Build the jurisdiction tree for ``households`` dwellings and place each dwelling
    (:func:`tree_plan`, then every household's dwelling)."""
    return tree_plan(households, rng).dwellings(0, households)


def tree_plan(households: int, rng: np.random.Generator) -> TreePlan:
    """Draw the jurisdiction tree for ``households`` dwellings and the layout of every
    grid's compounds.

    1. Grids: ``households / 900`` of them, sized uniformly between 300 and 1,500 households.
    2. Communities of about four grids, streets of about eight communities, districts of about
       five streets (at least two of each where there is room), at most 16 districts.
    3. Households fill grids in order; inside a grid they fill residential compounds of about
       400 dwellings; inside a compound, buildings of 1–4 units × 6–33 floors × 2–4 flats with
       some flats left empty, giving building, unit and room (``floor × 100 + door``).
    """
    lo, hi = GRID_HOUSEHOLDS
    grids = max(1, round(households / ((lo + hi) / 2)))
    grid_sizes = _bounded(split_sizes(households, grids, rng.uniform(lo, hi, grids)), lo, hi)
    communities = _group_count(grids, GRIDS_PER_COMMUNITY, 2)
    streets = _group_count(communities, COMMUNITIES_PER_STREET, 2)
    districts = min(MAX_DISTRICTS, _group_count(streets, STREETS_PER_DISTRICT, 2))
    grids_per_community = split_sizes(grids, communities, rng.uniform(0.6, 1.4, communities))
    communities_per_street = split_sizes(communities, streets, rng.uniform(0.6, 1.4, streets))
    streets_per_district = split_sizes(streets, districts, rng.uniform(0.7, 1.3, districts))

    rows: list[tuple[str, str, int, str | None]] = [
        (PROVINCE_CODE, PROVINCE_NAME, 1, None),
        (CITY_CODE, CITY_NAME, 2, PROVINCE_CODE),
    ]
    district_names = [namedata.DISTRICT_NAMES[i] for i in rng.permutation(MAX_DISTRICTS)]
    grid_codes: list[str] = []
    grid_district: list[int] = []
    street_index = community_index = 0
    for d in range(districts):
        district_code = f"{CITY_PREFIX}{d + 2:02d}"
        rows.append((district_code, district_names[d], 3, CITY_CODE))
        n_streets = int(streets_per_district[d])
        street_names = _names(namedata.STREET_STEMS, n_streets, "街道", rng)
        for s in range(n_streets):
            street_code = f"{district_code}{s + 1:03d}"
            rows.append((street_code, street_names[s], 4, district_code))
            n_comm = int(communities_per_street[street_index])
            street_index += 1
            community_names = _names(namedata.COMMUNITY_STEMS, n_comm, "社区", rng)
            for c in range(n_comm):
                community_code = f"{street_code}{c + 1:03d}"
                rows.append((community_code, community_names[c], 5, street_code))
                n_grids = int(grids_per_community[community_index])
                community_index += 1
                for g in range(n_grids):
                    grid_code = f"{community_code}{g + 1:03d}"
                    rows.append((grid_code, f"第{_chinese_number(g + 1)}网格", 6, community_code))
                    grid_codes.append(grid_code)
                    grid_district.append(int(district_code))

    regions = pl.DataFrame(
        rows,
        schema={"code": pl.String, "name": pl.String, "level": pl.Int8, "parent_code": pl.String},
        orient="row",
    )
    return _compounds(
        regions,
        np.asarray(grid_codes, dtype="U15"),
        np.asarray(grid_district, dtype=np.int64),
        grid_sizes,
        rng,
    )


def _compound_names(count: int, rng: np.random.Generator) -> npt.NDArray[np.str_]:
    """Compound names: prefix × suffix, then the same pairs with a section (东区, 西苑…).

    No digits or numerals in a name, so ``parse_address`` reads building, unit and room from
    the address unambiguously (and the bulk loader can take its fast path).
    """
    prefixes = np.asarray(namedata.COMPOUND_PREFIXES)[
        rng.permutation(len(namedata.COMPOUND_PREFIXES))
    ]
    suffixes = np.asarray(namedata.COMPOUND_SUFFIXES)[
        rng.permutation(len(namedata.COMPOUND_SUFFIXES))
    ]
    sections = np.asarray(("", *namedata.COMPOUND_SECTIONS))
    index = np.arange(count)
    pairs = len(prefixes) * len(suffixes)
    base = np.strings.add(
        prefixes[index % len(prefixes)], suffixes[(index // len(prefixes)) % len(suffixes)]
    )
    return np.asarray(np.strings.add(base, sections[(index // pairs) % sections.size]))


def _compounds(
    regions: pl.DataFrame,
    grid_codes: npt.NDArray[np.str_],
    grid_districts: npt.NDArray[np.int64],
    grid_sizes: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> TreePlan:
    """Compounds of every grid (about ``COMPOUND_HOUSEHOLDS`` each) with their names and
    building shapes: 1–4 units × 6–33 floors × 2–4 flats, 3–25 % of flats left empty."""
    per_grid = np.maximum(1, np.rint(grid_sizes / COMPOUND_HOUSEHOLDS)).astype(np.int64)
    per_grid = np.minimum(per_grid, np.maximum(grid_sizes, 1))
    compound_sizes = np.concatenate(
        [
            split_sizes(int(size), int(k), rng.uniform(0.5, 1.5, int(k)))
            for size, k in zip(grid_sizes, per_grid, strict=True)
        ]
    )
    compound_sizes = compound_sizes[compound_sizes > 0]
    n_compounds = int(compound_sizes.shape[0])
    names = _compound_names(n_compounds, rng)
    units = rng.choice(np.array([1, 2, 2, 3, 4]), n_compounds)
    floors = rng.choice(np.array([6, 6, 7, 11, 18, 18, 24, 26, 32, 33]), n_compounds)
    doors = rng.choice(np.array([2, 2, 3, 4]), n_compounds)
    vacancy: npt.NDArray[np.float64] = rng.uniform(0.03, 0.25, n_compounds)
    return TreePlan(
        regions=regions,
        households=int(grid_sizes.sum()),
        grid_codes=grid_codes,
        grid_districts=grid_districts,
        grid_ends=np.cumsum(grid_sizes).astype(np.int64),
        compound_names=names,
        compound_ends=np.cumsum(compound_sizes).astype(np.int64),
        compound_units=units.astype(np.int64),
        compound_floors=floors.astype(np.int64),
        compound_doors=doors.astype(np.int64),
        compound_vacancy=vacancy,
    )

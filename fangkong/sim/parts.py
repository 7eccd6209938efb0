"""The synthetic city in parts of bounded size, for a city that does not fit in memory at once.

Pure NumPy/Polars (no Django). ``city_parts(residents=…, seed=…, as_of=…, part_residents=…)``
draws what the whole city shares — the household sizes, the jurisdiction tree and the layout of
its dwellings (``tree.tree_plan``) — and, when iterated, yields one
:class:`~fangkong.sim.city.City` per part:

* a part is a contiguous run of about ``part_residents`` people, cut at household boundaries;
  households fill the grids in order, so the parts together fill every grid of the one tree
  exactly as ``tree.tree_plan`` sized it for the whole city (300–1,500 households a grid);
* every part carries the same ``regions`` frame (the whole tree); keys (``household_key``,
  ``person_key``) count over the whole city, so the parts' frames concatenate into one city;
* identity numbers are unique across all parts: an
  :class:`~fangkong.sim.identity.IdentityLedger` carries the resident-ID sequences used per
  (county, birth date, sex) and the passports issued from one part to the next.

Memory is bounded by the part, not by the city: besides the part being drawn, the shared plan
holds one byte per household, a few arrays per grid and per compound, and the ledger.

The same arguments always give the same parts. The household sizes and the tree are those of
``city_generate`` with the same ``residents`` and ``seed``; the people in the households are
drawn per part from the part's own streams, so they differ from ``city_generate``'s and depend
on ``part_residents``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim import city, identity, tree

#: About a million residents a part: generating one peaks near 1 GB, loading it near 2 GB.
DEFAULT_PART_RESIDENTS = 1_000_000
#: Part streams are children ``8 + index`` of the seed (``city_streams`` uses 0–7).
_FIRST_PART_STREAM = 8


@dataclass(frozen=True, eq=False)
class CityParts:
    """A city planned for generation in parts; iterate it for the parts, in order (each
    iteration starts a fresh ledger and gives the same parts).

    ``household_bounds`` and ``person_bounds`` hold ``len(self) + 1`` positions: part ``i`` is
    households ``household_bounds[i] … household_bounds[i + 1] - 1`` and persons
    ``person_bounds[i] … person_bounds[i + 1] - 1`` of the whole city.
    """

    residents: int
    seed: int
    as_of: date
    part_residents: int
    regions: pl.DataFrame
    household_bounds: npt.NDArray[np.int64]
    person_bounds: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int8]  # per household of the whole city
    plan: tree.TreePlan

    @property
    def households(self) -> int:
        """Households of the whole city."""
        return int(self.sizes.shape[0])

    def __len__(self) -> int:
        return int(self.household_bounds.shape[0]) - 1

    def __iter__(self) -> Iterator[city.City]:
        ledger = identity.IdentityLedger()
        for index in range(len(self)):
            yield self._part(index, ledger)

    def _part(self, index: int, ledger: identity.IdentityLedger) -> city.City:
        """Part ``index``; the ledger must have seen parts ``0 … index - 1``, in order."""
        start, stop = int(self.household_bounds[index]), int(self.household_bounds[index + 1])
        child = np.random.SeedSequence(self.seed, spawn_key=(_FIRST_PART_STREAM + index,))
        return city.populate(
            self.sizes[start:stop].astype(np.int64),
            self.plan.dwellings(start, stop),
            [np.random.default_rng(s) for s in child.spawn(8)],
            seed=self.seed,
            as_of=self.as_of,
            resident_ids=ledger.resident_ids,
            passport_numbers=ledger.passport_numbers,
            first_household=start,
            first_person=int(self.person_bounds[index]),
        )


def city_parts(
    *, residents: int, seed: int, as_of: date, part_residents: int = DEFAULT_PART_RESIDENTS
) -> CityParts:
    """Plan a city of ``residents`` people in parts of about ``part_residents`` people
    (within one household's size of it; the last part holds the rest).

    1. Household sizes for the whole city and the tree for all its households, from the
       streams ``city_generate`` uses for them.
    2. Cut the households into runs: part ``j`` ends with the last household that ends at or
       before resident ``(j + 1) × part_residents`` (a part left empty by a large household
       is dropped).

    Raises ``ValueError`` for fewer than one resident or a part size below one.
    """
    if residents < 1:
        raise ValueError("a city needs at least one resident")
    if part_residents < 1:
        raise ValueError("a part needs at least one resident")
    streams = city.city_streams(seed)
    drawn = city.household_sizes(residents, streams[0])
    plan = tree.tree_plan(int(drawn.shape[0]), streams[2])
    sizes = drawn.astype(np.int8)
    del drawn
    ends = np.cumsum(sizes, dtype=np.int64)
    marks = np.arange(1, math.ceil(residents / part_residents), dtype=np.int64) * part_residents
    cuts = np.searchsorted(ends, marks, side="right")
    household_bounds = np.unique(np.concatenate([[0], cuts, [sizes.shape[0]]])).astype(np.int64)
    person_bounds = np.concatenate([[0], ends])[household_bounds].astype(np.int64)
    return CityParts(
        residents=residents,
        seed=seed,
        as_of=as_of,
        part_residents=part_residents,
        regions=plan.regions,
        household_bounds=household_bounds,
        person_bounds=person_bounds,
        sizes=sizes,
        plan=plan,
    )

"""Orderly power use (有序用电; issue 21 §6): who is curtailed when a district lacks power.
Pure, over arrays.

The rule: in each district the deficit is taken from the lowest tier first (the largest
``rank``), a whole tier before the next one up; only when every lower tier is off is a
higher tier touched. Within the one tier where the deficit ends, its users give up the same
fraction of their demand (in whole kW: rounded down, the kW left over one each to the
largest fractional parts, ties by row). Every tier above it keeps its power whole. Deficit
beyond the district's whole registered demand is reported as uncovered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import Int64, as_int64, require, same_length
from fangkong.engine.supply_allocation import whole_units


@dataclass(frozen=True)
class Curtailment:
    """``cut`` kW per user (input order); ``uncovered`` kW per district."""

    cut: Int64
    uncovered: Int64


def curtailment_plan(
    *,
    district: npt.ArrayLike,
    rank: npt.ArrayLike,
    demand: npt.ArrayLike,
    deficit: npt.ArrayLike,
) -> Curtailment:
    """The kW each user gives up. ``district`` indexes ``deficit`` (kW short per district);
    ``rank`` is the user's tier position in the rule set (0: the first to keep power);
    ``demand`` its kW. Raises ``InputError`` naming the field and row.

    1. Tiers are (district, rank) groups; their demand is summed.
    2. In each district the tiers are taken from the largest rank down: a tier's cut is the
       deficit left after the tiers below it, between 0 and its whole demand.
    3. A tier's cut is shared in proportion to its users' demand, in whole kW.
    """
    districts = as_int64("district", district)
    ranks = as_int64("rank", rank)
    demands = as_int64("demand", demand)
    deficits = as_int64("deficit", deficit)
    same_length(district=districts, rank=ranks, demand=demands)
    require("district", (districts >= 0) & (districts < deficits.size), "is not a district index")
    require("rank", ranks >= 0, "must not be negative")
    require("demand", demands >= 0, "must not be negative")
    require("deficit", deficits >= 0, "must not be negative")
    total = np.bincount(districts, weights=demands, minlength=deficits.size).astype(np.int64)
    uncovered = np.maximum(deficits - total, 0)
    if districts.size == 0:
        return Curtailment(cut=np.zeros(0, dtype=np.int64), uncovered=uncovered)
    # tiers, lowest priority first within each district
    keys = np.stack([districts, -ranks], axis=1)
    tiers, tier_of_row = np.unique(keys, axis=0, return_inverse=True)
    tier_of_row = tier_of_row.reshape(-1).astype(np.int64)
    tier_demand = np.bincount(tier_of_row, weights=demands, minlength=len(tiers)).astype(np.int64)
    tier_district = tiers[:, 0]
    cum = np.cumsum(tier_demand)
    first = np.searchsorted(tier_district, tier_district)
    below = cum - tier_demand - np.concatenate(([0], cum))[first]
    tier_cut = np.clip(deficits[tier_district] - below, 0, tier_demand)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(tier_demand > 0, tier_cut / tier_demand, 0.0)
    shares = demands.astype(np.float64) * fraction[tier_of_row]
    cut = whole_units(tier_of_row, shares, demands, tier_cut)
    return Curtailment(cut=cut, uncovered=uncovered)

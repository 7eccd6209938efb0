"""Unified allocation of key supplies (统一管理、统一调拨; issue 21 §5): pure, over arrays.

The fairness rule, item by item (each item's stock is divided on its own):

1. **Epidemic facilities first** (when ``facility_first``): requests that supply an
   isolation site, hospital or sampling point get their whole need. If together they ask
   more than the stock, they share it in proportion to their need (everyone of them gets
   the same fraction).
2. **The rest by need and population, vulnerable residents weighted**: what is left is
   shared among the other requests by weighted max-min fairness (water-filling). Each
   request has the weight ``w = population + (vulnerable_weight − 1) × vulnerable``, so a
   vulnerable resident counts ``vulnerable_weight`` times. Request ``i`` gets
   ``min(need_i, λ · w_i)``, with ``λ`` the largest level the stock allows: no request gets
   more than it asked for, and every request that is not fully served gets the same
   quantity per weighted resident. Stock enough for everything serves everything.
3. **Whole units**: each share is rounded down; the units left over go one each to the
   largest fractional parts (ties: the earlier row), never above a request's need. The
   total handed out is ``min(stock, total need)`` exactly.

Without ``facility_first`` step 1 is skipped and facility requests share step 2 like any
other. No Django; the caller passes arrays and writes the answer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import InputError, Int64, as_int64, require, same_length

Float64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
#: Slack for floating-point sums when shares are rounded down.
EPSILON = 1e-9


def _segment_starts(sorted_groups: Int64, groups: int) -> Int64:
    """Position of the first row of each group in rows sorted by group."""
    return np.searchsorted(sorted_groups, np.arange(groups)).astype(np.int64)


def water_fill(group: Int64, need: Int64, weight: Float64, capacity: Int64) -> Float64:
    """Weighted max-min shares: row ``i`` of group ``g`` gets ``min(need_i, λ_g · weight_i)``
    with ``λ_g`` the largest level whose total fits ``capacity[g]`` (all needs when they fit).

    1. Sort the rows of each group by ``need / weight`` (the level at which a row is full).
    2. At the level of row ``k`` the group hands out the needs of rows up to ``k`` plus that
       level times the weight of the rows after it; this grows with ``k``, so the last row
       whose total fits fixes ``λ_g``: (capacity − needs served) ÷ weight still open.
    3. Shares are ``min(need, λ · weight)``, in the input order.
    """
    rows = need.size
    shares = np.zeros(rows, dtype=np.float64)
    if rows == 0:
        return shares
    groups = capacity.size
    level_of_row = need / weight
    order = np.lexsort((np.arange(rows), level_of_row, group))
    g = group[order]
    needs = need[order].astype(np.float64)
    weights = weight[order]
    levels = level_of_row[order]
    starts = _segment_starts(g, groups)
    cum_need = np.cumsum(needs)
    cum_weight = np.cumsum(weights)
    need_before = np.concatenate(([0.0], cum_need))[starts][g]
    weight_before = np.concatenate(([0.0], cum_weight))[starts][g]
    served = cum_need - need_before
    weight_total = np.bincount(g, weights=weights, minlength=groups)
    weight_after = weight_total[g] - (cum_weight - weight_before)
    handed = served + levels * weight_after
    cap = capacity.astype(np.float64)
    fits = handed <= cap[g] + EPSILON
    fitting = np.bincount(g, weights=fits, minlength=groups).astype(np.int64)
    level = np.empty(groups, dtype=np.float64)
    none_fit = fitting == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        level[none_fit] = cap[none_fit] / weight_total[none_fit]
        last = np.maximum(starts + fitting - 1, 0)
        open_weight = weight_after[np.minimum(last, rows - 1)]
        left = cap - served[np.minimum(last, rows - 1)]
        some = ~none_fit
        level[some] = np.where(open_weight[some] > 0, left[some] / open_weight[some], np.inf)
    level = np.nan_to_num(level, nan=0.0, posinf=np.inf)
    shares[order] = np.minimum(needs, level[g] * weights)
    return shares


def whole_units(group: Int64, shares: Float64, need: Int64, capacity: Int64) -> Int64:
    """Shares rounded to whole units within each group: down first, then one more unit each
    to the largest fractional parts (ties: the earlier row) until the group hands out
    ``min(capacity, total need)``; never above a row's need."""
    rows = need.size
    groups = capacity.size
    whole = np.minimum(np.floor(shares + EPSILON).astype(np.int64), need)
    if rows == 0:
        return whole
    target = np.minimum(capacity, np.bincount(group, weights=need, minlength=groups))
    given = np.bincount(group, weights=whole, minlength=groups)
    left = np.maximum(target - given, 0).astype(np.int64)
    fraction = np.where(whole < need, shares - whole, -1.0)
    order = np.lexsort((np.arange(rows), -fraction, group))
    g = group[order]
    rank = np.arange(rows) - _segment_starts(g, groups)[g]
    extra = (rank < left[g]) & (fraction[order] >= 0)
    whole[order[extra]] += 1
    return whole


def supplies_allocate(
    *,
    item: npt.ArrayLike,
    need: npt.ArrayLike,
    population: npt.ArrayLike,
    vulnerable: npt.ArrayLike,
    facility: npt.ArrayLike,
    stock: npt.ArrayLike,
    vulnerable_weight: float,
    facility_first: bool,
) -> Int64:
    """Units of each request line, by the rule in the module docstring.

    ``item`` is each line's item index into ``stock`` (units available per item); ``need``
    the units asked (> 0); ``population`` the residents the request serves (≥ 1),
    ``vulnerable`` how many of them are vulnerable (0…population); ``facility`` whether the
    request supplies an epidemic facility. Raises ``InputError`` naming the field and row.
    """
    items = as_int64("item", item)
    needs = as_int64("need", need)
    people = as_int64("population", population)
    weak = as_int64("vulnerable", vulnerable)
    flags = np.asarray(facility, dtype=np.bool_)
    stocks = as_int64("stock", stock)
    same_length(item=items, need=needs, population=people, vulnerable=weak, facility=flags)
    require("item", (items >= 0) & (items < stocks.size), "is not an index into stock")
    require("need", needs > 0, "must be positive")
    require("population", people >= 1, "must be at least 1")
    require("vulnerable", (weak >= 0) & (weak <= people), "must be between 0 and population")
    require("stock", stocks >= 0, "must not be negative")
    if not vulnerable_weight >= 1:
        raise InputError("vulnerable_weight", "must be at least 1")
    weight = people + (vulnerable_weight - 1.0) * weak
    allocated = np.zeros(needs.size, dtype=np.int64)
    left = stocks.copy()
    if facility_first and flags.any():
        first = np.flatnonzero(flags)
        shares = water_fill(items[first], needs[first], needs[first].astype(np.float64), left)
        allocated[first] = whole_units(items[first], shares, needs[first], left)
        left = left - np.bincount(items[first], weights=allocated[first], minlength=left.size)
        left = left.astype(np.int64)
        rest = np.flatnonzero(~flags)
    else:
        rest = np.arange(needs.size)
    shares = water_fill(items[rest], needs[rest], weight[rest], left)
    allocated[rest] = whole_units(items[rest], shares, needs[rest], left)
    return allocated

"""Figures rolled up a tree: every node gets the sum over its subtree (pure NumPy).

The command centre counts its measures where they happen (a grid, a street, a site's node)
and shows them at every level above; this adds each count to the node's every ancestor, one
level of the tree at a time, and sums equal (node, key) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import InputError, as_int64, same_length

Int64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Rolled:
    """Sums per (node, key): three arrays of equal length, sorted by node then key."""

    node: Int64
    key: Int64
    value: Int64


def rollup(
    *, parent: npt.ArrayLike, node: npt.ArrayLike, key: npt.ArrayLike, value: npt.ArrayLike
) -> Rolled:
    """Sum ``value`` per (``node``, ``key``) over each node's subtree.

    ``parent[i]`` is the index of node ``i``'s parent, ``-1`` for a root; ``node``, ``key``,
    ``value`` are the counts where they happened (``key``: any non-negative integer the caller
    packs, e.g. ``day * measures + measure``).

    1. Check the inputs (:class:`~fangkong.engine.inputs.InputError` naming field and row:
       a parent or node outside the tree, a negative key, unequal lengths).
    2. Lift the rows one level up the tree at a time, keeping each level's copy, until no row
       has a parent left; a tree deeper than its node count has a cycle (refused).
    3. Sort the stacked rows by (node, key) and add up equal runs.
    """
    parents = as_int64("parent", parent)
    nodes = as_int64("node", node)
    keys = as_int64("key", key)
    values = as_int64("value", value)
    same_length(node=nodes, key=keys, value=values)
    size = len(parents)
    for name, array, low in (("parent", parents, -1), ("node", nodes, 0)):
        bad = np.flatnonzero((array < low) | (array >= size))
        if bad.size:
            raise InputError(name, "names no node of the tree", row=int(bad[0]))
    negative = np.flatnonzero(keys < 0)
    if negative.size:
        raise InputError("key", "must not be negative", row=int(negative[0]))
    stacked_nodes, stacked_keys, stacked_values = [nodes], [keys], [values]
    current, current_keys, current_values = nodes, keys, values
    for _level in range(size + 1):
        up = parents[current]
        keep = up >= 0
        if not keep.any():
            break
        current, current_keys, current_values = up[keep], current_keys[keep], current_values[keep]
        stacked_nodes.append(current)
        stacked_keys.append(current_keys)
        stacked_values.append(current_values)
    else:
        raise InputError("parent", "the tree has a cycle")
    all_nodes = np.concatenate(stacked_nodes)
    all_keys = np.concatenate(stacked_keys)
    all_values = np.concatenate(stacked_values)
    if not all_nodes.size:
        empty = np.zeros(0, dtype=np.int64)
        return Rolled(empty, empty, empty)
    order = np.lexsort((all_keys, all_nodes))
    all_nodes, all_keys, all_values = all_nodes[order], all_keys[order], all_values[order]
    starts = np.flatnonzero(
        np.concatenate(
            ([True], (all_nodes[1:] != all_nodes[:-1]) | (all_keys[1:] != all_keys[:-1]))
        )
    )
    sums = np.add.reduceat(all_values, starts)
    return Rolled(all_nodes[starts], all_keys[starts], sums.astype(np.int64))

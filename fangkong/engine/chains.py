"""Transmission chains over a case–contact graph given as edge arrays (source → target).

Answers, for every node (a case or a contact, any integer id):

- its **cluster**: the weakly connected component (edges taken both ways), numbered 0, 1, …
  in the order of each cluster's smallest node id; and each cluster's **size**;
- whether it is a **root source**: no incoming edge (nobody is recorded as having exposed it);
  every node of a cluster with no root lies on or below a directed cycle;
- its **generation**: the fewest directed edges from a root source (roots are 0); −1 where no
  root reaches it (a cycle with nothing above it);
- optionally **growth**: with a date per node (an integer day, e.g. onset or report), each
  cluster's new nodes and cumulative size by day.

Methods, all in NumPy (no graph library in the product; at most 2³² nodes): clusters by
parallel union-find —
repeated hooking of each edge's larger root under its smaller one (``np.minimum.at``) and
pointer jumping until nothing changes, O(log n) rounds of vectorised passes; generations by a
breadth-first search over a CSR adjacency (edges sorted by source), one vectorised pass per
generation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.engine.inputs import InputError, Int64, as_int64, same_length


@dataclass(frozen=True)
class Chains:
    """Per node (``node`` sorted ascending): ``cluster``, ``generation`` (−1: no root reaches
    it), ``root``; per cluster: ``cluster_size`` (indexed by cluster number) and
    ``cluster_roots`` (root sources in it)."""

    node: Int64
    cluster: Int64
    generation: Int64
    root: npt.NDArray[np.bool_]
    cluster_size: Int64
    cluster_roots: Int64

    @property
    def clusters(self) -> int:
        return int(self.cluster_size.shape[0])

    def depth(self) -> Int64:
        """Per cluster, its deepest generation (−1 if no root reaches any of it)."""
        deepest = np.full(self.clusters, -1, dtype=np.int64)
        np.maximum.at(deepest, self.cluster, self.generation)
        return deepest


def chains_find(
    *, source: npt.ArrayLike, target: npt.ArrayLike, nodes: npt.ArrayLike | None = None
) -> Chains:
    """Clusters, roots and generations of the graph ``source[i] → target[i]``; ``nodes`` adds
    nodes without edges (a case with no known contact).

    Steps:

    1. check the arrays; number the distinct ids 0 … n − 1 (ascending id);
    2. clusters by union-find (:func:`_components`), renumbered by smallest member;
    3. roots: nodes that are no edge's target;
    4. generations by breadth-first search from all roots at once (:func:`_generations`).

    Raises :class:`~fangkong.engine.inputs.InputError` naming the field (and row).
    """
    src = as_int64("source", source)
    dst = as_int64("target", target)
    same_length(source=src, target=dst)
    extra = as_int64("nodes", nodes) if nodes is not None else np.zeros(0, dtype=np.int64)
    ids, inverse = _numbered(np.concatenate([src, dst, extra]))
    n = int(ids.shape[0])
    u = inverse[: src.shape[0]].astype(np.int64)
    v = inverse[src.shape[0] : 2 * src.shape[0]].astype(np.int64)

    label = _components(n, u, v)
    # clusters numbered by their smallest node: a node is first in its cluster where its
    # label (the cluster's smallest position) is itself
    first = label == np.arange(n)
    number = np.cumsum(first) - 1
    cluster = number[label].astype(np.int64)
    sizes = np.bincount(cluster, minlength=int(first.sum())).astype(np.int64)

    root = np.ones(n, dtype=bool)
    root[v] = False
    generation = _generations(n, u, v, root)
    roots = np.bincount(cluster[root], minlength=sizes.shape[0]).astype(np.int64)
    return Chains(ids.astype(np.int64), cluster, generation, root, sizes, roots)


def _numbered(values: Int64) -> tuple[Int64, Int64]:
    """The distinct values ascending, and each value's position among them.

    Ids that are small non-negative integers (the usual case: person keys) go through a
    lookup table, O(n + largest id); others through ``np.unique`` (a sort)."""
    if values.size == 0:
        return values, values
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high < 4 * values.shape[0] + (1 << 20):
        present = np.zeros(high + 1, dtype=bool)
        present[values] = True
        rank = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.int64), rank[values]
    ids, inverse = np.unique(values, return_inverse=True)
    return ids.astype(np.int64), inverse.astype(np.int64)


def _components(n: int, u: Int64, v: Int64) -> Int64:
    """For each node, the smallest node position of its weakly connected component.

    Each round: hook — for every edge whose ends have different parents, the larger parent is
    pointed at the smaller (``np.minimum.at`` keeps the smallest offer); then jump — every
    node's parent becomes its grandparent until the forest is flat. Stops when no edge joins
    two different parents. Parents only decrease, so this ends; each round at least halves the
    number of trees an edge can still join, in practice a handful of rounds.
    """
    parent = np.arange(n, dtype=np.int64)
    while True:
        pu, pv = parent[u], parent[v]
        differ = pu != pv
        if not differ.any():
            return parent
        pu, pv = pu[differ], pv[differ]
        low, high = np.minimum(pu, pv), np.maximum(pu, pv)
        np.minimum.at(parent, high, low)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        # keep only the edges still joining two trees for the next round
        u, v = u[differ], v[differ]


def _generations(n: int, u: Int64, v: Int64, root: npt.NDArray[np.bool_]) -> Int64:
    """Fewest directed edges from any root to each node (−1: unreachable).

    CSR adjacency: the edges as ``u · 2³² + v`` sorted by value (NumPy's vectorised sort),
    so the targets of each source are contiguous. The frontier starts as the roots; each pass
    expands the frontier's out-edges at once, marks the targets not yet reached, and the
    marked nodes are the next frontier (each node once).
    """
    packed = np.sort((u << 32) | v)
    targets = packed & 0xFFFFFFFF
    start = np.searchsorted(packed >> 32, np.arange(n + 1))
    generation = np.full(n, -1, dtype=np.int64)
    frontier = np.flatnonzero(root)
    generation[frontier] = 0
    mark = np.zeros(n, dtype=bool)
    depth = 0
    while frontier.size:
        depth += 1
        counts = start[frontier + 1] - start[frontier]
        offsets = np.cumsum(counts) - counts
        total = int(counts.sum())
        positions = np.arange(total, dtype=np.int64) - np.repeat(offsets - start[frontier], counts)
        reached = targets[positions]
        mark[reached[generation[reached] < 0]] = True
        frontier = np.flatnonzero(mark)
        mark[frontier] = False
        generation[frontier] = depth
    return generation


def chains_growth(chains: Chains, *, day: npt.ArrayLike) -> pl.DataFrame:
    """Each cluster's growth: rows (cluster, day, new, size) — the nodes dated ``day`` and the
    cluster's size up to and including that day. ``day`` has one integer per node, in the
    order of ``chains.node``.

    Raises :class:`~fangkong.engine.inputs.InputError` if ``day`` does not fit the nodes.
    """
    days = as_int64("day", day)
    if days.shape[0] != chains.node.shape[0]:
        raise InputError("day", f"has {days.shape[0]} rows for {chains.node.shape[0]} nodes")
    return (
        pl.DataFrame({"cluster": chains.cluster, "day": days})
        .group_by("cluster", "day")
        .agg(pl.len().cast(pl.Int64).alias("new"))
        .sort("cluster", "day")
        .with_columns(pl.col("new").cum_sum().over("cluster").alias("size"))
    )


__all__ = ["Chains", "InputError", "chains_find", "chains_growth"]

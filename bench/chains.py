"""``chains``: transmission chains of a case–contact graph (benchmarks.md: 1 M nodes, 3 M
edges; default ``--scale`` 1 M residents, which gives about that).

Setup (not timed): the synthetic city of ``--scale`` residents and its outbreak
(``fangkong.sim``, 60 days, 20 seeds) give the ground-truth infections; the graph's edges are
what tracing records: infector → infected (the transmission tree), every case → each other
member of its household, and every case → a member of its work team or class drawn at random,
twice (contacts traced at work; a pair drawn twice is two edges, as two records are). A
contact edge points forward in time only (to someone infected later or never), so the seeds
and imports are the roots. Nodes are everyone on an edge plus the seeds. Edge arrays (int64
source, target) are all both sides get.

Timed, ``--repeat`` times, all-in from the same edge arrays:

* **ours**: :func:`fangkong.engine.chains.chains_find` — node numbering, clusters (NumPy
  union-find), root sources, generations (NumPy BFS), cluster sizes and roots;
* **NetworkX** (what a capable analyst reaches for): a ``DiGraph`` built from the arrays,
  ``weakly_connected_components`` with their sizes, roots by ``in_degree`` = 0, and
  generations by one breadth-first search from a virtual source above every root
  (``single_source_shortest_path_length``).

Clusters (as sets of nodes), roots and every node's generation must be identical. ``ratio`` =
ours ÷ NetworkX.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.harness import Report, Timing

DAYS = 60
SEEDS = 20
SEED = 20220404
TEAM_CONTACTS = 2
START = date(2022, 4, 4)

Ints = npt.NDArray[np.int64]


def _graph(residents: int) -> tuple[Ints, Ints, Ints, float]:
    """(source, target, nodes, seconds of setup) from the city's outbreak."""
    from fangkong.sim.city import city_generate
    from fangkong.sim.outbreak import outbreak_run
    from fangkong.sim.outbreak_params import OutbreakParams
    from fangkong.sim.places import places_generate

    started = time.perf_counter()
    city = city_generate(residents=residents, seed=SEED, as_of=START)
    places = places_generate(city, seed=SEED)
    del city
    result = outbreak_run(
        places, start=START, days=DAYS, seed=SEED, params=OutbreakParams(seeds=SEEDS)
    )
    infections = result.infections
    case = infections["person"].to_numpy().astype(np.int64)
    infector = infections["infector"].fill_null(-1).to_numpy().astype(np.int64)
    persons = places.persons
    household = persons["household_key"].to_numpy().astype(np.int64)
    team = persons["team"].to_numpy().astype(np.int64)
    rng = np.random.default_rng(SEED)

    # a contact edge points forward in time: to someone infected later or never (what tracing
    # finds at the time), so the transmission tree's seeds stay the roots
    when = np.full(persons.height, np.iinfo(np.int64).max, dtype=np.int64)
    when[case] = infections["time"].to_numpy().astype(np.int64)
    tree = infector >= 0
    sources = [infector[tree]]
    targets = [case[tree]]
    # household members: persons grouped by household, each case → the others
    by_house = np.argsort(household, kind="stable")
    first = np.searchsorted(household[by_house], np.arange(household.max() + 2))
    size = first[household[case] + 1] - first[household[case]]
    owner = np.repeat(case, size)
    slot = np.repeat(first[household[case]], size) + (
        np.arange(owner.shape[0]) - np.repeat(np.cumsum(size) - size, size)
    )
    member = by_house[slot]
    other = (member != owner) & (when[member] > when[owner])
    sources.append(owner[other])
    targets.append(member[other].astype(np.int64))
    # two work-team or class members per case with a team, drawn at random
    teamed = case[team[case] >= 0]
    by_team = np.argsort(team, kind="stable")
    team_sorted = team[by_team]
    t_first = np.searchsorted(team_sorted, team[teamed], side="left")
    t_size = np.searchsorted(team_sorted, team[teamed], side="right") - t_first
    for _ in range(TEAM_CONTACTS):
        pick = by_team[t_first + (rng.random(teamed.shape[0]) * t_size).astype(np.int64)]
        other = (pick != teamed) & (when[pick] > when[teamed])
        sources.append(teamed[other])
        targets.append(pick[other].astype(np.int64))
    source = np.concatenate(sources)
    target = np.concatenate(targets)
    nodes = case[~tree]  # the seeds and imports, even without an edge
    return source, target, nodes, time.perf_counter() - started


def _ours(source: Ints, target: Ints, nodes: Ints) -> Any:
    from fangkong.engine.chains import chains_find

    return chains_find(source=source, target=target, nodes=nodes)


Answer = tuple[list[set[int]], list[int], list[int], dict[int, int]]


def _networkx(source: Ints, target: Ints, nodes: Ints) -> Answer:
    """Clusters, their sizes, roots and depth + 1 from the virtual source, by NetworkX."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(nodes.tolist())
    graph.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
    clusters = list(nx.weakly_connected_components(graph))
    sizes = [len(c) for c in clusters]
    roots = [n for n, degree in graph.in_degree() if degree == 0]
    above = -1
    while graph.has_node(above):
        above -= 1
    graph.add_node(above)
    graph.add_edges_from((above, r) for r in roots)
    depth = nx.single_source_shortest_path_length(graph, above)
    del depth[above]
    return clusters, sizes, roots, depth


def _same(ours: Any, theirs: Answer) -> bool:
    """Clusters as sets of nodes (and their sizes), roots and generations (−1 where none)."""
    clusters, sizes, roots, depth = theirs
    node = ours.node
    # a cluster is identified by its smallest node on both sides
    label = np.empty(node.shape[0], dtype=np.int64)
    position = {int(n): k for k, n in enumerate(node.tolist())}
    for members in clusters:
        smallest = min(members)
        for n in members:
            label[position[n]] = smallest
    first_node = np.full(ours.clusters, np.iinfo(np.int64).max)
    np.minimum.at(first_node, ours.cluster, node)
    ours_label = first_node[ours.cluster]
    generation = np.full(node.shape[0], -1, dtype=np.int64)
    for n, d in depth.items():
        generation[position[n]] = d - 1
    return (
        bool(np.array_equal(label, ours_label))
        and sorted(sizes) == sorted(ours.cluster_size.tolist())
        and set(roots) == set(node[ours.root].tolist())
        and bool(np.array_equal(generation, ours.generation))
    )


def run(args: argparse.Namespace) -> Report:
    source, target, nodes, setup_s = _graph(args.scale)
    ours_s: list[float] = []
    theirs_s: list[float] = []
    answer: Any = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        answer = _ours(source, target, nodes)
        ours_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        theirs = _networkx(source, target, nodes)
        theirs_s.append(time.perf_counter() - started)
        if not _same(answer, theirs):
            raise SystemExit("chains differ from NetworkX's")
        del theirs
    mine, baseline = Timing("ours", ours_s), Timing("networkx", theirs_s)
    sizes = answer.cluster_size
    report = Report(name="chains", scale=args.scale)
    report.rows += [
        ("residents (city), setup with the outbreak", f"{args.scale:,}, {setup_s:.1f} s"),
        ("nodes, edges", f"{answer.node.shape[0]:,}, {source.shape[0]:,}"),
        ("clusters, largest", f"{sizes.shape[0]:,}, {int(sizes.max()):,}"),
        ("root sources", f"{int(answer.root.sum()):,}"),
        ("deepest generation", f"{int(answer.generation.max())}"),
        ("ours: chains_find", mine.text()),
        ("NetworkX: graph + components + roots + BFS", baseline.text()),
    ]
    report.figures = {
        "nodes": float(answer.node.shape[0]),
        "edges": float(source.shape[0]),
        "seconds": mine.median,
        "networkx_s": baseline.median,
        "clusters": float(sizes.shape[0]),
    }
    report.ratio = mine.median / baseline.median
    report.notes.append(
        "all-in from the same edge arrays on both sides (NetworkX's graph built in the timing); "
        "identical clusters, roots and generations checked; ratio = ours ÷ NetworkX"
    )
    return report

"""Transmission chains: hand-made graphs, and the same clusters and generations as NetworkX."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.chains import InputError, chains_find, chains_growth


def _by_node(chains, values):
    return dict(zip(chains.node.tolist(), np.asarray(values).tolist(), strict=True))


def test_a_tree_and_a_separate_pair():
    # 10 → 11 → 12, 10 → 13; 20 → 21; 30 alone
    chains = chains_find(source=[10, 11, 10, 20], target=[11, 12, 13, 21], nodes=[30, 10])
    assert chains.node.tolist() == [10, 11, 12, 13, 20, 21, 30]
    assert chains.cluster.tolist() == [0, 0, 0, 0, 1, 1, 2]
    assert chains.cluster_size.tolist() == [4, 2, 1]
    assert _by_node(chains, chains.generation) == {10: 0, 11: 1, 12: 2, 13: 1, 20: 0, 21: 1, 30: 0}
    assert _by_node(chains, chains.root) == {
        10: True, 11: False, 12: False, 13: False, 20: True, 21: False, 30: True,
    }  # fmt: skip
    assert chains.cluster_roots.tolist() == [1, 1, 1]
    assert chains.depth().tolist() == [2, 1, 0]


def test_a_cluster_joined_only_against_edge_direction_is_one_cluster():
    # two sources infect the same person: one cluster, two roots, generation by the nearer
    chains = chains_find(source=[1, 2, 3], target=[3, 3, 4])
    assert chains.cluster_size.tolist() == [4]
    assert chains.cluster_roots.tolist() == [2]
    assert _by_node(chains, chains.generation) == {1: 0, 2: 0, 3: 1, 4: 2}


def test_a_cycle_without_a_root_has_no_generation():
    chains = chains_find(source=[1, 2, 3, 5], target=[2, 3, 1, 1])
    assert _by_node(chains, chains.generation) == {1: 1, 2: 2, 3: 3, 5: 0}
    alone = chains_find(source=[1, 2], target=[2, 1])
    assert alone.generation.tolist() == [-1, -1]
    assert alone.cluster_roots.tolist() == [0]
    assert alone.depth().tolist() == [-1]


def test_a_long_chain_joined_from_both_ends():
    # union-find must join a path whose ids alternate high and low
    ids = np.array([0, 99, 1, 98, 2, 97, 3, 96])
    chains = chains_find(source=ids[:-1], target=ids[1:])
    assert chains.cluster_size.tolist() == [8]
    assert _by_node(chains, chains.generation) == {int(n): k for k, n in enumerate(ids)}


def test_empty_graph():
    chains = chains_find(source=[], target=[])
    assert chains.clusters == 0
    assert chains.node.size == 0


def test_growth_by_day():
    chains = chains_find(source=[1, 1, 2, 7], target=[2, 3, 4, 8])
    growth = chains_growth(chains, day=[0, 1, 1, 3, 5, 5])
    assert growth.rows() == [(0, 0, 1, 1), (0, 1, 2, 3), (0, 3, 1, 4), (1, 5, 2, 2)]


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="target"):
        chains_find(source=[1, 2], target=[3])
    with pytest.raises(InputError, match="source"):
        chains_find(source=[1.5], target=[3])
    chains = chains_find(source=[1], target=[2])
    with pytest.raises(InputError, match="day"):
        chains_growth(chains, day=[1])


# ---- the same answer as NetworkX ------------------------------------------------------------


def networkx_answer(source, target, nodes):
    graph = nx.DiGraph()
    graph.add_nodes_from(int(n) for n in nodes)
    graph.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
    clusters = {frozenset(c) for c in nx.weakly_connected_components(graph)}
    roots = [n for n, degree in graph.in_degree() if degree == 0]
    generation = dict.fromkeys(graph.nodes, -1)
    generation.update(nx.multi_source_dijkstra_path_length(graph, roots) if roots else {})
    return clusters, set(roots), generation


def ours_answer(source, target, nodes):
    chains = chains_find(source=source, target=target, nodes=nodes)
    members: dict[int, set[int]] = {}
    for node, cluster in zip(chains.node.tolist(), chains.cluster.tolist(), strict=True):
        members.setdefault(cluster, set()).add(node)
    assert [len(members[c]) for c in range(chains.clusters)] == chains.cluster_size.tolist()
    clusters = {frozenset(m) for m in members.values()}
    roots = set(chains.node[chains.root].tolist())
    return clusters, roots, _by_node(chains, chains.generation)


def _graph(seed: int, nodes: int, edges: int):
    rng = np.random.default_rng(seed)
    # mostly forward edges (a transmission tree with contacts), some backward (cycles)
    source = rng.integers(0, nodes, edges)
    step = rng.integers(1, 20, edges) * np.where(rng.random(edges) < 0.9, 1, -1)
    target = np.clip(source + step, 0, nodes - 1)
    keep = source != target
    ids = rng.permutation(nodes * 5)[:nodes]  # ids are not positions
    return ids[source[keep]], ids[target[keep]], ids


def test_same_clusters_roots_and_generations_as_networkx():
    source, target, nodes = _graph(11, 20_000, 15_000)
    ours = ours_answer(source, target, nodes)
    theirs = networkx_answer(source, target, nodes)
    assert len(ours[0]) > 100
    assert ours == theirs


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    nodes=st.integers(1, 60),
    edges=st.integers(0, 120),
)
def test_same_answer_as_networkx_for_any_small_graph(seed, nodes, edges):
    source, target, ids = _graph(seed, nodes, edges)
    assert ours_answer(source, target, ids) == networkx_answer(source, target, ids)


def test_ids_far_apart_or_negative_give_the_same_answer():
    source, target, nodes = _graph(5, 2_000, 3_000)
    shifted = [a * 1_000_003 - 7_000_000_000 for a in (source, target, nodes)]
    ours = ours_answer(*shifted)
    theirs = networkx_answer(*shifted)
    assert ours == theirs
    plain = ours_answer(source, target, nodes)
    assert [len(c) for c in sorted(ours[0], key=min)] == [len(c) for c in sorted(plain[0], key=min)]

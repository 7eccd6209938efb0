"""The roll-up against a plain dictionary walk up the tree, on random trees and rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.inputs import InputError
from fangkong.engine.rollup import rollup


@st.composite
def trees_and_rows(draw):
    size = draw(st.integers(1, 30))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    count = draw(st.integers(0, 60))
    node = [draw(st.integers(0, size - 1)) for _ in range(count)]
    key = [draw(st.integers(0, 5)) for _ in range(count)]
    value = [draw(st.integers(-5, 1000)) for _ in range(count)]
    return parent, node, key, value


def _walked(parent, node, key, value):
    sums: dict[tuple[int, int], int] = {}
    for n, k, v in zip(node, key, value, strict=True):
        while n >= 0:
            sums[(n, k)] = sums.get((n, k), 0) + v
            n = parent[n]
    return sums


@settings(max_examples=200, deadline=None)
@given(trees_and_rows())
def test_every_node_gets_the_sum_over_its_subtree(case):
    parent, node, key, value = case
    rolled = rollup(parent=parent, node=node, key=key, value=value)
    got = {
        (int(n), int(k)): int(v)
        for n, k, v in zip(rolled.node, rolled.key, rolled.value, strict=True)
    }
    assert got == _walked(parent, node, key, value)
    pairs = list(zip(rolled.node.tolist(), rolled.key.tolist(), strict=True))
    assert pairs == sorted(pairs)


def test_bad_input_names_the_field_and_row():
    with pytest.raises(InputError) as bad:
        rollup(parent=[-1, 0], node=[0, 2], key=[0, 0], value=[1, 1])
    assert bad.value.field == "node"
    assert bad.value.row == 1
    with pytest.raises(InputError) as bad:
        rollup(parent=[-1, 0], node=[0], key=[-1], value=[1])
    assert bad.value.field == "key"
    with pytest.raises(InputError) as bad:
        rollup(parent=[1, 0], node=[0], key=[0], value=[1])
    assert bad.value.field == "parent"
    with pytest.raises(InputError):
        rollup(parent=[-1], node=[0, 0], key=[0], value=[1])


def test_no_rows_give_no_sums():
    rolled = rollup(parent=np.array([-1, 0]), node=[], key=[], value=[])
    assert rolled.node.size == rolled.key.size == rolled.value.size == 0

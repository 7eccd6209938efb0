"""Orderly power use: the curtailment plan keeps every higher tier whole before it touches a
lower one (hand-made cases and a property)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.curtailment import curtailment_plan


def test_the_lowest_tier_goes_first_then_the_next_and_the_top_keeps_power():
    plan = curtailment_plan(
        district=[0, 0, 0, 0, 0],
        rank=[0, 1, 5, 6, 6],
        demand=[500, 200, 100, 60, 40],
        deficit=[150],
    )
    # industry (rank 6) off entirely (100), then agriculture (rank 5) gives 50 of 100
    assert plan.cut.tolist() == [0, 0, 50, 60, 40]
    assert plan.uncovered.tolist() == [0]


def test_a_tier_shares_its_cut_by_demand_and_districts_are_separate():
    plan = curtailment_plan(
        district=[0, 0, 1, 1], rank=[3, 3, 0, 6], demand=[300, 100, 80, 20], deficit=[200, 500]
    )
    assert plan.cut.tolist() == [150, 50, 80, 20]
    assert plan.uncovered.tolist() == [0, 400]


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    count=st.integers(0, 25),
    districts=st.integers(1, 3),
)
def test_every_higher_tier_is_whole_before_a_lower_one_is_touched(data, count, districts):
    district = np.array(
        data.draw(st.lists(st.integers(0, districts - 1), min_size=count, max_size=count)),
        dtype=np.int64,
    )
    rank = np.array(data.draw(st.lists(st.integers(0, 6), min_size=count, max_size=count)))
    demand = np.array(data.draw(st.lists(st.integers(0, 1000), min_size=count, max_size=count)))
    deficit = np.array(
        data.draw(st.lists(st.integers(0, 5000), min_size=districts, max_size=districts))
    )
    plan = curtailment_plan(district=district, rank=rank, demand=demand, deficit=deficit)
    cut = plan.cut
    assert ((cut >= 0) & (cut <= demand)).all()
    for d in range(districts):
        here = district == d
        total = demand[here].sum()
        assert cut[here].sum() == min(deficit[d], total)
        assert plan.uncovered[d] == max(deficit[d] - total, 0)
        for r in range(7):
            touched = here & (rank == r) & (cut > 0)
            if touched.any():
                below = here & (rank > r)
                assert (cut[below] == demand[below]).all()  # every lower tier is off
                above = here & (rank < r)
                tier = here & (rank == r)
                if (cut[above] > 0).any():  # a higher tier is touched only once this one is off
                    assert (cut[tier] == demand[tier]).all()

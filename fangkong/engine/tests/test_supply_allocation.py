"""The unified allocation on hand-made cases (the fairness rule of the module docstring) and
its invariants by property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.inputs import InputError
from fangkong.engine.supply_allocation import supplies_allocate


def allocate(**overrides):
    args = {"vulnerable_weight": 2.0, "facility_first": True, **overrides}
    rows = len(args["need"])
    args.setdefault("item", [0] * rows)
    args.setdefault("vulnerable", [0] * rows)
    args.setdefault("facility", [False] * rows)
    return supplies_allocate(**args).tolist()


def test_enough_stock_serves_every_need():
    assert allocate(need=[5, 7], population=[10, 10], stock=[100]) == [5, 7]


def test_short_stock_is_shared_by_population_and_nobody_gets_more_than_asked():
    # weights 100, 300, 100; level 60/500 per resident → 12, 36, 12, but the first asks 5:
    # its 7 spare units go to the others by weight (55 over 400 → 13.75, 41.25)
    assert allocate(need=[5, 100, 100], population=[100, 300, 100], stock=[60]) == [5, 41, 14]


def test_a_vulnerable_resident_counts_double():
    # same population; 50 vulnerable make the second weigh 150 against 100
    assert allocate(need=[100, 100], population=[100, 100], vulnerable=[0, 50], stock=[50]) == [
        20,
        30,
    ]


def test_epidemic_facilities_are_served_first_and_share_by_need_when_short():
    result = allocate(
        need=[10, 30, 50], population=[5, 5, 1000], facility=[True, True, False], stock=[20]
    )
    assert result == [5, 15, 0]
    result = allocate(
        need=[10, 30, 50], population=[5, 5, 1000], facility=[True, True, False], stock=[60]
    )
    assert result == [10, 30, 20]
    # without the rule a facility shares like any other request
    result = allocate(
        need=[10, 50],
        population=[100, 100],
        facility=[True, False],
        stock=[20],
        facility_first=False,
    )
    assert result == [10, 10]


def test_items_are_divided_separately_and_leftover_units_go_to_the_largest_fractions():
    result = allocate(
        item=[0, 0, 0, 1, 1],
        need=[10, 10, 10, 4, 4],
        population=[1, 1, 1, 1, 3],
        stock=[10, 2],
    )
    # item 0: 3⅓ each, the one unit left goes to the first row; item 1: 0.5 and 1.5
    assert result == [4, 3, 3, 1, 1]


def test_bad_input_names_the_field_and_row():
    with pytest.raises(InputError) as bad:
        allocate(need=[1, 0], population=[1, 1], stock=[1])
    assert (bad.value.field, bad.value.row) == ("need", 1)
    with pytest.raises(InputError) as bad:
        allocate(need=[1], population=[1], vulnerable=[2], stock=[1])
    assert bad.value.field == "vulnerable"


rows = st.integers(1, 30)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    count=rows,
    items=st.integers(1, 3),
    weight=st.sampled_from([1.0, 2.0, 3.0]),
    first=st.booleans(),
)
def test_invariants(data, count, items, weight, first):
    item = np.array(data.draw(st.lists(st.integers(0, items - 1), min_size=count, max_size=count)))
    need = np.array(data.draw(st.lists(st.integers(1, 50), min_size=count, max_size=count)))
    population = np.array(data.draw(st.lists(st.integers(1, 500), min_size=count, max_size=count)))
    vulnerable = np.array([data.draw(st.integers(0, int(p))) for p in population])
    facility = np.array(data.draw(st.lists(st.booleans(), min_size=count, max_size=count)))
    stock = np.array(data.draw(st.lists(st.integers(0, 400), min_size=items, max_size=items)))
    got = supplies_allocate(
        item=item,
        need=need,
        population=population,
        vulnerable=vulnerable,
        facility=facility,
        stock=stock,
        vulnerable_weight=weight,
        facility_first=first,
    )
    assert ((got >= 0) & (got <= need)).all()
    for i in range(items):
        rows_i = item == i
        assert got[rows_i].sum() == min(stock[i], need[rows_i].sum())
        if first:
            fac = rows_i & facility
            if got[fac].sum() < need[fac].sum():  # facilities short: nobody else served
                assert got[rows_i & ~facility].sum() == 0
        # max-min by weight among the non-priority rows: a row left short never holds less
        # per weighted resident than another row, beyond one unit of rounding on each side
        group = rows_i & ~facility if first else rows_i
        w = population + (weight - 1) * vulnerable
        short = group & (got < need)
        for a in np.flatnonzero(short):
            for b in np.flatnonzero(group):
                assert (got[a] + 1) / w[a] >= (got[b] - 1) / w[b] - 1e-9

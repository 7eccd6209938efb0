"""The supplies benchmark at a tiny scale on the test database: ours imports the day's file
and allocates through the services, the SQL baseline does the same work, both allocate the
same units to every compound and item, and the headline is all-in on both sides."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_tiny_day_runs_all_in_on_both_sides_with_the_same_units():
    if connection.vendor != "postgresql":
        pytest.skip("the supplies benchmark and its SQL baseline run on PostgreSQL")
    from bench.supplies import prepare, report_make, round_run
    from fangkong.supplies.models import Allocation, AllocationLine, SupplyRequest

    setup = prepare(100_000)
    assert setup["compounds"] == 200
    assert setup["rows"] == 1_000
    ours, theirs, same = round_run(setup, repeat=1)
    assert same
    assert Allocation.objects.count() == 2
    assert SupplyRequest.objects.count() == 400
    lines = AllocationLine.objects.filter(allocation__proposed_by="bench-supplies")
    assert lines.count() == 1_000
    report = report_make(setup, ours, theirs, same, 100_000)
    assert report.ratio == ours.median / theirs.median
    assert 0 < sum(line.allocated for line in lines) < sum(line.needed for line in lines)


def test_the_baseline_data_is_seeded_and_the_tree_holds_one_compound_per_500_residents():
    import numpy as np

    from bench.supplies import city_tree, request_file

    tree = city_tree(250_000)
    compounds = tree.filter(tree["level"] == 6)["code"].to_list()
    assert len(compounds) == 500
    first, rows = request_file(compounds, 250_000, np.random.default_rng(1))
    again, _ = request_file(compounds, 250_000, np.random.default_rng(1))
    assert first == again
    assert rows == 2_500

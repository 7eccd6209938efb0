"""Co-presence: hand-made edge cases, and identical pairs to a direct DuckDB formulation."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.copresence import OPEN, InputError, contacts_find, stays_index

HOUR = 3600
DAY = 24 * HOUR
MIDNIGHT = 20 * 365 * DAY  # some midnight, in epoch seconds


def _index(rows: list[tuple[int, int, int, int]], *, stay_limit: int = 4 * HOUR):
    person, venue, check_in, check_out = (list(c) for c in zip(*rows, strict=True))
    return stays_index(
        person=person, venue=venue, check_in=check_in, check_out=check_out, stay_limit=stay_limit
    )


def _pairs(found) -> set[tuple[int, int, int]]:
    return set(
        zip(found.visit.tolist(), found.person.tolist(), found.overlap.tolist(), strict=True)
    )


def test_touching_intervals_are_not_contacts():
    t = MIDNIGHT + 10 * HOUR
    index = _index(
        [
            (1, 7, t - HOUR, t),  # leaves the second the case arrives
            (2, 7, t + HOUR, t + 2 * HOUR),  # arrives the second the case leaves
            (3, 7, t - HOUR, t + 1),  # one second together
        ]
    )
    found = contacts_find(index, venue=[7], start=[t], end=[t + HOUR])
    assert _pairs(found) == {(0, 3, 1)}


def test_other_venues_do_not_count():
    t = MIDNIGHT + 10 * HOUR
    index = _index([(1, 7, t, t + HOUR), (2, 8, t, t + HOUR)])
    found = contacts_find(index, venue=[8], start=[t], end=[t + HOUR])
    assert _pairs(found) == {(0, 2, HOUR)}


def test_stay_across_midnight_meets_a_visit_after_midnight():
    index = _index([(1, 3, MIDNIGHT - 30 * 60, MIDNIGHT + 30 * 60)])
    found = contacts_find(index, venue=[3], start=[MIDNIGHT + 10 * 60], end=[MIDNIGHT + 20 * 60])
    assert _pairs(found) == {(0, 1, 10 * 60)}
    before = contacts_find(index, venue=[3], start=[MIDNIGHT - 20 * 60], end=[MIDNIGHT - 60])
    assert _pairs(before) == {(0, 1, 19 * 60)}


def test_open_check_in_is_capped_by_the_stay_limit():
    t = MIDNIGHT + 8 * HOUR
    index = _index([(1, 5, t, OPEN)], stay_limit=2 * HOUR)
    inside = contacts_find(index, venue=[5], start=[t + HOUR], end=[t + 3 * HOUR])
    assert _pairs(inside) == {(0, 1, HOUR)}
    after = contacts_find(index, venue=[5], start=[t + 2 * HOUR], end=[t + 3 * HOUR])
    assert len(after) == 0
    assert index.longest.tolist() == [2 * HOUR]


def test_a_long_stay_before_the_visit_is_found():
    # a stay that checked in long before the visit still overlaps it: the scan reaches back
    # by the longest stay, not by a fixed margin
    t = MIDNIGHT + 20 * HOUR
    index = _index([(1, 5, t - 10 * HOUR, t + 60), (2, 5, t - 5, t - 1)], stay_limit=HOUR)
    found = contacts_find(index, venue=[5], start=[t], end=[t + HOUR])
    assert _pairs(found) == {(0, 1, 60)}


def test_minimum_overlap_and_the_case_itself():
    t = MIDNIGHT + 12 * HOUR
    index = _index([(1, 4, t, t + 5 * 60), (2, 4, t, t + 15 * 60), (9, 4, t, t + HOUR)])
    found = contacts_find(
        index, venue=[4], start=[t], end=[t + HOUR], min_overlap=10 * 60, exclude_person=[9]
    )
    assert _pairs(found) == {(0, 2, 15 * 60)}


def test_one_pair_per_visit_and_person_with_the_longest_overlap():
    t = MIDNIGHT + 12 * HOUR
    index = _index([(1, 4, t, t + 60), (1, 4, t + 120, t + 600), (1, 4, t - 10, t + 30)])
    found = contacts_find(index, venue=[4, 4], start=[t, t + 5000], end=[t + HOUR, t + 6000])
    assert _pairs(found) == {(0, 1, 480)}


def test_empty_inputs():
    empty = stays_index(person=[], venue=[], check_in=[], check_out=[], stay_limit=HOUR)
    assert len(contacts_find(empty, venue=[1], start=[0], end=[10])) == 0
    index = _index([(1, 4, MIDNIGHT, MIDNIGHT + 60)])
    assert len(contacts_find(index, venue=[], start=[], end=[])) == 0


@pytest.mark.parametrize(
    ("rows", "field", "row"),
    [
        ([(1, 4, MIDNIGHT, MIDNIGHT - 1)], "check_out", 0),
        ([(1, 4, MIDNIGHT, MIDNIGHT + 1), (2, -1, MIDNIGHT, MIDNIGHT + 1)], "venue", 1),
        ([(1, 4, -5, 10)], "check_in", 0),
    ],
)
def test_bad_stays_are_refused_naming_field_and_row(rows, field, row):
    with pytest.raises(InputError) as caught:
        _index(rows)
    assert caught.value.field == field
    assert caught.value.row == row
    assert f"row {row}" in str(caught.value)


def test_bad_visits_and_parameters_are_refused():
    index = _index([(1, 4, MIDNIGHT, MIDNIGHT + 60)])
    with pytest.raises(InputError, match=r"end \(row 1\)"):
        contacts_find(index, venue=[4, 4], start=[0, 10], end=[5, 9])
    with pytest.raises(InputError, match="start"):
        contacts_find(index, venue=[4, 4], start=[0], end=[5, 9])
    with pytest.raises(InputError, match="min_overlap"):
        contacts_find(index, venue=[4], start=[0], end=[5], min_overlap=-1)
    with pytest.raises(InputError, match="stay_limit"):
        _index([(1, 4, MIDNIGHT, OPEN)], stay_limit=0)
    with pytest.raises(InputError, match="venue"):
        contacts_find(index, venue=[4.5], start=[0], end=[5])


# ---- identical to a direct DuckDB formulation ---------------------------------------------

DUCKDB_SQL = """
    WITH s AS (
        SELECT person, venue, check_in,
               CASE WHEN check_out = -1 THEN check_in + $limit ELSE check_out END AS check_out
        FROM stays
    )
    SELECT v.visit, s.person, max(least(s.check_out, v.v_end) - greatest(s.check_in, v.v_start))
    FROM visits v JOIN s ON s.venue = v.venue AND s.check_in < v.v_end AND s.check_out > v.v_start
    WHERE least(s.check_out, v.v_end) - greatest(s.check_in, v.v_start) >= $min_overlap
      AND s.person <> v.case_person
    GROUP BY v.visit, s.person
"""


def duckdb_contacts(stays, visits, *, stay_limit, min_overlap):
    connection = duckdb.connect()
    connection.register("stays", stays)
    connection.register("visits", visits)
    rows = connection.execute(
        DUCKDB_SQL, {"limit": stay_limit, "min_overlap": max(min_overlap, 1)}
    ).fetchall()
    return {(int(a), int(b), int(c)) for a, b, c in rows}


def _generated(seed: int, n_stays: int, n_visits: int, span: int, venues: int):
    rng = np.random.default_rng(seed)
    check_in = MIDNIGHT + rng.integers(0, span, n_stays)
    length = rng.integers(0, 3 * HOUR, n_stays)
    check_out = np.where(rng.random(n_stays) < 0.1, OPEN, check_in + length)
    stays = pl.DataFrame(
        {
            "person": rng.integers(0, n_stays // 3 + 1, n_stays),
            "venue": rng.integers(0, venues, n_stays),
            "check_in": check_in,
            "check_out": check_out,
        }
    )
    # visits: half on stay boundaries (touching and across midnight), half random
    v_start = MIDNIGHT + rng.integers(0, span, n_visits)
    pick = rng.integers(0, n_stays, n_visits)
    on_edge = rng.random(n_visits) < 0.5
    v_start = np.where(
        on_edge, np.where(check_out[pick] == OPEN, check_in[pick], check_out[pick]), v_start
    )
    visits = pl.DataFrame(
        {
            "visit": np.arange(n_visits),
            "venue": np.where(
                on_edge, stays["venue"].to_numpy()[pick], rng.integers(0, venues, n_visits)
            ),
            "v_start": v_start,
            "v_end": v_start + rng.integers(0, 2 * HOUR, n_visits),
            "case_person": rng.integers(0, n_stays // 3 + 1, n_visits),
        }
    )
    return stays, visits


def _ours(stays, visits, *, stay_limit, min_overlap):
    index = stays_index(
        person=stays["person"].to_numpy(),
        venue=stays["venue"].to_numpy(),
        check_in=stays["check_in"].to_numpy(),
        check_out=stays["check_out"].to_numpy(),
        stay_limit=stay_limit,
    )
    found = contacts_find(
        index,
        venue=visits["venue"].to_numpy(),
        start=visits["v_start"].to_numpy(),
        end=visits["v_end"].to_numpy(),
        min_overlap=min_overlap,
        exclude_person=visits["case_person"].to_numpy(),
    )
    return _pairs(found)


def test_identical_pairs_to_duckdb_on_generated_stays_over_several_days():
    stays, visits = _generated(7, 50_000, 2_000, 4 * DAY, 300)
    ours = _ours(stays, visits, stay_limit=2 * HOUR, min_overlap=0)
    assert len(ours) > 1_000
    assert ours == duckdb_contacts(stays, visits, stay_limit=2 * HOUR, min_overlap=0)


def test_identical_pairs_to_duckdb_in_small_chunks(monkeypatch):
    from fangkong.engine import copresence

    monkeypatch.setattr(copresence, "CHUNK_CANDIDATES", 500)
    stays, visits = _generated(8, 20_000, 1_000, 2 * DAY, 100)
    ours = _ours(stays, visits, stay_limit=HOUR, min_overlap=15 * 60)
    assert len(ours) > 500
    assert ours == duckdb_contacts(stays, visits, stay_limit=HOUR, min_overlap=15 * 60)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_stays=st.integers(1, 300),
    n_visits=st.integers(1, 30),
    venues=st.integers(1, 5),
    stay_limit=st.integers(1, 3 * HOUR),
    min_overlap=st.integers(0, HOUR),
)
def test_identical_pairs_to_duckdb_for_any_small_input(
    seed, n_stays, n_visits, venues, stay_limit, min_overlap
):
    stays, visits = _generated(seed, n_stays, n_visits, 2 * DAY, venues)
    ours = _ours(stays, visits, stay_limit=stay_limit, min_overlap=min_overlap)
    assert ours == duckdb_contacts(stays, visits, stay_limit=stay_limit, min_overlap=min_overlap)


@pytest.mark.parametrize("big", [1 << 40, 1 << 61])  # packed sort; argsort when too wide
def test_person_ids_beyond_32_bits_or_negative(big):
    t = MIDNIGHT + 10 * HOUR
    index = _index([(big, 7, t, t + HOUR), (-3, 7, t, t + 2 * HOUR), (big, 7, t + 10, t + 20)])
    found = contacts_find(index, venue=[7], start=[t], end=[t + 3 * HOUR])
    assert _pairs(found) == {(0, -3, 2 * HOUR), (0, big, HOUR)}


def test_venues_and_times_too_wide_to_pack_are_sorted_all_the_same():
    # venue near 2³¹ and times spread over 2³¹ seconds: no room to pack the row numbers
    venue = (1 << 31) - 1
    t = (1 << 31) + 5
    index = _index(
        [(1, venue, t, t + HOUR), (2, venue, 5, 5 + HOUR), (3, venue, t + 60, t + 120)],
        stay_limit=HOUR,
    )
    found = contacts_find(index, venue=[venue, venue], start=[t, 0], end=[t + 90, 10])
    assert _pairs(found) == {(0, 1, 90), (0, 3, 30), (1, 2, 5)}

"""Spatiotemporal companions: hand-made tracks, and identical rows to a DuckDB formulation."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.companions import InputError, companions_find

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR
T0 = 20 * 365 * DAY
WINDOW = (T0, T0 + 14 * DAY)


def _find(rows, cases, **options):
    person, cell, start, end = (list(c) for c in zip(*rows, strict=True))
    found = companions_find(
        person=person,
        cell=cell,
        start=start,
        end=end,
        cases=cases,
        window_start=options.pop("window_start", WINDOW[0]),
        window_end=options.pop("window_end", WINDOW[1]),
        **options,
    )
    return set(
        zip(found.companion.tolist(), found.case.tolist(), found.overlap.tolist(), strict=True)
    )


def test_more_than_ten_minutes_makes_a_companion_exactly_ten_does_not():
    t = T0 + DAY
    rows = [
        (100, 5, t, t + HOUR),  # the case
        (1, 5, t + 20 * MINUTE, t + 30 * MINUTE),  # 10 minutes: not more than 10
        (2, 5, t + 20 * MINUTE, t + 30 * MINUTE + 1),  # 10 minutes and a second
        (3, 6, t, t + HOUR),  # another cell
        (4, 5, t + HOUR, t + 2 * HOUR),  # touching
    ]
    assert _find(rows, [100]) == {(2, 100, 10 * MINUTE + 1)}


def test_overlaps_in_one_cell_add_up_and_other_cells_do_not():
    t = T0 + 2 * DAY
    rows = [
        (100, 5, t, t + HOUR),
        (100, 7, t + 2 * HOUR, t + 3 * HOUR),
        (1, 5, t, t + 6 * MINUTE),
        (1, 5, t + 30 * MINUTE, t + 36 * MINUTE),  # 12 minutes in cell 5 in all
        (2, 5, t, t + 6 * MINUTE),
        (2, 7, t + 2 * HOUR, t + 2 * HOUR + 6 * MINUTE),  # 6 + 6 but in two cells
    ]
    assert _find(rows, [100]) == {(1, 100, 12 * MINUTE)}


def test_the_window_clips_the_dwells():
    rows = [(100, 5, T0 - HOUR, T0 + 5 * MINUTE), (1, 5, T0 - HOUR, T0 + 5 * MINUTE)]
    assert _find(rows, [100]) == set()
    assert _find(rows, [100], window_start=T0 - HOUR) == {(1, 100, HOUR + 5 * MINUTE)}


def test_a_case_is_not_its_own_companion_but_may_be_another_cases():
    t = T0 + DAY
    rows = [(100, 5, t, t + HOUR), (100, 5, t + 2 * HOUR, t + 3 * HOUR), (200, 5, t, t + 3 * HOUR)]
    assert _find(rows, [100, 200]) == {(200, 100, 2 * HOUR), (100, 200, 2 * HOUR)}


def test_cumulative_stay_filter_keeps_cells_where_either_stayed_long():
    t = T0 + 3 * DAY
    rows = [
        (100, 5, t, t + 20 * MINUTE),  # the case passes through cell 5
        (1, 5, t - 29 * HOUR, t + 20 * MINUTE),  # lives there: 29 h 20 min, not 30 h
        (2, 5, t - 30 * HOUR, t + 20 * MINUTE),  # 30 h 20 min
        (100, 9, t + 2 * HOUR, t + 32 * HOUR),  # the case stays 30 h in cell 9
        (3, 9, t + 3 * HOUR, t + 3 * HOUR + 15 * MINUTE),
    ]
    without = _find(rows, [100])
    assert without == {(1, 100, 20 * MINUTE), (2, 100, 20 * MINUTE), (3, 100, 15 * MINUTE)}
    filtered = _find(rows, [100], min_cumulative_stay=30 * HOUR)
    assert filtered == {(2, 100, 20 * MINUTE), (3, 100, 15 * MINUTE)}


def test_no_cases_or_no_dwells_give_nothing():
    assert _find([(1, 5, T0, T0 + HOUR)], []) == set()
    found = companions_find(
        person=[], cell=[], start=[], end=[], cases=[1], window_start=T0, window_end=T0 + DAY
    )
    assert len(found) == 0


def test_bad_input_is_refused_naming_field_and_row():
    with pytest.raises(InputError, match=r"end \(row 1\)"):
        _find([(1, 5, T0, T0 + 1), (2, 5, T0, T0 - 1)], [1])
    with pytest.raises(InputError, match=r"cell \(row 0\)"):
        _find([(1, -5, T0, T0 + 1)], [1])
    with pytest.raises(InputError, match="window_end"):
        _find([(1, 5, T0, T0 + 1)], [1], window_start=T0, window_end=T0)
    with pytest.raises(InputError, match="min_overlap"):
        _find([(1, 5, T0, T0 + 1)], [1], min_overlap=-1)


# ---- identical to DuckDB -------------------------------------------------------------------

DUCKDB_SQL = """
    WITH d AS (
        SELECT person, cell, greatest(start, $ws) AS s, least("end", $we) AS e
        FROM dwells WHERE least("end", $we) > greatest(start, $ws)
    ),
    c AS (SELECT * FROM d WHERE person IN (SELECT case_id FROM cases)),
    per_cell AS (
        SELECT d.person AS companion, c.person AS "case", d.cell,
               sum(least(d.e, c.e) - greatest(d.s, c.s)) AS overlap
        FROM c JOIN d ON d.cell = c.cell AND d.s < c.e AND d.e > c.s AND d.person <> c.person
        GROUP BY ALL
        HAVING sum(least(d.e, c.e) - greatest(d.s, c.s)) > $min_overlap
    ),
    stay AS (SELECT person, cell, sum(e - s) AS seconds FROM d GROUP BY ALL)
    SELECT companion, "case", sum(overlap) FROM per_cell p
    WHERE $x IS NULL
       OR EXISTS (SELECT 1 FROM stay WHERE stay.person = p.companion AND stay.cell = p.cell
                  AND stay.seconds >= $x)
       OR EXISTS (SELECT 1 FROM stay WHERE stay.person = p."case" AND stay.cell = p.cell
                  AND stay.seconds >= $x)
    GROUP BY ALL
"""


def duckdb_companions(dwells, cases, *, min_overlap, min_cumulative_stay, window):
    connection = duckdb.connect()
    connection.register("dwells", dwells)
    connection.register("cases", pl.DataFrame({"case_id": np.asarray(cases, dtype=np.int64)}))
    rows = connection.execute(
        DUCKDB_SQL,
        {"ws": window[0], "we": window[1], "min_overlap": min_overlap, "x": min_cumulative_stay},
    ).fetchall()
    return {(int(a), int(b), int(c)) for a, b, c in rows}


def _tracks(seed: int, people: int, cells: int, days: int):
    """Each person moves from cell to cell without gaps or overlaps of their own."""
    rng = np.random.default_rng(seed)
    per_person = days * 6
    length = rng.integers(1, 8 * HOUR, (people, per_person))
    end = T0 - DAY + np.cumsum(length, axis=1)
    start = end - length
    return pl.DataFrame(
        {
            "person": np.repeat(np.arange(people), per_person),
            "cell": rng.integers(0, cells, people * per_person),
            "start": start.ravel(),
            "end": end.ravel(),
        }
    )


def _ours(dwells, cases, *, min_overlap, min_cumulative_stay, window):
    found = companions_find(
        person=dwells["person"].to_numpy(),
        cell=dwells["cell"].to_numpy(),
        start=dwells["start"].to_numpy(),
        end=dwells["end"].to_numpy(),
        cases=cases,
        window_start=window[0],
        window_end=window[1],
        min_overlap=min_overlap,
        min_cumulative_stay=min_cumulative_stay,
    )
    return set(
        zip(found.companion.tolist(), found.case.tolist(), found.overlap.tolist(), strict=True)
    )


@pytest.mark.parametrize("min_cumulative_stay", [None, 12 * HOUR])
def test_identical_rows_to_duckdb_on_generated_tracks(min_cumulative_stay):
    dwells = _tracks(3, 3_000, 40, 8)
    options = {"min_overlap": 10 * MINUTE, "min_cumulative_stay": min_cumulative_stay}
    window = (T0, T0 + 5 * DAY)
    ours = _ours(dwells, [5, 17, 400, 2_999], window=window, **options)
    assert len(ours) > 500
    assert ours == duckdb_companions(dwells, [5, 17, 400, 2_999], window=window, **options)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    people=st.integers(1, 60),
    cells=st.integers(1, 6),
    cases=st.lists(st.integers(0, 70), max_size=5),
    min_overlap=st.integers(0, 2 * HOUR),
    min_cumulative_stay=st.one_of(st.none(), st.integers(0, 40 * HOUR)),
    window_days=st.integers(1, 5),
)
def test_identical_rows_to_duckdb_for_any_small_input(
    seed, people, cells, cases, min_overlap, min_cumulative_stay, window_days
):
    dwells = _tracks(seed, people, cells, 3)
    window = (T0, T0 + window_days * DAY)
    options = {"min_overlap": min_overlap, "min_cumulative_stay": min_cumulative_stay}
    ours = _ours(dwells, cases, window=window, **options)
    assert ours == duckdb_companions(dwells, cases, window=window, **options)


@pytest.mark.parametrize(
    ("offset", "spread"),
    # person numbers from the ids less the least, from their ranks when the ids spread too
    # widely; cell numbers through a lookup table, or binary searches when they are large
    [(0, 1), (1 << 61, 1), (-(1 << 61), 1 << 40)],
)
def test_same_rows_whatever_the_person_and_cell_ids(offset, spread):
    dwells = _tracks(9, 500, 10, 4)
    cases = [3, 250]
    window = (T0, T0 + 3 * DAY)
    plain = _ours(dwells, cases, min_overlap=600, min_cumulative_stay=None, window=window)
    moved = dwells.with_columns(
        pl.col("person") * spread - offset, pl.col("cell") * spread + (spread > 1)
    )
    shifted = _ours(
        moved,
        [c * spread - offset for c in cases],
        min_overlap=600,
        min_cumulative_stay=None,
        window=window,
    )
    assert len(plain) > 100
    assert shifted == {(a * spread - offset, b * spread - offset, o) for a, b, o in plain}


def test_narrow_columns_give_the_same_rows():
    """Parquet gives int32 persons and uint16 cells: they are read as they are."""
    dwells = _tracks(4, 400, 12, 4)
    window = (T0, T0 + 3 * DAY)
    wide = _ours(dwells, [7, 99], min_overlap=600, min_cumulative_stay=None, window=window)
    narrow = dwells.with_columns(pl.col("person").cast(pl.Int32), pl.col("cell").cast(pl.UInt16))
    assert len(wide) > 100
    assert wide == _ours(narrow, [7, 99], min_overlap=600, min_cumulative_stay=None, window=window)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    people=st.integers(2, 60),
    cells=st.integers(1, 6),
    cases=st.lists(st.integers(0, 70), min_size=1, max_size=6, unique=True),
    min_cumulative_stay=st.one_of(st.none(), st.integers(0, 40 * HOUR)),
)
def test_many_cases_at_once_give_what_each_case_alone_gives(
    seed, people, cells, cases, min_cumulative_stay
):
    """The batched path (``tracing.companions.companions_derive_many``) asks for every case
    in one call: the rows must be the union of the one-case calls."""
    dwells = _tracks(seed, people, cells, 3)
    options = {"min_overlap": 600, "min_cumulative_stay": min_cumulative_stay}
    window = (T0, T0 + 2 * DAY)
    together = _ours(dwells, cases, window=window, **options)
    alone = set().union(*(_ours(dwells, [case], window=window, **options) for case in cases))
    assert together == alone

"""Roster checks: uncovered hours and shifts that break the rest rules are flagged; a
24-hour rotation that keeps the rules has no flag (checked by property against a minute-by-
minute count)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.inputs import InputError
from fangkong.engine.roster import roster_check

H = 60
RULES = {"max_consecutive_shifts": 2, "max_consecutive_hours": 16, "min_rest_hours": 8}


def test_a_three_shift_rotation_covers_the_day_and_keeps_the_rules():
    starts = [0, 8 * H, 16 * H]
    check = roster_check(
        starts=starts,
        ends=[s + 8 * H for s in starts],
        persons=[1, 2, 3],
        window_start=0,
        window_end=24 * H,
        **RULES,
    )
    assert check.gaps == []
    assert check.long_runs == []
    assert check.short_rests == []


def test_an_uncovered_hour_is_flagged():
    check = roster_check(
        starts=[0, 9 * H],
        ends=[8 * H, 24 * H],
        persons=[1, 2],
        window_start=0,
        window_end=24 * H,
        **RULES,
    )
    assert check.gaps == [(8 * H, 9 * H)]


def test_broken_rest_and_too_long_runs_are_flagged():
    # person 1: 0-8, 8-16, 16-24 back to back (3 shifts, 24 h), then again after 4 h
    starts = [0, 8 * H, 16 * H, 28 * H]
    check = roster_check(
        starts=starts,
        ends=[s + 8 * H for s in starts],
        persons=[1, 1, 1, 1],
        window_start=0,
        window_end=36 * H,
        **RULES,
    )
    assert check.long_runs == [2]
    assert check.short_rests == [3]
    assert check.gaps == [(24 * H, 28 * H)]


def test_bad_input_names_the_field_and_row():
    with pytest.raises(InputError) as error:
        roster_check(
            starts=[0, 10], ends=[5, 10], persons=[1, 2], window_start=0, window_end=10, **RULES
        )
    assert (error.value.field, error.value.row) == ("ends", 1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 47), st.integers(1, 12), st.integers(1, 3)),
        min_size=0,
        max_size=12,
    )
)
def test_gaps_equal_a_minute_by_minute_count(shifts):
    starts = [a * 30 for a, _, _ in shifts]
    ends = [a * 30 + b * 30 for a, b, _ in shifts]
    persons = [p for _, _, p in shifts]
    window = 24 * H
    check = roster_check(
        starts=starts, ends=ends, persons=persons, window_start=0, window_end=window, **RULES
    )
    covered = np.zeros(window, dtype=bool)
    for s, e in zip(starts, ends, strict=True):
        covered[s : min(e, window)] = True
    uncovered = sum(b - a for a, b in check.gaps)
    assert uncovered == int((~covered).sum())


def test_shifts_on_two_posts_count_as_one_persons_runs_and_rests():
    """Person 1 is on post A 00–08 and post B 08–16 and 16–24: each post alone keeps the
    rules, together it is a run of three shifts and 24 hours."""
    from fangkong.engine.roster import exhaustion_check

    starts = [0, 8 * H, 16 * H]
    check = exhaustion_check(
        starts=starts, ends=[s + 8 * H for s in starts], persons=[1, 1, 1], **RULES
    )
    assert check.long_runs == [2]
    assert check.gaps == []
    # a rest of 4 hours between the posts is too short
    check = exhaustion_check(starts=[0, 12 * H], ends=[8 * H, 20 * H], persons=[1, 1], **RULES)
    assert check.short_rests == [1]
    assert check.overlaps == []


def test_a_person_on_two_posts_at_once_is_an_overlap():
    from fangkong.engine.roster import exhaustion_check

    # post A 00–24 (one long shift) and post B 04–12 and 30–38: the first B shift overlaps
    check = exhaustion_check(
        starts=[0, 4 * H, 30 * H, 0],
        ends=[24 * H, 12 * H, 38 * H, 8 * H],
        persons=[1, 1, 1, 2],
        max_consecutive_shifts=3,
        max_consecutive_hours=24,
        min_rest_hours=8,
    )
    assert check.overlaps == [1]
    assert check.long_runs == [1]  # the overlapping pair is one run of 32 hours
    assert check.short_rests == [2]  # 30 h is 6 h after the 24-hour shift ended

"""Duty-roster checks (值班排班, issue 22 §3, R32): where a roster leaves the post uncovered,
and which shifts break the rules against exhaustion. Pure NumPy over the shifts of one post;
:func:`exhaustion_check` alone over the shifts of several posts (a person on two working
groups' rosters: the runs and rests count across both, and two shifts at once are flagged).

Times are integer minutes on any common clock (the caller uses minutes since the epoch).
Two shifts of one person are *consecutive* when the second starts when (or before) the
first ends; a run of consecutive shifts may hold at most ``max_consecutive_shifts`` shifts and
``max_consecutive_hours`` hours; between two runs a person rests at least ``min_rest_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import Int64, as_int64, require, require_positive, same_length


@dataclass(frozen=True)
class RosterCheck:
    """``gaps``: ``(start, end)`` minutes of the window no shift covers, in order.
    ``long_runs``: the shift positions (input order) that end a run of consecutive shifts
    longer than the rules allow (by count or hours). ``short_rests``: the shift positions that
    start after less than the minimum rest since the same person's previous run."""

    gaps: list[tuple[int, int]]
    long_runs: list[int]
    short_rests: list[int]
    #: shift positions that start before the same person's earlier shift has ended (a person
    #: on two posts at once: only across rosters).
    overlaps: list[int]


def roster_check(
    *,
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    persons: npt.ArrayLike,
    window_start: int,
    window_end: int,
    max_consecutive_shifts: int,
    max_consecutive_hours: int,
    min_rest_hours: int,
) -> RosterCheck:
    """Check one post's shifts against 24-hour cover of ``[window_start, window_end)`` and
    the exhaustion rules.

    1. Inputs: equal lengths, each shift ends after it starts (``InputError`` naming the
       field and row).
    2. Cover: shifts sorted by start; the running maximum of ends; a gap wherever the next
       start lies beyond it (and before the window's start or after its end).
    3. Runs: shifts sorted by (person, start); a new run starts at a new person or after a
       break; counts and hours per run by ``bincount``; the last shift of a run over a limit
       is flagged, as is the first shift after a break shorter than the minimum rest.
    """
    start, end, who = _shifts(starts, ends, persons)
    _rules(max_consecutive_shifts, max_consecutive_hours, min_rest_hours)
    return RosterCheck(
        gaps=_gaps(start, end, window_start, window_end),
        **_exhaustion(
            start, end, who, max_consecutive_shifts, max_consecutive_hours, min_rest_hours
        ),
    )


def exhaustion_check(
    *,
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    persons: npt.ArrayLike,
    max_consecutive_shifts: int,
    max_consecutive_hours: int,
    min_rest_hours: int,
) -> RosterCheck:
    """The exhaustion rules alone over shifts of any number of posts (no cover: each post's
    cover is its own roster's check). A person's shifts on different posts make one
    sequence: back-to-back shifts on two posts are one run, a rest between them counts, and
    a shift starting before the person's earlier one ended is an overlap."""
    start, end, who = _shifts(starts, ends, persons)
    _rules(max_consecutive_shifts, max_consecutive_hours, min_rest_hours)
    return RosterCheck(
        gaps=[],
        **_exhaustion(
            start, end, who, max_consecutive_shifts, max_consecutive_hours, min_rest_hours
        ),
    )


def _shifts(
    starts: npt.ArrayLike, ends: npt.ArrayLike, persons: npt.ArrayLike
) -> tuple[Int64, Int64, Int64]:
    start, end, who = (
        as_int64("starts", starts),
        as_int64("ends", ends),
        as_int64("persons", persons),
    )
    same_length(starts=start, ends=end, persons=who)
    require("ends", end > start, "a shift must end after it starts")
    return start, end, who


def _rules(max_shifts: int, max_hours: int, min_rest_hours: int) -> None:
    require_positive("max_consecutive_shifts", max_shifts)
    require_positive("max_consecutive_hours", max_hours)
    require_positive("min_rest_hours", min_rest_hours, allow_zero=True)


def _gaps(start: Int64, end: Int64, window_start: int, window_end: int) -> list[tuple[int, int]]:
    if window_end <= window_start:
        return []
    if start.size == 0:
        return [(window_start, window_end)]
    order = np.argsort(start, kind="stable")
    s, e = start[order], end[order]
    covered = np.maximum.accumulate(e)
    # the cover reached before each shift: the window's start, then the running maximum
    reached = np.concatenate(([window_start], np.maximum(covered[:-1], window_start)))
    holes = s > reached
    gaps = [
        (int(a), int(min(b, window_end)))
        for a, b in zip(reached[holes], s[holes], strict=True)
        if a < window_end and b > window_start
    ]
    tail = int(max(covered[-1], window_start))
    if tail < window_end:
        gaps.append((tail, window_end))
    return gaps


def _exhaustion(
    start: Int64, end: Int64, who: Int64, max_shifts: int, max_hours: int, min_rest_hours: int
) -> dict[str, list[int]]:
    if start.size == 0:
        return {"long_runs": [], "short_rests": [], "overlaps": []}
    order = np.lexsort((start, who))
    s, e, p = start[order], end[order], who[order]
    new_person = np.concatenate(([True], p[1:] != p[:-1]))
    # the latest end of the person's earlier shifts (a running maximum restarted per person:
    # each person's ends lifted above every earlier person's)
    span = int(e.max() - e.min()) + 1
    person_index = np.cumsum(new_person) - 1
    lifted = (e - e.min()) + person_index * span
    reached = np.maximum.accumulate(lifted) - person_index * span + e.min()
    rest = np.concatenate(([0], s[1:] - reached[:-1]))
    new_run = new_person | (rest > 0)
    run = np.cumsum(new_run) - 1
    shifts_in_run = np.bincount(run)
    minutes_in_run = np.bincount(run, weights=(e - s).astype(np.float64))
    over = (shifts_in_run > max_shifts) | (minutes_in_run > max_hours * 60)
    last_of_run = np.concatenate((run[1:] != run[:-1], [True]))
    long_runs = order[last_of_run & over[run]]
    short = (~new_person) & (rest > 0) & (rest < min_rest_hours * 60)
    overlap = (~new_person) & (rest < 0)
    return {
        "long_runs": sorted(int(i) for i in long_runs),
        "short_rests": sorted(int(i) for i in order[short]),
        "overlaps": sorted(int(i) for i in order[overlap]),
    }

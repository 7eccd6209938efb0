"""Room allocation (R22): hand-made cases for each rule, and the invariants by property."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.engine.allocation import NO_GROUP, rooms_allocate_batch
from fangkong.engine.inputs import InputError

NEAR = (39.90, 116.40)
FAR = (40.20, 116.90)  # about 55 km away


def _rooms(rows: list[tuple[int, int, int, bool, bool, tuple[float, float]]]) -> dict[str, Any]:
    """(id, facility, beds, accessible, own bathroom, site location) per room."""
    return {
        "room": [r[0] for r in rows],
        "room_facility": [r[1] for r in rows],
        "room_beds": [r[2] for r in rows],
        "room_accessible": np.array([r[3] for r in rows], dtype=bool),
        "room_own_bathroom": np.array([r[4] for r in rows], dtype=bool),
        "room_lat": [r[5][0] for r in rows],
        "room_lon": [r[5][1] for r in rows],
    }


def _people(rows: list[tuple[int, int, bool]], at: tuple[float, float] = NEAR) -> dict[str, Any]:
    """(id, group, needs accessible) per person, all at ``at``."""
    return {
        "person": [p[0] for p in rows],
        "group": [p[1] for p in rows],
        "needs_accessible": np.array([p[2] for p in rows], dtype=bool),
        "person_lat": [at[0]] * len(rows),
        "person_lon": [at[1]] * len(rows),
    }


def test_one_person_per_room_with_its_own_bathroom_and_never_over_capacity():
    rooms = _rooms(
        [
            (1, 10, 1, False, True, NEAR),
            (2, 10, 2, False, False, NEAR),  # shared bathroom: not for a person alone
            (3, 10, 1, False, True, NEAR),
        ]
    )
    got = rooms_allocate_batch(
        **_people([(100, NO_GROUP, False), (101, NO_GROUP, False), (102, NO_GROUP, False)]),
        **rooms,
    )
    assert got.pairs() == [(100, 1), (101, 3)]
    assert got.unassigned.tolist() == [102]


def test_a_carer_stays_with_the_dependant_and_a_minor_with_the_guardian():
    rooms = _rooms(
        [
            (1, 10, 1, False, True, NEAR),
            (2, 10, 2, False, True, NEAR),
            (3, 10, 3, False, True, NEAR),
            (4, 10, 1, False, True, NEAR),
        ]
    )
    people = _people(
        [
            (100, 7, False),
            (101, NO_GROUP, False),
            (102, 7, False),
            (103, 8, False),
            (104, 8, False),
            (105, 8, False),
        ]
    )
    got = dict(rooms_allocate_batch(**people, **rooms).pairs())
    assert got[100] == got[102] == 2  # the smallest room that fits the pair
    assert got[103] == got[104] == got[105] == 3
    assert got[101] in {1, 4}


def test_a_group_is_never_split_when_no_room_fits_it():
    rooms = _rooms([(1, 10, 1, False, True, NEAR), (2, 10, 1, False, True, NEAR)])
    got = rooms_allocate_batch(**_people([(100, 5, False), (101, 5, False)]), **rooms)
    assert got.unassigned.tolist() == [100, 101]


def test_accessible_rooms_go_to_those_who_need_them():
    rooms = _rooms([(1, 10, 1, True, True, NEAR), (2, 10, 1, False, True, NEAR)])
    # the first person does not need it and comes first, but the accessible room is kept
    got = dict(
        rooms_allocate_batch(
            **_people([(100, NO_GROUP, False), (101, NO_GROUP, True)]), **rooms
        ).pairs()
    )
    assert got == {100: 2, 101: 1}
    only_plain = _rooms([(2, 10, 1, False, True, NEAR)])
    alone = rooms_allocate_batch(**_people([(101, NO_GROUP, True)]), **only_plain)
    assert alone.unassigned.tolist() == [101]


def test_load_spreads_to_a_farther_site_as_the_near_one_fills():
    near = [(n, 10, 1, False, True, NEAR) for n in range(1, 11)]
    far = [(n, 20, 1, False, True, FAR) for n in range(11, 21)]
    people = _people([(100 + k, NO_GROUP, False) for k in range(8)])
    by_distance = rooms_allocate_batch(**people, **_rooms(near + far), spread_km=0.0)
    assert set(by_distance.room.tolist()) <= set(range(1, 11))
    spread = rooms_allocate_batch(**people, **_rooms(near + far), spread_km=500.0)
    sites = [10 if r <= 10 else 20 for r in spread.room.tolist()]
    # near costs 50 km per room taken, far 55 km more: 5 near, 3 far
    assert (sites.count(10), sites.count(20)) == (5, 3)


def test_bad_input_names_the_field_and_row():
    rooms = _rooms([(1, 10, 1, False, True, NEAR), (1, 10, 1, False, True, NEAR)])
    with pytest.raises(InputError) as repeated:
        rooms_allocate_batch(**_people([(100, NO_GROUP, False)]), **rooms)
    assert (repeated.value.field, repeated.value.row) == ("room", 1)
    rooms = _rooms([(1, 10, 0, False, True, NEAR)])
    with pytest.raises(InputError) as beds:
        rooms_allocate_batch(**_people([(100, NO_GROUP, False)]), **rooms)
    assert (beds.value.field, beds.value.row) == ("room_beds", 0)
    people = _people([(100, NO_GROUP, False)])
    people["group"] = [1, 2]
    with pytest.raises(InputError) as length:
        rooms_allocate_batch(**people, **_rooms([(1, 10, 1, False, True, NEAR)]))
    assert length.value.field == "group"


@settings(max_examples=150, deadline=None)
@given(
    people=st.lists(
        st.tuples(st.integers(-1, 6), st.booleans(), st.booleans()), min_size=0, max_size=30
    ),
    rooms=st.lists(
        st.tuples(st.integers(1, 3), st.integers(1, 4), st.booleans(), st.booleans()),
        min_size=0,
        max_size=30,
    ),
    spread=st.floats(0, 100),
)
def test_invariants_hold_for_any_batch(people, rooms, spread):
    person_ids = list(range(1000, 1000 + len(people)))
    got = rooms_allocate_batch(
        person=person_ids,
        group=[g for g, _, _ in people],
        needs_accessible=np.array([a for _, a, _ in people], dtype=bool),
        person_lat=[NEAR[0] if near else np.nan for _, _, near in people],
        person_lon=[NEAR[1] if near else np.nan for _, _, near in people],
        room=list(range(1, len(rooms) + 1)),
        room_facility=[f for f, _, _, _ in rooms],
        room_beds=[b for _, b, _, _ in rooms],
        room_accessible=np.array([a for _, _, a, _ in rooms], dtype=bool),
        room_own_bathroom=np.array([w for _, _, _, w in rooms], dtype=bool),
        room_lat=[NEAR[0] + f / 10 for f, _, _, _ in rooms],
        room_lon=[NEAR[1] for _ in rooms],
        spread_km=spread,
    )
    beds = {n + 1: r[1] for n, r in enumerate(rooms)}
    accessible = {n + 1: r[2] for n, r in enumerate(rooms)}
    bath = {n + 1: r[3] for n, r in enumerate(rooms)}
    occupants: dict[int, list[int]] = {}
    for k, room in enumerate(got.room.tolist()):
        if room >= 0:
            occupants.setdefault(room, []).append(k)
    for room, members in occupants.items():
        assert len(members) <= beds[room]  # never over capacity
        groups = {people[k][0] for k in members}
        # one unit per room: a person alone, or one group
        assert len(members) == 1 or (len(groups) == 1 and groups != {NO_GROUP})
        if any(people[k][1] for k in members):
            assert accessible[room]
        if len(members) == 1 and people[members[0]][0] == NO_GROUP:
            assert bath[room]
    # a group is together or not placed at all
    for g in {p[0] for p in people} - {NO_GROUP}:
        placed = {got.room[k] for k, p in enumerate(people) if p[0] == g}
        assert len(placed) == 1
    # nobody is left out while a fitting room stays free for a person alone
    free = set(beds) - set(occupants)
    for k, p in enumerate(people):
        if p[0] == NO_GROUP and got.room[k] < 0:
            assert not any(bath[r] and (accessible[r] or not p[1]) for r in free)

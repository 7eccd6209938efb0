"""Isolation-room allocation for a batch of people (issue 20 §3, R22): pure, over arrays.

Rules, in order of strength:

* never over capacity: a room takes one *unit*, and a unit never has more people than beds;
* one person per room by default: a unit is one person, or a declared group (a carer with
  their dependants, a minor with their guardian) that stays together in one room — never
  split, never mixed with strangers;
* a person alone gets a room with its own bathroom (``require_own_bathroom``); a group may
  share a room without one only when no room with one fits;
* a unit with someone who needs an accessible room gets an accessible room; the others get
  one only when nothing else is left for them (accessible rooms are kept for those who need
  them);
* load spreads over sites by distance and free rooms: the cost of a room is the distance from
  the person to its site plus ``spread_km`` times the share of that site's free rooms this
  batch has already taken, so a near site stops winning once it fills up.

No Django; the caller passes ids and coordinates and applies the answer with row locks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fangkong.engine.inputs import InputError, Int64, as_int64, require, same_length

Float64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

#: No group: the person is a unit alone.
NO_GROUP = -1
#: Cost added to an accessible room for a unit that does not need one (kilometres): larger
#: than any distance in a city, so such a room is taken only when no other fits.
ACCESSIBLE_SPARE_COST = 10_000.0
#: Cost added to a room without its own bathroom for a group that could have one.
SHARED_BATHROOM_COST = 1_000.0
#: Cost per bed left empty (prefers the smallest room that fits a group).
EMPTY_BED_COST = 0.01
_KM_PER_DEGREE = 111.2


@dataclass(frozen=True)
class Allocation:
    """The answer, one row per person in input order: ``room`` is the allocated room's id or
    ``-1`` (no room fits the person's unit); ``unit`` numbers the units (a group shares one).
    """

    person: Int64
    room: Int64
    unit: Int64

    @property
    def unassigned(self) -> Int64:
        """Ids of the persons left without a room."""
        return self.person[self.room < 0]

    def pairs(self) -> list[tuple[int, int]]:
        """``(person, room)`` for every person who got a room."""
        placed = self.room >= 0
        return list(zip(self.person[placed].tolist(), self.room[placed].tolist(), strict=True))


def _floats(field: str, values: npt.ArrayLike, n: int, *, allow_nan: bool) -> Float64:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.shape[0] != n:
        raise InputError(field, f"must be a one-dimensional array of {n} numbers")
    finite = np.isfinite(array) | (np.isnan(array) if allow_nan else False)
    require(field, np.asarray(finite, dtype=np.bool_), "must be a finite number")
    return array


def _bools(field: str, values: npt.ArrayLike, n: int) -> Bool:
    array = np.asarray(values)
    if array.ndim != 1 or array.shape[0] != n:
        raise InputError(field, f"must be a one-dimensional array of {n} flags")
    if array.size and array.dtype != np.bool_:
        raise InputError(field, f"must hold booleans, not {array.dtype}")
    return array.astype(np.bool_, copy=False)


def _unique(field: str, ids: Int64) -> None:
    if ids.size:
        order = np.argsort(ids, kind="stable")
        repeated = ids[order][1:] == ids[order][:-1]
        if repeated.any():
            raise InputError(field, "repeats an id", row=int(order[1:][repeated][0]))


def rooms_allocate_batch(
    *,
    person: npt.ArrayLike,
    group: npt.ArrayLike,
    needs_accessible: npt.ArrayLike,
    person_lat: npt.ArrayLike,
    person_lon: npt.ArrayLike,
    room: npt.ArrayLike,
    room_facility: npt.ArrayLike,
    room_beds: npt.ArrayLike,
    room_accessible: npt.ArrayLike,
    room_own_bathroom: npt.ArrayLike,
    room_lat: npt.ArrayLike,
    room_lon: npt.ArrayLike,
    spread_km: float = 10.0,
    require_own_bathroom: bool = True,
) -> Allocation:
    """Allocate free rooms to people (see the module's rules).

    Inputs: per person an id, a group id (``NO_GROUP`` alone; equal ids stay together), an
    accessible-room flag and a location (``nan`` when unknown: then only the load counts);
    per free room its id, facility id, beds, accessible and own-bathroom flags and the site's
    location. Raises :class:`InputError` naming the field and row: unequal lengths, repeated
    ids, beds below 1, a non-finite room coordinate, a negative ``spread_km``.

    1. People become units: each group one unit (its size, and whether anyone in it needs an
       accessible room), each person without a group a unit of one.
    2. Rooms are sorted into classes of equal (facility, accessible, own bathroom, beds), each
       a stack of room ids in ascending order.
    3. Units are placed hardest first: those needing an accessible room, then the largest,
       then in input order. For each, every class with a room left that fits (beds ≥ size,
       accessible when needed, own bathroom for a person alone when required) is costed —
       distance to the site + ``spread_km`` × the share of the site's free rooms already
       taken + the penalties above — and the cheapest class gives its lowest free room id.
    4. A unit no class fits is left without a room (all its members ``-1``).
    """
    persons = as_int64("person", person)
    groups = as_int64("group", group)
    n = same_length(person=persons, group=groups)
    access_needed = _bools("needs_accessible", needs_accessible, n)
    p_lat = _floats("person_lat", person_lat, n, allow_nan=True)
    p_lon = _floats("person_lon", person_lon, n, allow_nan=True)
    rooms = as_int64("room", room)
    facilities = as_int64("room_facility", room_facility)
    beds = as_int64("room_beds", room_beds)
    m = same_length(room=rooms, room_facility=facilities, room_beds=beds)
    r_access = _bools("room_accessible", room_accessible, m)
    r_bath = _bools("room_own_bathroom", room_own_bathroom, m)
    r_lat = _floats("room_lat", room_lat, m, allow_nan=False)
    r_lon = _floats("room_lon", room_lon, m, allow_nan=False)
    if not math.isfinite(spread_km) or spread_km < 0:
        raise InputError("spread_km", "must be a finite number, not negative")
    _unique("person", persons)
    _unique("room", rooms)
    require("room_beds", beds >= 1, "must be at least 1")
    require("group", groups >= NO_GROUP, "must be an id or -1")

    # 1. units
    unit_of = np.empty(n, dtype=np.int64)
    alone = groups == NO_GROUP
    alone_idx = np.flatnonzero(alone)
    unit_of[alone_idx] = np.arange(alone_idx.size)
    grouped_keys, grouped_inverse = np.unique(groups[~alone], return_inverse=True)
    unit_of[~alone] = alone_idx.size + grouped_inverse
    units = alone_idx.size + grouped_keys.size
    size = np.bincount(unit_of, minlength=units).astype(np.int64)
    needs = np.bincount(unit_of, weights=access_needed, minlength=units) > 0
    first = np.full(units, n, dtype=np.int64)
    np.minimum.at(first, unit_of, np.arange(n))
    # a unit's location: that of its first member with a known one
    known = np.flatnonzero(~np.isnan(p_lat) & ~np.isnan(p_lon))
    first_known = np.full(units, n, dtype=np.int64)
    np.minimum.at(first_known, unit_of[known], known)
    located = first_known < n
    lat_of = np.full(units, np.nan)
    lon_of = np.full(units, np.nan)
    lat_of[located] = p_lat[first_known[located]]
    lon_of[located] = p_lon[first_known[located]]

    # 2. room classes
    order = np.lexsort((rooms, beds, r_bath, r_access, facilities))
    keys = np.stack([facilities, r_access, r_bath, beds], axis=1)[order]
    boundary = np.ones(m, dtype=np.bool_)
    if m:
        boundary[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts = np.flatnonzero(boundary)
    ends = np.append(starts[1:], m)
    c_fac = facilities[order][starts]
    c_access = r_access[order][starts]
    c_bath = r_bath[order][starts]
    c_beds = beds[order][starts]
    c_lat = r_lat[order][starts]
    c_lon = r_lon[order][starts]
    c_next = starts.copy()
    fac_ids, c_fac_idx = np.unique(c_fac, return_inverse=True)
    fac_free = np.bincount(np.searchsorted(fac_ids, facilities), minlength=fac_ids.size)
    fac_taken = np.zeros(fac_ids.size, dtype=np.float64)
    sorted_rooms = rooms[order]

    # 3. hardest units first
    unit_order = np.lexsort((first, -size, ~needs))
    answer = np.full(units, -1, dtype=np.int64)
    cos_lat = math.cos(math.radians(float(np.mean(c_lat)))) if m else 1.0
    for u in unit_order.tolist():
        fits = (c_next < ends) & (c_beds >= size[u])
        if needs[u]:
            fits &= c_access
        if size[u] == 1 and require_own_bathroom:
            fits &= c_bath
        candidates = np.flatnonzero(fits)
        if candidates.size == 0:
            continue
        if np.isnan(lat_of[u]):
            distance = np.zeros(candidates.size)
        else:
            dy = (c_lat[candidates] - lat_of[u]) * _KM_PER_DEGREE
            dx = (c_lon[candidates] - lon_of[u]) * _KM_PER_DEGREE * cos_lat
            distance = np.hypot(dx, dy)
        f = c_fac_idx[candidates]
        cost = (
            distance
            + spread_km * fac_taken[f] / fac_free[f]
            + np.where(c_access[candidates] & ~needs[u], ACCESSIBLE_SPARE_COST, 0.0)
            + np.where(c_bath[candidates], 0.0, SHARED_BATHROOM_COST)
            + EMPTY_BED_COST * (c_beds[candidates] - size[u])
        )
        best = int(candidates[int(np.argmin(cost))])
        answer[u] = sorted_rooms[c_next[best]]
        c_next[best] += 1
        fac_taken[c_fac_idx[best]] += 1

    # 4. back to persons
    return Allocation(person=persons, room=answer[unit_of], unit=unit_of)

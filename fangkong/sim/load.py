"""Writing a generated city to the database through the bulk paths of regions and people.

Persons are written as a register holds them: the simulation's occupation categories
(``student``, ``delivery``…) become the register's text (学生, 快递员…,
``occupations.register_occupations``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import transaction

from fangkong.core.actor import AnyActor
from fangkong.people.bulk import (
    PeopleLoaded,
    people_bulk_indexes_suspended,
    people_bulk_load,
)
from fangkong.regions.bulk import regions_bulk_load
from fangkong.sim.city import City
from fangkong.sim.occupations import register_occupations
from fangkong.sim.parts import CityParts


@dataclass(frozen=True)
class CityLoaded:
    """What was written: jurisdiction nodes inserted, the people counts and step timings."""

    regions: int
    people: PeopleLoaded
    seconds: dict[str, float]


@dataclass(frozen=True)
class CityPartsLoaded:
    """What a load in parts wrote: jurisdiction nodes inserted, the people counts of each
    part, and step timings summed over the parts (``generate`` is the time spent drawing the
    parts)."""

    regions: int
    parts: tuple[PeopleLoaded, ...]
    seconds: dict[str, float]

    @property
    def persons(self) -> int:
        """Persons written over all parts."""
        return sum(part.persons for part in self.parts)


@transaction.atomic
def city_load(city: City, *, actor: AnyActor, workers: int | None = None) -> CityLoaded:
    """Insert the city's jurisdiction tree, then its households, persons, documents and needs,
    in one transaction (two audit rows: ``regions_bulk_load`` and ``people_bulk_load``).

    Raises what the bulk loaders raise (``ValidationFailed``, ``PermissionDenied``); nothing
    is written then.
    """
    started = time.perf_counter()
    regions = regions_bulk_load(city.regions, actor=actor)
    regions_done = time.perf_counter()
    people = people_bulk_load(
        city.households,
        register_occupations(city.persons),
        city.documents,
        city.needs,
        actor=actor,
        workers=workers,
    )
    seconds = {"regions": regions_done - started, **people.seconds}
    return CityLoaded(regions=regions, people=people, seconds=seconds)


def city_parts_load(
    parts: CityParts,
    *,
    actor: AnyActor,
    workers: int | None = None,
    on_part: Callable[[int, PeopleLoaded], None] | None = None,
) -> CityPartsLoaded:
    """Insert the jurisdiction tree of ``parts`` once, then draw and insert one part at a
    time, so that only one part is ever in memory.

    1. ``regions_bulk_load`` of the shared tree, in its own transaction.
    2. With more than one part, set the people tables' secondary indexes and foreign keys
       aside (``people_bulk_indexes_suspended``; PostgreSQL only), so that every part costs
       what the first does instead of more than the one before.
    3. For each part in order: draw it, ``people_bulk_load`` its households, persons,
       documents and needs (one transaction and one audit row per part; identity numbers
       stored by earlier parts would be refused, and the parts never repeat one), drop it,
       then call ``on_part(index, loaded)`` if given (progress output).
    4. Rebuild the indexes and foreign keys once (``seconds["indexes"]``).

    Not all-or-nothing: each part commits on its own, so the database never holds one
    transaction (and its deferred checks) the size of the whole city; when a part raises (what
    the bulk loaders raise: ``ValidationFailed``, ``PermissionDenied``), that part is rolled
    back, the parts before it stay stored and the indexes are rebuilt over them. Meant for a
    registry nobody else is using meanwhile (step 2).
    """
    started = time.perf_counter()
    with transaction.atomic():
        regions = regions_bulk_load(parts.regions, actor=actor)
    seconds = {"regions": time.perf_counter() - started, "generate": 0.0}
    loaded: list[PeopleLoaded] = []
    iterator = iter(parts)
    suspended = people_bulk_indexes_suspended() if len(parts) > 1 else nullcontext()
    with suspended:
        for index in range(len(parts)):
            drawing = time.perf_counter()
            city = next(iterator)
            seconds["generate"] += time.perf_counter() - drawing
            people = people_bulk_load(
                city.households,
                register_occupations(city.persons),
                city.documents,
                city.needs,
                actor=actor,
                workers=workers,
            )
            del city  # before the next part is drawn
            for step, value in people.seconds.items():
                seconds[step] = seconds.get(step, 0.0) + value
            loaded.append(people)
            if on_part is not None:
                on_part(index, people)
        rebuilding = time.perf_counter()
    seconds["indexes"] = time.perf_counter() - rebuilding
    return CityPartsLoaded(regions=regions, parts=tuple(loaded), seconds=seconds)

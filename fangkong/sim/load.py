"""Writing a generated city to the database through the bulk paths of regions and people."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction

from fangkong.core.actor import AnyActor
from fangkong.people.bulk import PeopleLoaded, people_bulk_load
from fangkong.regions.bulk import regions_bulk_load
from fangkong.sim.city import City


@dataclass(frozen=True)
class CityLoaded:
    """What was written: jurisdiction nodes inserted, the people counts and step timings."""

    regions: int
    people: PeopleLoaded
    seconds: dict[str, float]


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
        city.households, city.persons, city.documents, city.needs, actor=actor, workers=workers
    )
    seconds = {"regions": regions_done - started, **people.seconds}
    return CityLoaded(regions=regions, people=people, seconds=seconds)

"""The dispatcher's map of today's pickups (issue 20 §8): the streets of the actor's scope
with their outlines (``regions.RegionBoundary``, loaded as the command picture loads them),
each with its count of today's pickups under way, and the destination sites with the count
of those pickups bound for each. Counts and places only: no person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from fangkong.core.actor import AnyActor
from fangkong.isolation.models import Facility
from fangkong.isolation.transfers.selectors import StreetPickups
from fangkong.regions.choices import RegionLevel
from fangkong.regions.selectors import outline_features, region_outlines, region_scope

#: At most this many streets are drawn (a city has a few hundred).
STREETS_MAX = 2_000


def pickup_map(*, actor: AnyActor, streets: Sequence[StreetPickups]) -> dict[str, Any]:
    """What the page's script draws: ``map`` (the FeatureCollection of the streets in scope,
    or of the actor's own node when it lies below street level), ``pickups`` (street code,
    name and count of today's pickups, streets without one left out), ``sites`` (each
    destination site with coordinates: name, longitude, latitude, count). Three queries."""
    nodes = list(
        region_scope(actor).filter(level=RegionLevel.STREET).order_by("code")[:STREETS_MAX]
    )
    if not nodes:  # a dispatcher below street level sees their own node
        nodes = list(region_scope(actor).order_by("level", "code")[:1])
    bound = Counter(
        task.destination_facility_id
        for street in streets
        for task in street.tasks
        if task.destination_facility_id is not None
    )
    sites = Facility.objects.filter(pk__in=list(bound), latitude__isnull=False).exclude(
        longitude__isnull=True
    )
    return {
        "map": outline_features(nodes, region_outlines([node.pk for node in nodes])),
        "pickups": [
            {"code": s.street_code, "name": s.street_name, "count": len(s.tasks)} for s in streets
        ],
        "sites": [
            {
                "name": site.name,
                "longitude": site.longitude,
                "latitude": site.latitude,
                "count": bound[site.pk],
            }
            for site in sites.order_by("name")
        ],
    }

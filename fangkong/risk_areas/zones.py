"""The lab's zone of a grid follows the area it lies in (issue 19 §8).

Registered with :mod:`fangkong.lab.zones` in ``RiskAreasConfig.ready``: ``lab`` asks, this
app answers, and ``lab`` imports nothing of it. An open area drawn over a whole node (a
compound or village, a workplace, the rest of a county) gives that node the zone of its
level: the level's code when the rules in force at the node today have a pooling ratio for
it (``pooling.by_zone``: the 9th edition's ``high`` pools one tube per household), else
``other``. An area of one building or stairwell gives no zone to its grid: a sampling point
serves the whole grid, and the building's people are sampled at their door.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q
from django.utils import timezone

from fangkong.policy.choices import ZONE_OTHER, DesignationUnit
from fangkong.policy.selectors import rules_for
from fangkong.regions.subtree import in_subtree
from fangkong.risk_areas.choices import RiskAreaStatus
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.selectors import area_today

#: Units whose area is the whole node it hangs off.
WHOLE_NODE_UNITS = (
    DesignationUnit.COMPOUND,
    DesignationUnit.WORKPLACE,
    DesignationUnit.COUNTY_REMAINDER,
)


def _ancestors(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[: index + 1]) for index in range(len(parts))]


def risk_area_zones(paths: Collection[str]) -> dict[str, str]:
    """``{node path: zone}`` for the open whole-node areas inside or above ``paths`` (the
    nodes of a round's areas). One query for the areas; the rules are looked up once per
    node. Two open areas on one node (a compound and a workplace): the tighter pooling, by
    the level's order in the rules (the first level is the highest)."""
    if not paths:
        return {}
    around = Q(region__path__in={a for path in paths for a in _ancestors(path)})
    for path in paths:
        around |= in_subtree(path, field="region__path")
    zones: dict[str, tuple[int, str]] = {}
    areas = (
        RiskArea.objects.filter(around, status=RiskAreaStatus.DESIGNATED, unit__in=WHOLE_NODE_UNITS)
        .select_related("region")
        .order_by("id")
    )
    for area in areas:
        rules = rules_for(area.region, area_today(area.region, timezone.now()))
        codes = [level.code for level in rules.parameters.risk_areas.levels]
        if area.level in rules.parameters.pooling.by_zone and area.level in codes:
            zone = (codes.index(area.level), area.level)
        else:
            zone = (len(codes), ZONE_OTHER)
        held = zones.get(area.region.path)
        if held is None or zone < held:
            zones[area.region.path] = zone
    return {path: zone for path, (_order, zone) in zones.items()}

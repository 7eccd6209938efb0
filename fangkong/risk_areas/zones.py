"""The lab's zone of a grid follows the area it lies in (issue 19 §8).

Registered with :mod:`fangkong.lab.zones` in ``RiskAreasConfig.ready``: ``lab`` asks, this
app answers, and ``lab`` imports nothing of it. An open area drawn over a whole node (a
compound or village, a workplace, the rest of a county) gives that node the zone of its
level: the level's code when the rules in force today over the round's area have it (each
level has a pooling ratio, ``pooling.by_zone``: the 9th edition's ``high`` pools one tube
per household), else ``other``. An area of one building or stairwell gives no zone to its
grid: a sampling point serves the whole grid, and the building's people are sampled at their
door.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q
from django.utils import timezone

from fangkong.policy.choices import ZONE_OTHER, DesignationUnit
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree
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
    nodes of a round's areas).

    1. One query for the areas.
    2. The rules in force today at each of ``paths`` (a handful: a round's areas), not at
       each area's node — a thousand closed compounds would otherwise cost a thousand
       look-ups; an override below a round's area that changes the levels is not seen.
    3. An area's zone is its level when those rules have it (every level has a ratio in
       ``pooling.by_zone``, the schema insists), else ``other`` (a level of an earlier
       edition). Two open areas on one node (a compound and a workplace): the tighter, by
       the level's order in the rules (the first level is the highest).
    """
    if not paths:
        return {}
    around = Q(region__path__in={a for path in paths for a in _ancestors(path)})
    for path in paths:
        around |= in_subtree(path, field="region__path")
    areas = list(
        RiskArea.objects.filter(around, status=RiskAreaStatus.DESIGNATED, unit__in=WHOLE_NODE_UNITS)
        .select_related("region")
        .order_by("id")
    )
    if not areas:
        return {}
    nodes = {node.path: node for node in Region.objects.filter(path__in=set(paths))}
    levels: dict[str, list[str]] = {}
    for path, node in nodes.items():
        rules = rules_for(node, area_today(node, timezone.now()))
        levels[path] = [level.code for level in rules.parameters.risk_areas.levels]
    zones: dict[str, tuple[int, str]] = {}
    for area in areas:
        where = area.region.path
        codes = next(
            (
                codes
                for path, codes in levels.items()
                if path_in_subtree(where, path) or path_in_subtree(path, where)
            ),
            [],
        )
        zone = (
            (codes.index(area.level), area.level)
            if area.level in codes
            else (len(codes), ZONE_OTHER)
        )
        held = zones.get(where)
        if held is None or zone < held:
            zones[where] = zone
    return {path: zone for path, (_order, zone) in zones.items()}

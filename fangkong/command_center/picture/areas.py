"""The active risk areas on the command picture's map (issue 22 §1): each open area in the
node's subtree is drawn as a marker inside the outline of the unit below that holds it,
coloured by its level, with its level, since when, and the days on its lifting clock.

Two queries whatever the subtree: the open areas (``risk_areas.selectors.risk_area_list``,
scoped to the actor, newest first, at most :data:`MAP_AREAS`) and, for the level names, the
rule set in force at the node (cached per process). Areas hang off compounds, grids and
counties, which have no outline of their own: a marker sits near the middle of the child's
outline, markers of one child spread round it on a spiral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from fangkong.core.actor import AnyActor
from fangkong.core.errors import FangkongError
from fangkong.policy.rules import risk_level_name
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import path_in_subtree
from fangkong.risk_areas.choices import RiskAreaStatus
from fangkong.risk_areas.selectors import area_today, risk_area_list

#: The most areas the map draws (the newest designations); the page says when there are more.
MAP_AREAS = 500
#: The golden angle: markers of one unit spread evenly round its middle.
_SPIRAL = math.pi * (3 - math.sqrt(5))


@dataclass(frozen=True)
class MapAreas:
    """The areas to draw and the legend: ``levels`` highest first (code, name, rank),
    ``areas`` as JSON-ready markers, ``more`` when there were more than :data:`MAP_AREAS`."""

    levels: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    more: bool

    def as_json(self) -> dict[str, Any]:
        return {"levels": self.levels, "areas": self.areas, "more": self.more}


def _ring(geometry: dict[str, Any]) -> list[list[float]]:
    """The outer ring of a Polygon, or of a MultiPolygon's largest part (by positions)."""
    rings: list[list[list[float]]] = (
        [polygon[0] for polygon in geometry["coordinates"]]
        if geometry.get("type") == "MultiPolygon"
        else [geometry["coordinates"][0]]
    )
    return max(rings, key=len)


def _middle(geometry: dict[str, Any]) -> tuple[float, float, float]:
    """A point near the middle of an outline (the mean of its outer ring) and a radius to
    spread markers in (a sixth of the ring's smaller extent)."""
    ring = _ring(geometry)[:-1] or _ring(geometry)
    lons = [position[0] for position in ring]
    lats = [position[1] for position in ring]
    extent = min(max(lons) - min(lons), max(lats) - min(lats))
    return sum(lons) / len(lons), sum(lats) / len(lats), extent / 6


def map_areas(
    *,
    actor: AnyActor,
    region: Region,
    children: list[Region],
    outlines: dict[int, dict[str, Any]],
) -> MapAreas:
    """The open risk areas under ``region`` in the actor's scope, placed in its children's
    outlines (an area of a child without an outline, or of the node itself, is left off
    the map but counted in the legend)."""
    rows = list(
        risk_area_list(actor=actor, status=RiskAreaStatus.DESIGNATED, region=region)[
            : MAP_AREAS + 1
        ]
    )
    language = get_language() or "en"
    try:
        rules = rules_for(region, timezone.localdate())
        declared = [level.code for level in rules.parameters.risk_areas.levels]
    except FangkongError:
        rules, declared = None, []
    codes = declared + sorted({area.level for area in rows[:MAP_AREAS]} - set(declared))
    counts = dict.fromkeys(codes, 0)
    middles = {
        child.pk: (child, _middle(outlines[child.pk])) for child in children if child.pk in outlines
    }
    placed: dict[int, int] = {}
    areas = []
    for area in rows[:MAP_AREAS]:
        counts[area.level] += 1
        holder = next(
            (
                (child, middle)
                for child, middle in middles.values()
                if path_in_subtree(area.region.path, child.path)
            ),
            None,
        )
        if holder is None:
            continue
        child, (lon, lat, radius) = holder
        k = placed.get(child.pk, 0)
        placed[child.pk] = k + 1
        distance = radius * math.sqrt(k) / 3
        level_since = timezone.localtime(area.level_since).date()
        areas.append(
            {
                "code": str(area.code),
                "name": area.name,
                "level": area.level,
                "rank": codes.index(area.level),
                "since": level_since.isoformat(),
                "clock_days": (area_today(area.region) - area.clock_from).days,
                "unit": child.code,
                "value": [
                    round(lon + distance * math.cos(k * _SPIRAL), 6),
                    round(lat + distance * math.sin(k * _SPIRAL), 6),
                ],
            }
        )
    levels = [
        {
            "code": code,
            "name": risk_level_name(rules, code, language=language) if rules else code,
            "rank": rank,
            "count": counts[code],
        }
        for rank, code in enumerate(codes)
    ]
    return MapAreas(levels=levels, areas=areas, more=len(rows) > MAP_AREAS)

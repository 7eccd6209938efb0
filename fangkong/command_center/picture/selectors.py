"""Reading the command picture of one node: its figures, its children's, and their outlines.

A constant number of queries whatever the subtree's size: the latest refresh, the node's
children, the figures of the node and its children over the trend window (one range read on
the ``(region, day, measure)`` index), the children's outlines, and the open risk areas
(``picture.areas``). The figures are already
summed over each node's subtree (``picture.services.figures_refresh``), so nothing below the
children is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from fangkong.command_center.models import FigureRefresh, NodeDayFigure
from fangkong.command_center.picture.areas import MapAreas, map_areas
from fangkong.command_center.picture.measures import Flow, Measure, Stage
from fangkong.command_center.picture.registry import measures
from fangkong.command_center.picture.services import REFRESH_EVERY
from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region
from fangkong.regions.selectors import outline_features, region_outlines, region_scope

#: Days the trends show, ending with the day of the latest refresh.
TREND_DAYS = 60
#: The fewest days the trends show, however recent the first figure.
MIN_TREND_DAYS = 14
#: Days a flow measure is summed over on the map and in the children's table.
MAP_DAYS = 7


@dataclass(frozen=True)
class Picture:
    """What the page and the API show for one node (see :func:`picture_get`)."""

    region: Region
    children: list[Region]
    refresh: FigureRefresh | None
    days: list[date]
    declared: dict[str, Measure]
    #: measure → value per day of ``days`` (the node's own figures).
    series: dict[str, list[int]]
    #: measure → the node's value now: today's count for flows, the latest state.
    today: dict[str, int]
    #: child id → measure → value on the map (flows: the last ``MAP_DAYS`` days).
    child_values: dict[int, dict[str, int]]
    outlines: dict[int, dict[str, Any]]
    #: The open risk areas drawn over the children's outlines.
    areas: MapAreas

    @property
    def stale(self) -> bool:
        """The figures are older than the refresh job's period (the job is behind or
        stopped): the page says so."""
        return self.refresh is not None and (
            timezone.now() - self.refresh.computed_at > REFRESH_EVERY
        )

    def stages(self) -> list[dict[str, Any]]:
        """The chain, link by link, with its measures and values now."""
        return [
            {
                "key": stage.value,
                "label": str(stage.label),
                "measures": [
                    {
                        "key": key,
                        "label": str(measure.label),
                        "value": self.today.get(key, 0),
                        "late": measure.late,
                    }
                    for key, measure in self.declared.items()
                    if measure.stage == stage
                ],
            }
            for stage in Stage
        ]

    def behind(self) -> list[dict[str, Any]]:
        """The children with something late, most late first (the units that are behind)."""
        late = [key for key, measure in self.declared.items() if measure.late]
        rows = []
        for child in self.children:
            values = self.child_values.get(child.pk, {})
            total = sum(values.get(key, 0) for key in late)
            if total:
                rows.append({"region": child, "late": {k: values.get(k, 0) for k in late}})
                rows[-1]["total"] = total
        return sorted(rows, key=lambda row: (-row["total"], row["region"].code))

    def as_json(self) -> dict[str, Any]:
        """Everything the page's script draws, as JSON-ready values."""
        return {
            "node": {"code": self.region.code, "name": self.region.name},
            "as_of": self.refresh.computed_at.isoformat() if self.refresh else None,
            "as_of_local": (
                timezone.localtime(self.refresh.computed_at).strftime("%Y-%m-%d %H:%M")
                if self.refresh
                else None
            ),
            "stale": self.stale,
            "refresh_every_minutes": int(REFRESH_EVERY.total_seconds() // 60),
            "days": [day.isoformat() for day in self.days],
            "measures": [
                {
                    "key": key,
                    "label": str(measure.label),
                    "flow": measure.flow.value,
                    "late": measure.late,
                }
                for key, measure in self.declared.items()
            ],
            "series": self.series,
            "today": self.today,
            "stages": self.stages(),
            "children": [
                {
                    "code": child.code,
                    "name": child.name,
                    "url": reverse("command_center:picture_node", args=[child.code]),
                    "values": self.child_values.get(child.pk, {}),
                }
                for child in self.children
            ],
            "map": outline_features(self.children, self.outlines),
            "map_days": MAP_DAYS,
            "risk_areas": self.areas.as_json(),
        }


def _trimmed(
    days: list[date], series: dict[str, list[int]]
) -> tuple[list[date], dict[str, list[int]]]:
    """The trend window from the day before the first figure (at least :data:`MIN_TREND_DAYS`
    days): an outbreak a week old is not drawn as two months of zeros."""
    first = min(
        (values.index(next(v for v in values if v)) for values in series.values() if any(values)),
        default=len(days),
    )
    start = max(0, min(first - 1, len(days) - MIN_TREND_DAYS))
    return days[start:], {key: values[start:] for key, values in series.items()}


def picture_children(actor: AnyActor, region: Region) -> QuerySet[Region]:
    """The node's children inside the actor's subtree (all of them, for a node in scope)."""
    return region_scope(actor).filter(parent=region).order_by("code")


def picture_get(*, actor: AnyActor, region: Region) -> Picture:
    """The picture of ``region`` (a node the caller took from ``access_region``, so in the
    actor's subtree): its trends, its values now and its children's, their outlines.

    1. The latest refresh fixes "today" (its last day); without one, the picture is empty.
    2. One read of the figures of the node and its children over the trend window.
    3. Flow values per day for the node's trends; a state's value now is the one stored on
       the last day; a child's map value is a flow's sum over the last :data:`MAP_DAYS`
       days, or the state now.
    """
    declared = measures()
    refresh = FigureRefresh.objects.order_by("-computed_at").first()
    children = list(picture_children(actor, region))
    last = refresh.last_day if refresh else None
    days = [last - timedelta(days=TREND_DAYS - 1 - n) for n in range(TREND_DAYS)] if last else []
    series = {key: [0] * len(days) for key in declared}
    today: dict[str, int] = {}
    child_values: dict[int, dict[str, int]] = {}
    if last is not None:
        position = {day: n for n, day in enumerate(days)}
        map_start = last - timedelta(days=MAP_DAYS - 1)
        rows = NodeDayFigure.objects.filter(
            region_id__in=[region.pk, *(child.pk for child in children)],
            day__gte=days[0],
            day__lte=last,
            measure__in=list(declared),
        ).values_list("region_id", "day", "measure", "value")
        for node, day, key, value in rows:
            measure = declared[key]
            if node == region.pk:
                series[key][position[day]] = value
                if day == last:
                    today[key] = value
                continue
            values = child_values.setdefault(node, {})
            if measure.flow == Flow.FLOW and day >= map_start:
                values[key] = values.get(key, 0) + value
            elif measure.flow == Flow.STATE and day == last:
                values[key] = value
    days, series = _trimmed(days, series)
    outlines = region_outlines([child.pk for child in children])
    return Picture(
        region=region,
        children=children,
        refresh=refresh,
        days=days,
        declared=declared,
        series=series,
        today=today,
        child_values=child_values,
        outlines=outlines,
        areas=map_areas(actor=actor, region=region, children=children, outlines=outlines),
    )

"""Reads of the jurisdiction tree, always inside the actor's subtree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region, RegionBoundary
from fangkong.regions.subtree import in_subtree, region_in_scope


def region_subtree(region: Region) -> QuerySet[Region]:
    """The node and every node below it, as an index range on ``path``."""
    return Region.objects.filter(in_subtree(region.path))


def region_scope(actor: AnyActor) -> QuerySet[Region]:
    """Every node the actor may see: their node and its descendants (all nodes for the system)."""
    queryset = Region.objects.all()
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path))
    return queryset


def region_list(
    *, actor: AnyActor, parent_code: str | None = None, search: str = "", level: int | None = None
) -> QuerySet[Region]:
    """Nodes in scope: the children of ``parent_code`` (default: the actor's own node), or a
    name/code search across the whole subtree when ``search`` is given."""
    queryset = region_scope(actor)
    if search:
        return queryset.filter(Q(name__icontains=search) | Q(code__startswith=search)).order_by(
            "path"
        )
    if level is not None:
        return queryset.filter(level=level).order_by("path")
    if parent_code:
        return queryset.filter(parent__code=parent_code).order_by("code")
    if actor.region_path:
        return queryset.filter(path=actor.region_path)
    return queryset.filter(parent__isnull=True).order_by("code")


def region_list_with_counts(
    *, actor: AnyActor, parent_code: str | None = None, search: str = "", level: int | None = None
) -> QuerySet[Region]:
    """:func:`region_list` with ``child_count`` (direct children) on each node, still one
    query per page."""
    return region_list(actor=actor, parent_code=parent_code, search=search, level=level).annotate(
        child_count=Count("children")
    )


def region_breadcrumbs(actor: AnyActor, region: Region) -> list[Region]:
    """The node's ancestors that the actor may see, from the actor's own node down (one
    query); the node itself is not included."""
    return [node for node in region_ancestors(region) if region_in_scope(actor, node)]


def region_ancestors(region: Region) -> list[Region]:
    """The node's ancestors from the root down, in one query."""
    codes = region.ancestor_codes[:-1]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


def region_descendant_count(region: Region) -> int:
    """Nodes below ``region`` (an index range count on the materialised path)."""
    return Region.objects.filter(in_subtree(region.path)).exclude(pk=region.pk).count()


def outline_features(
    regions: Sequence[Region], outlines: Mapping[int, dict[str, Any]]
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the ``regions`` that have an outline in ``outlines``
    (:func:`region_outlines`), keyed for the maps by ``properties.code`` (with the name) —
    what ``echarts.registerMap`` takes on the command picture and the dispatcher's page."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": region.code, "name": region.name},
                "geometry": outlines[region.pk],
            }
            for region in regions
            if region.pk in outlines
        ],
    }


def region_outlines(region_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The stored outlines (GeoJSON geometry) of the given nodes, by node id (one query);
    nodes without one are absent. Callers pass ids they took from a scoped query."""
    return dict(
        RegionBoundary.objects.filter(region_id__in=region_ids).values_list("region_id", "geometry")
    )

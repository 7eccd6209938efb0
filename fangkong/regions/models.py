"""The jurisdiction tree: province > city > county > street > community > grid."""

from __future__ import annotations

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.regions.choices import RegionLevel
from fangkong.regions.subtree import path_in_subtree


class Region(TimestampedModel):
    """One jurisdiction node; every scoped record hangs off one.

    ``path`` is the materialised path of codes joined by ``.`` (``110000.110100.110105``), so a
    subtree is an index range (:mod:`fangkong.regions.subtree`). Codes follow
    GB/T 2260 (six digits) down to county, then 9 digits for a street, 12 for a community and
    15 for a grid, each extending its parent's code.
    """

    code = models.CharField(max_length=15, unique=True)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True)
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_within(self, path: str) -> bool:
        """True if this node is ``path`` itself or below it (``path=""``: the whole tree)."""
        return path_in_subtree(self.path, path)

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.split(".")


class RegionBoundary(models.Model):
    """A node's outline for maps: a GeoJSON ``Polygon`` or ``MultiPolygon`` geometry in
    WGS 84 longitude/latitude (as China's division-boundary files are published), with its
    bounding box so a map can frame a set of nodes without reading every coordinate.

    Written only by ``regions.services.region_boundaries_import`` (checked by
    ``regions.boundaries``); one per node, replaced when a new outline is imported.
    """

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField()
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"boundary of {self.region_id}"

"""Reading and checking a GeoJSON file of jurisdiction boundaries before anything is written.

The file is a ``FeatureCollection``; each feature names its node by ``properties.code`` (or
``adcode``, as the division-boundary files published in China spell it) and carries a
``Polygon`` or ``MultiPolygon`` in WGS 84 longitude/latitude. :func:`boundary_plan` checks
every feature and returns the outlines to store with every problem found, each naming the
feature by its index (``features[3]``, counted from 0 as in the file) and, where it has one,
its code. ``services.region_boundaries_import`` writes the plan, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

MAX_BOUNDARY_BYTES = 50 * 1024 * 1024
MAX_FEATURES = 20_000
#: Positions in one feature: a county outline at survey detail has tens of thousands; a map
#: of a command area needs far fewer (simplify before importing).
MAX_POSITIONS = 200_000
LOOKUP_BATCH = 2_000
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True, slots=True)
class Outline:
    """A checked feature: the node's code, its geometry and bounding box."""

    index: int
    code: str
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]
    sha256: str


@dataclass
class BoundaryPlan:
    sha256: str
    features: int
    outlines: list[Outline]
    region_ids: dict[str, int]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({error["row"] for error in self.errors if "row" in error})


def _problem(index: int, code: str, where: str, problem: str, message: str) -> dict[str, Any]:
    label = f"features[{index}]" + (f" ({code})" if code else "")
    return field_error(f"{label}.{where}", problem, message, row=index)


def _feature_code(feature: dict[str, Any]) -> str:
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return ""
    raw = properties.get("code", properties.get("adcode"))
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return ""
    return str(raw).strip()


def _ring_problem(ring: Any) -> tuple[str, str] | None:
    """What is wrong with one linear ring, or ``None``; positions are ``[lon, lat]``."""
    if not isinstance(ring, list) or len(ring) < 4:
        return "ring_too_short", _("A ring needs at least four positions (closed).")
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(
                isinstance(value, int | float) and not isinstance(value, bool)
                for value in position[:2]
            )
        ):
            return "position_invalid", _("A position must be [longitude, latitude] in numbers.")
        lon, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return "position_invalid", _("A position must be [longitude, latitude] in numbers.")
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            return "position_out_of_range", _(
                "Longitude must lie in -180…180 and latitude in -90…90 (WGS 84)."
            )
    if ring[0][:2] != ring[-1][:2]:
        return "ring_not_closed", _("A ring must end where it starts.")
    return None


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return []
    return [coordinates] if geometry.get("type") == "Polygon" else coordinates


def _check_geometry(geometry: Any) -> tuple[str, str] | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return "geometry_type", _("The geometry must be a Polygon or a MultiPolygon.")
    polygons = _polygons(geometry)
    if not polygons:
        return "geometry_empty", _("The geometry has no coordinates.")
    positions = 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return "geometry_empty", _("A polygon needs at least its outer ring.")
        for ring in polygon:
            problem = _ring_problem(ring)
            if problem:
                return problem
            positions += len(ring)
    if positions > MAX_POSITIONS:
        return "geometry_too_detailed", _(
            "More than %(count)s positions; simplify the outline first."
        ) % {"count": f"{MAX_POSITIONS:,}"}
    return None


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    lons = [float(p[0]) for polygon in _polygons(geometry) for ring in polygon for p in ring]
    lats = [float(p[1]) for polygon in _polygons(geometry) for ring in polygon for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _clean(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry with nothing but its type and 2-D coordinates (no foreign members)."""
    coordinates = [
        [[[float(p[0]), float(p[1])] for p in ring] for ring in polygon]
        for polygon in _polygons(geometry)
    ]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": coordinates[0]}
    return {"type": "MultiPolygon", "coordinates": coordinates}


def _load(data: bytes) -> list[Any]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            _("The file is not GeoJSON (UTF-8 JSON)."),
            errors=[field_error("file", "not_json", _("The file is not UTF-8 JSON."))],
            code="boundaries_not_geojson",
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("type") != "FeatureCollection"
        or not isinstance(features, list)
    ):
        raise ValidationFailed(
            _("The file must be a GeoJSON FeatureCollection."),
            errors=[
                field_error("type", "not_feature_collection", _("Expected a FeatureCollection."))
            ],
            code="boundaries_not_geojson",
        )
    if len(features) > MAX_FEATURES:
        raise ValidationFailed(
            _("The file has more than %(count)s features; split it.")
            % {"count": f"{MAX_FEATURES:,}"},
            errors=[field_error("features", "too_many_features", _("Too many features."))],
            code="boundaries_too_many",
        )
    return features


def _known_regions(actor: AnyActor, codes: list[str]) -> dict[str, int]:
    """The codes among ``codes`` that name a node in the actor's subtree (one query per
    batch); a code outside it is reported exactly like an unknown one."""
    scope = Region.objects.all()
    if actor.region_path:
        scope = scope.filter(in_subtree(actor.region_path))
    found: dict[str, int] = {}
    for start in range(0, len(codes), LOOKUP_BATCH):
        found.update(
            scope.filter(code__in=codes[start : start + LOOKUP_BATCH]).values_list("code", "pk")
        )
    return found


def boundary_plan(data: bytes, *, actor: AnyActor) -> BoundaryPlan:
    """Check a boundary file: every feature's code, geometry and node.

    Raises ``ValidationFailed`` for a file that is not a GeoJSON FeatureCollection or has
    more than :data:`MAX_FEATURES` features; problems with single features are returned in
    ``errors`` (``row`` = the feature's index) for the caller to refuse the whole file.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    features = _load(data)
    errors: list[dict[str, Any]] = []
    candidates: list[tuple[int, str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(
                _problem(index, "", "type", "not_a_feature", _("Each entry must be a Feature."))
            )
            continue
        code = _feature_code(feature)
        if not code:
            errors.append(
                _problem(
                    index,
                    "",
                    "properties.code",
                    "code_missing",
                    _("Name the node in properties.code (or adcode)."),
                )
            )
            continue
        if code in seen:
            errors.append(
                _problem(
                    index,
                    code,
                    "properties.code",
                    "code_repeated",
                    _("The same code is in feature %(first)s too.") % {"first": seen[code]},
                )
            )
            continue
        seen[code] = index
        problem = _check_geometry(feature.get("geometry"))
        if problem:
            errors.append(_problem(index, code, "geometry", *problem))
            continue
        candidates.append((index, code, feature["geometry"]))
    region_ids = _known_regions(actor, sorted(seen))
    outlines: list[Outline] = []
    for index, code, geometry in candidates:
        if code not in region_ids:
            errors.append(
                _problem(
                    index,
                    code,
                    "properties.code",
                    "region_unknown",
                    _("No jurisdiction with this code in your subtree."),
                )
            )
            continue
        clean = _clean(geometry)
        digest = hashlib.sha256(json.dumps(clean, separators=(",", ":")).encode()).hexdigest()
        outlines.append(Outline(index, code, clean, _bbox(clean), digest))
    return BoundaryPlan(
        sha256=sha256,
        features=len(features),
        outlines=outlines,
        region_ids=region_ids,
        errors=errors,
    )

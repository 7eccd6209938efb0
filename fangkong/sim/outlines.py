"""Plausible boundaries for the synthetic city's districts and streets (pure NumPy).

The city is cut like a map, not drawn at random, so outlines never overlap and share their
borders exactly:

1. Lay the districts out as blocks of a ``columns × rows`` grid over the city's extent, and
   cut every block into ``k × k`` fine cells (``k`` is enough for the district with the most
   streets).
2. Move every vertex of that fine lattice by a seeded jitter under a quarter of a cell (so
   every cell stays a simple quadrilateral and neighbours keep sharing their corners), then
   bend the whole lattice with a smooth, gentle warp (a one-to-one map, so nothing folds).
3. A street is a run of its district's fine cells in boustrophedon order (consecutive cells
   share an edge, so the run is connected); a district is all of its block's cells; the city
   is every district.
4. The outline of a set of cells is traced from its cell edges: an edge used by two cells of
   the set is inside and cancels; the rest chain into rings.

The output is a GeoJSON FeatureCollection keyed by ``properties.code``, for
``regions.services.region_boundaries_import``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

#: The synthetic city sits in the Pearl River delta (WGS 84): centre and extent in degrees.
CENTRE = (113.30, 23.10)
EXTENT = (0.62, 0.50)
JITTER = 0.22  # of a fine cell, below a quarter: cells stay simple quadrilaterals
WARP = 0.035  # degrees of the smooth bend


def _lattice(columns: int, rows: int, k: int, seed: int) -> npt.NDArray[np.float64]:
    """Vertex positions ``[i, j] -> (lon, lat)`` of the jittered, warped fine lattice."""
    generator = np.random.default_rng(seed)
    nx, ny = columns * k + 1, rows * k + 1
    step_x, step_y = EXTENT[0] / (nx - 1), EXTENT[1] / (ny - 1)
    x = np.arange(nx, dtype=np.float64)[:, None] * step_x + np.zeros((1, ny))
    y = np.zeros((nx, 1)) + np.arange(ny, dtype=np.float64)[None, :] * step_y
    x += generator.uniform(-JITTER, JITTER, (nx, ny)) * step_x
    y += generator.uniform(-JITTER, JITTER, (nx, ny)) * step_y
    u, v = x / EXTENT[0], y / EXTENT[1]
    phase = generator.uniform(0, 2 * math.pi, 2)
    bent_x = x + WARP * np.sin(2 * math.pi * v + phase[0])
    bent_y = y + WARP * np.sin(2 * math.pi * u + phase[1])
    lon = CENTRE[0] - EXTENT[0] / 2 + bent_x
    lat = CENTRE[1] - EXTENT[1] / 2 + bent_y
    return np.stack([lon, lat], axis=-1)


def _snake(k: int) -> list[tuple[int, int]]:
    """The cells of a ``k × k`` block in boustrophedon order (``(column, row)``)."""
    order: list[tuple[int, int]] = []
    for row in range(k):
        columns = range(k) if row % 2 == 0 else range(k - 1, -1, -1)
        order.extend((column, row) for column in columns)
    return order


def _outline(cells: list[tuple[int, int]], lattice: npt.NDArray[np.float64]) -> dict[str, Any]:
    """The GeoJSON geometry of a set of lattice cells (step 4): a Polygon, or a MultiPolygon
    when the set touches itself only at a corner."""
    edges: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    for i, j in cells:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]  # counter-clockwise
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
            if (b, a) in edges:
                edges.remove((b, a))
            else:
                edges.add((a, b))
    following: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, b in sorted(edges):
        following.setdefault(a, []).append(b)
    rings: list[list[list[float]]] = []
    while following:
        start = min(following)
        ring = [start]
        current = start
        while True:
            nexts = following[current]
            target = nexts.pop()
            if not nexts:
                del following[current]
            if target == start:
                break
            ring.append(target)
            current = target
        points = [[round(float(c), 5) for c in lattice[i, j]] for i, j in ring]
        rings.append([*points, points[0]])
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": [rings[0]]}
    return {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}


def city_outlines(*, city_code: str, districts: dict[str, list[str]], seed: int) -> dict[str, Any]:
    """Outlines for the city, its districts (keys) and their streets (values, in order).

    Returns a GeoJSON FeatureCollection with one feature per node (``properties.code``).
    Raises ``ValueError`` when there is no district.
    """
    if not districts:
        raise ValueError("the city has no district")
    count = len(districts)
    columns = math.ceil(math.sqrt(count * EXTENT[0] / EXTENT[1]))
    rows = math.ceil(count / columns)
    k = max(2, math.ceil(math.sqrt(max(len(streets) for streets in districts.values()))))
    lattice = _lattice(columns, rows, k, seed)
    snake = _snake(k)
    features: list[dict[str, Any]] = []
    every_cell: list[tuple[int, int]] = []
    for number, (district, streets) in enumerate(sorted(districts.items())):
        column, row = number % columns, number // columns
        block = [(column * k + i, row * k + j) for i, j in snake]
        every_cell.extend(block)
        features.append(_feature(district, _outline(block, lattice)))
        if not streets:
            continue
        bounds = np.linspace(0, len(block), len(streets) + 1).round().astype(int)
        for index, street in enumerate(streets):
            run = block[bounds[index] : bounds[index + 1]]
            features.append(_feature(street, _outline(run, lattice)))
    features.insert(0, _feature(city_code, _outline(every_cell, lattice)))
    return {"type": "FeatureCollection", "features": features}


def _feature(code: str, geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}

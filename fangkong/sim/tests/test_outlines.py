"""The synthetic city's outlines: nested, non-overlapping, covering their parent exactly."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.sim.outlines import city_outlines


def _ring_area(ring: list[list[float]]) -> float:
    """Signed shoelace area (counter-clockwise positive)."""
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


def _area(geometry: dict[str, Any]) -> float:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return sum(_ring_area(ring) for polygon in polygons for ring in polygon)


def _segments_cross(a: list[float], b: list[float], c: list[float], d: list[float]) -> bool:
    def orient(p: list[float], q: list[float], r: list[float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return bool(orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0)


@settings(max_examples=15, deadline=None)
@given(
    streets=st.lists(st.integers(0, 12), min_size=1, max_size=9),
    seed=st.integers(0, 10_000),
)
def test_streets_tile_their_district_and_districts_tile_the_city(streets, seed):
    districts = {
        f"4471{n + 1:02d}": [f"4471{n + 1:02d}{s + 1:03d}" for s in range(count)]
        for n, count in enumerate(streets)
    }
    data = city_outlines(city_code="447100", districts=districts, seed=seed)
    by_code = {f["properties"]["code"]: f["geometry"] for f in data["features"]}
    assert set(by_code) == {"447100", *districts, *(s for v in districts.values() for s in v)}
    areas = {code: _area(geometry) for code, geometry in by_code.items()}
    assert all(area > 0 for area in areas.values())
    assert abs(sum(areas[d] for d in districts) - areas["447100"]) < 1e-9
    for district, codes in districts.items():
        if codes:
            assert abs(sum(areas[s] for s in codes) - areas[district]) < 1e-9
    for geometry in by_code.values():
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            ring = polygon[0]
            assert ring[0] == ring[-1]
            edges = list(itertools.pairwise(ring))
            for i, (a, b) in enumerate(edges):
                for c, d in edges[i + 2 :]:
                    assert not _segments_cross(a, b, c, d)
            lon, lat = zip(*ring, strict=True)
            assert min(lon) > 112
            assert max(lon) < 114.5
            assert min(lat) > 22
            assert max(lat) < 24

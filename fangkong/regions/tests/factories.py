"""Builders for jurisdiction trees in tests."""

from __future__ import annotations

from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region


def region_make(code: str, name: str, parent: Region | None = None) -> Region:
    level = RegionLevel.PROVINCE if parent is None else parent.level + 1
    path = code if parent is None else f"{parent.path}.{code}"
    return Region.objects.create(code=code, name=name, level=level, parent=parent, path=path)


def tree_make() -> dict[str, Region]:
    """A province with one city, two districts (A and B), each down to two grids.

    Keys: province, city, district_a, street_a, community_a, grid_a1, grid_a2, and the same
    with ``_b`` for the second district.
    """
    nodes: dict[str, Region] = {}
    nodes["province"] = region_make("110000", "北京市")
    nodes["city"] = region_make("110100", "市辖区", nodes["province"])
    for suffix, code, name in (("a", "110105", "朝阳区"), ("b", "110108", "海淀区")):
        district = region_make(code, name, nodes["city"])
        street = region_make(code + "001", f"{name}第一街道", district)
        community = region_make(code + "001001", f"{name}第一社区", street)
        nodes[f"district_{suffix}"] = district
        nodes[f"street_{suffix}"] = street
        nodes[f"community_{suffix}"] = community
        nodes[f"grid_{suffix}1"] = region_make(code + "001001001", f"{name}网格1", community)
        nodes[f"grid_{suffix}2"] = region_make(code + "001001002", f"{name}网格2", community)
    return nodes

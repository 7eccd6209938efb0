"""Subtree queries stay index range scans on a tree of 100,000 nodes (SQLite and PostgreSQL)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_descendant_count, region_subtree

CITIES, COUNTIES, STREETS, COMMUNITIES = 4, 10, 25, 99


def _build() -> int:
    """1 province > 4 cities > 10 counties each > 25 streets each > 99 communities each:
    100,045 nodes, inserted level by level with ``bulk_create``."""
    province = Region.objects.create(
        code="510000", name="省", level=RegionLevel.PROVINCE, path="510000"
    )
    parents = [province]
    shapes = [
        (RegionLevel.CITY, CITIES, lambda p, i: f"{p.code[:2]}{i:02d}00"),
        (RegionLevel.COUNTY, COUNTIES, lambda p, i: f"{p.code[:4]}{i:02d}"),
        (RegionLevel.STREET, STREETS, lambda p, i: f"{p.code}{i:03d}"),
        (RegionLevel.COMMUNITY, COMMUNITIES, lambda p, i: f"{p.code}{i:03d}"),
    ]
    total = 1
    for level, count, make_code in shapes:
        children = [
            Region(
                code=make_code(parent, index),
                name=f"节点{index}",
                level=level,
                parent_id=parent.pk,
                path=f"{parent.path}.{make_code(parent, index)}",
            )
            for parent in parents
            for index in range(1, count + 1)
        ]
        Region.objects.bulk_create(children, batch_size=5_000)
        total += len(children)
        codes = [child.code for child in children]
        if children and children[0].pk is None:
            by_code = dict(Region.objects.filter(level=level).values_list("code", "pk"))
            for child in children:
                child.pk = by_code[child.code]
        assert len(codes) == len(set(codes))
        parents = children
    return total


@pytest.mark.slow
@pytest.mark.django_db
def test_subtree_of_a_county_uses_the_path_index_at_100k_nodes():
    built = _build()
    assert built == 100_045
    assert Region.objects.count() >= 100_045
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE regions_region")
    county = Region.objects.get(code="510203")
    subtree = region_subtree(county)
    plan = subtree.explain()
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert "SCAN regions_region" not in plan.replace("USING", "")
    else:
        assert "Index" in plan, plan
        assert "Seq Scan" not in plan, plan
    started = time.perf_counter()
    expected = 1 + STREETS + STREETS * COMMUNITIES
    assert subtree.count() == expected
    assert region_descendant_count(county) == expected - 1
    assert time.perf_counter() - started < 1.0
    street = Region.objects.get(code="510203007")
    assert region_subtree(street).count() == 1 + COMMUNITIES
    assert region_descendant_count(Region.objects.get(code="510300")) == COUNTIES * (
        1 + STREETS + STREETS * COMMUNITIES
    )

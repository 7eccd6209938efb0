"""The picture's pages and API: scope, roles, a constant number of queries, the data drawn."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.models import FigureRefresh
from fangkong.command_center.picture.services import figures_refresh
from fangkong.command_center.picture.tests.factories import districts_add, scene_make
from fangkong.core.actor import SYSTEM
from fangkong.regions.services import region_boundaries_import
from fangkong.sim.outlines import city_outlines


def _outlines(tree):
    """Boundaries for the test city's districts and streets (the synthetic city's cut)."""
    from fangkong.regions.models import Region

    city = tree["city"]
    districts = {
        d.code: list(Region.objects.filter(parent=d).values_list("code", flat=True))
        for d in Region.objects.filter(parent=city)
    }
    data = city_outlines(city_code=city.code, districts=districts, seed=3)
    region_boundaries_import(actor=SYSTEM, file=json.dumps(data).encode())


def test_the_commander_sees_the_chain_trends_and_map_of_the_city(tree, page_client):
    scene = scene_make(tree)
    _outlines(tree)
    figures_refresh(actor=SYSTEM, days=7)
    response = page_client(scene.commander).get(reverse("command_center:picture"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="curve"' in html
    assert 'id="picture-map"' in html
    assert "echarts.min.js" in html
    assert "<script>" not in html.replace('<script id="picture-data" type="application/json">', "")
    data = response.context["data"]
    assert data["node"]["code"] == tree["city"].code
    assert data["today"]["tests_sampled"] == 6
    assert data["series"]["cases_by_onset"][-3] == 1
    assert {f["properties"]["code"] for f in data["map"]["features"]} == {
        tree["district_a"].code,
        tree["district_b"].code,
    }
    district_a = next(c for c in data["children"] if c["code"] == tree["district_a"].code)
    assert district_a["values"]["tests_sampled"] == 6
    assert district_a["url"] == reverse(
        "command_center:picture_node", args=[tree["district_a"].code]
    )


def test_the_page_query_count_does_not_grow_with_the_subtree(
    tree, page_client, django_assert_max_num_queries
):
    scene = scene_make(tree)
    _outlines(tree)
    figures_refresh(actor=SYSTEM, days=7)
    client = page_client(scene.commander)
    url = reverse("command_center:picture")
    client.get(url)  # warm the per-process caches (rules, navigation)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _area(scene.commander, tree["grid_a2"], "high", "幸福里小区")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    districts_add(tree["city"], 12)
    _area(scene.commander, tree["grid_b1"], "medium", "和平里小区")
    _area(scene.commander, tree["grid_a1"], "high", "光明里小区")
    _outlines(tree)
    figures_refresh(actor=SYSTEM, days=7)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["data"]["children"]) == 14
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert (
            client.get(reverse("command_center:picture_data", args=[tree["city"].code])).status_code
            == 200
        )


def test_a_county_sees_its_own_subtree_and_not_a_siblings(tree, page_client, api):
    scene = scene_make(tree)
    figures_refresh(actor=SYSTEM, days=7)
    county = page_client(scene.county)
    own = county.get(reverse("command_center:picture"))
    assert own.status_code == 200
    assert own.context["data"]["node"]["code"] == tree["district_a"].code
    assert (
        county.get(reverse("command_center:picture_node", args=[tree["street_a"].code])).status_code
        == 200
    )
    for name in ("command_center:picture_node", "command_center:picture_data"):
        for code in (tree["district_b"].code, tree["city"].code, "999999"):
            assert county.get(reverse(name, args=[code])).status_code == 404
    assert (
        api(scene.county).get(f"/api/v1/command/picture/{tree['district_b'].code}").status_code
        == 404
    )
    answer = api(scene.county).get(f"/api/v1/command/picture/{tree['district_a'].code}")
    assert answer.status_code == 200
    assert answer.json()["today"]["tests_sampled"] == 6
    sibling = api(scene.sibling).get(f"/api/v1/command/picture/{tree['district_b'].code}")
    assert sibling.json()["today"].get("tests_sampled", 0) == 0


def test_wrong_roles_get_403_and_anonymous_sign_in(tree, page_client, api, client):
    sampler = actor_make(role=Role.SAMPLER, region=tree["city"])
    url = reverse("command_center:picture")
    assert page_client(sampler).get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert api(sampler).get(f"/api/v1/command/picture/{tree['city'].code}").status_code == 403
    assert api(None).get(f"/api/v1/command/picture/{tree['city'].code}").status_code == 401
    assert api(sampler).post("/api/v1/command/figures/refresh", {}).status_code == 403


def test_the_figures_refresh_on_demand_from_page_and_api(tree, page_client, api):
    scene = scene_make(tree)
    client = page_client(scene.commander)
    response = client.post(reverse("command_center:picture_refresh", args=[tree["city"].code]))
    assert response.status_code == 302
    assert FigureRefresh.objects.count() == 1
    headers = {"Idempotency-Key": "refresh-0001"}
    first = api(scene.commander).post(
        "/api/v1/command/figures/refresh", {"days": 3}, headers=headers
    )
    again = api(scene.commander).post(
        "/api/v1/command/figures/refresh", {"days": 3}, headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert FigureRefresh.objects.count() == 2
    bad = api(scene.commander).post("/api/v1/command/figures/refresh", {"days": 0})
    assert bad.status_code == 422


def test_the_overview_links_commanders_to_the_picture(tree, page_client):
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    grid = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    link = reverse("command_center:picture")
    assert link in page_client(commander).get(reverse("web:home")).content.decode()
    assert (
        f'href="{link}" data-command-picture'
        not in page_client(grid).get(reverse("web:home")).content.decode()
    )


@pytest.mark.parametrize("code", ["x" * 200, "..etc", "1101050", "110105001001001001"])
def test_odd_codes_are_not_found(tree, page_client, code):
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    response = page_client(commander).get(f"/command/picture/{code}/")
    assert response.status_code == 404


def _area(actor, region, level, name):
    from fangkong.risk_areas.services import risk_area_designate

    return risk_area_designate(
        actor=actor, region=region, level=level, unit="compound", name=name, reason="本土感染者居住"
    )


def test_open_risk_areas_are_drawn_in_the_unit_that_holds_them(tree, page_client, api):
    scene = scene_make(tree)
    _outlines(tree)
    figures_refresh(actor=SYSTEM, days=7)
    high = _area(scene.commander, tree["grid_a2"], "high", "幸福里小区")
    _area(scene.commander, tree["grid_b1"], "medium", "和平里小区")
    data = page_client(scene.commander).get(reverse("command_center:picture")).context["data"]
    areas = data["risk_areas"]
    assert [(level["code"], level["rank"], level["count"]) for level in areas["levels"]] == [
        ("high", 0, 1),
        ("medium", 1, 1),
        ("low", 2, 0),
    ]
    drawn = {area["name"]: area for area in areas["areas"]}
    assert drawn["幸福里小区"]["unit"] == tree["district_a"].code
    assert drawn["和平里小区"]["unit"] == tree["district_b"].code
    assert drawn["幸福里小区"]["code"] == str(high.code)
    assert drawn["幸福里小区"]["clock_days"] == 0
    assert drawn["幸福里小区"]["since"] == timezone.localdate().isoformat()
    # the marker lies inside the district's outline's bounding box
    ring = next(
        f["geometry"]
        for f in data["map"]["features"]
        if f["properties"]["code"] == tree["district_a"].code
    )["coordinates"][0]
    lon, lat = drawn["幸福里小区"]["value"]
    assert min(p[0] for p in ring) < lon < max(p[0] for p in ring)
    assert min(p[1] for p in ring) < lat < max(p[1] for p in ring)
    # a county sees its own subtree's areas only, on the page and the API
    own = api(scene.sibling).get(f"/api/v1/command/picture/{tree['district_b'].code}").json()
    assert [area["name"] for area in own["risk_areas"]["areas"]] == ["和平里小区"]
    county = page_client(scene.county).get(reverse("command_center:picture")).context["data"]
    assert "和平里小区" not in {area["name"] for area in county["risk_areas"]["areas"]}


def test_the_figures_say_when_they_are_older_than_the_job_period(tree, page_client):
    scene = scene_make(tree)
    figures_refresh(actor=SYSTEM, days=7)
    client = page_client(scene.commander)
    url = reverse("command_center:picture_data", args=[tree["city"].code])
    fresh = client.get(url).json()
    assert fresh["stale"] is False
    assert fresh["refresh_every_minutes"] == 5
    assert fresh["as_of_local"] == timezone.localtime(
        FigureRefresh.objects.get().computed_at
    ).strftime("%Y-%m-%d %H:%M")
    page = client.get(reverse("command_center:picture")).content.decode()
    assert "data-as-of-text=" in page
    assert "{time}" in page
    assert "data-stale hidden" in page
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert client.get(url).json()["stale"] is True
        assert (
            "data-stale hidden"
            not in client.get(reverse("command_center:picture")).content.decode()
        )

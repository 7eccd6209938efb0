"""The dispatcher's map: the street outlines of the scope with today's pickups per street and
the destination sites with their counts (issue 20 §8); the list stays; another district's
dispatcher sees none of it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fangkong.core.actor import SYSTEM
from fangkong.isolation.transfers.requesting import transfers_create_for_orders
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make
from fangkong.regions.models import Region
from fangkong.regions.services import region_boundaries_import

pytestmark = pytest.mark.django_db
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.4, 39.9], [116.5, 39.9], [116.5, 40.0], [116.4, 40.0], [116.4, 39.9]]],
}


def _outline(region: Region) -> None:
    feature = {"type": "Feature", "properties": {"code": region.code}, "geometry": SQUARE}
    collection = {"type": "FeatureCollection", "features": [feature]}
    region_boundaries_import(actor=SYSTEM, file=json.dumps(collection).encode())


def _map_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="pickup-map-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_dispatch_page_maps_todays_pickups_per_street_and_the_sites(tree, page_client):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 3)
    transfers_create_for_orders(orders=orders, actor=people.dispatcher)
    street = tree["street_a"]
    _outline(street)
    html = page_client(people.dispatcher).get("/isolation/transfers/").content.decode()
    assert 'id="pickup-map"' in html
    assert "isolation/transfer_map.js" in html
    assert "data-streets" in html  # the list stays
    data = _map_data(html)
    assert [f["properties"]["code"] for f in data["map"]["features"]] == [street.code]
    assert data["pickups"] == [{"code": street.code, "name": street.name, "count": 3}]
    assert [(s["name"], s["count"]) for s in data["sites"]] == [("朝阳区集中隔离点", 3)]
    elsewhere = page_client(people.other_dispatcher).get("/isolation/transfers/")
    other = _map_data(elsewhere.content.decode())
    assert (other["pickups"], other["sites"], other["map"]["features"]) == ([], [], [])

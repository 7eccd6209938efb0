"""Access to transfers: a crew member sees only their crew's tasks (list, detail and moves;
another crew's task answers 404 like a missing one), another district sees nothing, wrong
roles get 403, anonymous callers 401."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.isolation.transfers.requesting import transfers_create_for_orders
from fangkong.isolation.transfers.services import transfer_assign
from fangkong.isolation.transfers.tests.factories import (
    crew_make,
    placed_orders_make,
    transfer_staff_make,
    vehicle_make,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/isolation"


def _two_crews(tree):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2)
    mine, theirs = transfers_create_for_orders(orders=orders, actor=people.dispatcher).created
    vehicle = vehicle_make(people, capacity=4)
    crew = crew_make(people, people.crew_member, name="一组")
    other = crew_make(people, people.other_crew_member, name="二组")
    transfer_assign(actor=people.dispatcher, task=mine, vehicle=vehicle, crew=crew)
    transfer_assign(actor=people.dispatcher, task=theirs, vehicle=vehicle, crew=other)
    return people, mine, theirs


def test_a_crew_member_sees_and_moves_only_their_crews_tasks(tree, api):
    people, mine, theirs = _two_crews(tree)
    crew = api(people.crew_member)
    listed = crew.get(f"{BASE}/transfers")
    assert listed.status_code == 200
    assert [t["code"] for t in listed.json()["items"]] == [str(mine.code)]
    assert crew.get(f"{BASE}/transfers/{mine.code}").status_code == 200
    hidden = crew.get(f"{BASE}/transfers/{theirs.code}")
    missing = crew.get(f"{BASE}/transfers/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert crew.post(f"{BASE}/transfers/{theirs.code}/pickup").status_code == 404
    assert crew.post(f"{BASE}/transfers/{mine.code}/pickup").json()["status"] == "picked_up"
    everything = api(people.dispatcher).get(f"{BASE}/transfers")
    assert len(everything.json()["items"]) == 2


def test_the_crew_members_pages_show_only_their_tasks(tree, page_client):
    people, mine, theirs = _two_crews(tree)
    client = page_client(people.crew_member)
    page = client.get("/isolation/transfers/")
    assert page.status_code == 200
    assert str(mine.code) in page.content.decode()
    assert str(theirs.code) not in page.content.decode()
    assert client.get(f"/isolation/transfers/{theirs.code}/").status_code == 404
    assert client.get(f"/isolation/transfers/{mine.code}/").status_code == 200


def test_another_district_and_wrong_roles_and_anonymous_are_refused(tree, api):
    people, mine, _theirs = _two_crews(tree)
    assert api(people.other_dispatcher).get(f"{BASE}/transfers").json()["items"] == []
    assert api(people.other_dispatcher).get(f"{BASE}/transfers/{mine.code}").status_code == 404
    assert api(people.staff.grid).get(f"{BASE}/transfers").status_code == 403
    assert api(people.staff.manager).post(f"{BASE}/transfers/{mine.code}/pickup").status_code == 403
    assert Client().get(f"{BASE}/transfers").status_code == 401
    assert Client().get(f"{BASE}/vehicles").status_code == 401

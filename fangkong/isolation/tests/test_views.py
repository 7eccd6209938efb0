"""The isolation pages: lists and details for the roles that may see them, the forms
calling the services (refusals on the form), other districts and wrong roles refused."""

from __future__ import annotations

import pytest

from fangkong.core.models import AccessEntry
from fangkong.isolation.models import IsolationOrder, Room
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def test_the_facility_pages_show_rooms_activation_and_take_a_status_change(tree, page_client):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=3)
    client = page_client(staff.manager)
    listing = client.get("/isolation/")
    assert listing.status_code == 200
    assert facility.name in listing.content.decode()
    detail = client.get(f"/isolation/facilities/{facility.code}/")
    assert detail.status_code == 200
    assert "data-activation" in detail.content.decode()
    url = f"/isolation/facilities/{facility.code}/transition/"
    refused = client.post(url, {"to": "activating", "reason": ""})
    assert refused.status_code == 422
    assert client.post(url, {"to": "activating", "reason": "启用"}).status_code == 302
    facility.refresh_from_db()
    assert facility.status == "activating"
    rooms = client.post(
        f"/isolation/facilities/{facility.code}/rooms/",
        {"content": "number,floor,beds,own_bathroom,accessible\n0009,1,x,1,0\n"},
    )
    assert rooms.status_code == 422
    assert Room.objects.filter(facility=facility).count() == 3
    assert (
        page_client(staff.other_manager).get(f"/isolation/facilities/{facility.code}/").status_code
        == 404
    )
    assert page_client(staff.grid).get("/isolation/").status_code == 403


def test_the_orders_page_issues_in_bulk_and_the_detail_logs_the_read(tree, page_client):
    staff = staff_make(tree)
    persons = [person_make(region=tree["grid_a1"], name=f"孙{n}") for n in range(3)]
    client = page_client(staff.epidemiologist)
    body = {
        "persons": "\n".join(str(p.code) for p in persons),
        "group": "close_contact",
        "day0": "2022-07-14",
        "reason": "密接",
    }
    assert client.post("/isolation/orders/", {**body, "reason": ""}).status_code == 422
    assert client.post("/isolation/orders/", body).status_code == 302
    assert client.post("/isolation/orders/", body).status_code == 302
    assert IsolationOrder.objects.count() == 3
    listing = client.get("/isolation/orders/")
    assert listing.status_code == 200
    assert "孙0" in listing.content.decode()
    order = IsolationOrder.objects.get(person=persons[0])
    before = AccessEntry.objects.count()
    detail = client.get(f"/isolation/orders/{order.code}/")
    assert detail.status_code == 200
    assert "2022-07-24" in detail.content.decode()
    assert AccessEntry.objects.count() == before + 1
    assert (
        page_client(staff.other_epidemiologist).get(f"/isolation/orders/{order.code}/").status_code
        == 404
    )
    assert page_client(staff.manager).post("/isolation/orders/", body).status_code == 403

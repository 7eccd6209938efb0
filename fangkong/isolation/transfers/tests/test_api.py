"""The transfer API end to end: vehicles and crews registered (idempotent by key), tasks for
allocated orders in bulk (retried: nothing new), assigned, picked up and delivered; a full
vehicle answers 409; bad input 422 naming the field; late alerts listed and closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.isolation.transfers.alerts import transfers_late_check
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make

pytestmark = pytest.mark.django_db

BASE = "/api/v1/isolation"


def test_the_closed_loop_through_the_api(tree, api):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2)
    dispatcher = api(people.dispatcher)
    body = {
        "region_code": tree["district_a"].code,
        "plate": "京A0001",
        "kind": "bus",
        "capacity": 1,
    }
    key = {"Idempotency-Key": "vehicle-1"}
    vehicle = dispatcher.post(f"{BASE}/vehicles", body, headers=key)
    assert vehicle.status_code == 201
    assert dispatcher.post(f"{BASE}/vehicles", body, headers=key).json() == vehicle.json()
    bad = dispatcher.post(f"{BASE}/vehicles", {**body, "capacity": 0})
    assert bad.status_code == 422
    member = User.objects.get(pk=people.crew_member.user_id).username
    crew = dispatcher.post(
        f"{BASE}/crews",
        {"region_code": tree["district_a"].code, "name": "一组", "members": [member]},
    )
    assert crew.status_code == 201
    unknown = dispatcher.post(
        f"{BASE}/crews",
        {"region_code": tree["district_a"].code, "name": "二组", "members": ["nobody"]},
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"]["errors"][0]["row"] == 1
    codes = {"orders": [str(o.code) for o in orders]}
    created = api(people.staff.manager).post(f"{BASE}/transfer-batches", codes)
    assert created.status_code == 200
    assert len(created.json()["created"]) == 2
    again = api(people.staff.manager).post(f"{BASE}/transfer-batches", codes).json()
    assert again["created"] == []
    assert sorted(again["existing"]) == sorted(created.json()["created"])
    first, second = created.json()["created"]
    assign = {"vehicle": vehicle.json()["code"], "crew": crew.json()["code"]}
    assert dispatcher.post(f"{BASE}/transfers/{first}/assign", assign).json()["status"] == (
        "assigned"
    )
    full = dispatcher.post(f"{BASE}/transfers/{second}/assign", assign)
    assert full.status_code == 409
    assert full.json()["code"] == "vehicle_full"
    no_reason = dispatcher.post(f"{BASE}/transfers/{second}/cancel", {"reason": ""})
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"]["errors"][0]["field"] == "reason"
    crew_api = api(people.crew_member)
    assert crew_api.post(f"{BASE}/transfers/{first}/pickup").json()["status"] == "picked_up"
    assert crew_api.post(f"{BASE}/transfers/{first}/deliver").json()["status"] == "delivered"
    vehicles = dispatcher.get(f"{BASE}/vehicles").json()["items"]
    assert vehicles[0]["state"] == "disinfecting"
    with time_machine.travel(timezone.now() + timedelta(hours=6)):
        assert transfers_late_check() == 1
    alerts = dispatcher.get(f"{BASE}/transfer-alerts").json()["items"]
    assert [a["late_in"] for a in alerts] == ["pickup"]
    assert alerts[0]["owner_role"] == "transfer_dispatcher"
    closed = dispatcher.post(
        f"{BASE}/transfer-alerts/{alerts[0]['code']}/handle", {"to": "closed", "note": "已派车"}
    )
    assert closed.json()["state"] == "closed"


def test_bulk_creation_names_unknown_orders_by_row(tree, api):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 1)
    answer = api(people.dispatcher).post(
        f"{BASE}/transfer-batches", {"orders": [str(orders[0].code), "nope"]}
    )
    assert answer.status_code == 404
    assert answer.json()["detail"]["errors"][0]["row"] == 2


def test_one_transfer_between_levels_of_care_is_requested_once(tree, api):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    start = timezone.now()
    body = {
        "kind": "between_care",
        "pickup_address": "方舱医院",
        "destination": "定点医院",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=1)).isoformat(),
        "reason": "病情加重",
    }
    path = f"{BASE}/orders/{order.code}/transfers"
    first = api(people.staff.manager).post(path, body)
    assert first.status_code == 200
    assert first.json()["kind"] == "between_care"
    assert api(people.staff.manager).post(path, body).json()["code"] == first.json()["code"]
    backwards = {**body, "window_end": start.isoformat()}
    refused = api(people.staff.manager).post(path, backwards)
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"][0]["field"] == "window_end"
    assert api(people.staff.grid).post(path, body).status_code == 403

"""The supplies API end to end: stock in, a request, an allocation approved, the delivery
handed over and confirmed; keyed issues; wrong role 403; another district 404 exactly like a
missing code; anonymous 401; essential services with a plan and a critical incident."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from fangkong.supplies.models import StockLot
from fangkong.supplies.tests.factories import items_make, staff_make, warehouse_make

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supplies"
MISSING = f"{'0' * 8}-0000-0000-0000-{'0' * 12}"
DAY = date(2022, 4, 10)


def test_anonymous_callers_get_401(tree):
    for path in ("warehouses", "requests", "allocations", "deliveries", "incidents", "cover"):
        assert Client().get(f"{BASE}/{path}").status_code == 401


def test_stock_to_door_through_the_api(tree, api):
    staff = staff_make(tree)
    items = items_make(staff)
    officer = api(staff.officer)
    warehouse = officer.post(
        f"{BASE}/warehouses",
        {"region_code": "110105", "name": "朝阳区物资库", "address": "仓库路1号"},
    ).json()
    code = warehouse["code"]
    receipt = officer.post(
        f"{BASE}/warehouses/{code}/receipts",
        {"item": "food-pack", "batch": "B1", "quantity": 50, "expires_on": "2030-01-01"},
    )
    assert receipt.status_code == 201
    point = officer.post(
        f"{BASE}/receiving-points",
        {
            "region_code": "110105001001001",
            "name": "1号门",
            "address": "小区1号门",
            "households": 30,
        },
    ).json()
    filed = officer.post(
        f"{BASE}/requests",
        {
            "region_code": "110105001001001",
            "day": DAY.isoformat(),
            "population": 90,
            "vulnerable": 6,
            "receiving_point": point["code"],
            "lines": [{"item": "food-pack", "quantity": 30}],
        },
        headers={"Idempotency-Key": "req-1"},
    )
    assert filed.status_code == 201, filed.json()
    bad = officer.post(
        f"{BASE}/requests",
        {
            "region_code": "110105001001002",
            "day": DAY.isoformat(),
            "population": 9,
            "lines": [{"item": "rice", "quantity": 3}],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "lines[0].item"
    proposed = officer.post(f"{BASE}/warehouses/{code}/allocations", {"day": DAY.isoformat()})
    assert proposed.status_code == 201
    body = proposed.json()
    assert body["items"][0]["allocated"] == 30
    approved = officer.post(f"{BASE}/allocations/{body['code']}/approve", {"reason": "审批"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    deliveries = api(staff.grid).get(f"{BASE}/deliveries").json()["items"]
    assert len(deliveries) == 1
    delivery = deliveries[0]["code"]
    detail = api(staff.grid).get(f"{BASE}/deliveries/{delivery}").json()
    assert detail["pick_list"] == [
        {"item": "food-pack", "name": "蔬菜包", "unit": "pack", "quantity": 30}
    ]
    early = api(staff.grid).post(f"{BASE}/deliveries/{delivery}/confirm", {"households": 30})
    assert early.status_code == 409
    assert api(staff.grid).post(f"{BASE}/deliveries/{delivery}/hand-over").status_code == 200
    too_many = api(staff.grid).post(f"{BASE}/deliveries/{delivery}/confirm", {"households": 31})
    assert too_many.status_code == 422
    done = api(staff.grid).post(f"{BASE}/deliveries/{delivery}/confirm", {"households": 30})
    assert done.json()["status"] == "delivered"
    figures = officer.get(f"{BASE}/figures/110105?day={DAY.isoformat()}").json()
    assert figures["deliveries_waiting"] == 0
    assert items  # the items exist


def test_a_keyed_issue_is_taken_once_and_the_key_is_required(tree, api):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 10})
    path = f"{BASE}/warehouses/{warehouse.code}/issues"
    payload = {"lines": [{"item": "food-pack", "quantity": 4}], "reason": "发放"}
    officer = api(staff.officer)
    assert officer.post(path, payload).status_code == 422
    first = officer.post(path, payload, headers={"Idempotency-Key": "i-1"})
    again = officer.post(path, payload, headers={"Idempotency-Key": "i-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    assert StockLot.objects.get().quantity == 6
    short = officer.post(
        path,
        {"lines": [{"item": "food-pack", "quantity": 7}], "reason": "发放"},
        headers={"Idempotency-Key": "i-2"},
    )
    assert short.status_code == 409
    assert short.json()["code"] == "stock_short"


def test_wrong_role_is_403_and_another_district_404_like_a_missing_code(tree, api):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 10})
    path = f"{BASE}/warehouses/{warehouse.code}"
    assert api(staff.clinician).get(path).status_code == 403
    other = api(staff.other_officer).get(path)
    missing = api(staff.other_officer).get(f"{BASE}/warehouses/{MISSING}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    issue = api(staff.other_officer).post(
        f"{path}/issues",
        {"lines": [{"item": "food-pack", "quantity": 1}], "reason": "x"},
        headers={"Idempotency-Key": "x"},
    )
    assert issue.status_code == 404
    assert api(staff.other_officer).get(f"{BASE}/figures/110105").status_code == 404
    assert (
        api(staff.grid)
        .post(f"{path}/receipts", {"item": "food-pack", "batch": "B", "quantity": 1})
        .status_code
        == 403
    )


def test_essential_services_keep_the_hospital_whole_and_a_hospital_outage_is_critical(tree, api):
    staff = staff_make(tree)
    officer = api(staff.officer)
    users = {}
    for name, tier, kw in (
        ("朝阳医院", "hospital", 800),
        ("集中隔离点", "isolation_site", 300),
        ("封控小区", "closed_compound", 200),
        ("工业园", "industry", 500),
    ):
        answer = officer.post(
            f"{BASE}/priority-users",
            {
                "region_code": "110105001",
                "name": name,
                "tier": tier,
                "demand_kw": kw,
                "address": "路",
            },
        )
        assert answer.status_code == 201
        users[tier] = answer.json()["code"]
    plan = officer.post(
        f"{BASE}/shortage-plans", {"region_code": "110105", "deficit_kw": 600, "reason": "电网缺口"}
    )
    assert plan.status_code == 201
    keeps = {line["tier"]: (line["cut_kw"], line["keeps"]) for line in plan.json()["lines"]}
    assert keeps == {
        "industry": (500, "off"),
        "closed_compound": (100, "partly"),
        "isolation_site": (0, "whole"),
        "hospital": (0, "whole"),
    }
    water = api(staff.duty).post(
        f"{BASE}/incidents", {"user": users["industry"], "kind": "water", "note": "停水"}
    )
    power = api(staff.duty).post(
        f"{BASE}/incidents", {"user": users["hospital"], "kind": "power", "note": "停电"}
    )
    assert power.json()["critical"] is True
    assert water.json()["critical"] is False
    listed = api(staff.duty).get(f"{BASE}/incidents").json()["items"]
    assert listed[0]["code"] == power.json()["code"]
    assert api(staff.other_officer).get(f"{BASE}/incidents").json()["items"] == []
    other = api(staff.other_officer).post(
        f"{BASE}/incidents/{power.json()['code']}/resolve", {"reason": "恢复"}
    )
    assert other.status_code == 404
    done = api(staff.duty).post(
        f"{BASE}/incidents/{power.json()['code']}/resolve", {"reason": "恢复供电"}
    )
    assert done.json()["status"] == "resolved"
    figures = officer.get(f"{BASE}/figures/110105").json()
    assert (figures["sites_at_risk"], figures["critical"]) == (1, 0)

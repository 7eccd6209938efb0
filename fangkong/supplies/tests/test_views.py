"""The supplies pages: stock with days of cover, a warehouse with its forms, an allocation
proposed, approved and delivered through the pages, the essential-services view with a plan
and an incident; other districts 404, wrong roles 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.supplies.models import Allocation, Delivery, ServiceIncident, ShortagePlan
from fangkong.supplies.power.services import priority_user_register
from fangkong.supplies.stock.services import stock_issue
from fangkong.supplies.tests.factories import (
    items_make,
    request_make,
    staff_make,
    warehouse_make,
)

pytestmark = pytest.mark.django_db


def test_stock_allocation_and_delivery_pages(tree, page_client):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 100})
    stock_issue(
        actor=staff.officer, warehouse=warehouse, lines=[(items["food"], 75)], key="a", reason="r"
    )
    client = page_client(staff.officer)
    stock = client.get("/supplies/")
    assert stock.status_code == 200
    assert "data-short" in stock.content.decode()  # 25 left at 75/7 a day: 2.3 days → short
    day = timezone.localdate()
    request_make(staff, region_key="grid_a1", day=day, lines=[(items["food"], 20)])
    page = f"/supplies/warehouses/{warehouse.code}/"
    assert client.get(page).status_code == 200
    refused = client.post(f"{page}receipts/", {"item": "food-pack", "batch": "", "quantity": 0})
    assert refused.status_code == 422
    assert client.post(f"{page}allocations/", {"day": day.isoformat()}).status_code == 302
    allocation = Allocation.objects.get()
    detail = f"/supplies/allocations/{allocation.code}/"
    assert client.get(detail).status_code == 200
    assert client.get("/supplies/allocations/").status_code == 200
    assert client.post(f"{detail}approve/", {"reason": ""}).status_code == 422
    assert client.post(f"{detail}approve/", {"reason": "审批"}).status_code == 302
    assert client.post(f"{detail}other/", {"reason": "x"}).status_code == 404
    delivery = Delivery.objects.get()
    grid = page_client(staff.grid)
    assert grid.get("/supplies/deliveries/").status_code == 200
    assert grid.get("/supplies/").status_code == 403
    url = f"/supplies/deliveries/{delivery.code}/"
    assert grid.post(f"{url}hand-over/").status_code == 302
    assert grid.post(f"{url}confirm/", {"households": 12}).status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.households) == ("delivered", 12)
    other = page_client(staff.other_officer)
    assert other.get(url).status_code == 404
    assert other.get(page).status_code == 404
    assert other.get(detail).status_code == 404


def test_the_essential_services_view_plans_and_reports(tree, page_client):
    staff = staff_make(tree)
    hospital = priority_user_register(
        actor=staff.officer,
        region=tree["street_a"],
        name="朝阳医院",
        tier="hospital",
        demand_kw=500,
        address="路",
    )
    priority_user_register(
        actor=staff.officer,
        region=tree["street_a"],
        name="工厂",
        tier="industry",
        demand_kw=300,
        address="路",
    )
    client = page_client(staff.officer)
    assert client.get("/supplies/services/").status_code == 200
    made = client.post(
        "/supplies/services/plans/", {"region": "110105", "deficit_kw": 200, "reason": "缺电"}
    )
    assert made.status_code == 302
    plan = ShortagePlan.objects.get()
    shown = client.get(f"/supplies/services/plans/{plan.code}/").content.decode()
    assert shown.count('data-keeps="whole"') == 1
    assert shown.count('data-keeps="partly"') == 1
    reported = client.post(
        "/supplies/services/incidents/",
        {"user": str(hospital.code), "kind": "power", "note": "停电"},
    )
    assert reported.status_code == 302
    incident = ServiceIncident.objects.get()
    assert incident.critical
    assert incident.due_at - incident.reported_at == timedelta(minutes=15)
    assert "data-critical" in client.get("/supplies/services/").content.decode()
    assert page_client(staff.grid).get("/supplies/services/").status_code == 403
    assert (
        page_client(staff.other_officer).get(f"/supplies/services/plans/{plan.code}/").status_code
        == 404
    )

"""The supplies pages: stock with days of cover (each warehouse by its own node's rules), a
warehouse with its forms, an allocation proposed, approved and delivered through the pages,
the essential-services view with a plan and an incident; other districts 404, wrong roles
403."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.policy.selectors import rules_for
from fangkong.policy.services import rule_set_override_create
from fangkong.supplies.models import Allocation, Delivery, ServiceIncident, ShortagePlan
from fangkong.supplies.power.services import priority_user_register
from fangkong.supplies.stock.selectors import cover_list
from fangkong.supplies.stock.services import stock_issue, stock_receive, warehouse_create
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


def test_days_of_cover_judge_each_warehouse_by_the_rules_of_its_own_node(tree, page_client, api):
    """Two warehouses under different overrides on one stock page: the street's threshold is
    2 days, the community's 5; the viewer's own node (the district) keeps the national 3.
    Each row follows its warehouse's node, and the rules are looked up once per node."""
    staff = staff_make(tree)
    items = items_make(staff)
    with time_machine.travel(datetime(2022, 7, 15, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        for key, node, threshold in (("st-cover", "street_a", 2), ("co-cover", "community_a", 5)):
            rule_set_override_create(
                actor=SYSTEM,
                key=key,
                region=tree[node],
                name_zh="物资保障天数",
                name_en="Days of cover",
                effective_from=date(2022, 7, 1),
                parameters={"supplies": {"shortage_cover_days": threshold}},
                reason="地方决定",
            )
        houses = {}
        for node, issued in (("street_a", 75), ("community_a", 60), ("community_a", 1)):
            warehouse = warehouse_create(
                actor=staff.officer, region=tree[node], name=f"{node}-{issued}", address="路"
            )
            stock_receive(
                actor=staff.officer,
                warehouse=warehouse,
                item=items["food"],
                batch="B",
                quantity=100,
                expires_on=None,
            )
            stock_issue(
                actor=staff.officer,
                warehouse=warehouse,
                lines=[(items["food"], issued)],
                key=f"k-{issued}",
                reason="发放",
            )
            houses[issued] = warehouse
        with patch("fangkong.supplies.stock.selectors.rules_for", wraps=rules_for) as looked_up:
            covers = {c.warehouse.pk: c for c in cover_list(actor=staff.officer, day=date.today())}
        assert looked_up.call_count == 2  # two distinct nodes, three warehouses
        # Street: 25 left at 75/7 a day = 2.3 days, not short under its 2 (the district's 3
        # would call it short). Community: 40 left at 60/7 = 4.7 days, short under its 5.
        street, community = covers[houses[75].pk], covers[houses[60].pk]
        assert (street.days, street.short, street.threshold_days) == (2.3, False, 2), rules_for(
            tree["street_a"], date.today()
        ).label
        assert (community.days, community.short, community.threshold_days) == (4.7, True, 5)
        assert covers[houses[1].pk].short is False
        page = page_client(staff.officer).get("/supplies/").content.decode()
        assert page.count("data-short") == 1
        found = api(staff.officer).get("/api/v1/supplies/cover").json()
        assert {
            (row["warehouse_name"], row["threshold_days"], row["short"]) for row in found["items"]
        } == {
            ("street_a-75", 2, False),
            ("community_a-60", 5, True),
            ("community_a-1", 5, False),
        }

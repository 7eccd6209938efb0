"""The monitoring API and pages: a check entered (a fever answers its alert and the hospital
transfer), a retried check creates nothing, bad input is 422 naming the field, the resident
link holds no identifier, today's checks list the missing ones, alerts are listed and closed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.isolation.models import HealthCheck, TransferTask
from fangkong.isolation.monitoring.services import checks_missed_raise
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


def test_checks_through_the_api(tree, api):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    manager = api(people.staff.manager)
    base = f"/api/v1/isolation/orders/{order.code}"
    bad = manager.post(f"{base}/checks", {"temperature": 36.5, "symptoms": ["sneezing"]})
    assert bad.status_code == 422
    fever = manager.post(f"{base}/checks", {"temperature": 38.1, "symptoms": []})
    assert fever.status_code == 200
    body = fever.json()
    assert body["created"]
    assert body["check"]["fever"]
    assert body["alert"]
    assert TransferTask.objects.get(code=body["transfer"]).kind == "to_hospital"
    again = manager.post(f"{base}/checks", {"temperature": 38.1, "symptoms": []}).json()
    assert not again["created"]
    assert HealthCheck.objects.count() == 1
    assert [c["temperature"] for c in manager.get(f"{base}/checks").json()["items"]] == [38.1]
    alerts = manager.get("/api/v1/isolation/monitoring-alerts").json()["items"]
    assert [a["kind"] for a in alerts] == ["fever"]
    handled = manager.post(
        f"/api/v1/isolation/monitoring-alerts/{alerts[0]['code']}/handle", {"to": "acknowledged"}
    )
    assert handled.json()["state"] == "acknowledged"
    link = manager.post(f"{base}/resident-link").json()["url"]
    assert link.startswith("/isolation/r/")
    assert str(order.code) not in link


def test_todays_checks_show_the_missing_ones(tree, api, page_client):
    people = transfer_staff_make(tree)
    first, second = placed_orders_make(people, 2)
    with time_machine.travel(datetime(2022, 7, 15, 18, 10, tzinfo=CHINA)):
        api(people.staff.manager).post(
            f"/api/v1/isolation/orders/{first.code}/checks", {"temperature": 36.5}
        )
    with time_machine.travel(datetime(2022, 7, 15, 20, 30, tzinfo=CHINA)):
        checks_missed_raise()
        today = api(people.staff.manager).get("/api/v1/isolation/checks/today").json()
        missing = {
            row["order_code"]: [s["missing"] for s in row["slots"]] for row in today["items"]
        }
        assert missing == {str(first.code): [False, False], str(second.code): [False, True]}
        page = page_client(people.staff.manager).get("/isolation/checks/")
        assert page.status_code == 200
        assert page.content.decode().count("data-slot-missing") == 1
        entry = page_client(people.staff.manager).get(f"/isolation/orders/{second.code}/check/")
        assert entry.status_code == 200
        posted = page_client(people.staff.manager).post(
            f"/isolation/orders/{second.code}/check/", {"temperature": "36.7"}
        )
        assert posted.status_code == 302


def test_the_check_page_issues_a_personal_link(tree, page_client):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    answer = page_client(people.staff.manager).post(
        f"/isolation/orders/{order.code}/resident-link/"
    )
    assert answer.status_code == 200
    assert "/isolation/r/" in answer.content.decode()
    assert str(order.code) not in answer.content.decode().split("data-link>")[1].split("<")[0]
    refused = page_client(people.clinician).post(f"/isolation/orders/{order.code}/resident-link/")
    assert refused.status_code == 403

"""The demo's isolation step releases orders within the demo: the close contacts of an earlier
cluster, entered with day 0 back-dated by the plan's length, are placed, tested, released
today on their day with the transfer home; run twice it enters no one again. Run today, as
the demo is (the demo city's override lays the 20 measures' plan over today's edition)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.isolation.choices import OrderStatus, TransferKind
from fangkong.isolation.models import IsolationOrder, OrderEvent, TransferTask
from fangkong.isolation.tests.factories import staff_make
from fangkong.people.tests.factories import person_make
from fangkong.sim.demo_orders import EARLIER_REASON, demo_orders_run, demo_orders_summary

pytestmark = pytest.mark.django_db


def test_the_earlier_cluster_is_released_today_with_the_transfer_home(tree):
    staff = staff_make(tree)
    for n in range(5):
        person_make(region=tree["grid_a1"], name=f"周{n}")
    actors = {
        "city": tree["city"],
        "district": tree["district_a"],
        "epidemiologist": staff.epidemiologist,
        "manager": staff.manager,
    }
    found = demo_orders_run(**actors)
    today = timezone.localdate()
    earlier = IsolationOrder.objects.filter(reason=EARLIER_REASON)
    assert found.earlier == earlier.count() == 5
    assert found.released == 5
    assert {o.release_on for o in earlier} == {today}
    assert {o.status for o in earlier} == {OrderStatus.RELEASED}
    assert OrderEvent.objects.filter(order__in=earlier, kind="released").count() == 5
    assert found.transfers_home == 5
    assert TransferTask.objects.filter(order__in=earlier, kind=TransferKind.HOME).count() == 5
    assert "5 contacts of an earlier cluster" in demo_orders_summary(found)
    again = demo_orders_run(**actors)
    assert (again.earlier, again.released) == (0, 0)
    assert IsolationOrder.objects.filter(reason=EARLIER_REASON).count() == 5

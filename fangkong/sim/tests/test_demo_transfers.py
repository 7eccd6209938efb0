"""The demo's transfer and monitoring step on the district's allocated orders: vehicles, tasks
(some delivered), checks entered and self-reported, one fever to hospital; run twice it makes
no second vehicle or task."""

from __future__ import annotations

import pytest

from fangkong.isolation.choices import CheckSource, TransferKind
from fangkong.isolation.models import HealthCheck, TransferTask, Vehicle
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make
from fangkong.lab.tests.fixtures import ninth_edition_day
from fangkong.sim.demo_transfers import demo_transfers

__all__ = ["ninth_edition_day"]

pytestmark = pytest.mark.django_db


def test_the_demo_step_moves_people_and_checks_them(tree):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 8)
    actors = {
        "district": tree["district_a"],
        "dispatcher": people.dispatcher,
        "manager": people.staff.manager,
        "epidemiologist": people.staff.epidemiologist,
        "clinician": people.clinician,
    }
    done = demo_transfers(**actors)
    assert done.orders == 8
    assert done.tasks == 8
    assert done.delivered == 4
    assert done.hospital_transfers == 1
    assert done.self_reported == 2
    assert HealthCheck.objects.filter(source=CheckSource.SELF).count() == 2
    assert HealthCheck.objects.count() == 6  # every fourth order left without its check
    fever = TransferTask.objects.get(kind=TransferKind.TO_HOSPITAL)
    assert fever.order_id == orders[0].pk
    again = demo_transfers(**actors)
    assert again.tasks == 8
    assert Vehicle.objects.count() == 2
    assert TransferTask.objects.filter(kind=TransferKind.TO_SITE).count() == 8

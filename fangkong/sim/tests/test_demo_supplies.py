"""The demo's supplies step on the test tree: stock, requests allocated and delivered, and a
power plan that keeps the isolation sites and hospitals whole; a second run is skipped."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.tests import factories as community
from fangkong.sim.demo_supplies import supplies_run
from fangkong.supplies.choices import DeliveryStatus, PowerTier
from fangkong.supplies.models import Delivery, DoorDelivery, ShortagePlanLine

pytestmark = pytest.mark.django_db


def test_the_supplies_step_delivers_and_keeps_hospitals_and_isolation_sites_whole(tree):
    places = {
        "district": tree["district_a"],
        "community": tree["community_a"],
        "grid": tree["grid_a1"],
    }
    actors = {
        "officer": actor_make(role=Role.SUPPLIES_OFFICER, region=tree["city"]),
        "grid_worker": actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]),
        "commander": actor_make(role=Role.COMMANDER, region=tree["city"]),
    }
    done = supplies_run(places=places, day=timezone.localdate(), **actors)
    assert done is not None
    assert done.requests == 2
    assert done.delivered == 1
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 1
    protected = ShortagePlanLine.objects.filter(
        tier__in=[PowerTier.HOSPITAL, PowerTier.ISOLATION_SITE]
    )
    assert protected.count() == 3
    assert all(line.cut_kw == 0 for line in protected)
    assert ShortagePlanLine.objects.get(tier=PowerTier.INDUSTRY).cut_kw == 5000
    assert supplies_run(places=places, day=timezone.localdate(), **actors) is None


def test_the_closed_compounds_delivery_reaches_the_doors(tree):
    people = community.staff_make(tree)
    _, homes = community.covered_homes(people, people.worker, 6)
    places = {
        "district": tree["district_a"],
        "community": tree["community_a"],
        "grid": tree["grid_a1"],
    }
    done = supplies_run(
        places=places,
        officer=actor_make(role=Role.SUPPLIES_OFFICER, region=tree["city"]),
        grid_worker=people.worker,
        commander=actor_make(role=Role.COMMANDER, region=tree["city"]),
        day=timezone.localdate(),
    )
    assert done is not None
    assert done.doors_confirmed == 4
    delivery = Delivery.objects.get(doors__isnull=False, doors__household=homes[0])
    doors = DoorDelivery.objects.filter(delivery=delivery)
    assert set(doors.values_list("household_id", flat=True)) == {home.pk for home in homes}
    assert sorted(doors.values_list("status", flat=True)) == [
        "confirmed",
        "confirmed",
        "confirmed",
        "confirmed",
        "not_home",
        "pending",
    ]
    assert (delivery.status, delivery.households) == (DeliveryStatus.HANDED_OVER, 4)

"""Door delivery per household (issue 21 §5): the gate hand-over at a compound's receiving
point makes one door per household of the compound, once; the household's grid worker (no
other) or its resident (through their link, only their own door) records it; the delivery
counts its confirmed doors and is delivered once none is pending; every record audited."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.db import transaction

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.closures.services import restriction_from_area
from fangkong.community.requests.services import resident_link_issue
from fangkong.community.tests import factories as community
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.models import Household
from fangkong.policy.choices import DesignationUnit
from fangkong.regions.subtree import in_subtree
from fangkong.risk_areas.services import risk_area_designate
from fangkong.supplies.allocation.services import (
    RequestInput,
    allocation_approve,
    allocation_propose,
    request_file,
)
from fangkong.supplies.deliveries.access import access_door
from fangkong.supplies.deliveries.services import (
    RESIDENT,
    delivery_confirm,
    delivery_hand_over,
    door_delivery_record,
    doors_open,
)
from fangkong.supplies.figures import supplies_figures
from fangkong.supplies.models import Delivery, DoorDelivery
from fangkong.supplies.stock.services import receiving_point_create
from fangkong.supplies.tests.factories import items_make, staff_make, warehouse_make

pytestmark = pytest.mark.django_db
DAY = date(2022, 4, 10)


def _compound(tree: dict[str, Any]) -> dict[str, Any]:
    """Grid A1 as a closed compound: three households of one grid worker, two of another,
    a receiving point, and a delivery of food packs approved for it."""
    people = community.staff_make(tree)
    _, mine = community.covered_homes(people, people.worker, 3)
    _, theirs = community.covered_homes(people, people.worker_two, 2, building="5")
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 100})
    point = receiving_point_create(
        actor=staff.officer, region=tree["grid_a1"], name="南门接收点", address="南门", households=5
    )
    request_file(
        actor=staff.officer,
        region=tree["grid_a1"],
        data=RequestInput(
            day=DAY,
            population=12,
            vulnerable=0,
            epidemic_facility=False,
            lines=[(items["food"], 5)],
            receiving_point=point,
        ),
    )
    allocation = allocation_approve(
        actor=staff.officer,
        allocation=allocation_propose(actor=staff.officer, warehouse=warehouse, day=DAY),
        reason="审批",
    )
    delivery = Delivery.objects.get(allocation=allocation)
    return {"people": people, "staff": staff, "mine": mine, "theirs": theirs, "delivery": delivery}


def test_hand_over_makes_one_door_per_household_once(tree):
    made = _compound(tree)
    delivery = delivery_hand_over(actor=made["staff"].grid, delivery=made["delivery"])
    compound = Household.objects.filter(in_subtree(tree["grid_a1"].path, field="region__path"))
    doors = DoorDelivery.objects.filter(delivery=delivery)
    assert doors.count() == compound.count() == 5
    assert set(doors.values_list("household_id", flat=True)) == set(
        compound.values_list("pk", flat=True)
    )
    assert set(doors.values_list("status", flat=True)) == {"pending"}
    # a retried hand-over is refused and the set-based step made again adds nothing
    with pytest.raises(Conflict):
        delivery_hand_over(actor=made["staff"].grid, delivery=delivery)
    with transaction.atomic():
        assert doors_open(actor=made["staff"].grid, delivery=delivery) == 5
    assert DoorDelivery.objects.filter(delivery=delivery).count() == 5
    # counted door by door, not as a whole
    with pytest.raises(Conflict):
        delivery_confirm(actor=made["staff"].grid, delivery=delivery, households=5)


def test_grid_worker_records_only_their_doors_and_the_delivery_counts_them(tree):
    made = _compound(tree)
    people = made["people"]
    delivery = delivery_hand_over(actor=made["staff"].officer, delivery=made["delivery"])
    own = DoorDelivery.objects.filter(delivery=delivery, household__in=made["mine"])
    other = DoorDelivery.objects.get(delivery=delivery, household=made["theirs"][0])
    with pytest.raises(NotFound):
        access_door(people.worker, other.code)
    first, second, third = (access_door(people.worker, door.code) for door in own)
    door_delivery_record(actor=people.worker, door=first, status="confirmed", note="放门口")
    with pytest.raises(Conflict):
        door_delivery_record(actor=people.worker, door=first, status="confirmed")
    with pytest.raises(ValidationFailed):
        door_delivery_record(actor=people.worker, door=second, status="not_home")
    door_delivery_record(actor=people.worker, door=second, status="not_home", reason="敲门无人")
    door_delivery_record(actor=people.worker, door=third, status="refused", reason="已自购")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.households) == ("handed_over", 1)
    door_delivery_record(actor=people.worker, door=second, status="confirmed")
    for door in DoorDelivery.objects.filter(delivery=delivery, household__in=made["theirs"]):
        door_delivery_record(
            actor=people.worker_two,
            door=access_door(people.worker_two, door.code),
            status="confirmed",
        )
    delivery.refresh_from_db()
    direct = DoorDelivery.objects.filter(delivery=delivery, status="confirmed").count()
    assert (delivery.status, delivery.households, direct) == ("delivered", 4, 4)
    assert delivery.delivered_at is not None
    figures = supplies_figures(
        actor=made["staff"].officer,
        node=tree["district_a"],
        day=delivery.delivered_at.astimezone(ZoneInfo(tree["district_a"].time_zone)).date(),
    )
    assert figures.deliveries_made == 1
    audits = AuditEntry.objects.filter(object_type="door_delivery")
    assert audits.count() == 6
    refused = audits.get(action="door_delivery_refused")
    assert (refused.reason, refused.rule_set) == ("已自购", delivery.allocation.rule_set)


def test_resident_records_only_their_own_door(tree, client):
    made = _compound(tree)
    people = made["people"]
    delivery = delivery_hand_over(actor=made["staff"].grid, delivery=made["delivery"])
    home = made["mine"][0]
    token = resident_link_issue(actor=people.worker, household=home)
    own = DoorDelivery.objects.get(delivery=delivery, household=home)
    other = DoorDelivery.objects.get(delivery=delivery, household=made["theirs"][0])
    page = f"/supplies/r/{token}/"
    shown = client.get(page)
    assert shown.status_code == 200
    assert str(own.code) in shown.content.decode()
    assert str(other.code) not in shown.content.decode()
    assert client.post(page, {"door": str(other.code), "status": "confirmed"}).status_code == 404
    assert client.get(f"/supplies/r/{signing.dumps('x', salt='nope')}/").status_code == 404
    assert client.post(page, {"door": str(own.code), "status": "confirmed"}).status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, own.by, other.status) == ("confirmed", RESIDENT.username, "pending")
    assert (
        AuditEntry.objects.filter(
            object_type="door_delivery",
            action="door_delivery_confirmed",
            actor_username="resident-link",
        ).count()
        == 1
    )


def test_delivery_pages_show_progress_and_the_grid_workers_doors(tree, page_client):
    made = _compound(tree)
    people = made["people"]
    delivery = delivery_hand_over(actor=made["staff"].grid, delivery=made["delivery"])
    worker = page_client(people.worker)
    page = worker.get(f"/supplies/deliveries/{delivery.code}/").content.decode()
    assert page.count('action="/supplies/doors/') == 3
    door = DoorDelivery.objects.filter(delivery=delivery, household__in=made["mine"]).first()
    assert door is not None
    refused = worker.post(f"/supplies/doors/{door.code}/", {"status": "refused", "reason": ""})
    assert refused.status_code == 422
    other = DoorDelivery.objects.filter(delivery=delivery, household__in=made["theirs"]).first()
    assert other is not None
    assert worker.post(f"/supplies/doors/{other.code}/", {"status": "confirmed"}).status_code == 404
    assert worker.post(f"/supplies/doors/{door.code}/", {"status": "confirmed"}).status_code == 302
    officer = page_client(made["staff"].officer)
    listed = officer.get("/supplies/deliveries/").content.decode()
    assert "1 confirmed · 0 not at home · 0 refused · 4 pending" in listed


def test_api_records_a_door_and_shows_the_progress(tree, api):
    made = _compound(tree)
    people = made["people"]
    delivery = delivery_hand_over(actor=made["staff"].grid, delivery=made["delivery"])
    door = DoorDelivery.objects.filter(delivery=delivery, household__in=made["mine"]).first()
    other = DoorDelivery.objects.filter(delivery=delivery, household__in=made["theirs"]).first()
    assert door is not None
    assert other is not None
    base = "/api/v1/supplies"
    worker = api(people.worker)
    assert worker.post(f"{base}/doors/{other.code}", {"status": "confirmed"}).status_code == 404
    no_reason = worker.post(f"{base}/doors/{door.code}", {"status": "refused"})
    assert no_reason.status_code == 422
    done = worker.post(f"{base}/doors/{door.code}", {"status": "confirmed", "note": "已送"})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "confirmed"
    shown = api(made["staff"].officer).get(f"{base}/deliveries/{delivery.code}").json()
    assert (shown["doors_confirmed"], shown["doors_pending"], shown["households"]) == (1, 4, 1)


def test_compound_page_shows_its_deliveries_and_doors_to_the_roles_that_see_supplies(
    tree, page_client
):
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        made = _compound(tree)
        people = made["people"]
        delivery = delivery_hand_over(actor=made["staff"].grid, delivery=made["delivery"])
        door = DoorDelivery.objects.filter(delivery=delivery, household__in=made["mine"]).first()
        assert door is not None
        door_delivery_record(actor=people.worker, door=door, status="confirmed")
        area = risk_area_designate(
            actor=people.commander,
            region=tree["grid_a1"],
            unit=DesignationUnit.COMPOUND,
            level="high",
            name="幸福里",
            reason="病例居住",
        )
        restriction = restriction_from_area(
            actor=people.commander, area=area, reason="高风险区封控"
        )
        url = f"/community/compounds/{restriction.code}/"
        page = page_client(people.duty).get(url).content.decode()
        assert 'data-table="compound-deliveries"' in page
        assert f"/supplies/deliveries/{delivery.code}/" in page
        assert "1 confirmed · 0 not at home · 0 refused · 4 pending" in page
        # an epidemiologist reads the compound but not supplies: no deliveries panel
        epidemiologist = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
        seen = page_client(epidemiologist).get(url)
        assert seen.status_code == 200
        assert 'data-table="compound-deliveries"' not in seen.content.decode()

"""Allocating rooms to orders through the service: one per room, groups together, accessible
rooms, a stale allocation losing to the one that committed first, governance and audit."""

from __future__ import annotations

from datetime import date

import pytest

from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.allocation.services import allocation_apply, rooms_allocate
from fangkong.isolation.choices import OrderEventKind, RoomStatus
from fangkong.isolation.models import IsolationOrder, OrderEvent, Room
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.tests.factories import Staff, facility_make, staff_make
from fangkong.people.choices import SpecialNeed
from fangkong.people.services import person_need_set
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def _orders(staff: Staff, count: int, *, group: str = "close_contact") -> list[IsolationOrder]:
    persons = [person_make(region=staff.tree["grid_a1"], name=f"李{n}") for n in range(count)]
    report = orders_issue(
        actor=staff.epidemiologist,
        persons=persons,
        group=group,
        day0=date(2022, 7, 14),
        reason="密接",
    )
    return sorted(report.created, key=lambda o: o.pk)


def test_each_person_gets_a_room_of_their_own_and_history_and_audit(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=5)
    orders = _orders(staff, 4)
    report = rooms_allocate(actor=staff.manager, orders=orders)
    assert len(report.placed) == 4
    assert report.unplaced == []
    rooms = [room.pk for _, room in report.placed]
    assert len(set(rooms)) == 4
    assert Room.objects.filter(status=RoomStatus.OCCUPIED).count() == 4
    assert set(IsolationOrder.objects.values_list("room_id", flat=True)) == set(rooms)
    assert OrderEvent.objects.filter(kind=OrderEventKind.ALLOCATED).count() == 4
    audit = AuditEntry.objects.filter(action="room_allocate")
    assert audit.count() == 4
    assert {a.rule_set for a in audit} == {"nhc-9@r1"}


def test_never_over_capacity_the_rest_wait(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=2)
    orders = _orders(staff, 3)
    report = rooms_allocate(actor=staff.manager, orders=orders)
    assert len(report.placed) == 2
    assert [why for _, why in report.unplaced] == ["no_room_fits"]
    assert Room.objects.filter(status=RoomStatus.FREE).count() == 0


def test_a_declared_carer_shares_a_room_with_the_dependant(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, rooms=3)
    Room.objects.filter(facility=facility, number="0002").update(beds=2)
    orders = _orders(staff, 3)
    report = rooms_allocate(
        actor=staff.manager,
        orders=orders,
        together=[[str(orders[0].code), str(orders[2].code)]],
    )
    room_of = {order.pk: room.number for order, room in report.placed}
    assert room_of[orders[0].pk] == room_of[orders[2].pk] == "0002"
    assert room_of[orders[1].pk] != "0002"


def test_an_accessible_room_goes_to_the_person_who_needs_it(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=4, accessible_every=4)  # room 0004 is accessible
    orders = _orders(staff, 2)
    person = orders[1].person
    person_need_set(actor=staff.epidemiologist, person=person, kind=SpecialNeed.DISABILITY)
    report = rooms_allocate(actor=staff.manager, orders=orders)
    room_of = {order.pk: room for order, room in report.placed}
    assert room_of[orders[1].pk].accessible
    assert not room_of[orders[0].pk].accessible


def test_a_stale_allocation_loses_the_room_to_the_one_that_committed_first(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, rooms=1)
    orders = _orders(staff, 2)
    room = Room.objects.get(facility=facility)
    # both allocations chose the same free room; the first commits
    first = allocation_apply(actor=staff.manager, orders=[orders[0]], rooms={0: room.pk})
    assert [o.pk for o, _ in first.placed] == [orders[0].pk]
    second = allocation_apply(actor=staff.manager, orders=[orders[1]], rooms={0: room.pk})
    assert second.placed == []
    assert [why for _, why in second.unplaced] == ["room_taken"]
    assert list(IsolationOrder.objects.filter(room=room)) == [orders[0]]


def test_allocation_is_governed(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=2)
    home = _orders(staff, 1, group="secondary_contact")
    orders = _orders(staff, 1)
    with pytest.raises(PermissionDenied):
        rooms_allocate(actor=staff.grid, orders=orders)
    with pytest.raises(NotFound):
        rooms_allocate(actor=staff.other_manager, orders=orders)
    with pytest.raises(ValidationFailed) as refused:
        rooms_allocate(actor=staff.manager, orders=[orders[0], home[0]])
    assert [(e["field"], e["row"], e["code"]) for e in refused.value.errors] == [
        ("orders", 2, "not_central")
    ]
    rooms_allocate(actor=staff.manager, orders=orders)
    orders[0].refresh_from_db()
    with pytest.raises(ValidationFailed) as again:
        rooms_allocate(actor=staff.manager, orders=orders)
    assert again.value.errors[0]["code"] == "has_room"


def test_another_districts_rooms_are_not_used(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=3, region_key="district_b", name="海淀区隔离点")
    orders = _orders(staff, 1)
    report = rooms_allocate(actor=staff.manager, orders=orders)
    assert report.placed == []

"""Granting an appeal against an order lifts the order — a governed status change with the
decider, the reason and the rule set, the room freed and the transfer home requested when the
person was in a site — and upholding the order keeps it (issue 20 §7)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.care.services import care_request_decide, care_request_file
from fangkong.isolation.choices import OrderStatus, RoomStatus, TransferKind
from fangkong.isolation.models import IsolationOrder, OrderEvent, Room, TransferTask
from fangkong.isolation.orders.services import order_issue
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def _placed_order(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=2)
    order = order_issue(
        actor=staff.epidemiologist,
        person=person_make(region=tree["community_a"]),
        group="close_contact",
        day0=NINTH_EDITION_DAY.date() - timedelta(days=1),
        reason="密接",
    )
    rooms_allocate(actor=staff.manager, orders=[order], together=[])
    order.refresh_from_db()
    assert order.room_id is not None
    return staff, order


def test_a_granted_appeal_lifts_the_order_frees_the_room_and_sends_the_person_home(tree):
    staff, order = _placed_order(tree)
    appeal = care_request_file(
        actor=staff.manager, order=order, category="appeal", text="本人当日不在该场所"
    )
    with pytest.raises(PermissionDenied):  # never by the order's issuer
        care_request_decide(
            actor=staff.epidemiologist, request=appeal, outcome="granted", note="撤销"
        )
    assert IsolationOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN
    second = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    care_request_decide(
        actor=second, request=appeal, outcome="granted", note="核实不在场，撤销隔离"
    )
    lifted = IsolationOrder.objects.get(pk=order.pk)
    assert lifted.status == OrderStatus.LIFTED
    assert Room.objects.get(pk=order.room_id).status == RoomStatus.CLEANING
    event = OrderEvent.objects.get(order=order, kind="lifted")
    assert (event.actor, event.reason, event.rule_set, event.detail["appeal"]) == (
        second.username,
        "核实不在场，撤销隔离",
        "nhc-9@r1",
        str(appeal.code),
    )
    audit = AuditEntry.objects.get(action="order_lift", object_id=str(order.code))
    assert (audit.reason, audit.rule_set) == ("核实不在场，撤销隔离", "nhc-9@r1")
    home = TransferTask.objects.get(order=order, kind=TransferKind.HOME)
    assert home.destination_facility_id is None


def test_an_upheld_appeal_keeps_the_order(tree):
    staff, order = _placed_order(tree)
    appeal = care_request_file(actor=staff.manager, order=order, category="appeal", text="申诉")
    second = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    care_request_decide(actor=second, request=appeal, outcome="upheld", note="轨迹有交集")
    kept = IsolationOrder.objects.get(pk=order.pk)
    assert kept.status == OrderStatus.OPEN
    assert Room.objects.get(pk=order.room_id).status == RoomStatus.OCCUPIED
    assert not OrderEvent.objects.filter(order=order, kind="lifted").exists()
    assert not TransferTask.objects.filter(order=order, kind=TransferKind.HOME).exists()

"""Release (R25): refused while a test is pending or positive or before the release day,
naming each blocker; allowed when every test is negative; frees the room; history and audit."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.core.errors import Conflict, FangkongError, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.choices import OrderEventKind, RoomStatus
from fangkong.isolation.models import OrderEvent, OrderTestTask
from fangkong.isolation.orders.release import order_release, order_test_record
from fangkong.isolation.orders.services import order_issue
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db

AFTER_RELEASE = datetime(2022, 7, 24, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _order(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=2)
    person = person_make(region=tree["grid_a1"])
    order = order_issue(
        actor=staff.epidemiologist,
        person=person,
        group="close_contact",
        day0=date(2022, 7, 14),
        reason="密接",
    )
    rooms_allocate(actor=staff.manager, orders=[order])
    order.refresh_from_db()
    return staff, order


def _codes(exc: FangkongError) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in exc.detail["errors"]]


def test_release_is_refused_naming_each_pending_or_positive_test_and_the_day(tree):
    staff, order = _order(tree)
    with pytest.raises(FangkongError) as early:
        order_release(actor=staff.manager, order=order, reason="期满")
    assert early.value.status == 422
    assert early.value.code == "release_conditions_unmet"
    assert _codes(early.value)[0] == ("release_on", "release_day_not_reached")
    assert _codes(early.value).count(("tests", "test_pending")) == 6
    order_test_record(actor=staff.manager, order=order, phase="central", day=1, result="positive")
    with time_machine.travel(AFTER_RELEASE, tick=True), pytest.raises(FangkongError) as later:
        order_release(actor=staff.manager, order=order, reason="期满")
    assert _codes(later.value) == [("tests", "test_positive")] + [("tests", "test_pending")] * 5
    assert later.value.detail["errors"][0]["row"] == 1


def test_release_when_every_test_is_negative_frees_the_room(tree):
    staff, order = _order(tree)
    for task in OrderTestTask.objects.filter(order=order):
        order_test_record(
            actor=staff.manager, order=order, phase=task.phase, day=task.day, result="negative"
        )
    with pytest.raises(Conflict):
        order_test_record(
            actor=staff.manager, order=order, phase="central", day=1, result="negative"
        )
    with time_machine.travel(AFTER_RELEASE, tick=True):
        with pytest.raises(ValidationFailed) as no_reason:
            order_release(actor=staff.manager, order=order, reason="")
        assert [e["field"] for e in no_reason.value.errors] == ["reason"]
        with pytest.raises(PermissionDenied):
            order_release(actor=staff.commander, order=order, reason="期满")
        released = order_release(actor=staff.manager, order=order, reason="期满解除")
        assert released.status == "released"
        assert released.room is not None
        assert released.room.status == RoomStatus.CLEANING
        event = OrderEvent.objects.get(order=order, kind=OrderEventKind.RELEASED)
        assert (event.reason, event.rule_set, event.actor_role) == (
            "期满解除",
            "nhc-9@r1",
            "isolation_manager",
        )
        assert AuditEntry.objects.filter(action="order_release").count() == 1
        with pytest.raises(Conflict):
            order_release(actor=staff.manager, order=released, reason="再次")

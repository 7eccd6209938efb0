"""Facilities, their governed status, room import and activation against the rule set's
staged targets and reserve (R23), through the services and the rows they leave."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.core.errors import (
    Conflict,
    FangkongError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import FacilityEventKind, FacilityStatus, RoomStatus
from fangkong.isolation.facilities.access import access_facility
from fangkong.isolation.facilities.selectors import (
    activation_progress,
    facility_list,
    reserve_report,
)
from fangkong.isolation.facilities.services import (
    facility_transition,
    rooms_import,
    rooms_ready,
)
from fangkong.isolation.models import FacilityEvent, Room
from fangkong.isolation.tests.factories import facility_make, rooms_csv, staff_make
from fangkong.people.tests.factories import person_make
from fangkong.policy.selectors import rules_for

pytestmark = pytest.mark.django_db


def test_a_status_change_needs_a_reason_and_leaves_history_and_audit(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=0)
    with pytest.raises(ValidationFailed) as refused:
        facility_transition(
            actor=staff.manager, facility=facility, to=FacilityStatus.ACTIVATING, reason=" "
        )
    assert refused.value.errors[0]["field"] == "reason"
    facility = facility_transition(
        actor=staff.manager, facility=facility, to=FacilityStatus.ACTIVATING, reason="疫情上升"
    )
    assert facility.status == FacilityStatus.ACTIVATING
    assert facility.activation_started_at is not None
    event = FacilityEvent.objects.get(facility=facility, kind=FacilityEventKind.STATUS)
    assert (event.from_value, event.to_value, event.reason, event.actor_role) == (
        "reserve",
        "activating",
        "疫情上升",
        "isolation_manager",
    )
    audit = AuditEntry.objects.filter(action="facility_transition", object_id=str(facility.code))
    assert audit.count() == 1
    assert audit.get().reason == "疫情上升"


def test_a_transition_outside_the_table_is_refused_naming_the_target(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=0)
    with pytest.raises(FangkongError) as refused:
        facility_transition(
            actor=staff.manager, facility=facility, to=FacilityStatus.ACTIVE, reason="直接启用"
        )
    assert refused.value.status == 422
    assert refused.value.code == "facility_transition_not_allowed"
    assert refused.value.detail["errors"][0]["field"] == "to"


def test_a_stale_status_loses_with_a_conflict(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=0)
    stale = access_facility(staff.manager, facility.code)
    facility_transition(
        actor=staff.manager, facility=facility, to=FacilityStatus.ACTIVATING, reason="启用"
    )
    with pytest.raises(Conflict):
        facility_transition(
            actor=staff.commander, facility=stale, to=FacilityStatus.ACTIVATING, reason="启用"
        )


def test_wrong_role_is_refused_and_another_district_sees_nothing(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=0)
    with pytest.raises(PermissionDenied):
        facility_transition(
            actor=staff.epidemiologist, facility=facility, to="activating", reason="x"
        )
    with pytest.raises(PermissionDenied):
        access_facility(staff.grid, facility.code)
    with pytest.raises(NotFound) as other:
        access_facility(staff.other_manager, facility.code)
    with pytest.raises(NotFound) as missing:
        access_facility(staff.other_manager, "00000000-0000-0000-0000-000000000000")
    assert other.value.as_dict() == missing.value.as_dict()
    assert list(facility_list(actor=staff.other_manager)) == []


def test_room_import_names_every_bad_row_and_keeps_nothing(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, rooms=0)
    content = (
        "number,floor,beds,own_bathroom,accessible\n"
        "0101,1,1,1,0\n"
        "0102,x,1,1,0\n"
        "\n"
        "0101,1,0,maybe,0\n"
        "0104,1,1\n"
    )
    with pytest.raises(ValidationFailed) as refused:
        rooms_import(actor=staff.manager, facility=facility, content=content)
    found = {(e["row"], e["field"], e["code"]) for e in refused.value.errors}
    assert found == {
        (3, "floor", "not_a_number"),
        (5, "number", "duplicate_in_file"),
        (5, "beds", "out_of_range"),
        (5, "own_bathroom", "invalid_flag"),
        (6, "file", "wrong_column_count"),
    }
    assert Room.objects.filter(facility=facility).count() == 0
    with pytest.raises(ValidationFailed) as header:
        rooms_import(actor=staff.manager, facility=facility, content="room,floor\n1,1\n")
    assert header.value.errors[0]["code"] == "bad_header"


def test_rooms_already_registered_are_refused_by_row(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, rooms=3)
    with pytest.raises(ValidationFailed) as refused:
        rooms_import(actor=staff.manager, facility=facility, content=rooms_csv(2, start=3))
    assert [(e["row"], e["code"]) for e in refused.value.errors] == [(2, "room_exists")]
    assert Room.objects.filter(facility=facility).count() == 3
    added = rooms_import(actor=staff.manager, facility=facility, content=rooms_csv(2, start=4))
    assert added == 2
    rooms = Room.objects.filter(facility=facility)
    assert rooms.count() == 5
    assert all(r.status == RoomStatus.FREE and r.ready_at is not None for r in rooms)
    assert AuditEntry.objects.filter(action="rooms_import").count() == 2


def test_activation_is_measured_against_the_staged_targets_of_the_rule_set(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=100)
    rules = rules_for(facility.region, timezone.localdate())
    reserve = activation_progress(facility, rules=rules, now=timezone.now())
    assert (reserve.ready, reserve.total, reserve.hours_elapsed) == (0, 100, None)
    assert [(s.hours, s.rooms, s.due) for s in reserve.stages] == [
        (24, 34, False),
        (48, 50, False),
        (72, 100, False),
    ]
    facility = facility_transition(
        actor=staff.manager, facility=facility, to="activating", reason="启用"
    )
    rooms_ready(actor=staff.manager, facility=facility, numbers=[f"{n:04d}" for n in range(1, 35)])
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        day1 = activation_progress(facility, rules=rules, now=timezone.now())
    assert [(s.due, s.met) for s in day1.stages] == [(True, True), (False, False), (False, False)]
    assert not day1.behind
    with time_machine.travel(timezone.now() + timedelta(hours=49), tick=False):
        day2 = activation_progress(facility, rules=rules, now=timezone.now())
    assert [(s.due, s.met) for s in day2.stages][1] == (True, False)
    assert day2.behind


def test_readying_unknown_rooms_is_refused_by_number(tree):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=2)
    with pytest.raises(ValidationFailed) as refused:
        rooms_ready(actor=staff.manager, facility=facility, numbers=["0001", "9999"])
    assert [e["field"] for e in refused.value.errors] == ["numbers"]
    assert "9999" in refused.value.errors[0]["message"]
    assert rooms_ready(actor=staff.manager, facility=facility, numbers=["0001"]) == 1
    assert rooms_ready(actor=staff.manager, facility=facility, numbers=["0001"]) == 0


def test_the_reserve_per_10000_residents_is_reported_against_the_rule_set(tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=1)
    facility_make(staff, rooms=5, name="海淀区隔离点", region_key="district_b")
    for _ in range(3):
        person_make(region=tree["grid_a1"])
    rules = rules_for(tree["district_a"], timezone.localdate())
    report = reserve_report(actor=staff.commander, region=tree["district_a"], rules=rules)
    assert (report.residents, report.rooms, report.target_per_10k) == (3, 1, 60)
    assert report.target_rooms == 1  # 3 × 60 / 10,000 rounds up to one room
    assert report.per_10k == pytest.approx(3333.3)
    assert report.short_by == 0

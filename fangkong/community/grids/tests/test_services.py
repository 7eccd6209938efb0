"""Grids (R26): every household has exactly one responsible person, the workload stays in
the rule set's band, going off duty hands everything over at once and audited."""

from __future__ import annotations

import pytest

from fangkong.community.choices import RequestCategory, RequestChannel
from fangkong.community.grids.selectors import (
    coverage_list,
    special_needs_list,
    uncovered_households,
    workload_list,
)
from fangkong.community.grids.services import (
    care_plan_set,
    households_assign,
    responsible_off_duty,
)
from fangkong.community.models import Coverage, GridEvent, ResidentRequest
from fangkong.community.requests.services import request_file
from fangkong.community.tests.factories import covered_homes, homes_make, responsible_of, staff_make
from fangkong.core.errors import (
    Conflict,
    FangkongError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.core.models import AuditEntry
from fangkong.people.services.persons import person_need_set
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def test_a_household_has_one_responsible_person_and_moves_when_reassigned(tree):
    staff = staff_make(tree)
    first, homes = covered_homes(staff, staff.worker, 3)
    second = responsible_of(staff, staff.worker_two)
    moved = households_assign(
        actor=staff.duty, responsible=second, households=homes[:2], reason="调整包保"
    )
    assert moved == 2
    assert Coverage.objects.filter(household__in=homes).count() == 3
    assert Coverage.objects.get(household=homes[0]).responsible == second
    assert Coverage.objects.get(household=homes[2]).responsible == first
    assert [c.household for c in coverage_list(actor=staff.worker)] == [homes[2]]
    assert list(uncovered_households(actor=staff.duty, region=tree["grid_a1"])) == []


def test_the_workload_cannot_pass_the_rule_sets_maximum(tree):
    staff = staff_make(tree)
    responsible, _homes = covered_homes(staff, staff.worker, 40, members=0)
    more = homes_make(tree["grid_a1"], 1, members=0, building="9")
    with pytest.raises(FangkongError) as refused:
        households_assign(actor=staff.duty, responsible=responsible, households=more, reason="x")
    assert refused.value.status == 422
    assert refused.value.detail["errors"][0]["field"] == "households"
    [load] = workload_list(actor=staff.duty, region=tree["grid_a1"])
    assert (load.households, load.minimum, load.maximum) == (40, 20, 40)


def test_going_off_duty_hands_over_households_and_open_requests_at_once(tree):
    staff = staff_make(tree)
    leaving, homes = covered_homes(staff, staff.worker, 4)
    taking = responsible_of(staff, staff.worker_two)
    request = request_file(
        actor=staff.worker,
        household=homes[0],
        category=RequestCategory.FOOD,
        channel=RequestChannel.GRID_WORKER,
    )
    with pytest.raises(ValidationFailed):
        responsible_off_duty(actor=staff.duty, responsible=leaving, to=taking, reason="")
    handed = responsible_off_duty(actor=staff.duty, responsible=leaving, to=taking, reason="病假")
    assert handed == 4
    assert set(Coverage.objects.values_list("responsible_id", flat=True)) == {taking.pk}
    assert ResidentRequest.objects.get(pk=request.pk).owner == taking
    assert GridEvent.objects.filter(kind="off_duty", responsible=leaving).count() == 1
    assert AuditEntry.objects.filter(action="responsible_off_duty").count() == 1
    assert list(coverage_list(actor=staff.worker)) == []
    with pytest.raises(Conflict):
        responsible_off_duty(actor=staff.duty, responsible=leaving, to=taking, reason="again")


def test_special_needs_residents_are_listed_per_grid_with_a_care_plan(tree):
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 2)
    patient = person_make(household=homes[0], name="透析病人")
    person_need_set(actor=staff.worker, person=patient, kind="dialysis")
    with pytest.raises(Conflict):
        care_plan_set(actor=staff.worker, person=person_make(household=homes[1]), plan="x")
    care_plan_set(actor=staff.worker, person=patient, plan="每周二、四、六透析，专车接送")
    listed = list(special_needs_list(actor=staff.worker, region=tree["grid_a1"]))
    assert listed == [patient]
    assert listed[0].has_plan  # type: ignore[attr-defined]
    assert list(special_needs_list(actor=staff.worker_two, region=tree["grid_a1"])) == []


def test_other_district_and_wrong_role_are_refused(tree):
    staff = staff_make(tree)
    responsible, _homes = covered_homes(staff, staff.worker, 1)
    other = homes_make(tree["grid_b1"], 1, members=0)
    with pytest.raises(NotFound):
        households_assign(
            actor=staff.other_duty, responsible=responsible, households=other, reason="x"
        )
    with pytest.raises(PermissionDenied):
        households_assign(actor=staff.worker, responsible=responsible, households=other, reason="x")

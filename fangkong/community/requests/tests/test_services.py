"""Requests: deadlines from the rule set with time moved, escalation when overdue, a medical
emergency never behind daily needs, the medical exit's steps, the resident's link."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fangkong.community.choices import RequestCategory, RequestChannel, RequestStatus
from fangkong.community.models import MedicalExit, RequestEvent, ResidentRequest
from fangkong.community.requests.access import access_request, access_resident_link
from fangkong.community.requests.selectors import household_requests, request_queue
from fangkong.community.requests.services import (
    RESIDENT,
    exit_approve,
    exit_return,
    exit_vehicle,
    request_file,
    request_transition,
    requests_escalate,
    resident_link_issue,
)
from fangkong.community.tests.factories import covered_homes, homes_make, staff_make
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.isolation.choices import TransferKind
from fangkong.isolation.models import TransferTask
from fangkong.isolation.transfers.requesting import transfer_request_medical
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _file(staff, home, category, channel=RequestChannel.HOTLINE):
    return request_file(
        actor=staff.duty,
        household=home,
        category=category,
        channel=channel,
        person=Person.objects.filter(household=home).first(),
    )


def test_daily_needs_before_the_cut_off_are_due_next_morning_and_after_it_a_day_later(tree):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 1)
    with time_machine.travel(datetime(2022, 7, 15, 15, 59, tzinfo=SHANGHAI), tick=False):
        early = _file(staff, homes[0], RequestCategory.FOOD)
    with time_machine.travel(datetime(2022, 7, 15, 16, 0, tzinfo=SHANGHAI), tick=False):
        late = _file(staff, homes[0], RequestCategory.GAS)
        emergency = _file(staff, homes[0], RequestCategory.EMERGENCY)
        dialysis = _file(staff, homes[0], RequestCategory.DIALYSIS)
    assert early.deadline == datetime(2022, 7, 16, 10, 0, tzinfo=SHANGHAI)
    assert late.deadline == datetime(2022, 7, 17, 10, 0, tzinfo=SHANGHAI)
    assert emergency.deadline == datetime(2022, 7, 15, 16, 30, tzinfo=SHANGHAI)
    assert dialysis.deadline == datetime(2022, 7, 15, 20, 0, tzinfo=SHANGHAI)
    assert early.rule_set.startswith("nhc-9")
    assert early.owner is not None


def test_overdue_requests_escalate_once_per_step_as_time_moves(tree):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 1)
    with time_machine.travel(datetime(2022, 7, 15, 9, 0, tzinfo=SHANGHAI), tick=False) as clock:
        emergency = _file(staff, homes[0], RequestCategory.EMERGENCY)
        food = _file(staff, homes[0], RequestCategory.FOOD)
        assert requests_escalate() == 0
        clock.move_to(datetime(2022, 7, 15, 9, 31, tzinfo=SHANGHAI))
        assert requests_escalate() == 1
        assert requests_escalate() == 0  # not again within the step
        clock.move_to(datetime(2022, 7, 15, 10, 32, tzinfo=SHANGHAI))
        assert requests_escalate() == 1
        clock.move_to(datetime(2022, 7, 16, 10, 1, tzinfo=SHANGHAI))
        request_transition(
            actor=staff.duty, request=emergency, to=RequestStatus.REFUSED, reason="已送医"
        )
        assert requests_escalate() == 1
    assert ResidentRequest.objects.get(pk=emergency.pk).escalation == 2
    assert ResidentRequest.objects.get(pk=food.pk).escalation == 1
    assert RequestEvent.objects.filter(kind="escalated").count() == 3


def test_a_medical_emergency_is_never_queued_behind_daily_needs(tree):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 3)
    with time_machine.travel(datetime(2022, 7, 15, 8, 0, tzinfo=SHANGHAI), tick=False):
        dailies = [_file(staff, home, RequestCategory.FOOD) for home in homes]
    with time_machine.travel(datetime(2022, 7, 16, 9, 50, tzinfo=SHANGHAI), tick=False):
        # daily needs due in ten minutes, an emergency due in thirty: the emergency leads
        emergency = _file(staff, homes[2], RequestCategory.EMERGENCY)
        dialysis = _file(staff, homes[1], RequestCategory.DIALYSIS)
    queue = list(request_queue(actor=staff.duty))
    assert queue[0] == emergency
    assert queue[1] == dialysis
    assert queue[2:] == dailies
    assert list(request_queue(actor=staff.worker)) == queue


def test_a_medical_exit_needs_approval_vehicle_and_return_and_refusal_needs_a_reason(tree):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 1)
    request = _file(staff, homes[0], RequestCategory.DIALYSIS, RequestChannel.GRID_WORKER)
    with pytest.raises(ValidationFailed):
        request_transition(actor=staff.duty, request=request, to=RequestStatus.REFUSED, reason="")
    with pytest.raises(Conflict):
        exit_vehicle(
            actor=staff.dispatcher,
            request=request,
            plate="京A12345",
            driver="王师傅",
            return_by=timezone.now() + timedelta(hours=6),
        )
    exit_approve(actor=staff.duty, request=request, reason="规律透析", destination="区医院透析中心")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    with pytest.raises(Conflict):
        request_transition(actor=staff.worker, request=request, to=RequestStatus.DONE)
    exit_vehicle(
        actor=staff.dispatcher,
        request=request,
        plate="京A12345",
        driver="王师傅",
        return_by=timezone.now() + timedelta(hours=6),
    )
    request = request_transition(actor=staff.worker, request=request, to=RequestStatus.DONE)
    with pytest.raises(Conflict):
        request_transition(actor=RESIDENT, request=request, to=RequestStatus.CONFIRMED)
    exit_return(actor=staff.dispatcher, request=request)
    request = request_transition(actor=RESIDENT, request=request, to=RequestStatus.CONFIRMED)
    assert request.confirmed_at is not None
    out, back = TransferTask.objects.order_by("id")
    assert (out.kind, out.pickup_address, out.destination) == (
        TransferKind.MEDICAL_EXIT,
        homes[0].address,
        "区医院透析中心",
    )
    assert (back.kind, back.pickup_address, back.destination) == (
        TransferKind.MEDICAL_RETURN,
        "区医院透析中心",
        homes[0].address,
    )
    assert out.region_id == request.region_id
    assert out.order_id is None
    exit_row = MedicalExit.objects.get(request=request)
    assert (exit_row.transfer_task, exit_row.return_task) == (out.code, back.code)


def test_a_retried_approval_creates_the_transfer_task_once(tree):
    """The outbound task's window is the urgency's (now to the request's deadline); a second
    approval is refused and a repeated task request answers the first task."""
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 1)
    request = _file(staff, homes[0], RequestCategory.EMERGENCY)
    with pytest.raises(ValidationFailed) as missing:
        exit_approve(actor=staff.duty, request=request, reason="急诊", destination="")
    assert missing.value.errors[0]["field"] == "destination"
    exit_approve(actor=staff.duty, request=request, reason="急诊", destination="区医院急诊")
    with pytest.raises(Conflict):
        exit_approve(actor=staff.duty, request=request, reason="急诊", destination="区医院急诊")
    [task] = TransferTask.objects.all()
    assert task.window_end == request.deadline
    again = transfer_request_medical(
        actor=staff.duty,
        person=task.person,
        region=request.region,
        kind=TransferKind.MEDICAL_EXIT,
        pickup_address=task.pickup_address,
        destination=task.destination,
        window_start=task.window_start,
        window_end=task.window_end,
        reason="重试",
        source=f"exit:{request.code}",
    )
    assert again.pk == task.pk
    assert TransferTask.objects.count() == 1


def test_access_grid_worker_their_households_resident_their_own_other_district_404(tree):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 2)
    neighbour = homes_make(tree["grid_a1"], 1, building="8")[0]
    mine = _file(staff, homes[0], RequestCategory.FOOD)
    theirs = _file(staff, neighbour, RequestCategory.FOOD)
    assert access_request(staff.worker, mine.code) == mine
    with pytest.raises(NotFound):
        access_request(staff.worker, theirs.code)
    with pytest.raises(NotFound):
        access_request(staff.other_duty, mine.code)
    with pytest.raises(NotFound):
        request_file(actor=staff.other_duty, household=homes[0], category="food", channel="hotline")
    token = resident_link_issue(actor=staff.worker, household=homes[0])
    household = access_resident_link(token)
    assert list(household_requests(household)) == [mine]
    assert str(homes[0].code) not in token
    assert str(homes[0].code.hex) not in token
    with pytest.raises(NotFound):
        access_resident_link(token + "x")
    resident_link_issue(actor=staff.worker, household=homes[0])
    with pytest.raises(NotFound):
        access_resident_link(token)  # revoked by the new link
    later = resident_link_issue(actor=staff.worker, household=homes[0])
    with time_machine.travel(timezone.now() + timedelta(days=15)), pytest.raises(NotFound):
        access_resident_link(later)

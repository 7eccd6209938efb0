"""Supervision: an inspection's finding is rectified by the responsible unit, verified and
struck off by the inspectors; overdue findings escalate one level up (R33); a district sees
its own findings and not a sibling's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.command_center.models import Finding, FindingEvent, Notification
from fangkong.command_center.supervision.services import (
    InspectionInput,
    finding_record,
    finding_transition,
    inspection_record,
)
from fangkong.command_center.tests.duty_factories import duty_staff_make
from fangkong.core.errors import FangkongError, PermissionDenied, ValidationFailed
from fangkong.core.periodic import periodic_jobs

pytestmark = pytest.mark.django_db
BASE = "/api/v1/command/inspections"


def _inspection(staff):
    return inspection_record(
        actor=staff.inspector,
        data=InspectionInput(
            team="市督导一组",
            theme="核酸采样点秩序",
            place="朝阳区一号采样点",
            method="unannounced",
            on=timezone.localdate(),
            checklist=[
                {"item": "一米线", "passed": False, "note": "未设置"},
                {"item": "扫码登记", "passed": True, "note": ""},
            ],
        ),
    )


def _finding(staff, inspection, *, unit="district_a", hours=48):
    return finding_record(
        actor=staff.inspector,
        inspection=inspection,
        unit=staff.tree[unit],
        severity="general",
        description="采样点未设一米线",
        deadline=timezone.now() + timedelta(hours=hours),
    )


def test_a_finding_is_tracked_to_closed(tree):
    staff = duty_staff_make(tree)
    inspection = _inspection(staff)
    finding = _finding(staff, inspection)
    assert Notification.objects.filter(user_id=staff.officer_a.user_id, kind="finding").exists()
    with pytest.raises(PermissionDenied):
        finding_transition(actor=staff.officer_b, finding=finding, to="rectifying", note="")
    finding_transition(actor=staff.officer_a, finding=finding, to="rectifying", note="")
    with pytest.raises(ValidationFailed) as refused:
        finding_transition(actor=staff.officer_a, finding=finding, to="submitted", note=" ")
    assert refused.value.errors[0]["field"] == "note"
    finding_transition(actor=staff.officer_a, finding=finding, to="submitted", note="已设置一米线")
    with pytest.raises(PermissionDenied):
        finding_transition(actor=staff.officer_a, finding=finding, to="verified", note="")
    finding_transition(actor=staff.inspector, finding=finding, to="rectifying", note="照片不清")
    finding_transition(actor=staff.officer_a, finding=finding, to="submitted", note="补拍照片")
    finding_transition(actor=staff.inspector, finding=finding, to="verified", note="复查合格")
    with pytest.raises(FangkongError) as wrong:
        finding_transition(actor=staff.inspector, finding=finding, to="open", note="")
    assert wrong.value.status == 422
    done = finding_transition(actor=staff.inspector, finding=finding, to="closed", note="销号")
    assert done.status == "closed"
    assert done.closed_at is not None
    assert done.rectification == "补拍照片"
    assert list(FindingEvent.objects.filter(finding=done).values_list("to_value", flat=True)) == [
        "open",
        "rectifying",
        "submitted",
        "rectifying",
        "submitted",
        "verified",
        "closed",
    ]


def test_overdue_findings_escalate_once_one_level_up(tree):
    staff = duty_staff_make(tree)
    inspection = _inspection(staff)
    late = _finding(staff, inspection, hours=2)
    submitted = _finding(staff, inspection, unit="district_b", hours=2)
    finding_transition(actor=staff.officer_b, finding=submitted, to="rectifying", note="")
    finding_transition(actor=staff.officer_b, finding=submitted, to="submitted", note="已整改")
    job = periodic_jobs()["command_findings_escalate"]
    assert job.run() == "escalated 0"
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert job.run() == "escalated 1"
        assert job.run() == "escalated 0"
    late.refresh_from_db()
    assert late.escalated_to == tree["city"]
    assert Finding.objects.get(pk=submitted.pk).escalated_at is None
    told = set(Notification.objects.filter(kind="escalation").values_list("user_id", flat=True))
    assert told == {staff.city_commander.user_id, staff.inspector.user_id}


def test_a_district_sees_its_own_findings_not_a_siblings(tree, api, page_client):
    staff = duty_staff_make(tree)
    body = {
        "team": "市督导一组",
        "theme": "隔离点管理",
        "place": "朝阳区集中隔离点",
        "method": "announced",
        "on": timezone.localdate().isoformat(),
        "checklist": [{"item": "三区两通道", "passed": True}],
    }
    created = api(staff.inspector).post(BASE, body, headers={"Idempotency-Key": "insp-1"})
    again = api(staff.inspector).post(BASE, body, headers={"Idempotency-Key": "insp-1"})
    assert created.status_code == again.status_code == 201
    assert created.json()["code"] == again.json()["code"]
    code = created.json()["code"]
    deadline = (timezone.now() + timedelta(days=1)).isoformat()
    found = api(staff.inspector).post(
        f"{BASE}/{code}/findings",
        {
            "unit": "110105",
            "severity": "serious",
            "description": "缓冲区缺失",
            "deadline": deadline,
        },
    )
    assert found.status_code == 200
    assert api(staff.officer_a).get(f"{BASE}/{code}").status_code == 200
    other = api(staff.officer_b).get(f"{BASE}/{code}")
    missing = api(staff.officer_b).get(f"{BASE}/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api(staff.officer_a).post(BASE, body).status_code == 403
    finding = found.json()["findings"][0]["code"]
    step = api(staff.officer_a).post(
        f"{BASE}/{code}/findings/{finding}/transition", {"to": "rectifying"}
    )
    assert step.json()["findings"][0]["status"] == "rectifying"
    page = page_client(staff.officer_a).get(f"/command/inspections/{code}/")
    assert page.status_code == 200
    assert 'data-step="submitted"' in page.content.decode()
    posted = page_client(staff.officer_a).post(
        f"/command/inspections/{code}/findings/{finding}/", {"to": "submitted", "note": "已设置"}
    )
    assert posted.status_code == 302
    assert Finding.objects.get().status == "submitted"
    assert page_client(staff.officer_b).get(f"/command/inspections/{code}/").status_code == 404
    assert page_client(staff.grid).get("/command/inspections/").status_code == 403

"""Directives: sent down to the units below, acknowledged, progressed and completed with
evidence; overdue units escalate one level up by the periodic job (R33); a district sees its
own directives and not a sibling's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.command_center.directives.services import (
    directive_acknowledge,
    directive_complete,
    directive_progress,
)
from fangkong.command_center.models import DirectiveAssignment, DirectiveEvent, Notification
from fangkong.command_center.tests.duty_factories import directive_make, duty_staff_make
from fangkong.core.errors import FangkongError, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.core.periodic import periodic_jobs

pytestmark = pytest.mark.django_db
BASE = "/api/v1/command/directives"


def _row(directive, region):
    return DirectiveAssignment.objects.select_related("directive", "region").get(
        directive=directive, region=region
    )


def test_a_directive_goes_to_each_unit_and_is_answered_step_by_step(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff = duty_staff_make(tree)
    directive = directive_make(staff)
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {
        staff.commander_a.user_id,
        staff.officer_a.user_id,
        staff.commander_b.user_id,
        staff.officer_b.user_id,
    }
    row = _row(directive, tree["district_a"])
    with pytest.raises(PermissionDenied):
        directive_acknowledge(actor=staff.officer_b, assignment=row)
    directive_acknowledge(actor=staff.officer_a, assignment=row)
    row = _row(directive, tree["district_a"])
    directive_progress(actor=staff.officer_a, assignment=row, note="已完成一半")
    with pytest.raises(ValidationFailed) as refused:
        directive_complete(
            actor=staff.officer_a, assignment=_row(directive, tree["district_a"]), evidence=" "
        )
    assert refused.value.errors[0]["field"] == "evidence"
    done = directive_complete(
        actor=staff.commander_a,
        assignment=_row(directive, tree["district_a"]),
        evidence="全部采样点已自查",
        evidence_file=SimpleUploadedFile("check.txt", b"ok"),
    )
    assert done.status == "completed"
    assert done.acknowledged_at
    assert done.completed_at
    assert str(DirectiveAssignment.objects.get(pk=done.pk).evidence_file.name).endswith(".txt")
    assert list(DirectiveEvent.objects.filter(assignment=done).values_list("kind", flat=True)) == [
        "issued",
        "acknowledged",
        "progress",
        "completed",
    ]
    assert Notification.objects.filter(user_id=staff.city_commander.user_id).count() == 3
    assert AuditEntry.objects.filter(action__startswith="directive_").count() == 4
    with pytest.raises(FangkongError) as again:
        directive_acknowledge(actor=staff.officer_a, assignment=_row(directive, tree["district_a"]))
    assert again.value.status == 422


def test_overdue_units_escalate_once_one_level_up_by_the_periodic_job(tree):
    staff = duty_staff_make(tree)
    directive = directive_make(staff, hours=2)
    directive_complete(
        actor=staff.officer_b, assignment=_row(directive, tree["district_b"]), evidence="完成"
    )
    job = periodic_jobs()["command_directives_escalate"]
    assert job.run() == "escalated 0"  # not yet due
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert job.run() == "escalated 1"
        assert job.run() == "escalated 0"
    late = _row(directive, tree["district_a"])
    assert late.escalated_to == tree["city"]
    assert late.escalated_at is not None
    assert _row(directive, tree["district_b"]).escalated_at is None
    escalations = Notification.objects.filter(kind="escalation")
    assert set(escalations.values_list("user_id", flat=True)) == {staff.city_commander.user_id}
    assert DirectiveEvent.objects.filter(kind="escalated").count() == 1


def test_a_district_sees_its_own_directives_and_not_a_siblings(tree, api):
    staff = duty_staff_make(tree)
    only_a = directive_make(staff, units=("district_a",))
    path = f"{BASE}/{only_a.code}"
    assert api(staff.officer_a).get(path).status_code == 200
    assert [u["region_code"] for u in api(staff.city_commander).get(path).json()["unit_rows"]] == [
        "110105"
    ]
    other = api(staff.officer_b).get(path)
    missing = api(staff.officer_b).get(f"{BASE}/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api(staff.officer_b).get(BASE).json()["total"] == 0
    assert api(staff.officer_a).get(BASE).json()["total"] == 1
    assert api(staff.grid).get(BASE).status_code == 403
    both = directive_make(staff)
    seen_by_b = api(staff.officer_b).get(f"{BASE}/{both.code}").json()
    assert [u["region_code"] for u in seen_by_b["unit_rows"]] == ["110108"]
    assert (
        api(staff.officer_b).post(f"{BASE}/{both.code}/units/110105/acknowledge").status_code == 404
    )


def test_issue_through_the_api_names_bad_fields_and_replays_a_retry(tree, api):
    staff = duty_staff_make(tree)
    deadline = (timezone.now() + timedelta(hours=6)).isoformat()
    body = {"title": "排查", "body": "", "deadline": deadline, "units": ["110105"]}
    headers = {"Idempotency-Key": "directive-1"}
    first = api(staff.city_commander).post(BASE, body, headers=headers)
    again = api(staff.city_commander).post(BASE, body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert DirectiveAssignment.objects.count() == 1
    past = api(staff.city_commander).post(BASE, {**body, "deadline": "2020-01-01T00:00:00+08:00"})
    assert past.status_code == 422
    assert [e["field"] for e in past.json()["detail"]["errors"]] == ["deadline"]
    own = api(staff.commander_a).post(BASE, body)
    assert own.status_code == 422
    assert [(e["field"], e["row"]) for e in own.json()["detail"]["errors"]] == [("units", 1)]
    assert api(staff.commander_a).post(BASE, {**body, "units": ["110108"]}).status_code == 404
    assert api(staff.officer_a).post(BASE, body).status_code == 403
    code = first.json()["code"]
    ack = api(staff.officer_a).post(f"{BASE}/{code}/units/110105/acknowledge")
    assert ack.json()["unit_rows"][0]["status"] == "acknowledged"
    done = api(staff.officer_a).post(f"{BASE}/{code}/units/110105/complete", {"evidence": "完成"})
    assert done.json()["units_done"] == 1


def test_the_pages_send_and_answer_a_directive(tree, page_client):
    staff = duty_staff_make(tree)
    city = page_client(staff.city_commander)
    deadline = (timezone.localtime() + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    sent = city.post(
        "/command/directives/",
        {"title": "今日自查", "body": "", "deadline": deadline, "units": ["110105"]},
    )
    assert sent.status_code == 302
    code = DirectiveAssignment.objects.get().directive.code
    officer = page_client(staff.officer_a)
    assert officer.get(f"/command/directives/{code}/").status_code == 200
    assert officer.post(f"/command/directives/{code}/acknowledge/").status_code == 302
    assert DirectiveAssignment.objects.get().status == "acknowledged"
    assert (
        officer.post(f"/command/directives/{code}/complete/", {"evidence": ""}).status_code == 422
    )
    assert page_client(staff.officer_b).get(f"/command/directives/{code}/").status_code == 404
    assert page_client(staff.grid).get("/command/directives/").status_code == 403
    assert officer.post(f"/command/directives/{code}/delete/").status_code == 404

"""Duty checks: every locality below is asked, answers are due within the rule set's minutes,
the page shows who answered in time, late or not at all, and the review job tells the sender."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.duty.selectors import answer_rows
from fangkong.command_center.duty.services import duty_check_answer, duty_check_send
from fangkong.command_center.models import Notification
from fangkong.command_center.tests.duty_factories import duty_staff_make
from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.core.periodic import periodic_jobs
from fangkong.policy.selectors import rules_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/command/duty-checks"


def test_answers_in_time_late_and_missing_are_told_apart(tree):
    staff = duty_staff_make(tree)
    start = timezone.now()
    minutes = rules_for(
        tree["city"], timezone.localdate()
    ).parameters.command.duty_check_answer_minutes
    with time_machine.travel(start, tick=False):
        check = duty_check_send(actor=staff.city_commander)
    assert check.due_at == start + timedelta(minutes=minutes)
    assert set(
        Notification.objects.filter(kind="duty_check").values_list("user_id", flat=True)
    ) == {
        staff.officer_a.user_id,
        staff.officer_b.user_id,
    }
    with time_machine.travel(start + timedelta(minutes=minutes - 1), tick=False):
        duty_check_answer(actor=staff.officer_a, check=check)
        standings = {
            r.region_code: r.standing
            for r in answer_rows(actor=staff.city_commander, check=check, now=timezone.now())
        }
        assert standings == {"110105": "on_time", "110108": "waiting"}
    job = periodic_jobs()["command_duty_checks_review"]
    with time_machine.travel(start + timedelta(minutes=minutes + 1), tick=False):
        assert job.run() == "reviewed 1"
        assert job.run() == "reviewed 0"
        standings = {
            r.region_code: r.standing
            for r in answer_rows(actor=staff.city_commander, check=check, now=timezone.now())
        }
        assert standings == {"110105": "on_time", "110108": "missed"}
    with time_machine.travel(start + timedelta(minutes=minutes + 5), tick=False):
        duty_check_answer(actor=staff.officer_b, check=check)
        again = duty_check_answer(actor=staff.officer_b, check=check)
        rows = answer_rows(actor=staff.city_commander, check=check, now=timezone.now())
    assert again.answered_at == start + timedelta(minutes=minutes + 5)
    assert {r.region_code: (r.standing, r.minutes) for r in rows} == {
        "110105": ("on_time", minutes - 1),
        "110108": ("late", minutes + 5),
    }
    late = Notification.objects.filter(user_id=staff.city_commander.user_id, kind="late")
    assert late.count() == 2  # the review's "did not answer" and the late answer


def test_who_may_send_and_answer(tree):
    staff = duty_staff_make(tree)
    with pytest.raises(PermissionDenied):
        duty_check_send(actor=staff.officer_a)
    check = duty_check_send(actor=staff.city_commander)
    with pytest.raises(PermissionDenied):
        duty_check_answer(actor=staff.commander_a, check=check)
    street_officer = actor_make(role=Role.DUTY_OFFICER, region=tree["street_a"])
    with pytest.raises(NotFound):
        duty_check_answer(actor=street_officer, check=check)
    grid_commander = actor_make(role=Role.COMMANDER, region=tree["grid_a1"])
    with pytest.raises(ValidationFailed):
        duty_check_send(actor=grid_commander)


def test_a_district_sees_its_own_checks_and_not_a_siblings(tree, api):
    staff = duty_staff_make(tree)
    sent = api(staff.commander_a).post(BASE, headers={"Idempotency-Key": "check-1"})
    replay = api(staff.commander_a).post(BASE, headers={"Idempotency-Key": "check-1"})
    assert sent.status_code == replay.status_code == 201
    assert sent.json()["code"] == replay.json()["code"]
    code = sent.json()["code"]
    assert [a["region_code"] for a in sent.json()["answers"]] == ["110105001"]
    other = api(staff.commander_b).get(f"{BASE}/{code}")
    missing = api(staff.commander_b).get(f"{BASE}/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api(staff.city_commander).get(f"{BASE}/{code}").status_code == 200
    assert api(staff.commander_b).get(BASE).json()["total"] == 0
    city = api(staff.city_commander).post(BASE).json()
    seen_by_b = api(staff.officer_b).get(f"{BASE}/{city['code']}").json()
    assert [a["region_code"] for a in seen_by_b["answers"]] == ["110108"]
    answered = api(staff.officer_b).post(f"{BASE}/{city['code']}/answer").json()
    assert answered["answered"] == 1
    assert answered["answers"][0]["standing"] == "on_time"
    assert api(staff.grid).get(BASE).status_code == 403


def test_the_pages_send_show_and_acknowledge(tree, page_client):
    staff = duty_staff_make(tree)
    sent = page_client(staff.city_commander).post("/command/duty-checks/send/")
    assert sent.status_code == 302
    officer = page_client(staff.officer_a)
    page = officer.get(sent["Location"])
    assert page.status_code == 200
    assert 'data-standing="waiting"' in page.content.decode()
    assert officer.post(sent["Location"] + "answer/").status_code == 302
    shown = page_client(staff.city_commander).get(sent["Location"]).content.decode()
    assert 'data-locality="110105" data-standing="on_time"' in shown
    assert 'data-locality="110108" data-standing="waiting"' in shown
    assert page_client(staff.officer_a).post("/command/duty-checks/send/").status_code == 403

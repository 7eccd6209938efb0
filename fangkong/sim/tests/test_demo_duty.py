"""The demo's command-centre step on the small tree: the city's command body staffs two working
groups with a week of rosters, a dispatch meeting takes its roll call (one district absent)
and decides the directive; one district answers the duty check in time, the other late (a
tree of two districts: with three or more, the last does not answer), the directive is
acknowledged, both districts file yesterday's report, and the inspection finding ends
closed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.duty.selectors import answer_rows
from fangkong.command_center.models import (
    CommandBody,
    DailyReport,
    Directive,
    DirectiveAssignment,
    DutyCheck,
    DutyShift,
    Finding,
    Meeting,
    MeetingAttendance,
)
from fangkong.sim.demo_duty import demo_duty

pytestmark = pytest.mark.django_db


def test_the_command_scene_runs_through_the_services(tree):
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    inspector = actor_make(role=Role.INSPECTOR, region=tree["city"])
    scene = demo_duty(
        commander=commander,
        inspector=inspector,
        district=tree["district_a"],
        password="Demo-password-2026!",
    )
    assert (scene.on_time, scene.late, scene.unanswered) == (1, 1, 0)
    check = DutyCheck.objects.get()
    standings = {
        r.region_code: r.standing
        for r in answer_rows(actor=commander, check=check, now=timezone.now())
    }
    assert standings == {"110105": "on_time", "110108": "late"}
    assert DirectiveAssignment.objects.get(region=tree["district_a"]).status == "acknowledged"
    assert DailyReport.objects.count() == scene.reports == 2
    assert Finding.objects.get().status == "closed"
    body = CommandBody.objects.get(region=tree["city"])
    assert str(body.code) == scene.body
    # three 8-hour shifts a day for a week, per group, over people on no other group: clean
    assert scene.rosters_clean == {"testing": True, "tracing": True}
    assert DutyShift.objects.filter(group__body=body).count() == 2 * 7 * 3
    meeting = Meeting.objects.get()
    assert str(meeting.code) == scene.meeting
    assert meeting.decisions
    assert {
        (a.region.code, a.present) for a in MeetingAttendance.objects.filter(meeting=meeting)
    } == {("110105", True), ("110108", False)}
    assert Directive.objects.get().meeting == meeting
    again = demo_duty(
        commander=commander, inspector=inspector, district=tree["district_a"], password="x"
    )
    assert again.reports == 0  # yesterday's reports are in already
    assert DutyShift.objects.filter(group__body=body).count() == 2 * 7 * 3  # checked again
    assert Meeting.objects.count() == 2

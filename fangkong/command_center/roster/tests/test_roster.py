"""Rosters: a rotation that covers the day and keeps the rest rules is clean; one that
breaks them or leaves hours uncovered is flagged before it happens and the leaders told; a
duty log per shift."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.models import DutyLogEntry, DutyShift, Notification
from fangkong.command_center.roster.selectors import roster_flags
from fangkong.command_center.roster.services import duty_log_add, roster_generate
from fangkong.command_center.structure.services import (
    command_body_create,
    group_member_add,
    working_group_create,
)
from fangkong.command_center.tests.duty_factories import duty_staff_make
from fangkong.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def _group(staff, people):
    body = command_body_create(
        actor=staff.commander_a, region=staff.tree["district_a"], name="朝阳区指挥部"
    )
    group = working_group_create(
        actor=staff.commander_a, body=body, kind="tracing", name="流调专班"
    )
    for index, person in enumerate(people):
        group_member_add(
            actor=staff.commander_a,
            group=group,
            username=person.username,
            leader=index == 0,
            duty="",
        )
    return body, group


def test_a_three_shift_rotation_is_clean(tree):
    staff = duty_staff_make(tree)
    people = [
        staff.officer_a,
        *(actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"]) for _ in range(2)),
    ]
    _body, group = _group(staff, people)
    flags = roster_generate(
        actor=staff.commander_a, group=group, first_day=timezone.localdate(), days=3, shift_hours=8
    )
    assert flags.clean
    assert DutyShift.objects.filter(group=group).count() == 9
    assert not Notification.objects.filter(kind="late").exists()
    with pytest.raises(Conflict):
        roster_generate(
            actor=staff.commander_a,
            group=group,
            first_day=timezone.localdate(),
            days=1,
            shift_hours=8,
        )


def test_a_roster_that_exhausts_its_people_or_leaves_hours_open_is_flagged_before_it_happens(tree):
    staff = duty_staff_make(tree)
    _body, group = _group(staff, [staff.officer_a])
    tomorrow = timezone.localdate() + timedelta(days=1)
    flags = roster_generate(
        actor=staff.commander_a, group=group, first_day=tomorrow, days=1, shift_hours=8
    )
    assert not flags.clean
    assert [s.starts_at.hour for s in flags.long_runs]  # three 8-hour shifts in a row
    assert Notification.objects.filter(user_id=staff.officer_a.user_id, kind="late").exists()
    # the day after is uncovered: the week's check shows the hole
    start = flags.long_runs[0].ends_at - timedelta(hours=24)
    week = roster_flags(group=group, start=start, end=start + timedelta(days=2))
    assert week.gaps
    assert week.gaps[0][0] == start + timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        roster_generate(
            actor=staff.commander_a, group=group, first_day=tomorrow, days=1, shift_hours=5
        )
    assert refused.value.errors[0]["field"] == "shift_hours"


def test_the_person_on_duty_keeps_the_shift_log(tree, page_client):
    staff = duty_staff_make(tree)
    body, group = _group(staff, [staff.officer_a])
    roster_generate(
        actor=staff.commander_a, group=group, first_day=timezone.localdate(), days=1, shift_hours=24
    )
    shift = DutyShift.objects.get()
    duty_log_add(actor=staff.officer_a, shift=shift, entry="08:30 接市指挥部电话调度")
    with pytest.raises(PermissionDenied):
        duty_log_add(
            actor=actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"]),
            shift=shift,
            entry="x",
        )
    assert DutyLogEntry.objects.count() == 1
    page = page_client(staff.officer_a).get(f"/command/bodies/{body.code}/roster/tracing/")
    assert page.status_code == 200
    assert "接市指挥部电话调度" in page.content.decode()
    assert 'data-roster="flagged"' in page.content.decode()  # 24 h in a row
    logged = page_client(staff.officer_a).post(
        f"/command/bodies/{body.code}/roster/tracing/shifts/{shift.pk}/log/", {"entry": "交班"}
    )
    assert logged.status_code == 302
    assert DutyLogEntry.objects.count() == 2
    assert (
        page_client(staff.officer_b).get(f"/command/bodies/{body.code}/roster/tracing/").status_code
        == 404
    )


def test_a_person_on_two_groups_rosters_is_checked_across_both(tree, page_client):
    """Each roster alone keeps the rules; together the person shared by the tracing (3 × 8 h)
    and the testing (2 × 12 h) groups rests 4 hours and works 20 hours in a row: flagged on
    both groups' pages before it happens, the other group's shift named."""
    staff = duty_staff_make(tree)
    shared = staff.officer_a
    others = [actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"]) for _ in range(3)]
    body, tracing = _group(staff, [shared, others[0], others[1]])
    testing = working_group_create(
        actor=staff.commander_a, body=body, kind="testing", name="核酸检测专班"
    )
    for index, person in enumerate([others[2], shared]):
        group_member_add(
            actor=staff.commander_a,
            group=testing,
            username=person.username,
            leader=index == 0,
            duty="",
        )
    tomorrow = timezone.localdate() + timedelta(days=1)
    alone = roster_generate(
        actor=staff.commander_a, group=tracing, first_day=tomorrow, days=2, shift_hours=8
    )
    assert alone.clean
    both = roster_generate(
        actor=staff.commander_a, group=testing, first_day=tomorrow, days=2, shift_hours=12
    )
    assert not both.gaps
    assert {s.user_id for s in both.short_rests} == {shared.user_id}
    assert {s.group_id for s in both.short_rests} == {testing.pk}  # 12:00 after 00–08
    assert {s.group_id for s in both.long_runs} == {tracing.pk}  # 12–24 then 00–08: 20 h
    assert Notification.objects.filter(user_id=others[2].user_id, kind="late").exists()
    # the tracing group's own check now sees the testing roster too
    start = min(s.starts_at for s in both.short_rests) - timedelta(hours=12)
    again = roster_flags(group=tracing, start=start, end=start + timedelta(days=2))
    assert not again.clean
    page = page_client(staff.commander_a).get(f"/command/bodies/{body.code}/roster/tracing/")
    assert 'data-roster="flagged"' in page.content.decode()
    assert 'data-other-group="testing"' in page.content.decode()


def test_two_shifts_at_once_on_two_rosters_are_flagged(tree):
    staff = duty_staff_make(tree)
    other = actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"])
    body, tracing = _group(staff, [staff.officer_a, other])
    testing = working_group_create(
        actor=staff.commander_a, body=body, kind="testing", name="核酸检测专班"
    )
    group_member_add(
        actor=staff.commander_a,
        group=testing,
        username=staff.officer_a.username,
        leader=True,
        duty="",
    )
    group_member_add(
        actor=staff.commander_a, group=testing, username=other.username, leader=False, duty=""
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    roster_generate(
        actor=staff.commander_a, group=tracing, first_day=tomorrow, days=1, shift_hours=12
    )
    flags = roster_generate(
        actor=staff.commander_a, group=testing, first_day=tomorrow, days=1, shift_hours=12
    )
    assert {s.user_id for s in flags.overlaps} == {staff.officer_a.user_id, other.user_id}

"""Builders for the duty tests: staff at the city and at districts A and B, directives sent
through the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.directives.services import DirectiveInput, directive_issue
from fangkong.command_center.models import Directive
from fangkong.core.actor import Actor


@dataclass
class DutyStaff:
    city_commander: Actor
    commander_a: Actor
    officer_a: Actor
    commander_b: Actor
    officer_b: Actor
    inspector: Actor
    grid: Actor
    tree: dict[str, Any]


def duty_staff_make(tree: dict[str, Any]) -> DutyStaff:
    return DutyStaff(
        city_commander=actor_make(role=Role.COMMANDER, region=tree["city"]),
        commander_a=actor_make(role=Role.COMMANDER, region=tree["district_a"]),
        officer_a=actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"]),
        commander_b=actor_make(role=Role.COMMANDER, region=tree["district_b"]),
        officer_b=actor_make(role=Role.DUTY_OFFICER, region=tree["district_b"]),
        inspector=actor_make(role=Role.INSPECTOR, region=tree["city"]),
        grid=actor_make(role=Role.GRID_WORKER, region=tree["district_a"]),
        tree=tree,
    )


def directive_make(
    staff: DutyStaff, *, units: tuple[str, ...] = ("district_a", "district_b"), hours: int = 24
) -> Directive:
    return directive_issue(
        actor=staff.city_commander,
        data=DirectiveInput(
            title="加强核酸采样点秩序管理",
            body="各区今日内完成自查。",
            deadline=timezone.now() + timedelta(hours=hours),
        ),
        units=[staff.tree[key] for key in units],
    )

"""The demo's command-centre step (issue 22): the city's command body staffs its working groups
with a week of 24-hour rosters and holds a dispatch meeting with the districts
(``sim.demo_dispatch``); the city commander runs a duty check that some districts answer
late (with three districts or more, the last not at all), sends the directive the meeting
decided, which the demo district acknowledges, every district files yesterday's daily report
(rolled up at the city), and an inspection finding at the demo district is tracked to closed
(销号).

Each district gets an officer on duty (``duty_<code>``, the demo password). Everything goes
through the command centre's services, as the pages and the API do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from fangkong.accounts.actors import actor_from_membership
from fangkong.accounts.choices import Role
from fangkong.accounts.models import Membership, User
from fangkong.accounts.services import membership_grant, user_create
from fangkong.command_center.directives.selectors import assignment_list, child_units
from fangkong.command_center.directives.services import (
    DirectiveInput,
    directive_acknowledge,
    directive_issue,
)
from fangkong.command_center.duty.services import duty_check_answer, duty_check_send
from fangkong.command_center.models import DailyReport
from fangkong.command_center.reports.services import report_file
from fangkong.command_center.supervision.services import (
    InspectionInput,
    finding_record,
    finding_transition,
    inspection_record,
)
from fangkong.core.actor import SYSTEM, Actor
from fangkong.regions.models import Region
from fangkong.sim.demo_dispatch import demo_dispatch


@dataclass(frozen=True)
class DutyDemo:
    """What the step left for the demo commander to look at."""

    duty_check: str
    body: str
    rosters_clean: dict[str, bool]
    meeting: str
    present: int
    on_time: int
    late: int
    unanswered: int
    directive: str
    reports: int
    inspection: str


def _officer(district: Region, password: str) -> Actor:
    """The district's demo officer on duty (made once, ``duty_<code>``)."""
    username = f"duty_{district.code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user_create(
            actor=SYSTEM,
            username=username,
            display_name="",
            password=password,
            region=district,
            role=Role.DUTY_OFFICER.value,
        )
    elif not Membership.objects.filter(
        user=user, region=district, role=Role.DUTY_OFFICER, is_active=True
    ).exists():
        membership_grant(actor=SYSTEM, user=user, region=district, role=Role.DUTY_OFFICER.value)
    membership = Membership.objects.select_related("user", "region").get(
        user__username=username, region=district, role=Role.DUTY_OFFICER, is_active=True
    )
    return actor_from_membership(membership)


def demo_duty(*, commander: Actor, inspector: Actor, district: Region, password: str) -> DutyDemo:
    """Run the command-centre scene (see the module docstring) at the commander's node."""
    districts = list(child_units(actor=commander))
    officers = [_officer(d, password) for d in districts]
    staff = list(
        dict.fromkeys(
            [
                *(User.objects.get(pk=o.user_id) for o in officers),
                *User.objects.filter(
                    memberships__region=commander.region_id, memberships__is_active=True
                ).order_by("username"),
            ]
        )
    )
    dispatch = demo_dispatch(
        commander=commander,
        city=Region.objects.get(pk=commander.region_id),
        staff=staff,
        districts=districts,
    )
    now = timezone.now()
    # The check went out 40 minutes ago: the first half answered in 5 minutes, the others
    # now (late); with three districts or more the last does not answer at all.
    check = duty_check_send(actor=commander, at=now - timedelta(minutes=40))
    answered = len(officers) - 1 if len(officers) >= 3 else len(officers)
    half = len(officers) // 2
    for index, officer in enumerate(officers[:answered]):
        when = check.sent_at + timedelta(minutes=5) if index < half else now
        duty_check_answer(actor=officer, check=check, at=when)
    directive = directive_issue(
        actor=commander,
        data=DirectiveInput(
            title="今日完成重点场所全面排查",
            body="各区对辖区内农贸市场、商超、医疗机构开展一次全面排查，报告发现的问题。",
            deadline=now + timedelta(hours=24),
        ),
        units=districts,
        meeting=dispatch.meeting,
    )
    own = next(o for d, o in zip(districts, officers, strict=True) if d.pk == district.pk)
    row = assignment_list(actor=own, directive=directive).get(region=district)
    directive_acknowledge(actor=own, assignment=row)
    yesterday = timezone.localdate() - timedelta(days=1)
    filed = 0
    for place, officer in zip(districts, officers, strict=True):
        if not DailyReport.objects.filter(region=place, day=yesterday).exists():
            report_file(actor=officer, region=place, day=yesterday, zero=False, notes="")
            filed += 1
    inspection = inspection_record(
        actor=inspector,
        data=InspectionInput(
            team="市疫情防控督导一组",
            theme="核酸采样点秩序",
            place=f"{district.name}便民采样点",
            method="unannounced",
            on=timezone.localdate(),
            checklist=[
                {"item": "一米线与分流", "passed": False, "note": "排队拥挤"},
                {"item": "扫码登记", "passed": True, "note": ""},
                {"item": "采样人员防护", "passed": True, "note": ""},
            ],
        ),
    )
    finding = finding_record(
        actor=inspector,
        inspection=inspection,
        unit=district,
        severity="general",
        description="采样点未设一米线，排队人员聚集",
        deadline=now + timedelta(hours=24),
    )
    finding_transition(actor=own, finding=finding, to="rectifying", note="")
    finding_transition(actor=own, finding=finding, to="submitted", note="已设置一米线并增派引导员")
    finding_transition(actor=inspector, finding=finding, to="verified", note="复查合格")
    finding_transition(actor=inspector, finding=finding, to="closed", note="销号")
    return DutyDemo(
        duty_check=str(check.code),
        body=dispatch.body,
        rosters_clean=dispatch.groups,
        meeting=str(dispatch.meeting.code),
        present=dispatch.present,
        on_time=min(half, answered),
        late=max(0, answered - half),
        unanswered=len(officers) - answered,
        directive=str(directive.code),
        reports=filed,
        inspection=str(inspection.code),
    )

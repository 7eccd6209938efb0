"""The demo's command body at work (issue 22 §2–§4): the city's command body (指挥部) with
its testing and tracing working groups (专班), a week of 24-hour rosters in three 8-hour
shifts rotating over each group's members, and a dispatch meeting (调度会) with the
districts: roll call (one district absent), minutes and a decision — the directive that
``sim.demo_duty`` sends comes from it.

Everything goes through the command centre's services as the pages do. Run again, the body,
groups and members are found, the rosters already laid out are checked again, and a new
meeting is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.command_center.meetings.services import (
    meeting_record,
    meeting_roll_call,
    meeting_schedule,
)
from fangkong.command_center.models import CommandBody, Meeting, WorkingGroup
from fangkong.command_center.roster.selectors import RosterFlags, roster_flags
from fangkong.command_center.roster.services import roster_generate
from fangkong.command_center.structure.services import (
    command_body_create,
    group_member_add,
    working_group_create,
)
from fangkong.core.actor import Actor
from fangkong.core.errors import Conflict
from fangkong.regions.models import Region

#: The working groups the demo staffs, with their names.
GROUPS = (("testing", "核酸检测专班"), ("tracing", "流调溯源专班"))
#: Members per group at most: three 8-hour shifts a day, one each (two keep the rules too:
#: 8 hours on, 8 off).
MEMBERS = 3
#: Days the demo's rosters cover, from today.
ROSTER_DAYS = 7
#: The demo's video room (Fangkong does not do video; any conferencing system's address).
VIDEO_ROOM = "https://meeting.example.org/fangkong-demo/dispatch"


@dataclass(frozen=True)
class DispatchDemo:
    body: str
    groups: dict[str, bool]  # kind → the roster keeps the rules and covers every hour
    meeting: Meeting
    present: int
    absent: int


def _body(commander: Actor, city: Region) -> CommandBody:
    body = CommandBody.objects.filter(region=city).first()
    return body or command_body_create(
        actor=commander, region=city, name=f"{city.name}新冠肺炎疫情防控指挥部"
    )


def _group(commander: Actor, body: CommandBody, kind: str, name: str) -> WorkingGroup:
    group = WorkingGroup.objects.filter(body=body, kind=kind).first()
    return group or working_group_create(actor=commander, body=body, kind=kind, name=name)


def _roster(commander: Actor, group: WorkingGroup) -> RosterFlags:
    today = timezone.localdate()
    try:
        return roster_generate(
            actor=commander, group=group, first_day=today, days=ROSTER_DAYS, shift_hours=8
        )
    except Conflict:  # laid out by an earlier run: check it again
        start = datetime.combine(today, time.min, tzinfo=ZoneInfo(group.body.region.time_zone))
        return roster_flags(group=group, start=start, end=start + timedelta(days=ROSTER_DAYS))


def demo_dispatch(
    *, commander: Actor, city: Region, staff: list[User], districts: list[Region]
) -> DispatchDemo:
    """Staff the city's command body from ``staff`` (distinct people per group, two or three
    each while there are enough), lay out the rosters, and hold a dispatch meeting with
    ``districts`` (all present but the last)."""
    body = _body(commander, city)
    clean: dict[str, bool] = {}
    size = max(1, min(MEMBERS, len(staff) // len(GROUPS)))
    for index, (kind, name) in enumerate(GROUPS):
        group = _group(commander, body, kind, name)
        members = [staff[(index * size + k) % len(staff)] for k in range(size)]
        for k, user in enumerate(dict.fromkeys(members)):
            group_member_add(
                actor=commander,
                group=group,
                username=user.username,
                leader=k == 0,
                duty="带班" if k == 0 else "值守",
            )
        clean[kind] = _roster(commander, group).clean
    now = timezone.now()
    meeting = meeting_schedule(
        actor=commander,
        title="全市疫情防控调度会",
        starts_at=now - timedelta(hours=1),
        video_url=VIDEO_ROOM,
    )
    present = [d.code for d in (districts[:-1] if len(districts) > 1 else districts)]
    meeting_roll_call(actor=commander, meeting=meeting, present=present)
    meeting_record(
        actor=commander,
        meeting=meeting,
        minutes="各区汇报昨日核酸检测、流调溯源和隔离转运进展；指挥部通报重点场所排查情况。",
        decisions="今日内各区完成重点场所全面排查，报告发现的问题（见所附指令）。",
    )
    return DispatchDemo(
        body=str(body.code),
        groups=clean,
        meeting=meeting,
        present=len(present),
        absent=len(districts) - len(present),
    )

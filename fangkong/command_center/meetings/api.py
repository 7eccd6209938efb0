"""Dispatch meetings under ``/api/v1/command/meetings``."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.meetings.access import access_meeting
from fangkong.command_center.meetings.selectors import (
    attendance_list,
    meeting_directives,
    meeting_scope,
)
from fangkong.command_center.meetings.services import (
    meeting_record,
    meeting_roll_call,
    meeting_schedule,
)
from fangkong.command_center.models import Meeting
from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields

router = Router(tags=["command centre: dispatch meetings"])


class MeetingIn(Schema):
    title: str = Field(max_length=200)
    starts_at: datetime
    video_url: str = Field("", max_length=500)


class RollCallIn(Schema):
    #: Codes of the localities present.
    present: list[str] = Field(max_length=500)


class MinutesIn(Schema):
    minutes: str = Field("", max_length=20_000)
    decisions: str = Field("", max_length=10_000)


class AttendanceOut(Schema):
    region_code: str
    region_name: str
    present: bool | None


class MeetingOut(Schema):
    code: str
    region_code: str
    title: str
    starts_at: datetime
    video_url: str
    minutes: str
    decisions: str
    attendance: list[AttendanceOut]
    directives: list[str]


def _out(meeting: Meeting) -> MeetingOut:
    return MeetingOut(
        code=str(meeting.code),
        region_code=meeting.region.code,
        title=meeting.title,
        starts_at=meeting.starts_at,
        video_url=meeting.video_url,
        minutes=meeting.minutes,
        decisions=meeting.decisions,
        attendance=[
            AttendanceOut(region_code=a.region.code, region_name=a.region.name, present=a.present)
            for a in attendance_list(meeting=meeting)
        ],
        directives=[str(d.code) for d in meeting_directives(meeting=meeting)],
    )


class MeetingPageOut(PageOut):
    items: list[MeetingOut]


@router.get("/meetings", response={200: MeetingPageOut, **ERRORS}, summary="Dispatch meetings")
def meetings_list(request: HttpRequest, paging: Query[PageParams]) -> MeetingPageOut:
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(meeting_scope(actor), page=paging.page, page_size=paging.page_size)
    return MeetingPageOut(items=[_out(m) for m in page.items], **page_fields(page))


@router.post("/meetings", response={201: MeetingOut, **WRITE_ERRORS}, summary="Call a meeting")
def meetings_schedule(request: HttpRequest, payload: MeetingIn) -> Status[MeetingOut]:
    actor = actor_of(request)
    meeting = meeting_schedule(actor=actor, **payload.model_dump())
    return Status(201, _out(access_meeting(actor, meeting.code)))


@router.get("/meetings/{code}", response={200: MeetingOut, **ERRORS}, summary="One meeting")
def meetings_get(request: HttpRequest, code: str) -> MeetingOut:
    return _out(access_meeting(actor_of(request), code))


@router.post(
    "/meetings/{code}/roll-call",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Record who attended",
)
def meetings_roll_call(request: HttpRequest, code: str, payload: RollCallIn) -> MeetingOut:
    actor = actor_of(request)
    meeting = access_meeting(actor, code, roles=COMMAND_ROLES)
    meeting_roll_call(actor=actor, meeting=meeting, present=payload.present)
    return _out(meeting)


@router.post(
    "/meetings/{code}/minutes",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Keep the minutes and decisions",
)
def meetings_minutes(request: HttpRequest, code: str, payload: MinutesIn) -> MeetingOut:
    actor = actor_of(request)
    meeting = access_meeting(actor, code, roles=COMMAND_ROLES)
    return _out(meeting_record(actor=actor, meeting=meeting, **payload.model_dump()))

"""Reads of dispatch meetings: the calling command's subtree sees them, and each invited
locality's subtree."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from fangkong.command_center.models import Directive, Meeting, MeetingAttendance
from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree


def meeting_scope(actor: AnyActor) -> QuerySet[Meeting]:
    """Meetings called in the actor's subtree or inviting a locality in it, newest first."""
    invited = MeetingAttendance.objects.filter(
        in_subtree(actor.region_path, field="region__path"), meeting=OuterRef("pk")
    )
    return Meeting.objects.filter(
        Q(in_subtree(actor.region_path, field="region__path")) | Q(Exists(invited))
    ).select_related("region")


def attendance_list(*, meeting: Meeting) -> QuerySet[MeetingAttendance]:
    """The localities invited, by node (names and codes only)."""
    return MeetingAttendance.objects.filter(meeting=meeting).select_related("region")


def meeting_directives(*, meeting: Meeting) -> QuerySet[Directive]:
    """The directives the meeting produced."""
    return Directive.objects.filter(meeting=meeting).order_by("created_at")
